"""Data set registry: ``load(name, source)`` returns a :class:`Dataset`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bench.config import DataName, parse_choice
from bench.data.cifar10 import load_cifar10
from bench.data.gender import load_gender
from bench.data.mnist import load_mnist, load_mnist_5k
from bench.data.types import DataError, Dataset, Provenance, Split

#: A loader takes the source path (None: its default locations) and keyword options.
Loader = Callable[..., Dataset]

LOADERS: dict[DataName, Loader] = {
    DataName.MNIST: load_mnist,
    DataName.MNIST_5K: load_mnist_5k,
    DataName.CIFAR10: load_cifar10,
    DataName.GENDER: load_gender,
}


def load(name: DataName | str, source: Path | str | None = None, **options: object) -> Dataset:
    """Load data set ``name`` from ``source`` (a path) or its default locations.

    ``options`` are passed to the loader (for example image size or samples per class).
    """
    data_name = parse_choice(DataName, name, "data set")
    return LOADERS[data_name](Path(source) if source is not None else None, **options)


__all__ = ["Dataset", "DataError", "Provenance", "Split", "load", "LOADERS"]
