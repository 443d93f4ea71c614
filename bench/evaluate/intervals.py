"""Intervals for a difference of accuracies on the same (or other) test images, combining
training-seed spread and image sampling. No Keras here.

Each side is an array (k seeds, n images) of per-image values (a share correct over some
cells, or a change from clean). The seed part is a t-interval on per-seed means (variance
/ k, with k - 1 degrees of freedom) for each side trained over at least two seeds; the image
part is the variance of the per-image paired differences / n (unpaired: each side's / n).
The quantile is Student's t with Welch-Satterthwaite degrees of freedom (k - 1 when the
seed spread dominates, the normal quantile when image sampling does); with no side over
seeds the statement is about fixed models on images in general (normal quantile).
``tests/test_eval_stats.py`` checks the coverage by simulation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Difference:
    """a minus b in percentage points, with its 95% interval; seeds: (k_a, k_b); n: images;
    p_value: two-sided, of the difference being 0, from the same t (or normal) distribution
    as the interval (below 0.05 exactly when the 95% interval excludes 0)."""

    diff_pp: float
    low_pp: float
    high_pp: float
    seeds: tuple[int, int]
    n: int
    paired: bool
    p_value: float = 1.0

    def excludes_zero(self) -> bool:
        return self.low_pp > 0 or self.high_pp < 0


def _seed_part(values: np.ndarray) -> tuple[float, int | None]:
    """(variance of the mean over seeds, degrees of freedom) or (0, None) for one seed."""
    k = values.shape[0]
    if k < 2:
        return 0.0, None
    return float(np.var(values.mean(axis=1), ddof=1) / k), k - 1


def difference(a: np.ndarray, b: np.ndarray, paired: bool = True,
               confidence: float = CONFIDENCE) -> Difference:
    """mean(a) - mean(b) with an interval; ``a``, ``b``: (k, n) per-seed per-image values
    (paired: the same n images in the same order)."""
    a, b = np.atleast_2d(np.asarray(a, float)), np.atleast_2d(np.asarray(b, float))
    if paired and a.shape[1] != b.shape[1]:
        raise ValueError(f"paired sides need the same images, got {a.shape} and {b.shape}")
    diff = float(a.mean() - b.mean())
    if paired:
        per_image = a.mean(axis=0) - b.mean(axis=0)
        image_var = float(np.var(per_image, ddof=1) / len(per_image))
    else:
        image_var = float(np.var(a.mean(axis=0), ddof=1) / a.shape[1]
                          + np.var(b.mean(axis=0), ddof=1) / b.shape[1])
    parts = [_seed_part(a), _seed_part(b)]
    total = image_var + sum(var for var, _ in parts)
    # Welch-Satterthwaite: the seed parts have k - 1 degrees of freedom, the image part
    # (hundreds of images) is taken as known
    denominator = sum(var**2 / df for var, df in parts if df is not None and var > 0)
    law = stats.t(total**2 / denominator) if denominator > 0 else stats.norm()
    half = float(law.ppf(0.5 + confidence / 2) * np.sqrt(total))
    if total > 0:
        p_value = float(2 * law.sf(abs(diff) / np.sqrt(total)))
    else:
        p_value = 1.0 if diff == 0 else 0.0
    return Difference(diff * 100, (diff - half) * 100, (diff + half) * 100,
                      (a.shape[0], b.shape[0]), int(a.shape[1]), paired, p_value)


def mcnemar_exact(a_correct: np.ndarray, b_correct: np.ndarray) -> tuple[int, int, float]:
    """(b, c, p): images only A gets right, only B gets right, and the exact two-sided
    McNemar p-value (binomial test of b among the b + c discordant images at 1/2)."""
    a_correct, b_correct = np.asarray(a_correct, bool), np.asarray(b_correct, bool)
    only_a = int(np.sum(a_correct & ~b_correct))
    only_b = int(np.sum(~a_correct & b_correct))
    if only_a + only_b == 0:
        return 0, 0, 1.0
    return only_a, only_b, float(stats.binomtest(only_a, only_a + only_b, 0.5).pvalue)


def holm(p_values: list[float]) -> list[float]:
    """Holm-adjusted p-values (same order), for a family of tests read together."""
    order = np.argsort(p_values)
    m = len(p_values)
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted.tolist()
