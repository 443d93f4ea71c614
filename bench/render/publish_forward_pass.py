"""Make a forward-pass run the published figures: the one step that writes
``reports/forward_pass/`` (a render step: it rewrites ``reports/forward_pass.md``).

``tox -e bench`` writes ``runs/forward_pass/threads-N.json`` and never touches ``reports/``;
``python -m bench.render.publish_forward_pass runs/forward_pass`` (``tox -e bench-publish``)
copies the run's JSON over the published files of the same names and regenerates
``reports/forward_pass.md``. Published thread counts the run lacks are kept.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from bench.render.forward_pass import read_runs, render_forward_pass, write_forward_pass_report

DEFAULT_REPORTS = Path("reports")


def publish_forward_pass(run_folder: Path | str, reports: Path | str = DEFAULT_REPORTS
                         ) -> list[Path]:
    """Copy every ``threads-*.json`` of ``run_folder`` into ``<reports>/forward_pass/`` and
    rewrite ``<reports>/forward_pass.md``; returns the published JSON paths.

    Each file is read and rendered on its own first, so a broken run (FileNotFoundError,
    ValueError naming the file) leaves the published figures as they were."""
    run_folder = Path(run_folder)
    sources = sorted(run_folder.glob("threads-*.json"))
    if not sources:
        raise FileNotFoundError(f"{run_folder}: no threads-N.json; run `tox -e bench` first "
                                "(it writes runs/forward_pass/threads-1.json and threads-2.json)")
    for source in sources:
        try:
            render_forward_pass(read_runs(source))
        except ValueError as error:
            raise ValueError(f"{source}: {error}") from None
    target = Path(reports) / "forward_pass"
    target.mkdir(parents=True, exist_ok=True)
    published = [Path(shutil.copyfile(source, target / source.name)) for source in sources]
    write_forward_pass_report(target, Path(reports) / "forward_pass.md")
    return published


def main(argv: list[str] | None = None) -> int:
    """Command line; returns the exit status (2 with one line on stderr on bad input)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="forward-pass run folder, e.g. runs/forward_pass")
    parser.add_argument("--reports", type=Path, default=DEFAULT_REPORTS,
                        help=f"reports folder (default: {DEFAULT_REPORTS})")
    args = parser.parse_args(argv)
    try:
        published = publish_forward_pass(args.run, args.reports)
    except (FileNotFoundError, ValueError) as error:
        print(f"publish_forward_pass: error: {error}", file=sys.stderr)
        return 2
    print(f"published {', '.join(map(str, published))}; wrote {args.reports / 'forward_pass.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
