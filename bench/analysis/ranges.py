"""The augmentation ranges a run trained on, from what the run stored.

Runs store their ranges in ``dataset.json`` (``augment``). Runs written before that (the
face-gender runs, say) stored only each model's ranges in words (``augmentation_ranges``
in ``models.jsonl``); for those, the profile's ranges are used when they reproduce every
model's stored words exactly, and no ranges are claimed otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict

from bench.catalog import POLICIES, TRANSFORMS
from bench.catalog.profiles import profile_of_run


def stored_ranges(task: str, run_name: str, dataset: Mapping, models: Sequence[Mapping]
                  ) -> dict[str, float]:
    """The run's augmentation ranges (AugmentRanges field -> value): ``dataset['augment']``,
    else the profile's when they match every model's stored words, else {}."""
    if dataset.get("augment"):
        return dict(dataset["augment"])
    profile = profile_of_run(task, run_name)
    if profile is None or not models:
        return {}
    words = {m["augmentation"]: m.get("augmentation_ranges") for m in models}
    if all(POLICIES[name].describe(profile.augment) == text for name, text in words.items()):
        return asdict(profile.augment)
    return {}


def trained_edges(ranges: Mapping[str, float]) -> dict[str, float]:
    """transform -> the magnitude at the edge of its matching policy's range (px, degrees,
    largest scale factor); transforms whose range is not stored are left out."""
    edges = {}
    for spec in TRANSFORMS:
        edge = POLICIES[spec.policy].edges(ranges).get(spec.name)
        if edge is not None:
            edges[spec.name] = edge
    return edges
