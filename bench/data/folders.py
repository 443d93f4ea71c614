"""Read a folder-per-class image tree (``root/<class>/*.jpg|png``) into uint8 arrays.

Decoding is strict: an unknown or missing class folder, a stray file or an unreadable
image raises :class:`DataError` naming it and every other fault found with it.
:func:`read_class_tree` caches the decoded arrays as an npz keyed by the folder and a
fingerprint of its files.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Sequence
from operator import attrgetter
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from bench.data.types import DataError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
#: Bump when the cached arrays would change for the same files (decoder, layout).
CACHE_VERSION = 1


def _scan_all(root: Path, classes: Sequence[str]) -> tuple[list[tuple[os.DirEntry, int]],
                                                             list[str]]:
    """(directory entry, class id) for every image, and every fault found in the class
    folders (an empty one, a file that is not an image); a missing, unknown or stray
    entry beside the class folders raises at once."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(
            f"{root}: no such folder; expected one subfolder per class {list(classes)}."
        )
    with os.scandir(root) as entries:
        folders = {e.name: e for e in entries if not e.name.startswith(".")}
    strays = sorted(name for name, entry in folders.items() if not entry.is_dir())
    unknown = sorted(
        name for name, entry in folders.items() if entry.is_dir() and name not in classes
    )
    missing = [name for name in classes if name not in folders]
    if strays or unknown or missing:
        raise DataError(
            f"{root}: expected exactly one subfolder per class {list(classes)}; "
            f"missing {missing}, unknown folders {unknown}, stray files {strays}."
        )
    files, faults = [], []
    for label, name in enumerate(classes):
        with os.scandir(folders[name].path) as entries:
            members = sorted(
                (e for e in entries if not e.name.startswith(".")), key=attrgetter("name")
            )
        if not members:
            faults.append(f"{folders[name].path}: class folder {name!r} holds no images")
        for entry in members:
            if not entry.is_file() or _suffix(entry.name) not in IMAGE_SUFFIXES:
                faults.append(f"{entry.path}: not an image file (expected suffixes "
                              f"{list(IMAGE_SUFFIXES)})")
            else:
                files.append((entry, label))
    return files, faults


def _scan(root: Path, classes: Sequence[str]) -> list[tuple[os.DirEntry, int]]:
    """(directory entry, class id) for every image; DataError naming every fault."""
    files, faults = _scan_all(root, classes)
    _raise_faults(root, faults)
    return files


#: Faults named in one error message; more are counted.
MAX_FAULTS_SHOWN = 10


def _raise_faults(root: Path, faults: list[str]) -> None:
    """One DataError naming every fault (the first MAX_FAULTS_SHOWN, then a count)."""
    if not faults:
        return
    shown = "; ".join(faults[:MAX_FAULTS_SHOWN])
    more = len(faults) - MAX_FAULTS_SHOWN
    raise DataError(
        f"{root}: {len(faults)} problem{'s' if len(faults) > 1 else ''}: {shown}"
        + (f"; and {more} more" if more > 0 else "")
        + ". Replace or remove these files (or move them out of the class folders)."
    )


def _suffix(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def image_suffixes(root: Path, classes: Sequence[str]) -> set[str]:
    """The lower-case file suffixes (e.g. ``{".jpg"}``) of the images under ``root``."""
    return {_suffix(entry.name) for entry, _ in _scan(root, classes)}


def list_class_files(root: Path, classes: Sequence[str]) -> list[tuple[Path, int]]:
    """(file, class id) for every image under ``root/<class>/``, sorted by class id then
    file name. Hidden files (``.name``) are ignored; anything else that is not an image
    of a known class raises DataError."""
    return [(Path(entry.path), label) for entry, label in _scan(root, classes)]


def read_image(path: Path) -> np.ndarray:
    """Decode one image file to uint8 RGB (H, W, 3); grey or RGBA files become RGB."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise DataError(f"{path}: cannot be decoded as an image (corrupt or not an image file).")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def read_class_folders(
    root: Path,
    classes: Sequence[str],
    size: tuple[int, int] | None = None,
    resize: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Decode every image under ``root/<class>/`` without caching.

    size: required (height, width) in pixels; None takes the first image's size.
    resize: scale images of another size to ``size`` (cv2 INTER_AREA) instead of raising.
    Returns x uint8 (N, H, W, 3) RGB and y int64 (N,) class ids, in :func:`list_class_files`
    order.
    """
    if resize and size is None:
        raise ValueError("resize=True needs a size (height, width)")
    entries, faults = _scan_all(root, classes)
    files = [(Path(entry.path), label) for entry, label in entries]
    images = []
    for path, _ in tqdm(files, desc=f"decoding {root}", unit="img", disable=None):
        try:
            image = read_image(path)
        except DataError as error:
            faults.append(str(error).rstrip("."))
            continue
        if size is None:
            size = image.shape[:2]
        if image.shape[:2] != tuple(size):
            if not resize:
                faults.append(f"{path}: image is {image.shape[1]}x{image.shape[0]} px (width x "
                              f"height); expected {size[1]}x{size[0]} like the other images")
                continue
            image = cv2.resize(image, (size[1], size[0]), interpolation=cv2.INTER_AREA)
        images.append(image)
    _raise_faults(root, faults)  # every fault at once: folder contents and decoding
    x = np.stack(images).astype(np.uint8, copy=False)
    y = np.array([label for _, label in files], dtype=np.int64)
    return x, y


def fingerprint(root: Path, classes: Sequence[str]) -> str:
    """sha256 (hex, 16 chars) of the resolved folder, class names, and every file's relative
    name, size and mtime: changes when any image is added, removed or rewritten."""
    root = Path(root).resolve()
    digest = hashlib.sha256(f"v{CACHE_VERSION}|{root}|{list(classes)}".encode())
    for entry, label in _scan(root, classes):
        stat = entry.stat()
        digest.update(f"|{label}/{entry.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def read_class_tree(
    root: Path,
    classes: Sequence[str],
    cache_folder: Path | None,
    size: tuple[int, int] | None = None,
    resize: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`read_class_folders`, cached as ``cache_folder/<folder name>-<key>.npz``.

    The key covers the folder, its files' names, sizes and mtimes, and ``size``/``resize``,
    so an edited tree is decoded again. cache_folder None: no cache.
    """
    if cache_folder is None or _scan_all(root, classes)[1]:
        return read_class_folders(root, classes, size, resize)  # raises naming every fault
    key = fingerprint(root, classes)
    if size is not None:
        key = hashlib.sha256(f"{key}|{tuple(size)}|{resize}".encode()).hexdigest()[:16]
    cached = Path(cache_folder) / f"{Path(root).resolve().name}-{key}.npz"
    if cached.is_file():
        try:
            with np.load(cached, allow_pickle=False) as npz:
                return npz["x"], npz["y"]
        except Exception as error:  # a truncated or foreign file: decode again, overwrite it
            warnings.warn(
                f"{cached}: unreadable image cache ({error}); decoding {root} again.",
                stacklevel=2,
            )
    x, y = read_class_folders(root, classes, size, resize)
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(f"{cached.name}.{os.getpid()}.partial")
    with open(partial, "wb") as handle:
        np.savez(handle, x=x, y=y)
    os.replace(partial, cached)  # atomic: a concurrent reader never sees half a file
    return x, y
