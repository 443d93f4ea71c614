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

from bench.catalog.profiles import get_profile, with_data


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bench", "robustness suites")
    group.addoption("--bench-profile", default=os.environ.get("BENCH_PROFILE", "smoke"),
                    help="profile of the robustness suites: smoke (default), quick or book")
    group.addoption("--bench-data", default=None,
                    help="data set instead of the profile's, e.g. mnist (needs BENCH_DATA_DIR)")
    group.addoption("--bench-results", default="runs",
                    help="where the suite's run stores its rows (default: runs, git-ignored; "
                         "the published results/ are never written by a suite)")
    group.addoption("--bench-reports", default=None,
                    help="reports folder (default: the run folder, as report.md)")
    group.addoption("--threads", type=int, default=None,
                    help="forward-pass suite: threads for NumPy (chunk threads), BLAS and "
                         "TensorFlow (intra- and inter-op) alike (default: the usable cores)")
    group.addoption("--npcnn-plan", default="rule",
                    help="forward-pass suite: how the NumPy engine picks each convolution's "
                         "algorithm: rule (default), measure (timed on this machine before the "
                         "benchmark, cached per CPU model, threads and shape) or one of "
                         "im2col, winograd-f2, winograd-f3 forced wherever it applies")


def pytest_configure(config: pytest.Config) -> None:
    """Create the folder of ``--benchmark-json`` where pytest-benchmark takes it as a path
    (``tox -e bench`` writes into a run folder, ``runs/forward_pass/``, that a fresh checkout
    lacks; pytest-benchmark 5 opens the file while parsing, so tox creates the folder first)."""
    path = config.getoption("benchmark_json", None)
    if isinstance(path, str | os.PathLike):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def suite_profile(config: pytest.Config, task: str):
    """The profile a suite runs, with the --bench-data override applied."""
    profile = get_profile(task, config.getoption("--bench-profile"))
    data = config.getoption("--bench-data")
    return profile if data is None else with_data(profile, data)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``cell``: one test per model x transform x magnitude (``mnist-cnn-shift-s0-rotate+30``);
    ``model_spec``: one test per model (``mnist-cnn-shift-s0``)."""
    if not {"cell", "model_spec"} & set(metafunc.fixturenames):
        return
    from bench.run.runner import model_specs
    from bench.run.sweep import cells

    task = metafunc.module.TASK
    specs = model_specs(suite_profile(metafunc.config, task), None)
    if "model_spec" in metafunc.fixturenames:
        metafunc.parametrize("model_spec", specs, ids=[f"{task}-{s.label}" for s in specs])
        return
    grid = cells(suite_profile(metafunc.config, task).grid)
    metafunc.parametrize(
        "cell",
        [(spec, transform, magnitude) for spec in specs for transform, magnitude in grid],
        ids=[f"{task}-{spec.label}-{transform}{magnitude:+g}"
             for spec in specs for transform, magnitude in grid],
    )


@pytest.fixture(scope="module")
def task_run(request: pytest.FixtureRequest):
    """The module's task under the chosen profile; skips when its data is absent."""
    from bench.data.types import DataError
    from bench.render import report
    from bench.run.runner import open_run

    config = request.config
    profile = suite_profile(config, request.module.TASK)
    try:
        run = open_run(profile, Path(config.getoption("--bench-results")), verbose=1)
    except DataError as error:
        pytest.skip(f"{profile.task} data not available: {error}")
    with run:
        yield run
    reports = config.getoption("--bench-reports")
    report_path = (report.write_report(run.folder, Path(reports)) if reports
                   else report.write_report(run.folder, run.folder, name="report"))
    print(f"\nwrote {report_path}")
