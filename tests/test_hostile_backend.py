"""``KERAS_BACKEND`` set to an unknown or uninstalled backend: one line naming it and what to
install or set, exit 2, nothing written (Keras reads the variable once, at its first import,
so the CLI runs in a fresh process)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.config import ChoiceError
from bench.library_logs import check_backend

MISSING = next((name for name in ("jax", "torch", "openvino")
                if importlib.util.find_spec(name) is None), None)


def bench(tmp_path: Path, backend: str) -> subprocess.CompletedProcess:
    source = tmp_path / "mnist.npz"
    np.savez(source, x_train=np.zeros((40, 28, 28), np.uint8), y_train=np.arange(40) % 10,
             x_test=np.zeros((20, 28, 28), np.uint8), y_test=np.arange(20) % 10)
    command = [sys.executable, "-m", "bench.cli", "run", "mnist", "--profile", "smoke",
               "--families", "mlp", "--augmentations", "none", "--quiet",
               "--source", str(source), "--out", str(tmp_path / "out")]
    return subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "KERAS_BACKEND": backend})


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("bench: error:")]


def test_unknown_backend_is_one_line_exit_2(tmp_path: Path) -> None:
    done = bench(tmp_path, "tensorflw")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    [line] = error_lines(done.stderr)
    assert "KERAS_BACKEND='tensorflw' is not a Keras backend" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(MISSING is None, reason="every Keras backend is installed here")
def test_uninstalled_backend_names_what_to_install(tmp_path: Path) -> None:
    done = bench(tmp_path, MISSING)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    [line] = error_lines(done.stderr)
    assert f"the {MISSING} package is not installed" in line and f"pip install {MISSING}" in line
    assert not (tmp_path / "out").exists()


def test_check_backend_accepts_unset_and_tensorflow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    check_backend()
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    check_backend()
    monkeypatch.setenv("KERAS_BACKEND", "")
    with pytest.raises(ChoiceError, match="is not a Keras backend"):
        check_backend()
