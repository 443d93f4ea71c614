"""Hostile inputs, image files and data folders: every reader checks the pixel count from
the header before decoding (one cap, ``images.MAX_PIXELS``); symbolic link loops, unreadable
entries and files resolving outside the data folder are counted skip reasons, and what the
run writes never names a path outside the data folder (``--allow-outside-paths`` reads
them)."""

from __future__ import annotations

import csv
import errno
import json
import os
import struct
import zlib
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np
import PIL.Image
import pytest
import skimage.io

from bench.catalog.choices import allowing_outside_paths
from bench.catalog.datasets import load
from bench.catalog.profiles import get_profile
from bench.cli import main
from bench.config import ChoiceError
from bench.data import folders
from bench.data.cifar10 import CLASSES
from bench.data.confined import OUTSIDE, SYMLINK_LOOP, UNREADABLE_ENTRY
from bench.data.gender import load_gender
from bench.data.gender_sample import MISSING_FILE, TOO_LARGE
from bench.data.images import MAX_PIXELS

LABEL = "please_select_the_gender_of_the_person_in_the_picture"


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose header declares width x height gray pixels and whose data is a few bytes:
    a decoder would fail (or allocate width x height bytes first); the header alone says
    it is too large."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))
    return path


def cifar_tree(root: Path) -> Path:
    """root/{train,test}/<class>/0.png, one 32x32 image per class."""
    for split in ("train", "test"):
        for label, name in enumerate(CLASSES):
            (root / split / name).mkdir(parents=True)
            cv2.imwrite(str(root / split / name / "0.png"),
                        np.full((32, 32, 3), label * 20, np.uint8))
    return root


#: id -> (width, height): past bench's cap, and past Pillow's own decompression-bomb limit.
TOO_MANY_PIXELS = {"over the cap of 50 M pixels": (8000, 8000),
                   "20000 x 20000, over Pillow's bomb limit too": (20000, 20000)}


@pytest.mark.parametrize("case", list(TOO_MANY_PIXELS))
def test_a_cifar_image_with_too_many_pixels_is_skipped_from_its_header(case, tmp_path):
    width, height = TOO_MANY_PIXELS[case]
    assert width * height > MAX_PIXELS
    root = cifar_tree(tmp_path / "tree")
    png_header_only(root / "train" / "cat" / "huge.png", width, height)
    data = load("cifar10", root)  # decoding it would fail: the header check came first
    assert data.provenance.skipped == {TOO_LARGE: 1}
    assert len(data.train.y) == 10
    assert any("cat/huge.png" in note and f"more than {MAX_PIXELS:,}" in note
               for note in data.provenance.notes)


@pytest.mark.parametrize("case", list(TOO_MANY_PIXELS))
def test_a_face_with_too_many_pixels_is_skipped_from_its_header(case, tmp_path, monkeypatch):
    width, height = TOO_MANY_PIXELS[case]
    faces = tmp_path / "faces"
    for i, label in enumerate(["male", "female"] * 2):
        (faces / label).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(faces / label / f"{i}.png"),
                    np.random.default_rng(i).integers(0, 256, (8, 8), dtype=np.uint8))
    huge = png_header_only(faces / "male" / "huge.png", width, height)
    decode = skimage.io.imread
    monkeypatch.setattr(skimage.io, "imread", lambda path, *a, **k: (
        pytest.fail("decoded") if Path(path) == huge else decode(path, *a, **k)))
    data = load_gender(faces, size=8, per_class=None, test_fraction=0.5)
    assert data.provenance.skipped == {TOO_LARGE: 1}
    assert any("male/huge.png" in note and f"more than {MAX_PIXELS:,}" in note
               for note in data.provenance.notes)


def test_a_symlink_loop_in_a_class_folder_is_a_counted_skip(tmp_path):
    root = cifar_tree(tmp_path / "tree")
    loop = root / "train" / "dog" / "loop.png"
    loop.symlink_to(loop)
    data = load("cifar10", root)
    assert data.provenance.skipped == {SYMLINK_LOOP: 1} and len(data.train.y) == 10
    assert any("dog/loop.png" in note for note in data.provenance.notes)


def test_an_unreadable_image_is_a_counted_skip(tmp_path, monkeypatch):
    """As root, chmod 000 still reads; the open fails as it would for another user."""
    root = cifar_tree(tmp_path / "tree")
    locked = root / "test" / "ship" / "0.png"
    # a second ship, so the class is not left empty (that is refused)
    cv2.imwrite(str(root / "test" / "ship" / "1.png"), np.zeros((32, 32, 3), np.uint8))
    opened = PIL.Image.open

    def refusing(path, *args, **kwargs):
        if Path(path) == locked:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return opened(path, *args, **kwargs)

    monkeypatch.setattr(PIL.Image, "open", refusing)
    images = folders.read_class_folders(root / "test", CLASSES)
    assert images.skipped.counts == {UNREADABLE_ENTRY: 1} and len(images.y) == 10
    assert "ship/0.png (Permission denied)" in images.skipped.examples[0]


