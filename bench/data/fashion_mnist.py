"""Fashion-MNIST (Xiao, Rasul, Vollgraf 2017): 28x28 gray clothing images, 10 classes,
read from an npz in the Keras layout (the same layout as ``mnist.npz``)."""

from __future__ import annotations

from pathlib import Path

from bench.data.mnist import read_npz
from bench.data.paths import data_dir
from bench.data.types import DataError, Dataset

#: Class names in label order, from the data set's documentation (zalandoresearch/fashion-mnist).
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle boot")
FILE_NAME = "fashion_mnist.npz"


def load_fashion_mnist(source: Path | None) -> Dataset:
    """Fashion-MNIST from ``source`` (an npz with x_train/y_train/x_test/y_test, uint8
    (N, 28, 28) images and labels 0..9), else ``$BENCH_DATA_DIR/fashion_mnist.npz``."""
    if source is None:
        folder = data_dir()
        if folder is None or not (folder / FILE_NAME).is_file():
            where = f"{folder}/{FILE_NAME} does not exist" if folder else "BENCH_DATA_DIR is unset"
            raise DataError(
                f"Fashion-MNIST not found ({where}). Set BENCH_DATA_DIR to a folder holding "
                f"{FILE_NAME} (Keras layout: x_train, y_train, x_test, y_test) or pass "
                "--source PATH."
            )
        source = folder / FILE_NAME
    return read_npz(Path(source), name="fashion-mnist", classes=CLASSES)
