"""Hostile image folders for ``--data`` and the folder readers: every skipped entry is
printed with its reason and counted (a header declaring 20000x20000 pixels, a symbolic link
loop, a link out of the folder, a ``/dev/null`` link); a class left with no usable image and
a JPEG or PNG cut short are refused with one line, exit 2 (OpenCV alone decodes a cut JPEG
with grey rows and says nothing)."""

from __future__ import annotations

import logging
import os
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from bench.cli import main
from bench.data.confined import OUTSIDE, SYMLINK_LOOP
from bench.data.folders import TOO_LARGE, read_class_folders
from bench.data.types import DataError


def png(path: Path, seed: int = 0, size: int = 8) -> Path:
    image = np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)
    assert cv2.imwrite(str(path), image)
    return path


def huge_header_png(path: Path, width: int = 20_000, height: int = 20_000) -> Path:
    """A small PNG whose IHDR declares ``width`` x ``height`` pixels (CRC fixed)."""
    data = bytearray(png(path).read_bytes())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4: ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr: ihdr + 17])) & 0xFFFFFFFF
    data[ihdr + 17: ihdr + 21] = struct.pack(">I", crc)
    path.write_bytes(bytes(data))
    return path


def tree(root: Path) -> Path:
    """Classes ``a`` and ``b`` with three 8x8 PNGs each."""
    for label, name in enumerate("ab"):
        (root / name).mkdir(parents=True)
        for index in range(3):
            png(root / name / f"{index}.png", seed=10 * label + index)
    return root


def eval_data(tmp_path: Path, data: Path) -> int:
    model = tmp_path / "model.keras"
    model.write_bytes(b"not a model: the data is read first")
    return main(["eval", str(model), "--task", "mnist", "--profile", "smoke", "--data",
                 str(data), "--out", str(tmp_path / "run"), "--no-reference", "--quiet"])


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("bench: error:")]


def test_every_skipped_entry_is_printed_with_its_reason_and_counted(tmp_path, caplog):
    root = tree(tmp_path / "data")
    huge_header_png(root / "a" / "huge.png")
    os.symlink("loop.png", root / "a" / "loop.png")
    png(tmp_path / "outside.png")
    os.symlink(tmp_path / "outside.png", root / "b" / "out.png")
    os.symlink("/dev/null", root / "b" / "null.png")
    with caplog.at_level(logging.WARNING):
        images = read_class_folders(root, ("a", "b"))
    assert images.skipped.counts == {TOO_LARGE: 1, SYMLINK_LOOP: 1, OUTSIDE: 2}
    assert len(images.y) == 6
    for where, reason in (("a/huge.png", TOO_LARGE), ("a/loop.png", SYMLINK_LOOP),
                          ("b/out.png", OUTSIDE), ("b/null.png", OUTSIDE)):
        assert f"skipped ({reason}): {where}" in caplog.text
    assert "4 entries skipped" in caplog.text
    assert str(tmp_path / "outside.png") not in caplog.text  # never where a link leads


def test_a_class_left_empty_by_skips_is_refused(tmp_path, capsys, caplog):
    root = tree(tmp_path / "data")
    for path in (root / "b").iterdir():
        path.unlink()
    png(tmp_path / "outside.png")
    os.symlink(tmp_path / "outside.png", root / "b" / "out.png")
    assert eval_data(tmp_path, root) == 2
    err = capsys.readouterr().err
    [line] = error_lines(err)
    assert "class 'b' has no usable image" in line and "Traceback" not in err
    assert "skipped (outside the data folder): b/out.png" in caplog.text
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(("suffix", "kept"), [(".jpg", 0.6), (".png", 0.6)])
def test_an_image_cut_short_is_refused(tmp_path, capsys, suffix, kept):
    root = tree(tmp_path / "data")
    image = np.random.default_rng(5).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    path = root / "a" / f"cut{suffix}"
    assert cv2.imwrite(str(path), image)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * kept)])
    with pytest.raises(DataError, match="cut short or damaged"):
        read_class_folders(root, ("a", "b"), resize=True, size=(8, 8))
    assert eval_data(tmp_path, root) == 2
    [line] = error_lines(capsys.readouterr().err)
    assert f"{path}: cut short or damaged" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file of mode 000")
def test_an_unreadable_file_is_skipped_and_printed(tmp_path, caplog):
    root = tree(tmp_path / "data")
    locked = png(root / "a" / "locked.png")
    locked.chmod(0)
    try:
        with caplog.at_level(logging.WARNING):
            images = read_class_folders(root, ("a", "b"))
    finally:
        locked.chmod(0o644)
    assert sum(images.skipped.counts.values()) == 1 and "a/locked.png" in caplog.text
