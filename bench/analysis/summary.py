"""Aggregate stored rows over seeds into tidy pandas tables (no rendering here).

Accuracies stay shares in [0, 1]; deltas are percentage points. Intervals come from
:class:`bench.analysis.estimates.RunEstimates` (two levels: seeds, then test images).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

import pandas as pd

from bench.analysis.estimates import RunEstimates
from bench.catalog import TRANSFORMS
from bench.results.schema import Row

MODEL_COLUMNS = ["family", "augmentation"]
CELL_COLUMNS = ["transform", "magnitude", "group"]


def rows_frame(rows: Sequence[Row]) -> pd.DataFrame:
    """One DataFrame row per stored Row (without the packed bits)."""
    if not rows:
        raise ValueError("no result rows to summarise; run `bench run` first")
    frame = pd.DataFrame([asdict(row) for row in rows]).drop(columns=["correct_bits"])
    return frame.drop_duplicates(subset=["model_key", *CELL_COLUMNS], keep="last")


def over_seeds(frame: pd.DataFrame, estimates: RunEstimates) -> pd.DataFrame:
    """Mean over seeds of every model x cell x group, with its interval.

    Columns: family, augmentation, transform, magnitude, group, n (images), seeds (count),
    accuracy, clean_accuracy, delta_pp (means over seeds), and ci_low / ci_high: the 95%
    two-level bootstrap interval of accuracy over seeds and test images (``estimates``, so
    every table and plot shows the same interval for a cell).
    """
    out = frame.groupby(MODEL_COLUMNS + CELL_COLUMNS, sort=True).agg(
        n=("n", "first"),
        seeds=("seed", "nunique"),
        accuracy=("accuracy", "mean"),
        clean_accuracy=("clean_accuracy", "mean"),
        delta_pp=("delta_pp", "mean"),
    ).reset_index()
    intervals = [
        estimates.accuracy((r.family, r.augmentation), ((r.transform, r.magnitude),), r.group)
        for r in out.itertuples()
    ]
    out["ci_low"] = [e.low for e in intervals]
    out["ci_high"] = [e.high for e in intervals]
    return out


#: The grid of worst- and random-of-grid accuracy: the swept cells within each transform's
#: worst_case_limit (+-3 px each axis and +-30 degrees), after Engstrom et al. 2019 (who
#: search the product grid).
ENGSTROM_LIMITS = {spec.name: spec.worst_case_limit for spec in TRANSFORMS
                   if spec.worst_case_limit is not None}


def describe_grid(grid: Sequence[tuple[str, float]]) -> str:
    """Words for the cells a grid holds, e.g. ``shift_x ±2 px, rotate ±30°``: per transform,
    the extremes of the magnitudes actually swept within the limits."""
    swept: dict[str, list[float]] = {}
    for transform, magnitude in grid:
        if TRANSFORMS[transform].distance(magnitude) > 0:
            swept.setdefault(transform, []).append(magnitude)
    return ", ".join(f"{name} {TRANSFORMS[name].extremes(mags)}"
                     for name, mags in swept.items()) or "the clean images only"
