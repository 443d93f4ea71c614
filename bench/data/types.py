"""The data types every loader returns, and the error they raise on bad input."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pandas loads on first use, not with the catalog (``bench --help``)
    import pandas as pd


class DataError(Exception):
    """Input data that cannot be used; the message names the file and what to do."""


@dataclass(frozen=True)
class Split:
    """One split of a data set.

    x: uint8 images shaped (N, H, W, C). y: int64 class ids shaped (N,).
    meta: optional per-image attributes (N rows, e.g. ``age``, ``race``), or None.
    """

    x: np.ndarray
    y: np.ndarray
    meta: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.x.ndim != 4 or self.x.dtype != np.uint8:
            raise ValueError(
                f"Split.x must be uint8 (N, H, W, C), got {self.x.dtype} {self.x.shape}"
            )
        if self.y.shape != (len(self.x),):
            raise ValueError(f"Split.y must be shaped ({len(self.x)},), got {self.y.shape}")
        if self.meta is not None and len(self.meta) != len(self.x):
            raise ValueError(f"Split.meta has {len(self.meta)} rows for {len(self.x)} images")

    def take(self, index: np.ndarray) -> Split:
        """The images at ``index`` (an integer array), with their labels and meta rows."""
        meta = None if self.meta is None else self.meta.iloc[index].reset_index(drop=True)
        return Split(self.x[index], self.y[index], meta)

    def subset(self, n: int | None, seed: int) -> Split:
        """``n`` images drawn stratified by class with ``seed``, in their original order (the
        whole split if n is None or not smaller); DataError when a class is too small to
        stratify."""
        if n is None or n >= len(self.y):
            return self
        from sklearn.model_selection import train_test_split  # sklearn loads in ~1 s

        try:
            index, _ = train_test_split(
                np.arange(len(self.y)), train_size=n, stratify=self.y, random_state=seed
            )
        except ValueError as error:
            ids, sizes = np.unique(self.y, return_counts=True)
            counts = {int(i): int(size) for i, size in zip(ids, sizes, strict=True)}
            raise DataError(f"cannot draw {n:,} of {len(self.y):,} images stratified by class "
                            f"(images per class id: {counts}): {error}") from error
        return self.take(np.sort(index))


@dataclass(frozen=True)
class Provenance:
    """Where a data set came from and what it holds.

    source: a path or package resource; checksum: sha256 of the arrays as loaded;
    counts: images per class in each split; skipped: rows left out, by reason;
    notes: how the data was split or subset, in words.
    """

    source: str
    checksum: str
    counts: Mapping[str, Mapping[str, int]]
    skipped: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dataset:
    """A loaded data set: class names (index = label id), two splits, provenance."""

    name: str
    classes: tuple[str, ...]
    train: Split
    test: Split
    provenance: Provenance

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(H, W, C) of every image."""
        return tuple(self.train.x.shape[1:])  # type: ignore[return-value]


def checksum(*arrays: np.ndarray) -> str:
    """sha256 over the shapes, dtypes and bytes of ``arrays`` (hex, first 16 chars)."""
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(f"{array.shape}{array.dtype}".encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]


def check_labels_in_range(y: np.ndarray, n_classes: int, where: str) -> None:
    """DataError naming ``where``, the bad values and how many, when an integer label of
    ``y`` lies outside 0..n_classes-1."""
    outside = (y < 0) | (y >= n_classes)
    if not np.any(outside):
        return
    values = np.unique(y[outside])
    shown = ", ".join(str(v) for v in values[:5]) + (", ..." if len(values) > 5 else "")
    raise DataError(
        f"{where}: labels outside 0..{n_classes - 1}: {int(outside.sum()):,} of {len(y):,} "
        f"labels, values {shown}; expected class ids 0..{n_classes - 1}."
    )


def class_counts(classes: tuple[str, ...], train_y: np.ndarray, test_y: np.ndarray) -> dict:
    """{'train': {class: n}, 'test': {class: n}} for provenance."""
    return {
        split: {name: int(np.sum(y == i)) for i, name in enumerate(classes)}
        for split, y in (("train", train_y), ("test", test_y))
    }


def make_dataset(
    name: str,
    classes: tuple[str, ...],
    train: Split,
    test: Split,
    source: str,
    skipped: Mapping[str, int] | None = None,
    notes: tuple[str, ...] = (),
) -> Dataset:
    """Assemble a Dataset, computing its checksum and class counts; DataError naming
    ``source`` when a split holds no images (caught before any training)."""
    for split, part in (("train", train), ("test", test)):
        if len(part.y) == 0:
            raise DataError(
                f"{source}: the {split} split holds no images; expected at least one image "
                "in each split."
            )
    provenance = Provenance(
        source=source,
        checksum=checksum(train.x, train.y, test.x, test.y),
        counts=class_counts(classes, train.y, test.y),
        skipped=dict(skipped or {}),
        notes=notes,
    )
    return Dataset(name, classes, train, test, provenance)
