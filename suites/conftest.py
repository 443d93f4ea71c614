"""Shared machinery of the robustness suites: options, the parametrisation grid, the run.

Each suite module sets ``TASK``; its tests take the ``cell`` parameter (one model x
transform x magnitude, with a readable id such as ``mnist-cnn-shift-s0-shift_x+2``)
and the module-scoped ``task_run``. Results go to the result store as each cell
finishes; the task's report is written when the module's tests are done.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.profiles import get_profile, with_data
from bench.sweep import cells


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bench", "robustness suites")
    group.addoption("--bench-profile", default=os.environ.get("BENCH_PROFILE", "smoke"),
                    help="profile of the robustness suites: smoke (default), quick or book")
    group.addoption("--bench-data", default=None,
                    help="data set instead of the profile's, e.g. mnist (needs BENCH_DATA_DIR)")
    group.addoption("--bench-results", default="results", help="result store folder")
    group.addoption("--bench-reports", default="reports", help="reports folder")


def suite_profile(config: pytest.Config, task: str):
    """The profile a suite runs, with the --bench-data override applied."""
    profile = get_profile(task, config.getoption("--bench-profile"))
    data = config.getoption("--bench-data")
    return profile if data is None else with_data(profile, data)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "cell" not in metafunc.fixturenames:
        return
    from bench.runner import model_specs

    task = metafunc.module.TASK
    profile = suite_profile(metafunc.config, task)
    params, ids = [], []
    for spec in model_specs(profile, None):
        for transform, magnitude in cells(profile.grid):
            params.append((spec, transform, magnitude))
            ids.append(f"{task}-{spec.label[:-len(f'-s{spec.seed}')]}-s{spec.seed}-"
                       f"{transform.value}{magnitude:+g}")
    metafunc.parametrize("cell", params, ids=ids)


@pytest.fixture(scope="module")
def task_run(request: pytest.FixtureRequest):
    """The module's task under the chosen profile; skips when its data is absent."""
    from bench import report
    from bench.data.types import DataError
    from bench.runner import TaskRun

    config = request.config
    profile = suite_profile(config, request.module.TASK)
    try:
        run = TaskRun(profile, Path(config.getoption("--bench-results")), verbose=1)
    except DataError as error:
        pytest.skip(f"{profile.task.value} data not available: {error}")
    with run:
        yield run
    report_path = report.write_report(run.folder, Path(config.getoption("--bench-reports")))
    print(f"\nwrote {report_path}")
