"""An in-memory :class:`bench.results.protocol.Store`, beside the on-disk ``ResultStore``.

A Dask worker computes a model through the same ``TaskRun`` as an in-process run, but it
must not write the run folder (the client is the one writer): it collects the model
record, the rows and the probe records here and returns them as plain data.
"""

from __future__ import annotations

from collections.abc import Iterable

from bench.results.schema import Row


class MemoryStore:
    """A Store (what a TaskRun calls) keeping every record in lists."""

    folder = None

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.models: list[tuple[object, dict[str, str], bool]] = []
        self.probes: list[dict] = []
        self.dataset: dict | None = None
        self.run_info: dict | None = None

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def write_dataset(self, provenance: dict) -> None:
        self.dataset = provenance

    def write_run_info(self, info: dict) -> None:
        self.run_info = info

    def append_rows(self, rows: Iterable[Row]) -> None:
        self.rows.extend(rows)

    def record_model(self, record: object, sweep_environment: dict[str, str],
                     trained_now: bool) -> None:
        if not self.has_model(record.key):
            self.models.append((record, sweep_environment, trained_now))

    def append_probes(self, probes: Iterable[dict]) -> None:
        self.probes.extend(probes)

    def has_model(self, model_key: str) -> bool:
        return any(record.key == model_key for record, _, _ in self.models)

    def rows_of(self, model_key: str, transform: str, magnitude: float) -> list[Row]:
        return [row for row in self.rows if row.model_key == model_key
                and row.transform == transform and row.magnitude == float(magnitude)]

    def done_cells(self, model_key: str, n_groups: int) -> frozenset[tuple[str, float]]:
        cells = [(row.transform, row.magnitude) for row in self.rows if row.model_key == model_key]
        return frozenset(cell for cell in cells if cells.count(cell) == n_groups)

    def probes_of(self, model_key: str, probe: str) -> list[dict]:
        return [p for p in self.probes if p["model_key"] == model_key and p["probe"] == probe]
