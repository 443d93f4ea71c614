"""Generated sentences that state a run's findings in numbers, with significance.

A difference between two models is called significant only when its 95% paired
bootstrap interval over test images excludes zero and, with several seeds, every
seed agrees on its sign (see docs/metrics.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bench.analysis import metrics
from bench.catalog import FAMILIES, TRANSFORMS
from bench.results.schema import ALL, Row, unpack_bits


def headline_magnitude(summary: pd.DataFrame, transform: str) -> float | None:
    """The magnitude quoted for a transform: its spec's headline distance above the identity
    when swept (+3 px for shifts), else the magnitude farthest from the identity (the
    largest positive one on ties)."""
    spec = TRANSFORMS[transform]
    magnitudes = sorted(set(summary.loc[summary["transform"] == transform, "magnitude"]))
    if not magnitudes:
        return None
    if spec.headline_distance is not None:
        preferred = round(spec.identity + spec.headline_distance, 6)
        if preferred in magnitudes:
            return preferred
    return max(magnitudes, key=lambda m: (spec.distance(m), m))


def _cell(summary: pd.DataFrame, family: str, augmentation: str, transform: str, magnitude: float):
    part = summary[
        (summary["family"] == family)
        & (summary["augmentation"] == augmentation)
        & (summary["transform"] == transform)
        & (summary["magnitude"] == magnitude)
        & (summary["group"] == ALL)
    ]
    return None if part.empty else part.iloc[0]


def _correct(rows: Sequence[Row], family: str, augmentation: str, transform: str,
             magnitude: float) -> dict[int, np.ndarray]:
    """Per-seed (N,) correctness of one model at one cell."""
    return {
        row.seed: unpack_bits(row.correct_bits, row.n)
        for row in rows
        if (row.family, row.augmentation, row.transform, row.magnitude, row.group)
        == (family, augmentation, transform, magnitude, ALL)
    }


def compare(rows: Sequence[Row], a: tuple[str, str], b: tuple[str, str], transform: str,
            magnitude: float, seed: int = 0) -> tuple[float, float, float, bool] | None:
    """Accuracy difference a - b (percentage points) at one cell over the seeds both have,
    its 95% paired bootstrap interval (test images drawn once for all seeds), and whether
    it is significant."""
    correct_a = _correct(rows, *a, transform, magnitude)
    correct_b = _correct(rows, *b, transform, magnitude)
    seeds = sorted(set(correct_a) & set(correct_b))
    if not seeds:
        return None
    diff, low, high = metrics.paired_bootstrap_difference(
        np.stack([correct_a[s] for s in seeds]), np.stack([correct_b[s] for s in seeds]),
        np.random.default_rng(seed),
    )
    signs = {np.sign(correct_a[s].mean() - correct_b[s].mean()) for s in seeds}
    significant = metrics.significant(low, high) and len(signs) == 1
    return diff * 100, low * 100, high * 100, significant


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _lifts(summary: pd.DataFrame, rows: Sequence[Row], families: list[str], policy: str,
           transform: str, magnitude: float) -> list[str]:
    """Per family: 'the CNN from A% to B% (+d pp, 95% CI ..., verdict)' at one cell."""
    lifted = []
    for family in families:
        plain = _cell(summary, family, "none", transform, magnitude)
        cell = _cell(summary, family, policy, transform, magnitude)
        result = compare(rows, (family, policy), (family, "none"), transform, magnitude)
        if plain is None or cell is None or result is None:
            continue
        diff, low, high, significant = result
        verdict = "significant" if significant else "not significant"
        lifted.append(
            f"the {FAMILIES[family].label} from {_pct(plain['accuracy'])} to "
            f"{_pct(cell['accuracy'])} "
            f"({diff:+.1f} pp, 95% CI {low:+.1f} to {high:+.1f}, {verdict})"
        )
    return lifted


def sentences(summary: pd.DataFrame, rows: Sequence[Row], task_name: str,
              trained_ranges: dict[str, float] | None = None) -> list[str]:
    """One to three sentences per swept transform, generated from the numbers.

    trained_ranges: transform -> the largest magnitude its augmentation policy trained on
    (px, degrees, scale factor); where that magnitude is on the grid, the effect of the
    policy there is stated too.
    """
    present = set(summary["family"])
    # the catalog lists the simplest family first; sentences lead with the book's CNN
    families = [spec.name for spec in reversed(list(FAMILIES)) if spec.name in present]
    out = []
    for spec in TRANSFORMS:
        transform = spec.name
        magnitude = headline_magnitude(summary, transform)
        if magnitude is None:
            continue
        phrase = spec.describe(magnitude)
        kept = []
        for family in families:
            cell = _cell(summary, family, "none", transform, magnitude)
            if cell is not None:
                kept.append(
                    f"the {FAMILIES[family].label} keeps {_pct(cell['accuracy'])} of its "
                    f"{_pct(cell['clean_accuracy'])} clean accuracy"
                )
        if kept:
            out.append(f"On {task_name}, under {phrase}, " + " and ".join(kept) + ".")
        policy = spec.policy
        lifted = _lifts(summary, rows, families, policy, transform, magnitude)
        if lifted:
            out.append(f"Training with {policy} augmentation moves " + " and ".join(lifted) + ".")
        trained = (trained_ranges or {}).get(transform)
        swept = set(summary.loc[summary["transform"] == transform, "magnitude"])
        if trained is not None and trained in swept and trained != magnitude:
            lifted = _lifts(summary, rows, families, policy, transform, trained)
            if lifted:
                out.append(
                    f"At {spec.describe(trained)}, the edge of the range "
                    f"{policy} augmentation trains on, it moves " + " and ".join(lifted) + "."
                )
    return out
