"""CIFAR-10 loaders: image folders, a Keras-layout npz, the official python batches, the
Keras cache or the download ``keras.datasets`` makes (with a deadline). Labels use the
Keras class order.

The python batches are pickles; they are read with :mod:`bench.data.safe_pickle`, which
builds plain data only, so a crafted batch cannot run code. Where several layouts are
found, the JPEG folder and the npz are preferred to the batches.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.data.dataset_download import Archive, extract_folder, fetch_archive
from bench.data.folders import Skipped, image_suffixes, read_class_tree
from bench.data.npz import read_keras_npz
from bench.data.paths import cache_dir, data_dir, keras_datasets_dir
from bench.data.safe_pickle import ForbiddenPickle, load_plain_data
from bench.data.types import DataError, Dataset, Split, check_labels_in_range, make_dataset

CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
IMAGE_SHAPE = (32, 32, 3)
#: Images per split in the official release.
OFFICIAL_COUNTS = {"train": 50_000, "test": 10_000}
BATCH_FILES = {"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)}
#: Names looked for inside $BENCH_DATA_DIR (or a --source folder), in this order: the layouts
#: that hold no pickle first.
FOLDER_NAMES = ("cifar10-jpeg", "cifar10.npz", "cifar-10-batches-py")
#: The download ``keras.datasets.cifar10`` makes (the file and checksum it uses).
CIFAR10_DOWNLOAD = Archive(
    title="CIFAR-10",
    url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    max_bytes=200_000_000,  # 170 MB
    deadline_s=1800.0,
    offline="pass --source PATH to a cifar10-jpeg/ or cifar-10-batches-py/ folder or a "
            "cifar10.npz, or set BENCH_DATA_DIR to a folder holding one of them",
)
_LAYOUTS = (
    "a folder with train/<class>/ and test/<class>/ images, a cifar-10-batches-py folder "
    "(data_batch_1..5, test_batch), an npz with x_train/y_train/x_test/y_test, or a folder "
    f"holding one of {list(FOLDER_NAMES)}"
)


def _check_labels(y: np.ndarray, n: int, where: str) -> np.ndarray:
    """y as int64 (n,), accepting (n, 1); DataError naming ``where`` otherwise."""
    y = np.asarray(y)
    if y.shape == (n, 1):
        y = y[:, 0]
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
        raise DataError(
            f"{where}: labels are {y.dtype} {y.shape}; expected integers shaped ({n},)."
        )
    check_labels_in_range(y, len(CLASSES), where)
    return y.astype(np.int64)


def _dataset(train: Split, test: Split, source: str, notes: tuple[str, ...] = (),
             skipped: dict[str, int] | None = None) -> Dataset:
    """make_dataset, with a note when a split is smaller or larger than the official one."""
    for split, part in (("train", train), ("test", test)):
        if len(part.y) != OFFICIAL_COUNTS[split]:
            notes += (
                f"{split} holds {len(part.y):,} images (official CIFAR-10: "
                f"{OFFICIAL_COUNTS[split]:,}).",
            )
    return make_dataset("cifar10", CLASSES, train, test, source=source, notes=notes,
                        skipped=skipped or {})


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One official python batch: x uint8 (N, 32, 32, 3) RGB, y int64 (N,).

    The pickle holds b"data" (N, 3072) rows (1024 red, 1024 green, 1024 blue values, each
    32x32 row-major) and b"labels". Read with the plain-data unpickler: a file that asks
    for anything else (a function to call) is refused before anything runs.
    """
    try:
        with open(path, "rb") as handle:
            batch = load_plain_data(handle, encoding="bytes")
    except FileNotFoundError as error:
        raise DataError(
            f"{path}: missing; a cifar-10-batches-py folder holds "
            f"{[*BATCH_FILES['train'], *BATCH_FILES['test']]}."
        ) from error
    except ForbiddenPickle as error:
        raise DataError(
            f"{path}: refused: {error}; a CIFAR-10 batch holds only numpy arrays, lists, "
            "dicts, strings and bytes. Use the official batches, the JPEG folder or an npz."
        ) from error
    except Exception as error:  # pickle raises many types on a damaged file
        raise DataError(f"{path}: not a readable CIFAR-10 pickle ({error!r}).") from error
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        keys = sorted(batch) if isinstance(batch, dict) else type(batch).__name__
        raise DataError(f"{path}: expected a dict with keys b'data' and b'labels', got {keys}.")
    data = np.asarray(batch[b"data"])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise DataError(f"{path}: b'data' is {data.dtype} {data.shape}; expected uint8 (N, 3072).")
    y = _check_labels(np.asarray(batch[b"labels"]), len(data), f"{path} b'labels'")
    x = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(x), y


def read_batches(folder: Path) -> Dataset:
    """The official ``cifar-10-batches-py`` folder (data_batch_1..5 and test_batch)."""
    splits = {}
    for split, names in BATCH_FILES.items():
        parts = [read_batch(folder / name) for name in names]
        splits[split] = Split(
            np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts])
        )
    return _dataset(splits["train"], splits["test"], source=str(folder))


