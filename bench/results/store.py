"""The result store: append-only JSON Lines files in one folder per (task, profile).

Layout of ``<results>/<task>/<profile>/``:

- ``rows/<model key>.jsonl``: one :class:`bench.results.schema.Row` per line, appended and
  flushed to disk after every cell, so an interrupted run loses nothing already
  computed (one file per model keeps every file small);
- ``models.jsonl``: one :class:`bench.run.train.TrainRecord` per trained model;
- ``probes/<model key>.jsonl``: task-specific extra measurements (e.g. MNIST's mean "1"),
  one file per model as for rows (a folder written before holds them all in one
  ``probes.jsonl``; it is read, and a model's records in it are retired with the model);
- ``dataset.json``: provenance of the data the run used;
- ``retired/``: rows and probe records set aside because their model was trained again
  (a model key names one trained model: its old cells are never mixed with new ones).

Every record carries ``schema_version`` (see :mod:`bench.results.schema`). A lock file
inside the folder, ``.lock`` (:func:`lock_path`), guards it so two runs of the same task and
profile cannot interleave their writes; whatever else writes a run folder (``bench publish``)
takes the same lock.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from filelock import FileLock, Timeout

from bench.os_faults import naming, replaced_atomically
from bench.results.loading import (
    DATASET,
    MODELS,
    PROBE_FILES,
    PROBES,
    ROWS,
    load_records,
    load_rows,
    split_lines,
)
from bench.results.run_info import RUN_INFO
from bench.results.schema import Row, row_record, versioned

log = logging.getLogger(__name__)

RETIRED = "retired"
LOCK = ".lock"


class StoreBusy(RuntimeError):
    """Another run holds the store's lock."""


def lock_path(folder: Path) -> Path:
    """The lock file a run holds while it writes ``folder`` (``bench publish`` takes it
    too): ``<folder>/.lock``, inside it, so nothing is left beside a run folder (the folder
    must exist before the lock is taken)."""
    return Path(folder) / LOCK


def acquire_lock(folder: Path) -> FileLock:
    """The run lock of ``folder`` (which must exist), acquired; StoreBusy when another run
    holds it. The caller releases it."""
    lock = FileLock(str(lock_path(folder)))
    try:
        lock.acquire(timeout=1)
    except Timeout:
        raise StoreBusy(f"{folder} is in use by another bench run; wait for it to finish.") \
            from None
    return lock


