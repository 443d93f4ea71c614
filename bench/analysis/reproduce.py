"""Does a run reproduce another (a user's run against the published reference)?

For each model (family, augmentation) and transform, both runs' accuracy over the
transform's swept magnitudes other than the identity (both directions), per seed and
test image, and the difference with a two-level bootstrap interval: seeds are resampled
within each run, then test images (the same draw for both runs when they share their test
images). The interval so covers training variance and test-image sampling. Verdicts need
at least ``MIN_SEEDS`` seeds on each side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.catalog import TRANSFORMS
from bench.results.schema import ALL, Row, unpack_bits

MIN_SEEDS = 3
N_RESAMPLES = 2000
CLEAN = "clean"


@dataclass(frozen=True)
class Difference:
    """One model x transform compared: accuracies (shares), difference and its 95%
    interval in percentage points, seed counts, test images per seed, verdict."""

    family: str
    augmentation: str
    transform: str
    accuracy: float
    reference_accuracy: float
    seeds: int
    reference_seeds: int
    n: int
    diff_pp: float
    low_pp: float
    high_pp: float
    verdict: str


def per_image_accuracy(rows: Sequence[Row], family: str, augmentation: str,
                       transform: str) -> dict[int, np.ndarray]:
    """seed -> (N,) share of the transform's non-identity cells each test image is right in
    (``transform == "clean"``: the identity cell). Seeds missing a cell are left out."""
    cells: dict[int, dict[float, np.ndarray]] = {}
    for row in rows:
        if row.group != ALL or (row.family, row.augmentation) != (family, augmentation):
            continue
        if transform == CLEAN:
            if TRANSFORMS[row.transform].distance(row.magnitude) != 0:
                continue
        elif row.transform != transform or TRANSFORMS[transform].distance(row.magnitude) == 0:
            continue
        key = 0.0 if transform == CLEAN else row.magnitude
        cells.setdefault(row.seed, {})[key] = unpack_bits(row.correct_bits, row.n)
    if not cells:
        return {}
    size = max(len(c) for c in cells.values())
    return {seed: np.mean(list(c.values()), axis=0) for seed, c in cells.items() if len(c) == size}


def two_level_difference(a: np.ndarray, b: np.ndarray, paired: bool, rng: np.random.Generator,
                         n_resamples: int = N_RESAMPLES) -> tuple[float, float, float]:
    """mean(a) - mean(b) and its 95% percentile interval, shares.

    a: (S_a, N_a) and b: (S_b, N_b) per-seed, per-image values. Each resample draws seeds
    with replacement within each side, then images; with ``paired`` (N_a == N_b, the same
    images in the same order) one image draw serves both sides.
    """
    if paired and a.shape[1] != b.shape[1]:
        raise ValueError(f"paired samples need the same images: {a.shape} vs {b.shape}")
    diffs = np.empty(n_resamples)
    for i in range(n_resamples):
        seeds_a = rng.integers(0, len(a), len(a))
        seeds_b = rng.integers(0, len(b), len(b))
        images_a = rng.integers(0, a.shape[1], a.shape[1])
        images_b = images_a if paired else rng.integers(0, b.shape[1], b.shape[1])
        diffs[i] = a[seeds_a][:, images_a].mean() - b[seeds_b][:, images_b].mean()
    low, high = np.percentile(diffs, [2.5, 97.5])
    return float(a.mean() - b.mean()), float(low), float(high)


def verdict(a: np.ndarray, b: np.ndarray, low: float, high: float) -> str:
    """``identical`` (same per-image values), ``too few seeds to judge (k)``, ``reproduced
    within noise`` (interval holds 0) or ``differs``."""
    if a.shape == b.shape and np.array_equal(a, b):
        return "identical"
    seeds = min(len(a), len(b))
    if seeds < MIN_SEEDS:
        return f"too few seeds to judge ({seeds})"
    return "reproduced within noise" if low <= 0 <= high else "differs"


def compare_runs(rows: Sequence[Row], reference: Sequence[Row], paired: bool,
                 seed: int = 0) -> list[Difference]:
    """Every model x transform (and clean accuracy) that both runs hold."""
    models = sorted({(r.family, r.augmentation) for r in rows}
                    & {(r.family, r.augmentation) for r in reference})
    transforms = [CLEAN] + [spec.name for spec in TRANSFORMS
                            if spec.name in {r.transform for r in rows}]
    rng = np.random.default_rng(seed)
    out = []
    for family, augmentation in models:
        for transform in transforms:
            mine = per_image_accuracy(rows, family, augmentation, transform)
            theirs = per_image_accuracy(reference, family, augmentation, transform)
            if not mine or not theirs:
                continue
            a = np.stack([mine[s] for s in sorted(mine)])
            b = np.stack([theirs[s] for s in sorted(theirs)])
            same_images = paired and a.shape[1] == b.shape[1]
            diff, low, high = two_level_difference(a, b, same_images, rng)
            out.append(Difference(family, augmentation, transform, float(a.mean()),
                                  float(b.mean()), len(a), len(b), a.shape[1], diff * 100,
                                  low * 100, high * 100, verdict(a, b, low, high)))
    return out
