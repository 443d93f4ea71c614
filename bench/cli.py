"""bench: train, sweep and compare how robust MLPs and CNNs are to shifted, turned, scaled
and sheared images.

The ``bench`` command: each subcommand is registered with one example
(:mod:`bench.cli_help`); TensorFlow's own log lines are hidden unless ``--verbose``
(:mod:`bench.library_logs`). Bad input (unknown names, missing or malformed data) ends
with one line on stderr and exit status 2, never a traceback. Ctrl-C keeps every finished
cell.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from bench import checkout, library_logs
from bench.catalog import TASKS
from bench.cli_help import SuggestingParser, add_command, add_verbose, finish
from bench.config import ChoiceError, ProfileName
from bench.evaluate import commands as evaluate_commands

#: ``bench publish``'s default target (its own code resolves it).
DEFAULT_RESULTS = Path("results")

DEFAULT_RUNS = Path("runs")


def _parser() -> argparse.ArgumentParser:
    results, reports = checkout.published(checkout.RESULTS), checkout.published(checkout.REPORTS)
    parser = SuggestingParser(prog="bench", description=" ".join(__doc__.split("\n\n")[0]
                                                                  .split()))
    add_verbose(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = add_command(commands, "run", "train, sweep and report one task",
                      "bench run mnist --profile smoke")
    run.add_argument("task", help=f"one of: {', '.join(TASKS.names())}")
    run.add_argument("--profile", default=ProfileName.QUICK.value,
                     help="smoke, quick (default) or book (`bench list` shows their sizes)")
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
    run.add_argument("--worst-case-n", type=int, default=None,
                     help="test images for the Engstrom worst case instead of the profile's "
                          "(0: skip it)")
    run.add_argument("--invariance-n", type=int, default=None,
                     help="test images for the layer-by-layer invariance errors instead of "
                          "the profile's (0: skip them)")
    run.add_argument("--out", type=Path, default=DEFAULT_RUNS,
                     help="where this run writes: <out>/<task>/<profile>/ holds its rows and "
                          "report.md (default: runs, in the current folder)")
    run.add_argument("--reference", type=Path, default=results,
                     help="published results to compare with, an existing folder (default: "
                          f"{results or 'none, as bench is installed without a checkout'})")
    run.add_argument("--extend-reference", action="store_true",
                     help="start from the published reference of this task and run name "
                          "(--reference): its models trained the same way now are copied in, "
                          "so only what is missing (more seeds, a new policy) is computed; "
                          "then `bench publish` the run")
    run.add_argument("--learning-rate", type=float, default=None,
                     help="Adam learning rate instead of the profile's (the run folder name "
                          "gets -lr<rate>)")
    run.add_argument("--trained", type=Path, default=None,
                     help="sweep models trained elsewhere (python -m bench.run.device_train) "
                          "from this folder instead of training")
    evaluate_commands.add_grid_arguments(run)
    run.add_argument("--quiet", action="store_true", help="no progress output")
    run.add_argument("--allow-outside-paths", action="store_true",
                     help="read image files whose CSV path or symbolic link leads outside the "
                          "data folder (default: skipped and counted)")
    run.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="compute the models on a Dask cluster: `local` (a LocalCluster on "
                          "this machine) or a scheduler address, e.g. tcp://host:8786 "
                          "(default: in this process)")
    run.add_argument("--workers", type=int, default=None,
                     help="worker processes of --scheduler local (default: one per core, at "
                          "most one per model)")
    run.add_argument("--threads", type=int, default=None,
                     help="TensorFlow/BLAS threads per worker of --scheduler local (default: "
                          "cores // workers); CNN weights depend on it in the last bits")
    run.add_argument("--ship-data", action="store_true",
                     help="with --scheduler: send this machine's data to the workers instead "
                          "of having them read it")

    report = add_command(commands, "report", "regenerate every report from stored results",
                         "bench report")
    report.add_argument("--out", type=Path, default=reports,
                        help=f"reports folder (default: {reports or 'none: give it'})")
    report.add_argument("--results", type=Path, default=results,
                        help=f"results folder (default: {results or 'none: give it'})")

    compare = add_command(commands, "compare", "Markdown table of run A minus run B",
                          "bench compare runs/mnist/smoke results/mnist/smoke")
    compare.add_argument("a", type=Path, help="run folder, e.g. runs/mnist/quick")
    compare.add_argument("b", type=Path, help="run folder, e.g. results/mnist/quick")
    compare.add_argument("--allow-different", action="store_true",
                         help="compare runs of different profiles, epochs or data (refused "
                              "otherwise)")

    publish = add_command(
        commands, "publish", "make a run's results the published reference (then `bench "
        "report`)", "bench publish runs/mnist/quick")
    publish.add_argument("run", type=Path, help="run folder, e.g. runs/mnist/quick")
    publish.add_argument("--results", type=Path, default=DEFAULT_RESULTS,
                         help="reference results folder (default: results)")
    publish.add_argument("--partial", action="store_true",
                         help="publish a run that lacks part of its profile (models, seeds or "
                              "cells); its reports then say partial")

    add_command(commands, "list",
                "list tasks, profiles (sizes), data sets and transforms (grids)", "bench list")
    evaluate_commands.add_parsers(commands)
    return finish(parser)


#: The largest training seed: NumPy and TensorFlow take 32-bit seeds.
MAX_SEED = 2**32 - 1


def _seeds(text: str | None) -> tuple[int, ...] | None:
    """Distinct seeds in 0..MAX_SEED from ``0,1,2`` (None when not given)."""
    if text is None:
        return None
    try:
        seeds = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ChoiceError(f"--seeds must be comma-separated integers, got {text!r}") from None
    for seed in seeds:
        if not 0 <= seed <= MAX_SEED:
            raise ChoiceError(f"--seeds: {seed} is out of range; expected integers "
                              f"0..{MAX_SEED} (32-bit seeds), e.g. 0,1,2")
        if seeds.count(seed) > 1:
            raise ChoiceError(f"--seeds: {seed} is given twice; expected distinct seeds, "
                              "e.g. 0,1,2")
    return seeds


def _folder(path: Path, option: str) -> Path:
    """``path`` when it is a folder or can be created as one; ChoiceError naming the option
    and the file in the way otherwise."""
    for part in (path, *path.parents):
        if part.exists():
            if not part.is_dir():
                raise ChoiceError(f"{option} {path}: {part} is a file; expected a folder "
                                  "(created if missing)")
            break
    return path


def _names(text: str | None) -> tuple[str, ...] | None:
    """Comma-separated names -> a tuple (None when not given); checked by the catalog."""
    return None if text is None else tuple(text.split(","))


def cmd_run(args: argparse.Namespace) -> int:
    """Train, sweep, store and report one task under one profile."""
    from bench.catalog.profiles import (
        data_for_source,
        get_profile,
        with_choices,
        with_data,
        with_learning_rate,
    )

    profile = get_profile(args.task, args.profile)
    if args.data is not None:
        profile = with_data(profile, args.data)
    elif args.source is not None:
        profile = data_for_source(profile)
    profile = with_choices(profile, _names(args.families), _names(args.augmentations),
                           args.worst_case_n, args.invariance_n)
    if args.learning_rate is not None:
        profile = with_learning_rate(profile, args.learning_rate)
    if args.allow_outside_paths:
        profile = allowing_outside_paths(profile)
    profile = evaluate_commands.chosen_grid(profile, args)
    seeds = _seeds(args.seeds)
    _folder(args.out, "--out")
    reference_root = _reference_root(args.reference)
    if args.trained is not None and not args.trained.is_dir():
        raise ChoiceError(f"--trained {args.trained}: no such folder; expected the folder "
                          "python -m bench.run.device_train wrote its models to")
    _check_cluster_options(args)
    extend = _reference_to_extend(profile, reference_root) if args.extend_reference else None
    # TensorFlow is imported only once the arguments are valid
    from bench.render import report
    from bench.run import runner

    started = time.perf_counter()
    folder = runner.run_folder(profile, args.out)
    verbose = 0 if args.quiet else 2
    try:
        if args.scheduler is None:
            runner.run_task(profile, args.out, args.source, seeds, verbose=verbose,
                            trained=args.trained, extend=extend)
        else:
            from bench.run.distributed import run_distributed

            run_distributed(profile, args.out, args.source, seeds, args.scheduler,
                            workers=args.workers, threads=args.threads,
                            ship_data=args.ship_data, verbose=verbose, extend=extend)
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished cells (models, on a cluster) are kept in {folder}; "
              "run the same command again to continue.", file=sys.stderr)
        return 130
    reference = (runner.run_folder(profile, reference_root) if reference_root is not None
                 else None)
    path = report.write_report(folder, folder, name="report", reference_folder=reference)
    print(f"wrote {path} ({time.perf_counter() - started:.0f} s); results in {folder}; "
          f"compared with {_compared_with(reference)}")
    return 0


def _reference_root(path: Path | None) -> Path | None:
    """The absolute reference folder of ``--reference`` (None: no checkout and none given);
    ChoiceError saying where it looked when it is not an existing folder."""
    if path is None:
        return None
    _folder(path, "--reference")  # a file in the way is named as such
    resolved = path.resolve()
    if not resolved.is_dir():
        raise ChoiceError(f"--reference {path}: no such folder (looked for {resolved}); give "
                          "the folder of published results, e.g. the checkout's results/")
    return resolved


def _reference_to_extend(profile, reference_root: Path | None) -> Path:
    """The published run folder ``--extend-reference`` starts from; ChoiceError, saying what
    to do, when there is none."""
    from bench.catalog.profiles import run_folder

    if reference_root is None:
        raise ChoiceError("--extend-reference: no reference folder (bench is installed "
                          "without a checkout); give --reference DIR")
    folder = run_folder(profile, reference_root)
    if not any(folder.glob("rows/*.jsonl")):
        raise ChoiceError(f"--extend-reference: no published reference in {folder}; run "
                          "without --extend-reference, or give --reference DIR")
    return folder


def _compared_with(reference: Path | None) -> str:
    """The end of a run's last line: which reference its report compares with."""
    if reference is None:
        return ("no reference (bench is installed without a checkout; give --reference "
                "FOLDER)")
    if any(reference.glob("rows/*.jsonl")):
        return str(reference)
    return f"no reference (none stored in {reference})"


