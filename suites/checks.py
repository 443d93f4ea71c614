"""Sanity checks every suite applies to the rows of a cell."""

from __future__ import annotations

import math

from bench.catalog import TRANSFORMS
from bench.results.schema import ALL, Row


def check_cell(task_run, cell) -> list[Row]:
    """Compute (or read) one cell of a TaskRun and check its rows; returns them."""
    spec, transform, magnitude = cell
    rows = task_run.rows(spec, transform, magnitude)
    groups = {name: int(mask.sum()) for name, mask in task_run.masks.items()}
    check_cell_rows(rows, groups, task_run.profile.clean_floor)
    return rows


def check_cell_rows(rows: list[Row], expected_groups: dict[str, int], clean_floor: float) -> None:
    """Assert a cell's rows are complete and plausible.

    expected_groups: group name -> number of test images in it.
    """
    assert {row.group for row in rows} == set(expected_groups), "a group's row is missing"
    for row in rows:
        where = f"{row.family}/{row.augmentation}/s{row.seed} {row.transform}={row.magnitude:g} " \
                f"group {row.group}"
        assert row.n == expected_groups[row.group], f"{where}: n={row.n}"
        for name in ("accuracy", "clean_accuracy", "consistency", "mean_abs_change",
                     "ci_low", "ci_high"):
            value = getattr(row, name)
            assert math.isfinite(value) and 0.0 <= value <= 1.0, f"{where}: {name}={value}"
        assert row.ci_low <= row.accuracy <= row.ci_high, f"{where}: accuracy outside its CI"
        assert math.isclose(row.delta_pp, (row.accuracy - row.clean_accuracy) * 100, abs_tol=1e-9)
        if row.magnitude == TRANSFORMS[row.transform].identity:
            assert row.accuracy == row.clean_accuracy and row.consistency == 1.0, where
        if row.group == ALL:
            assert row.correct_bits, f"{where}: per-image correctness not stored"
            assert row.clean_accuracy >= clean_floor, (
                f"{where}: clean accuracy {row.clean_accuracy:.3f} is below the profile's "
                f"sanity floor {clean_floor}: the model did not train"
            )


def check_class_groups(task_run) -> None:
    """Every class of the task's data is an image group of the run."""
    classes = task_run.prepared.dataset.classes
    assert {f"class:{name}" for name in classes} <= set(task_run.masks)
