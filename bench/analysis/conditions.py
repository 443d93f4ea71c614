"""Which cells a sentence or summary quotes: a transform at one distance, both directions.

A condition is a tuple of (transform, magnitude) cells whose per-image correctness is
averaged: ``((shift_x, -3.0), (shift_x, 3.0))`` is "horizontal shifts of ±3 px, the mean
of both directions". Nothing here picks one side of a two-sided transform; a one-sided one
(``TransformSpec.two_sided`` false) is quoted at its one magnitude.
"""

from __future__ import annotations

from collections.abc import Iterable

from bench.catalog import TRANSFORMS

Cell = tuple[str, float]
Condition = tuple[Cell, ...]


def distances(transform: str, magnitudes: Iterable[float]) -> list[float]:
    """The distances from the identity swept on both sides of it, ascending (a one-sided
    grid gives its one-sided distances)."""
    spec = TRANSFORMS[transform]
    swept = {round(m, 6) for m in magnitudes}
    above = {spec.distance(m) for m in swept if m > spec.identity}
    below = {spec.distance(m) for m in swept if m < spec.identity}
    if not spec.two_sided:
        return sorted(above)
    both = above & below
    return sorted(both or above or below)


def headline_distance(transform: str, magnitudes: Iterable[float]) -> float | None:
    """The distance quoted for a transform: its spec's headline distance when swept on both
    sides (3 px for shifts), else the largest distance swept (None: nothing moved)."""
    spec = TRANSFORMS[transform]
    options = distances(transform, magnitudes)
    if not options:
        return None
    if spec.headline_distance is not None and spec.headline_distance in options:
        return spec.headline_distance
    return options[-1]


def both_directions(transform: str, distance: float,
                    magnitudes: Iterable[float]) -> Condition:
    """The swept cells at ``distance`` from the identity, below first (above only for a
    one-sided transform)."""
    spec = TRANSFORMS[transform]
    swept = {round(m, 6) for m in magnitudes}
    candidates = (round(spec.identity - distance, 6), round(spec.identity + distance, 6))
    if not spec.two_sided:
        candidates = candidates[1:]
    return tuple((transform, m) for m in dict.fromkeys(candidates) if m in swept)


def describe(condition: Condition) -> str:
    """Words for a condition of one transform, e.g. ``rotations of ±30 degrees``, or of
    several (a kind's transforms at their distances), joined by "and"."""
    parts = []
    for transform in dict.fromkeys(t for t, _ in condition):
        spec = TRANSFORMS[transform]
        magnitudes = [m for t, m in condition if t == transform]
        if len(magnitudes) == 2:
            parts.append(spec.describe_both(spec.distance(magnitudes[0])))
        else:
            parts.append(spec.describe(magnitudes[0]))
    return " and ".join(parts)


def averaging_note(quoted: Iterable[Condition]) -> str:
    """`` (mean of both directions)`` when every transform of the ``quoted`` conditions is
    quoted on both sides of its identity, `` (mean of both directions where there are two)``
    when some are, "" when none is (one-sided transforms, or one side swept)."""
    sides = [sum(1 for t, _ in condition if t == transform) == 2
             for condition in quoted for transform in dict.fromkeys(t for t, _ in condition)]
    if sides and all(sides):
        return " (mean of both directions)"
    return " (mean of both directions where there are two)" if any(sides) else ""


def kind_condition(kind: str, swept: dict[str, Iterable[float]]) -> Condition:
    """Every transform of ``kind`` (both shifts, say) at its headline distance, both
    directions; ``swept``: transform -> magnitudes."""
    cells: list[Cell] = []
    for spec in TRANSFORMS:
        if spec.kind != kind or spec.name not in swept:
            continue
        magnitudes = list(swept[spec.name])
        distance = headline_distance(spec.name, magnitudes)
        if distance is not None:
            cells += both_directions(spec.name, distance, magnitudes)
    return tuple(cells)
