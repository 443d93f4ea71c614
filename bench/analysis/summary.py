"""Aggregate stored rows over seeds into tidy pandas tables (no rendering here).

Accuracies stay shares in [0, 1]; deltas are percentage points. With one seed
the spread is the row's 95% bootstrap interval over test images; with several,
it is the sample standard deviation over seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

import numpy as np
import pandas as pd

from bench.analysis import metrics
from bench.catalog import FAMILIES, POLICIES, TRANSFORMS
from bench.results.schema import ALL, Row, unpack_bits

MODEL_COLUMNS = ["family", "augmentation"]
CELL_COLUMNS = ["transform", "magnitude", "group"]


def model_order(model: tuple[str, str]) -> tuple[int, int]:
    """Sort key of a (family, augmentation) pair: catalog order of families, then of
    policies."""
    family, augmentation = model
    return FAMILIES.order(family), POLICIES.order(augmentation)


def identity_of(transform: str) -> float:
    """The identity magnitude of a catalog transform (ChoiceError for an unknown name)."""
    return TRANSFORMS[transform].identity


def is_identity(frame: pd.DataFrame) -> pd.Series:
    """Boolean mask of the rows whose magnitude is their transform's identity."""
    return frame["magnitude"] == frame["transform"].map(identity_of)


def distance_from_identity(frame: pd.DataFrame) -> pd.Series:
    """|magnitude - identity| of every row, rounded like ``TransformSpec.distance``."""
    return (frame["magnitude"] - frame["transform"].map(identity_of)).abs().round(6)


def _seed_std(values: pd.Series) -> float:
    """Sample standard deviation (ddof 1) over seeds; 0.0 for a single seed."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def rows_frame(rows: Sequence[Row]) -> pd.DataFrame:
    """One DataFrame row per stored Row (without the packed bits)."""
    if not rows:
        raise ValueError("no result rows to summarise; run `bench run` first")
    frame = pd.DataFrame([asdict(row) for row in rows]).drop(columns=["correct_bits"])
    return frame.drop_duplicates(subset=["model_key", *CELL_COLUMNS], keep="last")


def over_seeds(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean and spread over seeds of every model x cell x group.

    Columns: family, augmentation, transform, magnitude, group, n (images),
    seeds (count), accuracy, accuracy_std, clean_accuracy, delta_pp, consistency,
    mean_abs_change, ci_low, ci_high (the interval of a single seed, NaN when several
    seeds are averaged).
    """
    keys = MODEL_COLUMNS + CELL_COLUMNS
    grouped = frame.groupby(keys, sort=True)
    out = grouped.agg(
        n=("n", "first"),
        seeds=("seed", "nunique"),
        accuracy=("accuracy", "mean"),
        accuracy_std=("accuracy", _seed_std),
        clean_accuracy=("clean_accuracy", "mean"),
        delta_pp=("delta_pp", "mean"),
        consistency=("consistency", "mean"),
        mean_abs_change=("mean_abs_change", "mean"),
        ci_low=("ci_low", "first"),
        ci_high=("ci_high", "first"),
    ).reset_index()
    several = out["seeds"] > 1
    out.loc[several, ["ci_low", "ci_high"]] = np.nan
    return out


def clean(summary: pd.DataFrame, group: str = ALL) -> pd.DataFrame:
    """The untransformed accuracy of each model (one identity cell per model)."""
    identity = summary[(summary["group"] == group) & is_identity(summary)]
    return identity.drop_duplicates(subset=MODEL_COLUMNS).reset_index(drop=True)


