"""Read a folder-per-class image tree (``root/<class>/*.jpg|png``) into uint8 arrays.

Decoding is strict about content: an unknown or missing class folder, a stray file or an
image that cannot be decoded raises :class:`DataError` naming it and every other fault found
with it. What the file system or the size cap rules out is skipped and counted by reason
(:class:`Skipped`): a symbolic link loop, an entry that cannot be read, a file that
resolves outside the data folder (unless allowed), an image whose header declares more than
``images.MAX_PIXELS`` pixels (checked before decoding). :func:`read_class_tree` caches the
decoded arrays as an npz keyed by the folder and a fingerprint of its files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from bench.data.confined import OUTSIDE, UNREADABLE_ENTRY, entry_fault, is_inside
from bench.data.images import ImageError, ImageTooLarge, check_complete, check_pixel_count
from bench.data.types import DataError
from bench.os_faults import replaced_atomically

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
#: Bump when the cached arrays would change for the same files (decoder, layout). 3: an
#: image cut short is refused (it decoded with grey rows before). 4: RGB -> gray in a fixed
#: float64 order (the same bits on every CPU).
CACHE_VERSION = 4
TOO_LARGE = "too large"
#: The fault of a class folder with no entry at all.
EMPTY = "holds no images"
#: Examples kept per skip reason.
EXAMPLES_PER_REASON = 3


@dataclass
class Skipped:
    """Entries left out: counts by reason, a few ``path (detail)`` examples (kept in the
    cache and the provenance) and, while decoding, every entry's line (``lines``). Paths are
    relative to the data folder; one outside it is never written out."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def add(self, reason: str, where: str, detail: str) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1
        line = f"skipped ({reason}): {where} ({detail})"
        self.lines.append(line)
        if self.counts[reason] <= EXAMPLES_PER_REASON:
            self.examples.append(line)

    def merged(self, other: Skipped) -> Skipped:
        counts = dict(self.counts)
        for reason, count in other.counts.items():
            counts[reason] = counts.get(reason, 0) + count
        return Skipped(counts, self.examples + other.examples, self.lines + other.lines)

    def log(self, root: Path) -> None:
        """One warning per skipped entry (the examples, for a tree read from the cache),
        then one with the count by reason; nothing when none was skipped."""
        if not self.counts:
            return
        for line in self.lines or self.examples:
            log.warning("%s: %s", root, line)
        total = sum(self.counts.values())
        reasons = ", ".join(f"{count} {reason}" for reason, count in self.counts.items())
        log.warning("%s: %d entr%s skipped (%s)", root, total, "y" if total == 1 else "ies",
                    reasons)


@dataclass(frozen=True)
class ClassImages:
    """Decoded images x uint8 (N, H, W, 3) RGB, class ids y int64 (N,), entries skipped."""

    x: np.ndarray
    y: np.ndarray
    skipped: Skipped


def _scan_all(root: Path, classes: Sequence[str], data_root: Path | None = None,
              allow_outside_paths: bool = False,
              ) -> tuple[list[tuple[os.DirEntry, int]], list[str], Skipped]:
    """(directory entry, class id) for every image, every fault found in the class folders
    (an empty one, a file that is not an image), and the entries skipped (a symbolic link
    loop, an unreadable entry, a file resolving outside ``data_root``, default ``root``);
    a missing, unknown or stray entry beside the class folders raises at once."""
    root = Path(root)
    data_root = Path(data_root) if data_root is not None else root
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
    files, faults, skipped = [], [], Skipped()
    for label, name in enumerate(classes):
        with os.scandir(folders[name].path) as entries:
            members = sorted(
                (e for e in entries if not e.name.startswith(".")), key=attrgetter("name")
            )
        if not members:
            faults.append(f"{folders[name].path}: class folder {name!r} {EMPTY}")
        # an entry that is no link lies where its class folder does: one resolve per folder
        folder_inside = allow_outside_paths or is_inside(folders[name].path, data_root)
        for entry in members:
            where = f"{name}/{entry.name}"
            try:
                is_file = entry.is_file()
            except OSError as error:
                skipped.add(entry_fault(entry.path) or UNREADABLE_ENTRY, where, error.strerror
                            or str(error))
                continue
            if not allow_outside_paths and not (
                    folder_inside and (not entry.is_symlink() or is_inside(entry.path,
                                                                           data_root))):
                skipped.add(OUTSIDE, where, "resolves outside the data folder; "
                                            "--allow-outside-paths reads it")
            elif not is_file or _suffix(entry.name) not in IMAGE_SUFFIXES:
                faults.append(f"{entry.path}: not an image file (expected suffixes "
                              f"{list(IMAGE_SUFFIXES)})")
            else:
                files.append((entry, label))
    return files, faults, skipped


