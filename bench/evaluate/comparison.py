"""A user's model beside the task's published reference families, transform by transform,
on the same test images. No Keras here.

Per transform the compared quantity is the accuracy averaged over the transform's swept
magnitudes other than the identity (the cells both runs hold), and its change from clean
accuracy. Against a family trained over seeds the interval combines the family's seed
spread with paired image sampling (:mod:`bench.evaluate.intervals`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from bench.analysis.estimates import model_order
from bench.catalog import TRANSFORMS
from bench.evaluate.intervals import Difference, difference
from bench.results.schema import ALL, Row, unpack_bits

CLEAN = "clean"
#: (transform, magnitude) -> (N,) bool correctness of one model.
Cells = Mapping[tuple[str, float], np.ndarray]


def cells_of(rows: list[Row]) -> dict[str, dict[tuple[str, float], np.ndarray]]:
    """model key -> (transform, magnitude) -> (N,) bool, from stored ``all`` rows."""
    found: dict[str, dict[tuple[str, float], np.ndarray]] = {}
    for row in rows:
        if row.group == ALL and row.correct_bits:
            found.setdefault(row.model_key, {})[(row.transform, float(row.magnitude))] = \
                unpack_bits(row.correct_bits, row.n)
    return found


def shared_magnitudes(transform: str, *models: Cells) -> list[float]:
    """The transform's non-identity magnitudes that every model holds, sorted."""
    identity = TRANSFORMS[transform].identity
    sets = [{m for (t, m) in cells if t == transform and m != identity} for cells in models]
    return sorted(set.intersection(*sets)) if sets else []


def per_image(cells: Cells, transform: str, magnitudes: list[float]) -> tuple[np.ndarray,
                                                                              np.ndarray]:
    """(share correct over ``magnitudes``, that minus clean correctness) per image; clean is
    the transform's identity cell."""
    under = np.mean([cells[(transform, m)] for m in magnitudes], axis=0)
    clean = cells[(transform, float(TRANSFORMS[transform].identity))].astype(float)
    return under, under - clean


def clean_of(cells: Cells) -> np.ndarray | None:
    """Clean correctness (N,) from the first identity cell a model holds, None if none."""
    for (transform, magnitude), correct in cells.items():
        if magnitude == TRANSFORMS[transform].identity:
            return correct.astype(float)
    return None


@dataclass(frozen=True)
class FamilyComparison:
    """The user's model minus one reference family under one transform (or clean):
    accuracy (%), and change from clean (pp), each with a :class:`Difference`."""

    family: str
    augmentation: str
    transform: str
    reference_accuracy: float
    accuracy: float
    accuracy_difference: Difference
    reference_change: float | None
    change: float | None
    change_difference: Difference | None


def reference_families(models: list[dict]) -> list[tuple[str, str]]:
    """The (family, augmentation) pairs of the reference, in catalog order (families, then
    policies)."""
    return sorted({(m["family"], m["augmentation"]) for m in models}, key=model_order)


def _relevant(augmentation: str, transform: str) -> bool:
    """A family is shown under a transform when trained without augmentation or with the
    transform's matching policy; under clean, without augmentation."""
    if transform == CLEAN:
        return augmentation == "none"
    return augmentation in ("none", TRANSFORMS[transform].policy)


def compare(user: Cells, reference_rows: list[Row], reference_models: list[dict],
            transforms: list[str]) -> list[FamilyComparison]:
    """Every relevant (transform, reference family) comparison that both hold cells for,
    clean first, then transform by transform in catalog order; the rows must be on the same
    test images as ``user``."""
    by_key = cells_of(reference_rows)
    families = []
    for family, augmentation in reference_families(reference_models):
        members = [by_key[m["key"]] for m in sorted(reference_models, key=lambda m: m["seed"])
                   if m["family"] == family and m["augmentation"] == augmentation
                   and m["key"] in by_key]
        if members:
            families.append((family, augmentation, members))
    out = []
    for transform in [CLEAN, *transforms]:
        for family, augmentation, members in families:
            if _relevant(augmentation, transform):
                found = _compare_one(user, family, augmentation, members, transform)
                out += [found] if found is not None else []
    return out


def _compare_one(user: Cells, family: str, augmentation: str, members: list[Cells],
                 transform: str) -> FamilyComparison | None:
    """The user's model against one family's seeds under ``transform`` (or clean); None
    when they share no cells."""
    if transform == CLEAN:
        cleans = [clean_of(cells) for cells in members]
        mine = clean_of(user)
        if mine is None or any(c is None for c in cleans):
            return None
        ref = np.stack(cleans)
        return FamilyComparison(family, augmentation, CLEAN, ref.mean() * 100,
                                mine.mean() * 100, difference(mine[None], ref),
                                None, None, None)
    magnitudes = shared_magnitudes(transform, user, *members)
    if not magnitudes:
        return None
    mine_under, mine_change = per_image(user, transform, magnitudes)
    ref = [per_image(cells, transform, magnitudes) for cells in members]
    ref_under = np.stack([r[0] for r in ref])
    ref_change = np.stack([r[1] for r in ref])
    return FamilyComparison(
        family, augmentation, transform, ref_under.mean() * 100, mine_under.mean() * 100,
        difference(mine_under[None], ref_under), ref_change.mean() * 100,
        mine_change.mean() * 100, difference(mine_change[None], ref_change))
