"""Image groups a task breaks its results down by: boolean masks over the test images."""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from bench.data.types import Split

#: Age bands of the face task: (lowest age, first age above the band), in years.
AGE_BANDS = ((0, 13), (13, 60), (60, 1_000))
#: The names runs stored before bands were named from the ages present.
_LEGACY_AGE_NAMES = {"age:<13": (0, 13), "age:13-59": (13, 60), "age:60+": (60, 1_000)}
_AGE_START = re.compile(r"^age:(\d+)")
#: Groups smaller than this are shown but flagged as too small to read.
MIN_GROUP_IMAGES = 30


def no_groups(test: Split, classes: tuple[str, ...]) -> dict[str, np.ndarray]:
    """No breakdown beyond ``all``."""
    return {}


def class_groups(test: Split, classes: tuple[str, ...]) -> dict[str, np.ndarray]:
    """One group per class: ``class:<name>``, masks (N,) over the test images."""
    return {f"class:{name}": test.y == label for label, name in enumerate(classes)}


def age_groups(age: np.ndarray) -> dict[str, np.ndarray]:
    """One group per age band that holds images, named by the youngest and oldest age in
    it (``age:18-59``), so a data set of adults never shows a band starting at 13.
    ``age``: (N,) years, NaN where unknown."""
    groups = {}
    for low, high in AGE_BANDS:
        mask = (age >= low) & (age < high)
        if mask.any():
            groups[f"age:{int(age[mask].min())}-{int(age[mask].max())}"] = mask
    return groups


def face_groups(test: Split, classes: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Age bands (under 13, 13-59, 60 and over, named by the ages present) and race, where
    the data records them."""
    meta = test.meta
    groups: dict[str, np.ndarray] = {}
    if meta is None:
        return groups
    if "age" in meta:
        groups.update(age_groups(meta["age"].astype("float64").to_numpy()))
    if "race" in meta:
        race = meta["race"].astype("string")
        for value in sorted(race.dropna().unique()):
            groups[f"race:{value}"] = (race == value).fillna(False).to_numpy(dtype=bool)
    return groups


def display_name(group: str, data_options: Mapping[str, object]) -> str:
    """The name a table shows for a stored group. Runs stored before bands were named
    from the ages present carry the band's limits (``age:13-59``); where the run's loader
    kept only ages from ``min_age`` up, the band starts there (``age:18-59``)."""
    if group not in _LEGACY_AGE_NAMES:
        return group
    low, high = _LEGACY_AGE_NAMES[group]
    low = max(low, int(data_options.get("min_age", 0) or 0))
    if low >= high:
        return group
    return f"age:{low}+" if high >= 1_000 else f"age:{low}-{high - 1}"


def sort_key(group: str) -> tuple[int, float, str]:
    """Tables list age bands by age, then the other groups by name."""
    if group in _LEGACY_AGE_NAMES:
        return 0, float(_LEGACY_AGE_NAMES[group][0]), group
    match = _AGE_START.match(group)
    return (0, float(match.group(1)), group) if match else (1, 0.0, group)
