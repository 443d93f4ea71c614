"""Hostile inputs, whole runs and reports: a probe the data cannot support is skipped with a
line in the report (never a crash after the sweep), and a folder `bench report` does not
know is a warning, not an abort."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from tiny_run import run, run_folder

from bench.cli import main


def npz_without_a_one_in_the_test_split(path):
    rng = np.random.default_rng(0)
    y_test = np.array([digit for digit in range(10) if digit != 1] * 2)
    np.savez(path, x_train=rng.integers(0, 256, (40, 28, 28), dtype=np.uint8),
             y_train=np.arange(40) % 10,
             x_test=rng.integers(0, 256, (len(y_test), 28, 28), dtype=np.uint8), y_test=y_test)
    return path


@pytest.mark.slow
def test_a_probe_without_its_class_is_skipped_with_a_line_in_the_report(tmp_path, caplog):
    source = npz_without_a_one_in_the_test_split(tmp_path / "no-ones.npz")
    with caplog.at_level(logging.INFO):
        assert run(source, tmp_path / "out") == 0
    report = (run_folder(tmp_path / "out") / "report.md").read_text()
    assert ("## Probes skipped\n\n- `mean_one_shift_x` was skipped for 1 model: the test "
            "split has no image of class 1.") in report
    assert 'The mean "1", shifted' not in report
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert run(source, tmp_path / "out") == 0  # the rerun neither crashes nor retrains
    assert "every cell already stored" in caplog.text and "trained" not in caplog.text


def test_a_folder_of_an_unknown_task_is_a_warning_for_report(tmp_path, caplog, capsys):
    from test_hostile_inputs import store_model

    results = tmp_path / "results"
    store_model(results / "mnist" / "smoke")
    store_model(results / "holiday-photos" / "smoke")
    assert main(["report", "--results", str(results), "--out", str(tmp_path / "reports")]) == 0
    assert (tmp_path / "reports" / "mnist-smoke.md").is_file()
    assert f"{results / 'holiday-photos'}: not a task bench knows" in caplog.text
    assert "holiday-photos" not in capsys.readouterr().out  # no report of it


def test_device_train_decodes_into_the_users_cache_not_a_shared_temp_folder(
        tmp_path, monkeypatch, isolated_cache):
    import tempfile

    from bench.run import device_train

    used = []

    def reading(folder, classes, cache, size):
        used.append(cache)
        raise SystemExit("stop before training")

    monkeypatch.setattr(device_train, "read_class_tree", reading)
    with pytest.raises(SystemExit, match="stop before training"):
        device_train.main(["cifar10", "--families", "cnn", "--augmentations", "none",
                           "--seeds", "0", "--train-folder", str(tmp_path), "--out",
                           str(tmp_path / "trained")])
    assert used == [isolated_cache / "cifar10"]
    assert not str(used[0]).startswith(tempfile.gettempdir() + "/bench-decoded")


def test_a_model_at_zero_clean_accuracy_gets_a_sentence_not_a_division_by_zero():
    from bench.analysis import sentences
    from bench.analysis.resample import Estimate

    def estimate(value):
        return Estimate(value, np.full(3, value), np.full(10, value), 3, 20)

    class ZeroClean:
        """Estimates of a model that classifies no clean test image correctly."""

        def common_seeds(self, models, condition):
            return (0, 1, 2)

        def accuracy(self, model, condition, seeds):
            return estimate(0.1)

        def clean(self, model, seeds):
            return estimate(0.0)

        def kept(self, model, condition):
            return None

    finding = sentences._falls(ZeroClean(), ["mlp"], (("shift_x", 3.0),), quiet=False)
    assert "rises from 0.0% to 10.0%" in finding.text
