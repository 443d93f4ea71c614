"""Hostile ``bench eval --data`` npz files and ``--classes``: an empty npz, a label far
outside any class count (2**31, 2e6: never millions of class names), a repeated class name.
Each is one line on stderr, exit 2, no traceback and nothing written; the data is read
before the model, so the model here is a file that need not load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.cli import main
from bench.data.npz import MAX_CLASSES, read_test_npz
from bench.data.types import DataError


def run_eval(tmp_path: Path, npz: Path, *extra: str) -> int:
    model = tmp_path / "model.keras"
    model.write_bytes(b"not read: the data is refused first")
    (tmp_path / "no-reference").mkdir(exist_ok=True)
    return main(["eval", str(model), "--task", "mnist", "--profile", "smoke", "--data",
                 str(npz), "--out", str(tmp_path / "run"), "--reference",
                 str(tmp_path / "no-reference"), "--quiet", *extra])


def one_error(capsys, says: str) -> None:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, lines[:3]
    assert says in lines[0] and "Traceback" not in captured.err
    assert len(captured.err) < 1000


def npz(tmp_path: Path, x: np.ndarray, y: np.ndarray) -> Path:
    path = tmp_path / "data.npz"
    np.savez(path, x_test=x, y_test=y)
    return path


def test_empty_npz(tmp_path: Path, capsys) -> None:
    path = npz(tmp_path, np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64))
    assert run_eval(tmp_path, path) == 2
    one_error(capsys, "x_test holds no image")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("label", [2**31, 2_000_000, -1])
def test_label_far_outside_any_class_count(tmp_path: Path, capsys, label: int) -> None:
    y = np.arange(20, dtype=np.int64) % 10
    y[3] = label
    path = npz(tmp_path, np.zeros((20, 28, 28), np.uint8), y)
    assert run_eval(tmp_path, path) == 2
    one_error(capsys, f"class id {label:,}")
    assert not (tmp_path / "run").exists()


def test_label_outside_named_classes(tmp_path: Path, capsys) -> None:
    path = npz(tmp_path, np.zeros((20, 28, 28), np.uint8), np.arange(20) % 10)
    assert run_eval(tmp_path, path, "--classes", "a,b") == 2
    one_error(capsys, "--classes names 2 classes")


def test_repeated_class_names_are_refused(tmp_path: Path, capsys) -> None:
    path = npz(tmp_path, np.zeros((20, 28, 28), np.uint8), np.arange(20) % 10)
    names = ",".join(["zero", "zero"] + [str(i) for i in range(2, 10)])
    assert run_eval(tmp_path, path, "--classes", names) == 2
    one_error(capsys, "'zero' named more than once")
    assert not (tmp_path / "run").exists()


def test_repeated_class_folders_are_refused(tmp_path: Path, capsys) -> None:
    for name in ("cat", "dog"):
        (tmp_path / "data" / name).mkdir(parents=True)
    assert run_eval(tmp_path, tmp_path / "data", "--classes", "cat,cat") == 2
    one_error(capsys, "'cat' named more than once")


def test_largest_allowed_class_id_reads(tmp_path: Path) -> None:
    y = np.zeros(2, np.int64)
    y[1] = MAX_CLASSES - 1
    x, read = read_test_npz(npz(tmp_path, np.zeros((2, 4, 4), np.uint8), y))
    assert read.tolist() == [0, MAX_CLASSES - 1] and x.shape == (2, 4, 4)
    y[1] = MAX_CLASSES
    with pytest.raises(DataError, match=f"class id {MAX_CLASSES:,}"):
        read_test_npz(npz(tmp_path, np.zeros((2, 4, 4), np.uint8), y))
