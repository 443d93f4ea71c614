"""Does a run reproduce another (a user's run against the published reference)?

For each model (family, augmentation) and transform, both runs' accuracy over the
transform's swept magnitudes other than the identity (both directions), per seed and
test image, and the difference with a t-interval over seeds (Welch, per-seed means of each
run) with the test-image variance added (paired by image when both runs share their test
images). The interval so covers training variance and test-image sampling. Verdicts need
at least ``MIN_SEEDS`` seeds on each side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.analysis import resample, verdicts
from bench.catalog import TRANSFORMS
from bench.results.schema import ALL, Row, unpack_bits

MIN_SEEDS = 3
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


def t_difference(a: np.ndarray, b: np.ndarray, paired: bool) -> tuple[float, float, float,
                                                                       float]:
    """mean(a) - mean(b), its 95% interval and the p-value of no difference, shares.

    a: (S_a, N_a) and b: (S_b, N_b) per-seed, per-image values. The seed part is the
    variance of the per-seed means of each side over its seeds (Student's t at
    min(S_a, S_b) - 1 degrees of freedom, Welch's conservative choice); the image part is
    the variance over images of the seed-averaged values, of their per-image difference
    when ``paired`` (the same images in the same order), over N (see
    :mod:`bench.analysis.resample`).
    """
    if paired and a.shape[1] != b.shape[1]:
        raise ValueError(f"paired samples need the same images: {a.shape} vs {b.shape}")
    seeds = min(len(a), len(b))
    seed_variance = 0.0
    if seeds >= 2:
        seed_variance = (np.var(a.mean(axis=1), ddof=1) / len(a)
                         + np.var(b.mean(axis=1), ddof=1) / len(b))
    per_image_a, per_image_b = a.mean(axis=0), b.mean(axis=0)
    if paired:
        image_variance = np.var(per_image_a - per_image_b, ddof=1) / a.shape[1]
    else:
        image_variance = (np.var(per_image_a, ddof=1) / a.shape[1]
                          + np.var(per_image_b, ddof=1) / b.shape[1])
    diff = float(a.mean() - b.mean())
    width = resample.half_width(float(seed_variance), max(seeds, 2), float(image_variance))
    p = resample.p_value(diff, float(seed_variance), max(seeds, 2), float(image_variance))
    return diff, diff - width, diff + width, p


def verdict(a: np.ndarray, b: np.ndarray, p_value: float, key: tuple) -> str:
    """``identical`` (same per-image values), ``too few seeds to judge (k)``, ``differs``
    (the test rejects no difference at the page's Holm-corrected level) or ``reproduced
    within noise``."""
    if a.shape == b.shape and np.array_equal(a, b):
        return "identical"
    seeds = min(len(a), len(b))
    if seeds < MIN_SEEDS:
        return f"too few seeds to judge ({seeds})"
    return "differs" if verdicts.rejects(("reproduce", *key), p_value) else \
        "reproduced within noise"


def compare_runs(rows: Sequence[Row], reference: Sequence[Row],
                 paired: bool) -> list[Difference]:
    """Every model x transform (and clean accuracy) that both runs hold."""
    models = sorted({(r.family, r.augmentation) for r in rows}
                    & {(r.family, r.augmentation) for r in reference})
    transforms = [CLEAN] + [spec.name for spec in TRANSFORMS
                            if spec.name in {r.transform for r in rows}]
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
            diff, low, high, p = t_difference(a, b, same_images)
            key = (family, augmentation, transform, round(diff, 12))
            out.append(Difference(family, augmentation, transform, float(a.mean()),
                                  float(b.mean()), len(a), len(b), a.shape[1], diff * 100,
                                  low * 100, high * 100, verdict(a, b, p, key)))
    return out
