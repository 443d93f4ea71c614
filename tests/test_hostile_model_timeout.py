"""A ``module:function`` model that never returns, at load or at predict, is one line and
exit 2 after --model-timeout, never a hang."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from bench.cli import main

NEVER = """
import threading
import numpy as np

STOP = threading.Event()


def hangs_at_load():
    STOP.wait()


def hangs_at_predict():
    def predict(images):
        STOP.wait()
    return predict
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "never_returns.py").write_text(textwrap.dedent(NEVER))
    test = np.zeros((20, 28, 28, 1), dtype=np.uint8)
    np.savez(tmp_path / "data.npz", x_test=test, y_test=np.arange(20) % 10)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("function, what", [("hangs_at_load", "hangs_at_load()"),
                                            ("hangs_at_predict", "a batch of 20 images")])
def test_a_function_model_that_never_returns_times_out(project, capsys, function, what):
    status = main(["eval", f"never_returns:{function}", "--task", "mnist", "--data",
                   "data.npz", "--profile", "smoke", "--model-timeout", "1", "--quiet",
                   "--out", str(project / "run")])
    err = capsys.readouterr().err
    assert status == 2 and what in err and "did not return within 1 s" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("value", ["0", "-3", "nan", "inf"])
def test_the_timeout_must_be_a_positive_number(project, capsys, value):
    assert main(["eval", "never_returns:hangs_at_load", "--task", "mnist",
                 f"--model-timeout={value}"]) == 2
    assert "--model-timeout must be a number of seconds > 0" in capsys.readouterr().err