def relative_robustness(frame: pd.DataFrame) -> pd.DataFrame:
    """Relative robustness per model x transform (group ``all``), mean and std over seeds.

    Only complete curves count: a model interrupted before every magnitude of a transform
    was swept is left out of that transform's figure.
    """
    records = []
    rows = frame[frame["group"] == ALL]
    swept = rows.groupby("transform")["magnitude"].nunique()
    for (family, augmentation, transform, seed), part in rows.groupby(
        [*MODEL_COLUMNS, "transform", "seed"]
    ):
        part = part.sort_values("magnitude")
        if len(part) < max(2, swept[transform]):
            continue
        value = metrics.relative_robustness(
            part["magnitude"].tolist(), part["accuracy"].tolist(), part["clean_accuracy"].iloc[0]
        )
        records.append((family, augmentation, transform, seed, value))
    table = pd.DataFrame(records, columns=[*MODEL_COLUMNS, "transform", "seed", "value"])
    return _seed_stats(table, [*MODEL_COLUMNS, "transform"])


def _seed_stats(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """mean, std (ddof 1) and seed count of ``value`` per ``keys``."""
    stats = [
        (*key, *metrics.seed_summary(part["value"].tolist()))
        for key, part in table.groupby(keys, sort=True)
    ]
    return pd.DataFrame(stats, columns=[*keys, "mean", "std", "seeds"])


#: The grid of worst- and random-of-grid accuracy: the swept cells within each transform's
#: worst_case_limit (+-3 px each axis and +-30 degrees), after Engstrom et al. 2019 (who
#: search the product grid).
ENGSTROM_LIMITS = {spec.name: spec.worst_case_limit for spec in TRANSFORMS
                   if spec.worst_case_limit is not None}


def describe_limits(limits: dict[str, float]) -> str:
    """Words for a grid's limits, e.g. ``shift_x ±3 px, shift_y ±3 px, rotate ±30 deg``."""
    return ", ".join(f"{name} ±{limit:g} {TRANSFORMS[name].unit}"
                     for name, limit in limits.items())


def _grid_correct(rows: Sequence[Row], limits: dict[str, float]) -> dict[tuple, np.ndarray]:
    """(family, augmentation, seed) -> (G, N) correctness over the grid's cells.

    The untransformed image is one grid point (the identity cells of the different
    transforms are the same images, so only one is kept); models that miss a cell of the
    grid (an interrupted run) are left out.
    """
    cells: dict[tuple, dict[tuple, np.ndarray]] = {}
    for row in rows:
        if row.group != ALL or row.transform not in limits:
            continue
        distance = TRANSFORMS[row.transform].distance(row.magnitude)
        if distance > limits[row.transform]:
            continue
        cell = ("identity",) if distance == 0 else (row.transform, row.magnitude)
        key = (row.family, row.augmentation, row.seed)
        cells.setdefault(key, {})[cell] = unpack_bits(row.correct_bits, row.n)
    if not cells:
        return {}
    grid_size = max(len(model_cells) for model_cells in cells.values())
    return {key: np.stack(list(model_cells.values()))
            for key, model_cells in cells.items() if len(model_cells) == grid_size}


def worst_of_grid(rows: Sequence[Row], limits: dict[str, float]) -> pd.DataFrame:
    """Worst-of-grid accuracy per model: an image counts only if correct in every cell
    whose |magnitude - identity| <= limits[transform] (px or degrees), mean over seeds."""
    table = pd.DataFrame(
        [(*key, metrics.worst_of_grid_accuracy(correct))
         for key, correct in _grid_correct(rows, limits).items()],
        columns=[*MODEL_COLUMNS, "seed", "value"],
    )
    return _seed_stats(table, MODEL_COLUMNS)


def random_of_grid(rows: Sequence[Row], limits: dict[str, float]) -> pd.DataFrame:
    """Random-of-grid accuracy per model: one of the grid's cells drawn per image (seeded
    with the model seed), mean over seeds."""
    table = pd.DataFrame(
        [(*key, metrics.random_of_grid_accuracy(correct, np.random.default_rng(key[2])))
         for key, correct in _grid_correct(rows, limits).items()],
        columns=[*MODEL_COLUMNS, "seed", "value"],
    )
    return _seed_stats(table, MODEL_COLUMNS)
