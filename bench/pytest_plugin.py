"""bench's pytest plugin (entry point ``pytest11``: ``bench = "bench.pytest_plugin"``),
active in every test session where bench is installed.

The fixture ``bench_eval`` is :func:`bench.evaluate` writing its run folder under pytest's
temporary folder, so a project's own tests can gate a model's robustness::

    def test_rotation(bench_eval):
        r = bench_eval("mine.keras", task="mnist")
        assert r.accuracy("rotate", 15) >= 0.9      # a share of the test images
        assert r.check(max_drop=2)                   # bench check against the reference

``--bench-eval-out DIR`` keeps the run folders in ``DIR/<test id>[-<call>]`` instead (a
rerun then reuses their stored cells). Importing this module imports neither bench's
pipeline nor Keras; they load when the fixture is first called.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

#: The option naming where run folders are kept (bench's robustness suites use other
#: ``--bench-*`` names: --bench-profile, --bench-data, --bench-results, --bench-reports).
OPTION = "--bench-eval-out"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bench-eval", "bench.evaluate fixture (bench_eval)")
    group.addoption(OPTION, default=None, metavar="DIR",
                    help="keep the bench_eval fixture's run folders in DIR/<test id> "
                         "(default: pytest's temporary folders)")


def _folder_name(node_id: str, call: int) -> str:
    """A folder name for one call of the fixture in the test ``node_id``
    (``tests/test_x.py::test_rotation`` -> ``tests_test_x.py_test_rotation``)."""
    name = re.sub(r"[^\w.-]+", "_", node_id).strip("_")[-100:] or "test"
    return name if call == 0 else f"{name}-{call}"


@pytest.fixture
def bench_eval(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """``bench_eval(model, task=..., **options)``: :func:`bench.evaluate` with ``out`` under
    pytest's temporary folders (or ``--bench-eval-out``), one run folder per call; returns
    its :class:`bench.api.EvalResult`. Pass ``out=`` to choose the folder yourself."""
    from bench.api import evaluate

    keep = request.config.getoption(OPTION)
    calls = 0

    def run(model, **kwargs):
        nonlocal calls
        if "out" not in kwargs:
            name = _folder_name(request.node.nodeid, calls)
            kwargs["out"] = (Path(keep) / name if keep is not None
                             else tmp_path_factory.mktemp(f"bench-eval-{name[-40:]}-"))
        calls += 1
        return evaluate(model, **kwargs)

    return run
