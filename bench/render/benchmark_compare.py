"""``tox -e bench-compare``: pytest-benchmark's own comparison of saved forward-pass runs.

With no arguments, the four newest runs saved under ``.benchmarks/``: ``tox -e bench``
autosaves two per invocation (1 and 2 threads), so these are its last two invocations, and
each benchmark group (``{arch}-b{batch}-t{threads}``) compares like with like; otherwise
the arguments go to ``pytest-benchmark compare``
unchanged (run ids such as ``0001 0003``, globs, or options).
"""

from __future__ import annotations

import sys
from pathlib import Path

from pytest_benchmark.cli import main as pytest_benchmark_main

STORAGE = Path(".benchmarks")
COLUMNS = "median,iqr,rounds"
RUNS_PER_INVOCATION = 2
"""Saved runs per ``tox -e bench``: the suite at 1 and at 2 threads."""


def newest_runs(storage: Path = STORAGE, count: int = 2) -> list[Path]:
    """The ``count`` most recently saved runs (JSON files named NNNN_*.json), oldest first."""
    runs = sorted(storage.glob("*/[0-9][0-9][0-9][0-9]_*.json"), key=lambda p: p.name)
    if len(runs) < count:
        raise SystemExit(f"bench-compare: {len(runs)} saved run(s) under {storage}/; run "
                         f"`tox -e bench` {-(-(count - len(runs)) // RUNS_PER_INVOCATION)} more "
                         "time(s) first")
    return runs[-count:]


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    targets = argv or [str(path) for path in newest_runs(count=2 * RUNS_PER_INVOCATION)]
    sys.argv = ["pytest-benchmark", "--storage", str(STORAGE), "compare", "--group-by=group",
                f"--columns={COLUMNS}", *targets]
    pytest_benchmark_main()


if __name__ == "__main__":
    main()
