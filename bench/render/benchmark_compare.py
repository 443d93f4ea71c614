"""``tox -e bench-compare``: pytest-benchmark's own comparison of saved forward-pass runs.

``tox -e bench`` runs the suite at 1 and at 2 threads and autosaves each into its own
storage, ``.benchmarks/threads-1`` and ``.benchmarks/threads-2``, so a saved run is only
ever compared with runs on the same number of threads (also by ``tox -e bench --
--benchmark-compare``, which compares with the newest run of the same storage). With no
arguments, the two newest runs of each storage are compared; otherwise the first argument
names the storage (``threads-1``) and the rest go to ``pytest-benchmark compare``
unchanged (run ids such as ``0001 0003``, globs, or options).
"""

from __future__ import annotations

import sys
from pathlib import Path

from pytest_benchmark.cli import main as pytest_benchmark_main

STORAGE = Path(".benchmarks")
COLUMNS = "median,iqr,rounds"


def storages(root: Path = STORAGE) -> list[Path]:
    """The per-thread-count storages under ``root`` (``threads-N``), sorted."""
    found = sorted(root.glob("threads-*"))
    if not found:
        raise SystemExit(f"bench-compare: no saved runs under {root}/threads-*; run "
                         "`tox -e bench` twice first")
    return found


def newest_runs(storage: Path, count: int = 2) -> list[Path]:
    """The ``count`` most recently saved runs (JSON files named NNNN_*.json), oldest first."""
    runs = sorted(storage.glob("*/[0-9][0-9][0-9][0-9]_*.json"), key=lambda p: p.name)
    if len(runs) < count:
        raise SystemExit(f"bench-compare: {len(runs)} saved run(s) under {storage}/; run "
                         f"`tox -e bench` {count - len(runs)} more time(s) first")
    return runs[-count:]


def compare(storage: Path, targets: list[str]) -> None:
    """pytest-benchmark's comparison table of ``targets`` in ``storage``."""
    sys.argv = ["pytest-benchmark", "--storage", str(storage), "compare", "--group-by=group",
                f"--columns={COLUMNS}", *targets]
    pytest_benchmark_main()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        storage = STORAGE / argv[0]
        if not argv[0].startswith("threads-") or not storage.is_dir():
            raise SystemExit(f"bench-compare: the first argument names a storage under "
                             f"{STORAGE}/ such as threads-1 (found: "
                             f"{', '.join(p.name for p in storages())}), got {argv[0]!r}")
        compare(storage, argv[1:])
        return
    for storage in storages():
        print(f"== {storage.name} ==")
        compare(storage, [str(path) for path in newest_runs(storage)])


if __name__ == "__main__":
    main()
