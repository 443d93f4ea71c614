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

#: ``bench publish``'s default target (its own code resolves it), and ``bench run``'s.
DEFAULT_RESULTS, DEFAULT_RUNS = Path("results"), Path("runs")


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
                         "bench report --results results --out reports")
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
        "report`)", "bench publish runs/mnist/smoke")
    publish.add_argument("run", type=Path, help="run folder, e.g. runs/mnist/quick")
    publish.add_argument("--results", type=Path, default=DEFAULT_RESULTS,
                         help="reference results folder (default: results)")
    publish.add_argument("--partial", action="store_true",
                         help="publish a run that lacks part of its profile (models, seeds or "
                              "cells); its reports then say partial")
    publish.add_argument("--drop-models", action="store_true",
                         help="replace a reference holding models the run does not (refused "
                              "otherwise, naming them)")

    repro = add_command(commands, "reproduce", "train a published architecture and measure "
                        "the figures bench/catalog/reproductions.py quotes",
                        "bench reproduce advertorch-lenet5 --seeds 0,1,2")
    repro.add_argument("name", help="advertorch-lenet5, engstrom-mnist or stn-rts")
    repro.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    repro.add_argument("--epochs", type=int, default=None,
                       help="epochs instead of the reproduction's own (a departure the page "
                            "then names)")
    repro.add_argument("--source", type=Path, default=None, help="mnist.npz (default: "
                       "$BENCH_DATA_DIR/mnist.npz, else the Keras cache or download)")
    repro.add_argument("--out", type=Path, default=DEFAULT_RUNS, help="writes "
                       "<out>/reproductions/NAME.jsonl (default: runs)")

    add_command(commands, "list",
                "list tasks, profiles (sizes), data sets and transforms (grids)", "bench list")
    evaluate_commands.add_parsers(commands)
    return finish(parser)


def cmd_run(args: argparse.Namespace) -> int:
    """Train, sweep, store and report one task under one profile."""
    from bench.catalog import choices
    from bench.results import references
    from bench.run.command import Placement

    profile = choices.run_profile(
        args.task, args.profile, data=args.data, source_given=args.source is not None,
        families=args.families, augmentations=args.augmentations,
        worst_case_n=args.worst_case_n, invariance_n=args.invariance_n,
        learning_rate=args.learning_rate, allow_outside_paths=args.allow_outside_paths)
    profile = evaluate_commands.chosen_grid(profile, args)
    seeds = choices.seeds(args.seeds)
    references.folder(args.out, "--out")
    reference_root = references.reference_root(args.reference)
    placement = Placement(args.scheduler, args.workers, args.threads, args.ship_data,
                          args.trained).check()
    extend = (references.reference_to_extend(profile, reference_root)
              if args.extend_reference else None)
    # TensorFlow is imported only once the arguments are valid
    from bench.render.command import report_run
    from bench.run.command import train_and_sweep

    started = time.perf_counter()
    folder = train_and_sweep(profile, args.out, args.source, seeds, placement,
                             quiet=args.quiet, extend=extend)
    if folder is None:  # Ctrl-C: its line is printed
        return 130
    print(report_run(folder, profile, reference_root, time.perf_counter() - started))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Print run A against run B as Markdown (refused for runs of different settings
    unless --allow-different)."""
    from bench.render.command import compare

    print(compare(args.a, args.b, args.allow_different))
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Validate a run and make it the reference of its task and run name (from run.json)."""
    from bench.results.publish_command import publish_run

    print(publish_run(args.run, args.results, args.partial, args.drop_models))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Every task report, the forward-pass report and the front page, from stored data."""
    from bench.render.command import report_all

    report_all(args.results, args.out)
    return 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    """Train one reproduction's architecture per seed and store its measurements."""
    from bench.catalog import choices
    from bench.catalog.reproductions import reproduction

    item, seeds = reproduction(args.name), choices.seeds(args.seeds)
    from bench.run.reproduce import reproduce  # TensorFlow, once the arguments are valid

    print(f"wrote {reproduce(item, seeds, args.out, args.source, args.epochs)}")
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
                "compare": cmd_compare, "publish": cmd_publish, "reproduce": cmd_reproduce,
                **evaluate_commands.COMMANDS}
    try:
        return commands[args.command](args)
    except (DataError, ChoiceError, StoreBusy, SchemaError, ClusterError,
            PublishError) as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # stored cells and a published folder are written whole
        print(f"\nbench {args.command}: interrupted; what it stored is kept, and the same "
              "command again continues from there", file=sys.stderr)
        return 130
    # disk full, permission denied, a symlink loop...: the path, the errno's meaning, what
    # to do; also bench.run.imported.TrainedModelMissing (a FileNotFoundError with a message)
    except OSError as error:
        from bench.os_faults import describe

        print(f"bench: error: {describe(error)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
