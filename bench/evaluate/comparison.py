"""A user's model beside the task's published reference families, transform by transform,
on the same test images. No Keras here.

Per transform the compared quantity is the accuracy averaged over the transform's swept
magnitudes other than the identity (the cells both runs hold), and its change from clean
accuracy, with the interval every comparison uses (:func:`bench.analysis.resample.contrast`:
the family's seed spread and paired image sampling; the user's model is one fixed model).
Rows are grouped per image by :func:`bench.analysis.reproduce.per_seed_array`, as for
``bench run``'s and ``bench compare``'s comparisons.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bench.analysis import coverage
from bench.analysis.estimates import model_order
from bench.analysis.reproduce import per_seed_array
from bench.analysis.resample import Contrast, contrast
from bench.catalog import TRANSFORMS
from bench.catalog.transforms import CLEAN
from bench.results.schema import Row


@dataclass(frozen=True)
class FamilyComparison:
    """The user's model minus one reference family under one transform (or clean):
    accuracy (%), and change from clean (pp), each with a
    :class:`~bench.analysis.resample.Contrast`."""

    family: str
    augmentation: str
    transform: str
    reference_accuracy: float
    accuracy: float
    accuracy_difference: Contrast
    reference_change: float | None
    change: float | None
    change_difference: Contrast | None


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


def compare(user_rows: list[Row], reference_rows: list[Row], reference_models: list[dict],
            transforms: list[str]) -> list[FamilyComparison]:
    """Every relevant (transform, reference family) comparison that both hold cells for,
    clean first, then transform by transform in catalog order; the rows (group ``all``)
    must be on the same test images."""
    out = []
    families = [pair for pair in reference_families(reference_models)
                if any((r.family, r.augmentation) == pair for r in reference_rows)]
    for transform in [CLEAN, *transforms]:
        for pair in families:
            if not _relevant(pair[1], transform):
                continue
            mine = [dataclasses.replace(r, family=pair[0], augmentation=pair[1])
                    for r in user_rows]
            shared = coverage.shared_cells(mine, reference_rows)
            found = _compare_one(coverage.restrict(mine, shared),
                                 coverage.restrict(reference_rows, shared), pair, transform)
            out += [found] if found is not None else []
    return out


def _compare_one(mine: list[Row], reference: list[Row], pair: tuple[str, str],
                 transform: str) -> FamilyComparison | None:
    """The user's model against one family's seeds under ``transform`` (or clean); None
    when they share no cells."""
    mine_under = per_seed_array(mine, *pair, transform)
    ref_under = per_seed_array(reference, *pair, transform)
    if mine_under is None or ref_under is None:
        return None
    accuracy = contrast(mine_under, ref_under, paired=True)
    if transform == CLEAN:
        return FamilyComparison(*pair, CLEAN, ref_under.mean() * 100, mine_under.mean() * 100,
                                accuracy, None, None, None)
    mine_change = mine_under - per_seed_array(mine, *pair, CLEAN)
    ref_change = ref_under - per_seed_array(reference, *pair, CLEAN)
    return FamilyComparison(
        *pair, transform, ref_under.mean() * 100, mine_under.mean() * 100, accuracy,
        ref_change.mean() * 100, mine_change.mean() * 100,
        contrast(mine_change, ref_change, paired=True))
