"""A sweep grid in words: the one line that run records and reports carry (``grid`` in
``run.json``), shared by ``bench run`` and ``bench eval``. No Keras here."""

from __future__ import annotations

from bench.catalog.transforms import TRANSFORMS
from bench.config import Grid


def describe(grid: Grid) -> str:
    """One line naming every transform's magnitudes with its unit, as recorded and shown
    (``rotate: -30, 0, 30 deg; shift_x: -2, 0, 2 px``)."""
    return "; ".join(f"{name}: {', '.join(f'{m:g}' for m in magnitudes)} "
                     f"{TRANSFORMS[name].unit}" for name, magnitudes in grid)