class ResultStore:
    """Append-only results of one task and profile under ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._lock: FileLock | None = None
        self._cells: dict[tuple[str, str, float], dict[str, Row]] = {}
        self._probes: list[dict] = []
        self._models: dict[str, dict] = {}

    def __enter__(self) -> ResultStore:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = acquire_lock(self.folder)
        (self.folder / ROWS).mkdir(parents=True, exist_ok=True)
        for path in [*self.folder.glob("*.jsonl"), *(self.folder / ROWS).glob("*.jsonl"),
                     *(self.folder / PROBE_FILES).glob("*.jsonl")]:
            self._repair_tail(path)
        for row in load_rows(self.folder):
            self._index(row)
        self._probes = load_records(self.folder, PROBES)
        self._models = {r["key"]: r for r in load_records(self.folder, MODELS)}
        return self

    def _index(self, row: Row) -> None:
        cell = (row.model_key, row.transform, float(row.magnitude))
        self._cells.setdefault(cell, {})[row.group] = row  # a recomputed cell replaces rows

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()

    @staticmethod
    def _repair_tail(path: Path) -> None:
        """End a last line cut short by a crash with a newline, so the next append starts on
        a fresh line; the fragment stays (readers skip it with a warning)."""
        if not path.is_file() or path.stat().st_size == 0:
            return
        with open(path, "rb+") as handle:
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) == b"\n":
                return
            log.warning("%s: its last line was cut short (an interrupted run); the next "
                        "record starts on a new line", path)
            handle.seek(0, os.SEEK_END)
            handle.write(b"\n")
            handle.flush()
            os.fsync(handle.fileno())

    def _append(self, name: str, records: Iterable[dict]) -> None:
        """Append records to ``folder/name`` in one write, then fsync."""
        text = "".join(json.dumps(record, sort_keys=True) + "\n" for record in records)
        path = self.folder / name
        with naming(path), open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())

    def append_rows(self, rows: Iterable[Row]) -> None:
        """Append a cell's rows (all of one model) to that model's file, forced to disk."""
        rows = list(rows)
        keys = {row.model_key for row in rows}
        if len(keys) != 1:
            raise ValueError(f"append_rows takes the rows of one model, got keys {sorted(keys)}")
        self._append(f"{ROWS}/{keys.pop()}.jsonl", (row_record(row) for row in rows))
        for row in rows:
            self._index(row)

    def record_model(self, record: object, sweep_environment: dict[str, str],
                     trained_now: bool) -> None:
        """Record the model (a TrainRecord dataclass, with its training environment) a run
        uses, once per training, with the environment that computes its rows.

        Rows and probes stored for its key that another training produced (the model was
        trained now while they exist, or its stored record is another training's) are set
        aside in ``retired/`` first, with a warning, so their cells are computed again.
        """
        data = {**asdict(record), "sweep_environment": sweep_environment}
        stored = self._models.get(data["key"])
        if not trained_now and stored is not None and _same_training(stored, data):
            return  # loaded from the cache: the training its rows came from
        if trained_now or stored is not None:
            self._retire(data["key"], "was trained again" if trained_now else
                         "was loaded from the model cache as another training than the one "
                         "its stored rows came from")
        self._append(MODELS, [versioned(data)])
        self._models[data["key"]] = data

    def _retire(self, key: str, what_happened: str) -> None:
        """Move the rows and probe records of model ``key`` to ``retired/``; the warning says
        ``what_happened`` to the model (trained again, or loaded as another training)."""
        rows_file = self.folder / ROWS / f"{key}.jsonl"
        has_probes = any(p["model_key"] == key for p in self._probes)
        if not rows_file.is_file() and not has_probes:
            return
        stem = self._retired_stem(key)
        moved = []
        if rows_file.is_file():
            moved.append(stem.with_name(f"{stem.name}.jsonl"))
            os.replace(rows_file, moved[-1])
        if has_probes:
            moved.append(stem.with_name(f"{stem.name}-probes.jsonl"))
            self._move_probes(key, moved[-1])
            self._probes = [p for p in self._probes if p["model_key"] != key]
        self._cells = {cell: rows for cell, rows in self._cells.items() if cell[0] != key}
        log.warning("%s: model %s %s, so the rows and probes of its earlier training were "
                    "set aside in %s; its cells are computed again",
                    self.folder, key, what_happened, ", ".join(str(path) for path in moved))

    def _retired_stem(self, key: str) -> Path:
        """``retired/<key>-<UTC time>[-n]``: a name no earlier retirement holds."""
        folder = self.folder / RETIRED
        folder.mkdir(exist_ok=True)
        stem = name = f"{key}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"
        number = 1
        while (folder / f"{name}.jsonl").exists() or (folder / f"{name}-probes.jsonl").exists():
            number += 1
            name = f"{stem}-{number}"
        return folder / name

    def _move_probes(self, key: str, target: Path) -> None:
        """Move the probe records of model ``key`` to ``target`` (written atomically first):
        the lines of an older run's ``probes.jsonl`` whose ``model_key`` is ``key`` (every
        other line, a damaged one included, stays), then its ``probes/<key>.jsonl``."""
        legacy = self.folder / PROBES
        moved, kept = split_lines(legacy, lambda record: record.get("model_key") == key)
        from_legacy = bool(moved)
        own = self.folder / PROBE_FILES / f"{key}.jsonl"
        if own.is_file():
            moved.extend(own.read_bytes().splitlines(keepends=True))
        with replaced_atomically(target) as partial:
            partial.write_bytes(b"".join(moved))
        if from_legacy:
            with replaced_atomically(legacy) as partial:
                partial.write_bytes(b"".join(kept))
        own.unlink(missing_ok=True)

    def append_probes(self, probes: Iterable[dict]) -> None:
        """Append probe records (e.g. the mean-"1" points) to their models' files, each
        forced to disk."""
        probes = list(probes)
        (self.folder / PROBE_FILES).mkdir(exist_ok=True)
        for key in dict.fromkeys(probe["model_key"] for probe in probes):
            self._append(f"{PROBE_FILES}/{key}.jsonl",
                         (versioned(probe) for probe in probes if probe["model_key"] == key))
        self._probes.extend(probes)

    def write_dataset(self, provenance: dict) -> None:
        """Write dataset.json (the data's provenance), with the schema version, atomically."""
        with replaced_atomically(self.folder / DATASET) as partial:
            partial.write_text(json.dumps(versioned(provenance), indent=1, sort_keys=True))

    def write_run_info(self, info: dict) -> None:
        """Write run.json (what the folder is a run of), with the schema version, atomically."""
        partial = self.folder / f"{RUN_INFO}.{os.getpid()}.part"
        partial.write_text(json.dumps(versioned(info), indent=1, sort_keys=True))
        os.replace(partial, self.folder / RUN_INFO)

    def has_model(self, model_key: str) -> bool:
        """Whether models.jsonl records the model."""
        return model_key in self._models

    def done_cells(self, model_key: str, n_groups: int) -> frozenset[tuple[str, float]]:
        """(transform, magnitude) cells stored for a model with all ``n_groups`` group rows."""
        return frozenset((t, m) for (key, t, m), groups in self._cells.items()
                         if key == model_key and len(groups) == n_groups)

    def rows_of(self, model_key: str, transform: str, magnitude: float) -> list[Row]:
        """The stored rows of one model's cell, one per group ([] if not computed yet)."""
        return list(self._cells.get((model_key, transform, float(magnitude)), {}).values())

    def probes_of(self, model_key: str, probe: str) -> list[dict]:
        """The stored probe records of one model."""
        return [p for p in self._probes if p["model_key"] == model_key and p["probe"] == probe]


def _same_training(stored: dict, record: dict) -> bool:
    """Whether two records of one model key come from the same training: its measured
    time and per-epoch history, which any new training changes."""
    return (stored.get("train_seconds") == record.get("train_seconds")
            and stored.get("history") == record.get("history"))
