"""Does a run reproduce another (a user's run against the published reference)?

For each model (family, augmentation) and transform, both runs' accuracy over the
transform's swept magnitudes other than the identity (both directions), per seed and
test image, and the difference with the interval of :func:`bench.analysis.resample.contrast`
(seed spread of each run, test-image variance paired by image when both runs share their
test images). Verdicts follow :meth:`bench.analysis.resample.Contrast.too_few_seeds`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.analysis import resample, verdicts
from bench.catalog import TRANSFORMS
from bench.catalog.transforms import CLEAN
from bench.results.schema import ALL, Row, unpack_bits


@dataclass(frozen=True)
class Difference:
    """One model x transform compared: accuracies (shares), difference and its 95%
    interval in percentage points, seed counts, test images per seed, verdict, and the
    p-value behind a tested verdict in words (``Holm, adjusted p = 0.43``; "" for
    ``identical`` and too few seeds)."""

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
    p_value: str = ""


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


def per_seed_array(rows: Sequence[Row], family: str, augmentation: str, transform: str,
                   seeds: Sequence[int] | None = None) -> np.ndarray | None:
    """(S, N) :func:`per_image_accuracy` stacked in seed order, of ``seeds`` only where given
    (None when no seed holds the cells)."""
    found = per_image_accuracy(rows, family, augmentation, transform)
    chosen = sorted(found) if seeds is None else [s for s in sorted(seeds) if s in found]
    return np.stack([found[seed] for seed in chosen]) if chosen else None


def verdict(a: np.ndarray, b: np.ndarray, difference: resample.Contrast,
            key: tuple) -> str:
    """``identical`` (same per-image values), ``too few seeds to judge (k)``
    (:meth:`~bench.analysis.resample.Contrast.too_few_seeds`), ``differs`` (the test
    rejects no difference at the page's Holm-corrected level) or ``reproduced within
    noise``."""
    if a.shape == b.shape and np.array_equal(a, b):
        return "identical"
    too_few = difference.too_few_seeds()
    if too_few is not None:
        return too_few
    return "differs" if verdicts.rejects(("reproduce", *key), difference.p_value) else \
        "reproduced within noise"


def p_value_words(key: tuple, p_value: float) -> str:
    """``Holm, adjusted p = 0.43`` on a corrected page (its second pass), else ``p = 0.04,
    uncorrected``."""
    adjusted = verdicts.adjusted_p(key)
    if adjusted is None:
        return f"p = {verdicts.p_words(p_value)}, uncorrected"
    return f"{verdicts.METHOD}, adjusted p = {verdicts.p_words(adjusted)}"


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
            a = per_seed_array(rows, family, augmentation, transform)
            b = per_seed_array(reference, family, augmentation, transform)
            if a is None or b is None:
                continue
            same_images = paired and a.shape[1] == b.shape[1]
            found = resample.contrast(a, b, same_images)
            key = (family, augmentation, transform, round(found.value, 12))
            judged = verdict(a, b, found, key)
            tested = judged in ("differs", "reproduced within noise")
            out.append(Difference(family, augmentation, transform, float(a.mean()),
                                  float(b.mean()), len(a), len(b), a.shape[1], found.diff_pp,
                                  found.low_pp, found.high_pp, judged,
                                  p_value_words(("reproduce", *key), found.p_value) if tested
                                  else ""))
    return out
