"""The result store: append-only JSON Lines files in one folder per (task, profile).

Layout of ``<results>/<task>/<profile>/``:

- ``rows/<model key>.jsonl``: one :class:`bench.results.schema.Row` per line, appended and
  flushed to disk after every cell, so an interrupted run loses nothing already
  computed (one file per model keeps every file small);
- ``models.jsonl``: one :class:`bench.run.train.TrainRecord` per trained model;
- ``probes.jsonl``: task-specific extra measurements (e.g. MNIST's mean "1");
- ``dataset.json``: provenance of the data the run used.

Every record carries ``schema_version`` (see :mod:`bench.results.schema`). A lock file
guards the folder so two runs of the same task and profile cannot interleave their writes.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from filelock import FileLock, Timeout

from bench.results.loading import (
    DATASET,
    MODELS,
    PROBES,
    ROWS,
    load_records,
    load_rows,
)
from bench.results.schema import Row, row_record, versioned

log = logging.getLogger(__name__)


class StoreBusy(RuntimeError):
    """Another run holds the store's lock."""


class ResultStore:
    """Append-only results of one task and profile under ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._lock = FileLock(str(self.folder) + ".lock")
        self._cells: dict[tuple[str, str, float], dict[str, Row]] = {}
        self._probes: list[dict] = []
        self._model_keys: set[str] = set()

    def __enter__(self) -> ResultStore:
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=1)
        except Timeout:
            raise StoreBusy(
                f"{self.folder} is in use by another bench run; wait for it to finish."
            ) from None
        (self.folder / ROWS).mkdir(parents=True, exist_ok=True)
        for path in [*self.folder.glob("*.jsonl"), *(self.folder / ROWS).glob("*.jsonl")]:
            self._repair_tail(path)
        for row in load_rows(self.folder):
            self._index(row)
        self._probes = load_records(self.folder, PROBES)
        self._model_keys = {r["key"] for r in load_records(self.folder, MODELS)}
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
        with open(self.folder / name, "a", encoding="utf-8") as handle:
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

    def append_model(self, record: object, sweep_environment: dict[str, str]) -> None:
        """Record a trained model (a TrainRecord dataclass, with its training environment)
        once per key, with the environment that computes its rows."""
        data = {**asdict(record), "sweep_environment": sweep_environment}
        if data["key"] not in self._model_keys:
            self._append(MODELS, [versioned(data)])
            self._model_keys.add(data["key"])

    def append_probes(self, probes: Iterable[dict]) -> None:
        """Append probe records (e.g. the mean-"1" points) and force them to disk."""
        probes = list(probes)
        self._append(PROBES, (versioned(probe) for probe in probes))
        self._probes.extend(probes)

    def write_dataset(self, provenance: dict) -> None:
        """Write dataset.json (the data's provenance), with the schema version."""
        (self.folder / DATASET).write_text(json.dumps(versioned(provenance), indent=1,
                                                      sort_keys=True))

    def has_model(self, model_key: str) -> bool:
        """Whether models.jsonl records the model."""
        return model_key in self._model_keys

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

