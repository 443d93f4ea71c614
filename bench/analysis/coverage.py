"""Every cell accounted for: which (transform, magnitude) cells a run's models should hold
(its profile's grid), which are missing, and which cells two runs share.

A cell is (transform, magnitude); a model is (family, augmentation, seed). Only rows of the
``all`` group count: a cell is stored when its ``all`` row is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bench.catalog import TRANSFORMS
from bench.catalog.profiles import profile_of_run
from bench.config import grid_cells
from bench.results.completeness import pair_label
from bench.results.loading import RunData
from bench.results.schema import ALL, Row

Cell = tuple[str, float]
Model = tuple[str, str, int]  # family, augmentation, seed
Pair = tuple[str, str]  # family, augmentation (what a comparison compares, over seeds)


def stored_cells(rows: Iterable[Row]) -> dict[Model, set[Cell]]:
    """Model -> the cells whose ``all`` row is stored."""
    cells: dict[Model, set[Cell]] = {}
    for row in rows:
        if row.group == ALL:
            cells.setdefault((row.family, row.augmentation, row.seed), set()).add(
                (row.transform, float(row.magnitude)))
    return cells


def expected_cells(run: RunData) -> list[Cell]:
    """The cells each model of the run should hold: its profile's grid, in grid order (the
    union of the stored cells for a run folder that names no profile of its task)."""
    profile = profile_of_run(run.task, run.profile)
    if profile is not None:
        return grid_cells(profile.grid)
    return sorted(set().union(*stored_cells(run.rows).values()))


def cells_in_words(cells: Iterable[Cell]) -> str:
    """``shift_x -4, +4 px; rotate +45 deg`` (catalog order, then magnitude)."""
    by_transform: dict[str, list[float]] = {}
    for transform, magnitude in cells:
        by_transform.setdefault(transform, []).append(magnitude)
    order = {spec.name: i for i, spec in enumerate(TRANSFORMS)}
    parts = []
    for transform in sorted(by_transform, key=lambda name: order.get(name, len(order))):
        spec = TRANSFORMS[transform]
        magnitudes = ", ".join(spec.format_magnitude(m) for m in sorted(by_transform[transform]))
        parts.append(f"{transform} {magnitudes} {spec.unit}")
    return "; ".join(parts)


def model_label(model: Model) -> str:
    """``MLP / none, seed 0``."""
    family, augmentation, seed = model
    return f"{pair_label(family, augmentation)}, seed {seed}"


def missing_notes(run: RunData) -> list[str]:
    """One note per set of missing cells, naming the models that lack them ([]: every model
    of the run holds every cell of its grid): ``12 of 41 cells missing for MLP / none,
    seed 0: shift_x +3, +4 px; ...``. Models the run lacks altogether are not cells missing
    (``bench.results.completeness.partial_notes`` names them)."""
    expected = expected_cells(run)
    stored = stored_cells(run.rows)
    models = sorted({(m["family"], m["augmentation"], m["seed"]) for m in run.models}
                    | set(stored))
    by_gap: dict[tuple[Cell, ...], list[Model]] = {}
    for model in models:
        gap = tuple(cell for cell in expected if cell not in stored.get(model, set()))
        if gap:
            by_gap.setdefault(gap, []).append(model)
    return [f"{len(gap)} of {len(expected)} cells missing for "
            f"{'; '.join(model_label(m) for m in gap_models)}: {cells_in_words(gap)}"
            for gap, gap_models in by_gap.items()]


def complete_cells(rows: Sequence[Row]) -> dict[Pair, set[Cell]]:
    """(family, augmentation) -> the cells every one of its seeds holds."""
    per_pair: dict[Pair, set[Cell]] = {}
    for (family, augmentation, _), cells in stored_cells(rows).items():
        pair = (family, augmentation)
        per_pair[pair] = per_pair[pair] & cells if pair in per_pair else set(cells)
    return per_pair


def shared_cells(rows: Sequence[Row], other: Sequence[Row]) -> dict[Pair, set[Cell]]:
    """(family, augmentation) held by both -> the cells both hold for every seed."""
    mine, theirs = complete_cells(rows), complete_cells(other)
    return {pair: mine[pair] & theirs[pair] for pair in mine.keys() & theirs.keys()}


def restrict(rows: Sequence[Row], shared: dict[Pair, set[Cell]]) -> list[Row]:
    """The rows of the shared cells only."""
    return [row for row in rows
            if (row.transform, float(row.magnitude)) in shared.get((row.family,
                                                                    row.augmentation), ())]


def dropped_notes(rows: Sequence[Row], other: Sequence[Row], shared: dict[Pair, set[Cell]],
                  names: tuple[str, str]) -> list[str]:
    """What a comparison of two runs leaves out, in words: for the models both hold, the
    cells only one side holds for every seed (``names`` label the sides), grouped by the
    side; [] when nothing is dropped."""
    notes = []
    for side, own in ((names[0], complete_cells(rows)), (names[1], complete_cells(other))):
        dropped: dict[tuple[Cell, ...], list[str]] = {}
        for pair in sorted(shared):
            extra = tuple(sorted(own[pair] - shared[pair]))
            if extra:
                dropped.setdefault(extra, []).append(pair_label(*pair))
        notes += [f"only in {side}, left out for {', '.join(labels)}: {cells_in_words(cells)}"
                  for cells, labels in dropped.items()]
    return notes
