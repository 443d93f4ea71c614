"""Whether two runs were scored on the same test images and grid, the condition for pairing
them image by image (``bench check``, ``bench eval`` against a reference, a run's reference
section). A run's task comes from its ``run.json`` (else its model records, else its
folder's parent), never from a path alone."""

from __future__ import annotations

from pathlib import Path

from bench.results.loading import RunData
from bench.results.run_info import RUN_INFO, read_run_info

#: dataset.json fields that identify the test images.
IDENTITY = {"data set": "name", "data checksum": "checksum", "test images": "n_test_used",
            "test subset": "subset"}

Cell = tuple[str, float]


def task_of(folder: Path, run: RunData) -> str:
    """The task a run folder holds."""
    if (Path(folder) / RUN_INFO).is_file():
        return read_run_info(folder)["task"]
    tasks = {m["task"] for m in run.models if isinstance(m.get("task"), str)}
    return tasks.pop() if len(tasks) == 1 else run.task


def same_images(run: RunData, other: RunData) -> bool:
    """Whether both runs evaluated the same test images (data set, checksum, count, subset)."""
    return all(run.dataset.get(field) == other.dataset.get(field) for field in IDENTITY.values())


def grid_of(run: RunData) -> set[Cell]:
    """The (transform, magnitude) cells a run's rows hold."""
    return {(row.transform, float(row.magnitude)) for row in run.rows}


def test_set_differences(runs: tuple[RunData, RunData], tasks: tuple[str, str],
                         names: tuple[str, str] = ("run", "reference"),
                         grids: tuple[set[Cell], set[Cell]] | None = None) -> list[str]:
    """``data set: run fashion_mnist, reference mnist`` for each of task (``tasks``, see
    :func:`task_of`), data set, checksum, test-image count, subset and grid (the cells
    swept: ``grids``, else those the rows hold) in which the runs differ ([]: the same test
    set and grid)."""
    found = [f"task: {names[0]} {tasks[0]}, {names[1]} {tasks[1]}"] if tasks[0] != tasks[1] \
        else []
    for setting, field in IDENTITY.items():
        mine, theirs = (run.dataset.get(field) for run in runs)
        if mine != theirs:
            found.append(f"{setting}: {names[0]} {_short(mine)}, {names[1]} {_short(theirs)}")
    mine, theirs = grids if grids is not None else (grid_of(runs[0]), grid_of(runs[1]))
    if mine != theirs:
        found.append(f"grid: {names[0]} {len(mine)} cells, {names[1]} {len(theirs)}, "
                     f"{len(mine & theirs)} shared")
    return found


def _short(value: object) -> str:
    """A dataset.json value for one line (a long grid description is cut)."""
    text = "none" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "..."
