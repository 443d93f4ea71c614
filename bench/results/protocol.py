"""What a run writes its results through: the :class:`Store` protocol.

``bench.run.runner.TaskRun`` takes any Store. Two satisfy it: ``ResultStore``
(``bench.results.store``, the append-only run folder on disk) and ``MemoryStore``
(``bench.results.memory``, the lists a Dask worker returns to the one writer, the client).
``tests/test_results.py`` checks both against this protocol, method by method.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable

from bench.results.schema import Row


@runtime_checkable
class Store(Protocol):
    """The store of one run's results. folder: the run folder on disk (None in memory).
    Used as a context manager; a cell is (transform, magnitude in the transform's unit)."""

    folder: Path | None

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def write_dataset(self, provenance: dict) -> None:
        """Keep the data's provenance (dataset.json)."""

    def write_run_info(self, info: dict) -> None:
        """Keep what the folder is a run of: task, run name, profile (run.json)."""

    def append_rows(self, rows: Iterable[Row]) -> None:
        """Keep one cell's rows (all of one model, one per image group)."""

    def record_model(self, record: object, sweep_environment: dict[str, str],
                     trained_now: bool) -> None:
        """Keep the record of a model the run uses (a TrainRecord), once per training."""

    def append_probes(self, probes: Iterable[dict]) -> None:
        """Keep probe records (each with ``model_key`` and ``probe``)."""

    def has_model(self, model_key: str) -> bool:
        """Whether the model's record is kept."""

    def done_cells(self, model_key: str, n_groups: int) -> frozenset[tuple[str, float]]:
        """The cells of a model kept with all ``n_groups`` group rows."""

    def rows_of(self, model_key: str, transform: str, magnitude: float) -> list[Row]:
        """The kept rows of one model's cell ([] if not computed yet)."""

    def probes_of(self, model_key: str, probe: str) -> list[dict]:
        """The kept records of one probe of one model."""