def test_a_link_leading_outside_the_image_tree_is_skipped_unless_allowed(tmp_path):
    root = cifar_tree(tmp_path / "tree")
    secret = tmp_path / "elsewhere" / "secret.png"
    secret.parent.mkdir()
    cv2.imwrite(str(secret), np.zeros((32, 32, 3), np.uint8))
    (root / "train" / "frog" / "link.png").symlink_to(secret)
    (root / "train" / "bird" / "inside.png").symlink_to(root / "test" / "bird" / "0.png")
    data = load("cifar10", root)
    assert data.provenance.skipped == {OUTSIDE: 1} and len(data.train.y) == 11
    written = json.dumps(asdict(data.provenance))
    assert "frog/link.png" in written and str(secret.parent) not in written
    again = load("cifar10", root)  # from the decoded cache: the same count
    assert again.provenance.skipped == {OUTSIDE: 1}
    allowed = load("cifar10", root, allow_outside_paths=True)
    assert not allowed.provenance.skipped and len(allowed.train.y) == 12


def faces_csv(tmp_path: Path, images: list[str]) -> Path:
    """faces/faces.csv with four good faces per class plus ``images`` (as male rows)."""
    folder = tmp_path / "faces"
    folder.mkdir()
    rows = []
    for i in range(8):
        pixels = np.random.default_rng(i).integers(0, 256, (8, 8), dtype=np.uint8)
        cv2.imwrite(str(folder / f"{i}.png"), pixels)
        rows.append([f"{i}.png", ("male", "female")[i % 2]])
    with (folder / "faces.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([["image_url", LABEL], *rows,
                                      *([image, "male"] for image in images)])
    return folder / "faces.csv"


def test_csv_paths_leading_outside_the_data_folder_are_skipped_and_never_printed(tmp_path):
    outside = tmp_path / "outside" / "face.png"
    outside.parent.mkdir()
    cv2.imwrite(str(outside), np.full((8, 8), 77, np.uint8))
    source = faces_csv(tmp_path, ["../outside/face.png", str(outside), "/etc/passwd",
                                  "/proc/self/environ"])
    data = load_gender(source, size=8, per_class=None, test_fraction=0.5)
    assert data.provenance.skipped == {OUTSIDE: 4}
    written = json.dumps(asdict(data.provenance)) + data.train.meta.to_csv()
    for text in ("outside/face.png", "/etc/passwd", "environ", str(tmp_path / "outside")):
        assert text not in written, text
    allowed = load_gender(source, size=8, per_class=None, test_fraction=0.5,
                          allow_outside_paths=True)
    assert allowed.provenance.skipped.get(OUTSIDE) is None
    assert len(allowed.train.y) + len(allowed.test.y) >= 9  # the outside face was read


def test_a_symlink_in_a_class_folder_leading_outside_is_skipped(tmp_path):
    faces = tmp_path / "faces"
    for i, label in enumerate(["male", "female"] * 2):
        (faces / label).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(faces / label / f"{i}.png"),
                    np.random.default_rng(i).integers(0, 256, (8, 8), dtype=np.uint8))
    (faces / "male" / "shadow.png").symlink_to("/etc/shadow")
    (faces / "female" / "loop.png").symlink_to(faces / "female" / "loop.png")
    (faces / "female" / "gone.png").symlink_to(faces / "nowhere.png")
    data = load_gender(faces, size=8, per_class=None, test_fraction=0.5)
    assert data.provenance.skipped == {OUTSIDE: 1, SYMLINK_LOOP: 1, MISSING_FILE: 1}
    assert "/etc/shadow" not in json.dumps(asdict(data.provenance))


def test_allow_outside_paths_is_a_loader_option_of_folder_data_only(capsys, tmp_path):
    profile = allowing_outside_paths(get_profile("gender", "smoke"))
    assert dict(profile.data_options)["allow_outside_paths"] is True
    with pytest.raises(ChoiceError, match="applies to data read from image folders"):
        allowing_outside_paths(get_profile("mnist", "smoke"))
    assert main(["run", "mnist", "--allow-outside-paths", "--out", str(tmp_path)]) == 2
    assert "--allow-outside-paths applies to" in capsys.readouterr().err


def test_a_full_disk_while_caching_faces_leaves_no_temporary_file(tmp_path, monkeypatch,
                                                                 isolated_cache, caplog):
    def fill_the_disk(handle, **arrays):
        handle.write(b"PK half an npz")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("bench.data.gender.np.savez", fill_the_disk)
    data = load_gender(faces_csv(tmp_path, []), size=8, per_class=None, test_fraction=0.5)
    assert len(data.train.y) + len(data.test.y) == 8  # the load goes on without its cache
    assert "No space left on device (ENOSPC)" in caplog.text
    assert [p.name for p in (isolated_cache / "gender").iterdir()] == []