def _check_cluster_options(args: argparse.Namespace) -> None:
    """ChoiceError for --workers, --threads, --ship-data or --trained where they do not
    apply."""
    from bench.run.cluster import LOCAL

    for option in ("workers", "threads"):
        value = getattr(args, option)
        if value is not None and args.scheduler != LOCAL:
            raise ChoiceError(f"--{option} applies to --scheduler {LOCAL} (got --scheduler "
                              f"{args.scheduler}); a cluster at an address has its own workers")
        if value is not None and value < 1:
            raise ChoiceError(f"--{option} must be at least 1, got {value}")
    if args.ship_data and args.scheduler is None:
        raise ChoiceError("--ship-data applies to a run with --scheduler")
    if args.trained is not None and args.scheduler is not None:
        raise ChoiceError("--trained sweeps models trained elsewhere in this process; run it "
                          "without --scheduler")


def allowing_outside_paths(profile):
    """The profile whose loader reads files outside the data folder; ChoiceError when its
    data set reads no folder or CSV of files."""
    import dataclasses
    import inspect

    from bench.catalog import DATASETS

    loader = DATASETS[profile.data].loader
    if "allow_outside_paths" not in inspect.signature(loader).parameters:
        raise ChoiceError(f"--allow-outside-paths applies to data read from image folders or "
                          f"CSVs (gender, cifar10), not to data set {profile.data!r}")
    options = (*profile.data_options, ("allow_outside_paths", True))
    return dataclasses.replace(profile, data_options=options)


