"""The stored row format (versioned), and the packing of per-image correctness.

No Keras here: rendering stored rows must not load TensorFlow. Every stored record
(rows, models, probes, dataset.json) carries ``schema_version``; records written before
versioning (version 1, identical fields) are migrated on reading, and a newer version
than this code knows is refused with one line naming the file.
"""

from __future__ import annotations

import base64
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