def read_npz(path: Path) -> Dataset:
    """An npz in the Keras layout: x_train/x_test uint8 (N, 32, 32, 3), y_* (N,) or (N, 1)."""
    arrays = read_keras_npz(path)
    splits = {}
    for split in ("train", "test"):
        x = arrays[f"x_{split}"]
        if x.dtype != np.uint8 or x.shape[1:] != IMAGE_SHAPE:
            raise DataError(
                f"{path}: x_{split} is {x.dtype} {x.shape}; expected uint8 (N, 32, 32, 3)."
            )
        splits[split] = Split(x, _check_labels(arrays[f"y_{split}"], len(x), f"{path} y_{split}"))
    return _dataset(splits["train"], splits["test"], source=str(path))


def read_image_tree(root: Path, allow_outside_paths: bool = False) -> Dataset:
    """``root/{train,test}/<class>/*.jpg|png``, 32x32 RGB; decoded arrays are cached under
    ``cache_dir()/cifar10`` so a second load only reads one npz per split. Entries that
    cannot be used (a link loop, unreadable, too many pixels, resolving outside ``root``
    unless ``allow_outside_paths``) are skipped and counted."""
    splits, skipped = {}, Skipped()
    for split in ("train", "test"):
        images = read_class_tree(root / split, CLASSES, cache_dir() / "cifar10",
                                 size=IMAGE_SHAPE[:2], data_root=root,
                                 allow_outside_paths=allow_outside_paths)
        splits[split] = Split(images.x, images.y)
        skipped = skipped.merged(images.skipped)
    suffixes = image_suffixes(root / "train", CLASSES) | image_suffixes(root / "test", CLASSES)
    notes = ("Decoded from image files in folders (one per class), in sorted file-name order.",)
    if suffixes & {".jpg", ".jpeg"}:
        notes += (
            "JPEG re-encodings: pixels differ slightly from the original CIFAR-10 "
            "batches, so accuracy is close to but not identical with published figures.",
        )
    return _dataset(splits["train"], splits["test"], source=str(root),
                    notes=notes + tuple(skipped.examples), skipped=skipped.counts)


def read_cifar10(path: Path, allow_outside_paths: bool = False) -> Dataset:
    """Read CIFAR-10 from any supported layout at ``path`` (see ``_LAYOUTS``);
    allow_outside_paths: image files may resolve outside the image tree."""
    path = Path(path).expanduser()
    if path.is_file() and path.suffix == ".npz":
        return read_npz(path)
    if not path.is_dir():
        raise DataError(f"{path}: no such folder or npz file. Expected {_LAYOUTS}.")
    if (path / "train").is_dir() or (path / "test").is_dir():
        return read_image_tree(path, allow_outside_paths)
    for name in FOLDER_NAMES:
        if (path / name).exists():
            return read_cifar10(path / name, allow_outside_paths)
    if any((path / name).exists() for names in BATCH_FILES.values() for name in names):
        return read_batches(path)
    raise DataError(f"{path}: holds no CIFAR-10 data. Expected {_LAYOUTS}.")


def _download() -> Dataset:
    """The official python batches, downloaded (163 MB, with a deadline: CIFAR10_DOWNLOAD)
    and extracted where ``keras.datasets.cifar10`` keeps them, then read as plain data."""
    archive = fetch_archive(CIFAR10_DOWNLOAD, keras_datasets_dir() / "cifar-10-python.tar.gz")
    folder = extract_folder(archive, "cifar-10-batches-py",
                            keras_datasets_dir() / "cifar-10-batches-py-target")
    archive.unlink()  # the batches are kept; the archive would double the disk used
    return read_batches(folder)


def load_cifar10(source: Path | None, allow_outside_paths: bool = False) -> Dataset:
    """CIFAR-10: ``source`` (any layout of :func:`read_cifar10`), else
    $BENCH_DATA_DIR/{cifar10-jpeg, cifar10.npz, cifar-10-batches-py} (first found), else the
    Keras cache, else the ``keras.datasets`` download. allow_outside_paths: image files
    may resolve outside the image tree (otherwise skipped and counted)."""
    if source is not None:
        return read_cifar10(Path(source), allow_outside_paths)
    folder = data_dir()
    if folder is not None:
        for name in FOLDER_NAMES:
            if (folder / name).exists():
                return read_cifar10(folder / name, allow_outside_paths)
        raise DataError(
            f"BENCH_DATA_DIR={folder} holds none of {list(FOLDER_NAMES)}; "
            "add one or pass --source PATH."
        )
    # Keras 3 extracts into cifar-10-batches-py-target/; Keras 2 extracted beside the archive.
    for cached in ("cifar-10-batches-py-target/cifar-10-batches-py", "cifar-10-batches-py"):
        if (keras_datasets_dir() / cached / "test_batch").is_file():
            return read_batches(keras_datasets_dir() / cached)
    return _download()
