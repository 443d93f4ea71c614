"""A model fed the other input range than it was trained on, but still well above chance,
is stopped when the other range scores far higher (it passed the stop before: 19.6% against a
true 88%); the flag it needs is named."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from bench.cli import main
from bench.evaluate.sanity import RANGE_GAP, range_problem

#: The label is written into pixel (0, 0) as label * 20. Fed 0..255, the model reads it
#: back; fed 0..1 it still reads every third image right and guesses the next class for
#: the rest (about 40% accuracy: well above chance, far below its 100%).
MODEL = """
import numpy as np


def reads_pixels():
    def predict(images):
        value = images[:, 0, 0, 0]
        if images.max() > 1.5:  # 0..255, as trained
            labels = np.rint(value / 20).astype(int)
        else:
            labels = np.rint(value * 255 / 20).astype(int)
            wrong = np.arange(len(labels)) % 3 != 0
            labels[wrong] = (labels[wrong] + 1) % 10
        return np.eye(10)[np.clip(labels, 0, 9)]
    return predict
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "pixel_model.py").write_text(textwrap.dedent(MODEL))
    y = np.arange(60) % 10
    x = np.zeros((60, 28, 28, 1), dtype=np.uint8)
    x[:, 0, 0, 0] = y * 20
    np.savez(tmp_path / "data.npz", x_test=x, y_test=y)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _eval(project, *extra):
    return main(["eval", "pixel_model:reads_pixels", "--task", "mnist", "--data", "data.npz",
                 "--profile", "smoke", "--transforms", "shift_x", "--grid", "shift_x=-1:1:1",
                 "--worst-case-n", "0", "--quiet", "--out", str(project / "run"), *extra])


def test_the_wrong_input_range_is_stopped_with_the_flag_to_pass(project, capsys):
    assert _eval(project) == 2
    err = capsys.readouterr().err
    assert "with --input-range 0-1 but 100.0% with --input-range 0-255" in err
    assert not (project / "run" / "rows").exists()
    assert _eval(project, "--input-range", "0-255") == 0


def test_a_small_gap_between_the_ranges_is_no_stop():
    assert range_problem(0.80, 0.80 + RANGE_GAP - 0.01, "0-1") is None
    assert "0-255" in range_problem(0.50, 0.50 + RANGE_GAP, "0-1")
