"""The ``bench`` command: ``bench run``, ``bench report``, ``bench list``.

Bad input (unknown names, missing or malformed data) ends with one line on
stderr and exit status 2, never a traceback. Ctrl-C keeps every finished cell.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from bench.catalog import DATASETS, FAMILIES, POLICIES, TASKS, TRANSFORMS
from bench.config import ChoiceError, ProfileName

DEFAULT_RESULTS = Path("results")
DEFAULT_REPORTS = Path("reports")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="train, sweep and report one task")
    run.add_argument("task", help=f"one of: {', '.join(TASKS.names())}")
    run.add_argument("--profile", default=ProfileName.QUICK.value,
                     help="smoke, quick (default) or book")
    run.add_argument("--source", type=Path, default=None,
                     help="data file or folder (default: the task's usual locations)")
    run.add_argument("--data", default=None,
                     help="data set instead of the profile's (e.g. mnist or mnist-5k)")
    run.add_argument("--seeds", default=None,
                     help="comma-separated training seeds instead of the profile's, e.g. 0,1,2")
    run.add_argument("--families", default=None,
                     help="comma-separated model families instead of the profile's, e.g. cnn")
    run.add_argument("--augmentations", default=None,
                     help="comma-separated policies instead of the profile's, e.g. none,rotate")
    run.add_argument("--out", type=Path, default=DEFAULT_REPORTS, help="reports folder")
    run.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="results folder")
    run.add_argument("--quiet", action="store_true", help="no progress output")

    report = commands.add_parser("report", help="regenerate every report from stored results")
    report.add_argument("--out", type=Path, default=DEFAULT_REPORTS, help="reports folder")
    report.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="results folder")

    commands.add_parser("list", help="list tasks, profiles, data sets and transforms")
    return parser


def _seeds(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ChoiceError(f"--seeds must be comma-separated integers, got {text!r}") from None


def _names(text: str | None) -> tuple[str, ...] | None:
    """Comma-separated names -> a tuple (None when not given); checked by the catalog."""
    return None if text is None else tuple(text.split(","))


def cmd_run(args: argparse.Namespace) -> int:
    """Train, sweep, store and report one task under one profile."""
    from bench.catalog.profiles import get_profile, with_choices, with_data

    profile = get_profile(args.task, args.profile)
    if args.data is not None:
        profile = with_data(profile, args.data)
    profile = with_choices(profile, _names(args.families), _names(args.augmentations))
    seeds = _seeds(args.seeds)
    # TensorFlow is imported only once the arguments are valid
    from bench.render import frontpage, report
    from bench.run import runner

    started = time.perf_counter()
    try:
        folder = runner.run_task(profile, args.results, args.source, seeds,
                                 verbose=0 if args.quiet else 2)
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished cells are kept in {args.results}; run the same "
              "command again to continue.", file=sys.stderr)
        return 130
    path = report.write_report(folder, args.out)
    front = frontpage.write_front_page(args.results, args.out)
    print(f"wrote {path} and {front} ({time.perf_counter() - started:.0f} s); "
          f"results in {folder}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Every task report, the forward-pass report and the front page, from stored data."""
    from bench.analysis.runs import RunView
    from bench.render import frontpage, report
    from bench.results.loading import RunData, run_folders

    folders = run_folders(args.results)
    benchmark_json = Path(args.out) / "forward_pass.json"
    if not folders and not benchmark_json.is_file():
        raise FileNotFoundError(
            f"no stored results under {args.results}/ and no {benchmark_json}; run "
            "`bench run TASK` or `tox -e bench` first"
        )
    if benchmark_json.is_file():
        from bench.render.forward_pass import write_forward_pass_report

        markdown = Path(args.out) / "forward_pass.md"
        write_forward_pass_report(benchmark_json, markdown)
        print(f"wrote {markdown}")
    views = [RunView.of(RunData.load(folder)) for folder in folders]  # estimated once
    for view in views:
        print(f"wrote {report.write_report(view, args.out)}")
    if views:
        print(f"wrote {frontpage.write_front_page(args.results, args.out, views)}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Print the valid names of everything ``bench run`` takes."""
    from bench.catalog.profiles import PROFILES

    print("tasks and profiles:")
    for task in TASKS:
        names = [p.value for t, p in PROFILES if t == task.name]
        print(f"  {task.name}: {', '.join(names) if names else '(no profile yet)'}"
              f"  ({task.title}; data: {', '.join(task.datasets)})")
    print("data sets:")
    for data in DATASETS:
        print(f"  {data.name}: {data.origin}")
    print(f"model families: {', '.join(FAMILIES.names())}")
    print(f"augmentations: {', '.join(POLICIES.names())}")
    print("transforms:")
    for spec in TRANSFORMS:
        print(f"  {spec.name}: {spec.title}; identity {spec.identity:g}, trained for by "
              f"the {spec.policy} policy")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bench`` console script; returns the exit status."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = _parser().parse_args(argv)
    from bench.data.types import DataError
    from bench.results.schema import SchemaError
    from bench.results.store import StoreBusy

    commands = {"run": cmd_run, "report": cmd_report, "list": cmd_list}
    try:
        return commands[args.command](args)
    except (DataError, ChoiceError, FileNotFoundError, StoreBusy, SchemaError) as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
