"""One stored run ready for rendering: its estimates, summary table, grid, ranges and what
it lacks against its profile (a partial run)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bench.analysis import ranges, summary
from bench.analysis.estimates import RunEstimates
from bench.analysis.resample import MIN_SEEDS
from bench.analysis.sentences import counted
from bench.catalog import TASKS
from bench.results.completeness import partial_notes
from bench.results.loading import RunData
from bench.results.schema import ALL


@dataclass(frozen=True)
class RunView:
    """A run with everything its tables, sentences and plots read, computed once.

    table: ``summary.over_seeds`` (one interval per cell); swept: transform -> magnitudes;
    edges: transform -> edge of its matching policy's trained range; stored_ranges: the
    run's augmentation ranges (AugmentRanges field -> value); partial: what it lacks.
    """

    run: RunData
    estimates: RunEstimates
    frame: pd.DataFrame
    table: pd.DataFrame
    swept: dict[str, list[float]]
    stored_ranges: dict[str, float]
    edges: dict[str, float]
    partial: list[str]

    @classmethod
    def of(cls, run: RunData) -> RunView:
        """Estimates and tables of a loaded run."""
        estimates = RunEstimates(run.rows, run.task, run_name=run.profile)
        frame = summary.rows_frame(run.rows)
        table = summary.over_seeds(frame, estimates)
        every = table[table["group"] == ALL]
        swept = {t: sorted(set(part["magnitude"])) for t, part in every.groupby("transform")}
        stored = ranges.stored_ranges(run.task, run.profile, run.dataset, run.models)
        return cls(run, estimates, frame, table, swept, stored, ranges.trained_edges(stored),
                   partial_notes(run))

    @property
    def title(self) -> str:
        return TASKS[self.run.task].title

    @property
    def n_test(self) -> int:
        return int(self.table.loc[self.table["group"] == ALL, "n"].max())

    @property
    def seeds(self) -> int:
        return int(self.table["seeds"].max())

    @property
    def seeds_words(self) -> str:
        """``5 seeds``, or ``3 to 5 seeds`` where models hold different numbers (counting
        only models with at least MIN_SEEDS, the ones summaries show, when any has)."""
        counts = self.table["seeds"]
        shown = counts[counts >= MIN_SEEDS]
        low, high = int((shown if len(shown) else counts).min()), self.seeds
        return f"{low} to {high} seeds" if low < high else counted(high, "seed")