def _scan(root: Path, classes: Sequence[str], data_root: Path | None = None,
          allow_outside_paths: bool = False) -> list[tuple[os.DirEntry, int]]:
    """(directory entry, class id) for every image; DataError naming every fault."""
    files, faults, _ = _scan_all(root, classes, data_root, allow_outside_paths)
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


def parse_class_names(text: str, option: str = "--classes") -> tuple[str, ...]:
    """``cat,dog`` -> ('cat', 'dog'); DataError naming ``option`` for an empty name or one
    given twice (two outputs of one name would make every per-class figure ambiguous)."""
    names = tuple(name.strip() for name in text.split(","))
    if not all(names):
        raise DataError(f"{option} {text!r}: an empty class name; list one name per class, "
                        "comma-separated, in output order")
    seen: set[str] = set()
    twice = [name for name in names if name in seen or seen.add(name)]
    if twice:
        shown = ", ".join(repr(name) for name in dict.fromkeys(twice))
        raise DataError(f"{option}: {shown} named more than once; each class needs its own "
                        "name")
    return names


def _suffix(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def image_suffixes(root: Path, classes: Sequence[str]) -> set[str]:
    """The lower-case file suffixes (e.g. ``{".jpg"}``) of the images under ``root``."""
    return {_suffix(entry.name) for entry, _ in _scan(root, classes)}


def read_image(path: Path) -> np.ndarray:
    """Decode one image file to uint8 RGB (H, W, 3); grey or RGBA files become RGB.
    ImageTooLarge (from its header, before decoding) above ``images.MAX_PIXELS`` pixels;
    DataError when it cannot be decoded, or not completely (a JPEG or PNG cut short);
    OSError when it cannot be read."""
    check_pixel_count(path)
    try:
        check_complete(path)
    except ImageTooLarge:
        raise
    except ImageError as error:
        raise DataError(str(error)) from None
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise DataError(f"{path}: cannot be decoded as an image (corrupt or not an image file).")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def read_class_folders(
    root: Path,
    classes: Sequence[str],
    size: tuple[int, int] | None = None,
    resize: bool = False,
    data_root: Path | None = None,
    allow_outside_paths: bool = False,
) -> ClassImages:
    """Decode every image under ``root/<class>/`` without caching.

    size: required (height, width) in pixels; None takes the first image's size.
    resize: scale images of another size to ``size`` (cv2 INTER_AREA) instead of raising.
    data_root: the data folder files must resolve inside (default ``root``), unless
    ``allow_outside_paths``. Returns the images sorted by class id then file name (hidden
    files ignored), and the entries skipped.
    """
    if resize and size is None:
        raise ValueError("resize=True needs a size (height, width)")
    entries, faults, skipped = _scan_all(root, classes, data_root, allow_outside_paths)
    files = [(Path(entry.path), label) for entry, label in entries]
    images, labels = [], []
    for path, label in tqdm(files, desc=f"decoding {root}", unit="img", disable=None):
        where = f"{path.parent.name}/{path.name}"
        try:
            image = read_image(path)
        except DataError as error:
            faults.append(str(error).rstrip("."))
            continue
        except ImageTooLarge as error:
            skipped.add(TOO_LARGE, where, str(error).removeprefix(f"{path}: "))
            continue
        except OSError as error:
            skipped.add(entry_fault(path) or UNREADABLE_ENTRY, where,
                        error.strerror or str(error))
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
        labels.append(label)
    decoded = set(labels)
    for label, name in enumerate(classes):
        if label not in decoded and not any(f"class folder {name!r} {EMPTY}" in fault
                                            for fault in faults):
            faults.append(f"{Path(root) / name}: class {name!r} has no usable image (every "
                          "entry was skipped or could not be decoded)")
    skipped.log(Path(root))
    _raise_faults(root, faults)  # every fault at once: folder contents and decoding
    if not images:
        raise DataError(f"{root}: no usable image (skipped: {skipped.counts}). Fix or remove "
                        "the skipped entries, or pass --allow-outside-paths for links that "
                        "lead outside the data folder.")
    x = np.stack(images).astype(np.uint8, copy=False)
    return ClassImages(x, np.array(labels, dtype=np.int64), skipped)


def fingerprint(root: Path, classes: Sequence[str], data_root: Path | None = None,
                allow_outside_paths: bool = False) -> str:
    """sha256 (hex, 16 chars) of the resolved folder, class names, every file's relative
    name, size and mtime, and the entries skipped: changes when any image is added, removed
    or rewritten, or a skipped entry changes."""
    files, _, skipped = _scan_all(root, classes, data_root, allow_outside_paths)
    resolved = Path(os.path.realpath(root))
    digest = hashlib.sha256(
        f"v{CACHE_VERSION}|{resolved}|{list(classes)}|{allow_outside_paths}".encode())
    for entry, label in files:
        stat = entry.stat()
        digest.update(f"|{label}/{entry.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    digest.update(json.dumps([skipped.counts, skipped.examples]).encode())
    return digest.hexdigest()[:16]


def read_class_tree(
    root: Path,
    classes: Sequence[str],
    cache_folder: Path | None,
    size: tuple[int, int] | None = None,
    resize: bool = False,
    data_root: Path | None = None,
    allow_outside_paths: bool = False,
) -> ClassImages:
    """:func:`read_class_folders`, cached as ``cache_folder/<folder name>-<key>.npz``.

    The key covers the folder, its files' names, sizes and mtimes, the entries skipped and
    ``size``/``resize``, so an edited tree is decoded again. cache_folder None: no cache.
    """
    options = dict(data_root=data_root, allow_outside_paths=allow_outside_paths)
    if cache_folder is None or _scan_all(root, classes, **options)[1]:
        return read_class_folders(root, classes, size, resize, **options)  # names every fault
    key = fingerprint(root, classes, **options)
    if size is not None:
        key = hashlib.sha256(f"{key}|{tuple(size)}|{resize}".encode()).hexdigest()[:16]
    cached = Path(cache_folder) / f"{Path(os.path.realpath(root)).name}-{key}.npz"
    if cached.is_file():
        try:
            with np.load(cached, allow_pickle=False) as npz:
                counts, examples = json.loads(str(npz["skipped"]))
                images = ClassImages(npz["x"], npz["y"], Skipped(counts, examples))
        except Exception as error:  # a truncated or foreign file: decode again, overwrite it
            warnings.warn(
                f"{cached}: unreadable image cache ({error}); decoding {root} again.",
                stacklevel=2,
            )
        else:
            images.skipped.log(Path(root))
            return images
    images = read_class_folders(root, classes, size, resize, **options)
    cached.parent.mkdir(parents=True, exist_ok=True)
    skipped = json.dumps([images.skipped.counts, images.skipped.examples])
    with replaced_atomically(cached) as partial, open(partial, "wb") as handle:
        np.savez(handle, x=images.x, y=images.y, skipped=np.array(skipped))
    return images
