"""Grids of the user's choosing: ``--transforms shift_x,rotate`` and ``--grid rotate=-30:30:5``.

No Keras here. Magnitudes are in each transform's catalog unit (pixels, degrees, factor).
Every name is checked against the transform catalog; errors name the valid choices.
"""

from __future__ import annotations

import dataclasses
import math

from bench.catalog import TRANSFORMS
from bench.catalog.grids import describe  # noqa: F401 (bench.evaluate's name for it)
from bench.catalog.transforms import steps
from bench.config import ChoiceError, Grid, Profile

#: The most magnitudes one transform may sweep (each is a pass over the test set).
MAX_MAGNITUDES = 200


def _transform_name(name: str, option: str) -> str:
    name = name.strip()
    if name not in TRANSFORMS.names():
        raise ChoiceError(f"{option}: unknown transform {name!r}; valid choices: "
                          f"{', '.join(TRANSFORMS.names())}")
    return name


def parse_transforms(text: str | None) -> tuple[str, ...] | None:
    """``shift_x,rotate`` -> ('shift_x', 'rotate') (None when not given)."""
    if text is None:
        return None
    names = tuple(_transform_name(part, "--transforms") for part in text.split(",")
                  if part.strip())
    if not names:
        raise ChoiceError(f"--transforms: no transform named; valid choices: "
                          f"{', '.join(TRANSFORMS.names())}")
    return names


def _number(text: str, entry: str) -> float:
    """A finite number; ChoiceError naming the entry for text, NaN or infinity."""
    try:
        value = float(text)
    except ValueError:
        raise ChoiceError(f"--grid {entry!r}: {text!r} is not a number; expected "
                          "TRANSFORM=START:STOP:STEP, e.g. rotate=-30:30:5") from None
    if not math.isfinite(value):
        raise ChoiceError(f"--grid {entry!r}: {text.strip()!r} is not a finite number; expected "
                          "TRANSFORM=START:STOP:STEP, e.g. rotate=-30:30:5")
    return value


def _checked(name: str, entry: str, magnitudes: tuple[float, ...]) -> tuple[float, ...]:
    """``magnitudes`` if each lies in the transform's domain and none repeats (a step
    finer than the 6 stored decimals rounds to repeats); ChoiceError naming the value."""
    spec = TRANSFORMS[name]
    for magnitude in magnitudes:
        if not spec.in_domain(magnitude):
            raise ChoiceError(f"--grid {entry!r}: {name} {magnitude:g} is outside its domain; "
                              f"each magnitude must be {spec.domain_text()}")
    if len(set(magnitudes)) != len(magnitudes):
        raise ChoiceError(f"--grid {entry!r}: the step gives repeated magnitudes (stored to 6 "
                          "decimals); use a step of at least 0.000001")
    return magnitudes


def parse_grid(text: str | None) -> dict[str, tuple[float, ...]]:
    """``rotate=-30:30:5,shift_x=-2:2:1`` (or a single value, ``scale=1.2``) -> transform ->
    magnitudes (start to stop inclusive, in the transform's unit); {} when not given.
    ChoiceError (one line naming the entry) for an empty grid, a number that is not finite,
    a magnitude outside the transform's domain (``TransformSpec.domain``) or a repeat."""
    if text is None:
        return {}
    grid: dict[str, tuple[float, ...]] = {}
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        name, equals, spec = entry.partition("=")
        if not equals:
            raise ChoiceError(f"--grid {entry!r}: expected TRANSFORM=START:STOP:STEP, e.g. "
                              "rotate=-30:30:5")
        name = _transform_name(name, "--grid")
        if name in grid:
            raise ChoiceError(f"--grid: {name} is given twice")
        parts = [_number(part, entry) for part in spec.split(":")]
        if len(parts) == 1:
            grid[name] = _checked(name, entry, (parts[0],))
            continue
        if len(parts) != 3:
            raise ChoiceError(f"--grid {entry!r}: expected START:STOP:STEP (three numbers), "
                              "e.g. rotate=-30:30:5")
        start, stop, step = parts
        if step <= 0 or stop < start:
            raise ChoiceError(f"--grid {entry!r}: expected STEP > 0 and STOP >= START")
        if (stop - start) / step + 1 > MAX_MAGNITUDES:
            raise ChoiceError(f"--grid {entry!r}: more than {MAX_MAGNITUDES} magnitudes; use "
                              "a larger step")
        grid[name] = _checked(name, entry, steps(start, stop, step))
    if not grid:
        raise ChoiceError(f"--grid {text!r}: no transform named; expected "
                          "TRANSFORM=START:STOP:STEP, e.g. rotate=-30:30:5")
    return grid


def with_grid(profile: Profile, transforms: tuple[str, ...] | None,
              overrides: dict[str, tuple[float, ...]]) -> Profile:
    """The profile sweeping ``transforms`` (default: the profile's, plus any named in
    ``overrides``) with the magnitudes of ``overrides`` where given, else the profile's or
    the catalog's full grid; each grid holds the identity (the clean cell), catalog order."""
    if transforms is None and not overrides:
        return profile
    own = dict(profile.grid)
    chosen = set(transforms) if transforms is not None else set(own) | set(overrides)
    outside = set(overrides) - chosen
    if outside:
        raise ChoiceError(f"--grid names {', '.join(sorted(outside))}, which --transforms "
                          f"leaves out (it lists {', '.join(sorted(chosen))})")
    grid: Grid = tuple(
        (spec.name, _with_identity(overrides.get(spec.name)
                                   or own.get(spec.name) or spec.grids["full"], spec.identity))
        for spec in TRANSFORMS if spec.name in chosen
    )
    return dataclasses.replace(profile, grid=grid)


def _with_identity(magnitudes: tuple[float, ...], identity: float) -> tuple[float, ...]:
    return tuple(sorted({float(m) for m in magnitudes} | {float(identity)}))

