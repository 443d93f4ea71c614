"""``bench eval`` says where its test images come from before anything else, and refuses a
reference it cannot be compared with before computing anything."""

from __future__ import annotations

import json
import logging

from bench.cli import main


def _args(model, out, *extra):
    return ["eval", str(model), "--task", "mnist", "--profile", "smoke", "--transforms",
            "shift_x", "--grid", "shift_x=-1:1:1", "--worst-case-n", "0", "--force",
            "--out", str(out), "--quiet", *extra]


def test_scores_on_a_training_split_are_said_first_in_console_and_report(
        untrained_mnist_model, tmp_path, caplog):
    with caplog.at_level(logging.INFO):
        assert main(_args(untrained_mnist_model, tmp_path / "run", "--no-reference")) == 0
    first = caplog.records[0]
    assert first.levelno == logging.WARNING
    assert "from MNIST's training split" in first.getMessage()
    report = (tmp_path / "run" / "report.md").read_text()
    assert report.startswith("> **Test images: 500 of data set `mnist-5k`, from MNIST's "
                             "training split")
    assert "--profile book" in report.split("\n\n")[0]
    assert json.loads((tmp_path / "run" / "run.json").read_text())["task"] == "mnist"


def test_a_reference_on_other_test_images_is_refused_before_anything_runs(untrained_mnist_model,
                                                                           tmp_path, capsys):
    reference = tmp_path / "results" / "mnist" / "smoke"
    (reference / "rows").mkdir(parents=True)
    (reference / "rows" / "k.jsonl").write_text("")
    (reference / "models.jsonl").write_text("")
    (reference / "dataset.json").write_text(json.dumps({"name": "mnist", "n_test_used": 10000,
                                                        "checksum": "other"}))
    status = main(_args(untrained_mnist_model, tmp_path / "run", "--reference",
                        str(tmp_path / "results")))
    err = capsys.readouterr().err
    assert status == 2 and "is not comparable (data set: this run mnist-5k, reference mnist" \
        in err and "--no-reference" in err
    assert not (tmp_path / "run").exists()


def test_a_missing_reference_is_exit_2_unless_no_reference(untrained_mnist_model, tmp_path, capsys):
    assert main(_args(untrained_mnist_model, tmp_path / "run", "--reference", str(tmp_path))) == 2
    assert "no published rows" in capsys.readouterr().err and not (tmp_path / "run").exists()