def cmd_compare(args: argparse.Namespace) -> int:
    """Print run A against run B as Markdown, over the cells both hold; refuses runs of
    different settings unless --allow-different."""
    from bench.analysis.comparable import setup_differences
    from bench.render.comparison import render_compare
    from bench.results.loading import RunData

    for folder in (args.a, args.b):
        if not any(Path(folder).glob("rows/*.jsonl")):
            raise FileNotFoundError(f"{folder}: no stored rows (rows/*.jsonl); give a run "
                                    "folder such as runs/mnist/quick or results/mnist/quick")
    a, b = RunData.load(args.a), RunData.load(args.b)
    differences = setup_differences(a, b)
    if differences and not args.allow_different:
        raise ChoiceError(f"A ({args.a}) and B ({args.b}) differ in {'; '.join(differences)}; "
                          "their accuracies are not comparable. Add --allow-different to "
                          "compare the cells they share anyway")
    from bench.analysis.verdicts import corrected

    print(corrected(lambda: render_compare(a, b, (str(args.a), str(args.b))))[0])
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Validate a run and make it the reference of its task and run name (from run.json)."""
    from bench.results.publish import PublishError, publish
    from bench.results.schema import SchemaError

    _folder(args.results, "--results")
    try:
        published = publish(args.run, args.results, partial=args.partial)
    except (SchemaError, FileNotFoundError) as error:
        raise PublishError(f"nothing published: {error}") from None
    partial = f" (partial: {'; '.join(published.missing)})" if published.missing else ""
    print(f"published {args.run} as {published.target}{partial}; run `bench report` to "
          "regenerate the reports")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Every task report, the forward-pass report and the front page, from stored data."""
    from bench.analysis.runs import RunView
    from bench.render import frontpage, report
    from bench.results.loading import RunData, run_folders

    for option, path in (("--results", args.results), ("--out", args.out)):
        if path is None:
            raise ChoiceError(f"{option} is required: bench is installed without a checkout, "
                              "so it has no published folder to default to")
    _folder(args.results, "--results")
    _folder(args.out, "--out")
    folders = run_folders(args.results)
    benchmark_json = Path(args.out) / "forward_pass"
    if not folders and not benchmark_json.is_dir():
        raise FileNotFoundError(
            f"no stored results under {args.results}/ and no {benchmark_json}; run "
            "`bench run TASK` or `tox -e bench` first"
        )
    if benchmark_json.is_dir():
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
    """Print the valid names of everything ``bench run`` takes, with each profile's sizes
    and each transform's grid per profile."""
    from bench.catalog.listing import listing

    print(listing())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bench`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    library_logs.configure(args.verbose)  # before anything imports TensorFlow
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from bench.data.types import DataError
    from bench.results.publish import PublishError
    from bench.results.schema import SchemaError
    from bench.results.store import StoreBusy
    from bench.run.cluster import ClusterError

    commands = {"run": cmd_run, "report": cmd_report, "list": cmd_list,
                "compare": cmd_compare, "publish": cmd_publish,
                **evaluate_commands.COMMANDS}
    try:
        return commands[args.command](args)
    except (DataError, ChoiceError, StoreBusy, SchemaError, ClusterError,
            PublishError) as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 2
    # disk full, permission denied, a symlink loop...: the path, the errno's meaning, what
    # to do; also bench.run.imported.TrainedModelMissing (a FileNotFoundError with a message)
    except OSError as error:
        from bench.os_faults import describe

        print(f"bench: error: {describe(error)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
