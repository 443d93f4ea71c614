"""The stored row format (versioned), and the packing of per-image correctness.

No Keras here: rendering stored rows must not load TensorFlow. Every stored record
(rows, models, probes, dataset.json) carries ``schema_version``; records written before
versioning (version 1, identical fields) are migrated on reading, and a newer version
than this code knows is refused with one line naming the file.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

#: The version written by this code. 1: the unversioned records of earlier releases.
SCHEMA_VERSION = 2
VERSION_KEY = "schema_version"
#: The image group that holds every test image.
ALL = "all"


class SchemaError(ValueError):
    """A stored record this code cannot read (a newer schema, or fields missing)."""


class IncompleteRecord(SchemaError):
    """A stored row that lacks fields (damaged): readers skip it with a warning."""


@dataclass(frozen=True)
class ModelTag:
    """Which trained model a row belongs to."""

    task: str
    data: str
    profile: str
    family: str
    augmentation: str
    seed: int
    model_key: str


@dataclass(frozen=True)
class Row(ModelTag):
    """One model (the ModelTag fields) x cell x image group.

    accuracy, clean_accuracy, consistency and mean_abs_change are shares in [0, 1];
    delta_pp is accuracy minus clean accuracy in percentage points; ci_low/ci_high
    is a 95% bootstrap interval of accuracy over the group's n test images;
    correct_bits is the per-image correctness (np.packbits, base64) for the
    ``all`` group, empty for other groups.
    """

    transform: str
    magnitude: float
    group: str
    n: int
    accuracy: float
    clean_accuracy: float
    delta_pp: float
    consistency: float
    mean_abs_change: float
    ci_low: float
    ci_high: float
    correct_bits: str = ""


_ROW_FIELDS = {f.name for f in fields(Row)}


def versioned(record: dict) -> dict:
    """``record`` with this code's schema version added (for writing)."""
    return {**record, VERSION_KEY: SCHEMA_VERSION}


def migrate(record: dict, where: Path | str) -> dict:
    """A stored record brought to the current schema, without the version key.

    Version 1 records (no ``schema_version``) have the current fields already.
    SchemaError names ``where`` and the version expected for anything newer.
    """
    record = dict(record)
    version = record.pop(VERSION_KEY, 1)
    if not isinstance(version, int) or not 1 <= version <= SCHEMA_VERSION:
        raise SchemaError(
            f"{where}: schema_version {version!r} is not one this bench reads (1 to "
            f"{SCHEMA_VERSION}); upgrade bench or regenerate the file with `bench run`"
        )
    return record


def _number(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _share(value: object) -> bool:
    return _number(value) and 0.0 <= value <= 1.0


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _base64(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _texts(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _numbers(value: object) -> bool:
    return isinstance(value, list) and all(_number(item) for item in value)


#: Kind of value -> (test, words for an error line).
_KINDS: dict[str, tuple[Callable[[object], bool], str]] = {
    "share": (_share, "a finite number in [0, 1]"),
    "number": (_number, "a finite number"),
    "optional number": (lambda v: v is None or _number(v), "a finite number or null"),
    "count": (_count, "a whole number >= 0"),
    "optional count": (lambda v: v is None or _count(v), "a whole number >= 0 or null"),
    "text": (lambda v: isinstance(v, str), "text"),
    "base64": (_base64, "base64 text (packed per-image bits)"),
    "object": (lambda v: isinstance(v, dict), "a JSON object"),
    "texts": (_texts, "a list of text"),
    "numbers": (_numbers, "a list of finite numbers"),
}
_FIELDS_OF_KIND = {
    "share": ("accuracy", "clean_accuracy", "consistency", "mean_abs_change", "ci_low",
              "ci_high", "probability", "clean", "grid_worst", "random_worst", "rotate_worst",
              "shift_worst", "grid_mean"),
    "number": ("magnitude", "delta_pp", "shift_px", "train_seconds", "learning_rate",
               "grid_seconds", "random_seconds"),
    "optional number": ("invariance", "equivariance"),
    "optional count": ("params",),
    "count": ("n", "n_images", "seed", "epochs", "batch_size", "n_train",
              "n_test_used", "n_train_used", "grid_points", "random_tries", "predicted"),
    "text": ("key", "model_key", "task", "data", "profile", "family", "augmentation",
             "transform", "group", "probe", "checksum", "train_checksum", "data_checksum",
             "run_name"),
    "base64": ("correct_bits", "clean_bits", "grid_bits", "random_bits"),
    "object": ("history", "versions", "environment", "sweep_environment", "counts"),
    "texts": ("classes",),
    "numbers": ("probabilities",),
}
#: Stored field name -> kind of value (:data:`_KINDS`), whatever the record (row, model,
#: probe, dataset.json, run.json); a field not named here is not checked.
FIELD_KINDS = {name: kind for kind, names in _FIELDS_OF_KIND.items() for name in names}


#: What to do about a damaged JSON Lines record.
LINE_REMEDY = ("The record is damaged: restore the file from a copy or delete that line "
               "(`bench run` computes a deleted cell again)")


def check_fields(record: dict, where: str, remedy: str = LINE_REMEDY) -> None:
    """SchemaError naming ``where`` (file and line), the field and the value when a field of
    ``record`` holds a value of the wrong kind (:data:`FIELD_KINDS`): an accuracy that is not
    a finite number in [0, 1], a magnitude that is not finite, packed bits that are not
    base64, per-image bits shorter than the row's image count."""
    for name, value in record.items():
        kind = FIELD_KINDS.get(name)
        if kind is not None and not _KINDS[kind][0](value):
            shown = repr(value)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            raise SchemaError(f"{where}: {name} is {shown}; expected {_KINDS[kind][1]}. "
                              f"{remedy}")
    bits, n = record.get("correct_bits"), record.get("n")
    if bits and isinstance(n, int) and len(base64.b64decode(bits)) * 8 < n:
        raise SchemaError(f"{where}: correct_bits holds fewer than n = {n} per-image bits. "
                          f"{remedy}")


def row_from_record(record: dict, where: Path | str) -> Row:
    """A Row from one stored rows-file record (migrated); IncompleteRecord on missing fields."""
    record = migrate(record, where)
    missing = _ROW_FIELDS - set(record) - {"correct_bits"}
    if missing:
        raise IncompleteRecord(f"{where}: a row lacks the fields {sorted(missing)}")
    return Row(**{key: value for key, value in record.items() if key in _ROW_FIELDS})


def row_record(row: Row) -> dict:
    """The stored form of a row (with the schema version)."""
    return versioned(asdict(row))


def pack_bits(correct: np.ndarray) -> str:
    """(N,) bool -> base64 text of np.packbits."""
    return base64.b64encode(np.packbits(correct.astype(bool))).decode("ascii")


def unpack_bits(text: str, n: int) -> np.ndarray:
    """Inverse of :func:`pack_bits` for n images."""
    return np.unpackbits(np.frombuffer(base64.b64decode(text), dtype=np.uint8))[:n].astype(bool)
