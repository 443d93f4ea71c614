"""Image groups a task breaks its results down by: boolean masks over the test images."""

from __future__ import annotations

import numpy as np

from bench.data.types import Split

#: Age bands of the face task: (group name, lowest age, first age above the band).
AGE_BANDS = (("age:<13", 0, 13), ("age:13-59", 13, 60), ("age:60+", 60, 1_000))


def no_groups(test: Split, classes: tuple[str, ...]) -> dict[str, np.ndarray]:
    """No breakdown beyond ``all``."""
    return {}


def class_groups(test: Split, classes: tuple[str, ...]) -> dict[str, np.ndarray]:
    """One group per class: ``class:<name>``, masks (N,) over the test images."""
    return {f"class:{name}": test.y == label for label, name in enumerate(classes)}


def face_groups(test: Split, classes: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Age bands (under 13, 13-59, 60 and over) and race, where the data records them."""
    meta = test.meta
    groups: dict[str, np.ndarray] = {}
    if meta is None:
        return groups
    if "age" in meta:
        age = meta["age"].astype("float64").to_numpy()  # missing ages become NaN
        for name, low, high in AGE_BANDS:
            groups[name] = (age >= low) & (age < high)
    if "race" in meta:
        race = meta["race"].astype("string")
        for value in sorted(race.dropna().unique()):
            groups[f"race:{value}"] = (race == value).fillna(False).to_numpy(dtype=bool)
    return groups
