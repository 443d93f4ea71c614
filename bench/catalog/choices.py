"""``bench run``'s choices turned into a profile: seeds, names, data, learning rate and the
policies' ranges, each checked against the catalog (ChoiceError naming the value and what
to give instead). No Keras here."""

from __future__ import annotations

import dataclasses
import inspect
import math

from bench.catalog import DATASETS, POLICIES, TRANSFORMS
from bench.catalog.profiles import (
    data_for_source,
    get_profile,
    with_choices,
    with_data,
    with_learning_rate,
)
from bench.config import ChoiceError, Profile

#: The largest training seed: NumPy and TensorFlow take 32-bit seeds.
MAX_SEED = 2**32 - 1


def seeds(text: str | None) -> tuple[int, ...] | None:
    """Distinct seeds in 0..MAX_SEED from ``0,1,2`` (None when not given)."""
    if text is None:
        return None
    try:
        parsed = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ChoiceError(f"--seeds must be comma-separated integers, got {text!r}") from None
    for seed in parsed:
        if not 0 <= seed <= MAX_SEED:
            raise ChoiceError(f"--seeds: {seed} is out of range; expected integers "
                              f"0..{MAX_SEED} (32-bit seeds), e.g. 0,1,2")
        if parsed.count(seed) > 1:
            raise ChoiceError(f"--seeds: {seed} is given twice; expected distinct seeds, "
                              "e.g. 0,1,2")
    return parsed


def names(text: str | None) -> tuple[str, ...] | None:
    """Comma-separated names -> a tuple (None when not given); checked by the catalog."""
    return None if text is None else tuple(text.split(","))


def run_profile(task: str, profile_name: str, *, data: str | None = None,
                source_given: bool = False, families: str | None = None,
                augmentations: str | None = None, worst_case_n: int | None = None,
                invariance_n: int | None = None, learning_rate: float | None = None,
                allow_outside_paths: bool = False) -> Profile:
    """The profile ``bench run TASK --profile NAME`` runs with its options applied, in the
    order their errors are reported: data (``--data``, else the data set that reads
    ``--source``), families and policies, probe sizes, learning rate, outside paths."""
    profile = get_profile(task, profile_name)
    if data is not None:
        profile = with_data(profile, data)
    elif source_given:
        profile = data_for_source(profile)
    profile = with_choices(profile, names(families), names(augmentations), worst_case_n,
                           invariance_n)
    if augmentations is not None:
        check_ranges(profile)
    if learning_rate is not None:
        profile = with_learning_rate(profile, learning_rate)
    if allow_outside_paths:
        profile = allowing_outside_paths(profile)
    return profile


def check_ranges(profile: Profile) -> None:
    """ChoiceError for a policy of ``profile`` whose range there leaves images unchanged (its
    edge on a transform is that transform's identity, e.g. a rotation range of 0 degrees):
    it would train a silent copy of ``none``."""
    stored = dataclasses.asdict(profile.augment)
    for policy in profile.augmentations:
        for transform, edge in POLICIES[policy].edges(stored).items():
            if math.isclose(edge, TRANSFORMS[transform].identity, abs_tol=1e-9):
                raise ChoiceError(
                    f"--augmentations {policy}: profile {profile.name.value} of "
                    f"{profile.task} gives it no range ({transform} up to {edge:g}, which "
                    "leaves images unchanged), so it would train on unchanged images; choose "
                    "a profile that trains it (`bench list`) or give the profile its range")


def allowing_outside_paths(profile: Profile) -> Profile:
    """The profile whose loader reads files outside the data folder; ChoiceError when its
    data set reads no folder or CSV of files."""
    loader = DATASETS[profile.data].loader
    if "allow_outside_paths" not in inspect.signature(loader).parameters:
        raise ChoiceError(f"--allow-outside-paths applies to data read from image folders or "
                          f"CSVs (gender, cifar10), not to data set {profile.data!r}")
    options = (*profile.data_options, ("allow_outside_paths", True))
    return dataclasses.replace(profile, data_options=options)
