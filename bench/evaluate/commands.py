"""The ``bench eval``, ``bench export`` and ``bench check`` subcommands: their flags and
bodies. ``bench.cli`` only registers them (``add_parsers``) and dispatches (``COMMANDS``).
Heavy imports (Keras) happen inside the command bodies, after the flags are checked."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from bench.config import ChoiceError

DEFAULT_RUNS = Path("runs")
DEFAULT_RESULTS = Path("results")


def add_parsers(commands: argparse._SubParsersAction) -> None:
    """Register ``eval``, ``export`` and ``check`` on the ``bench`` parser."""
    from bench.cli_help import add_command
    from bench.evaluate.contract import OUTPUTS, RANGES, TASK_CONVENTION

    ev = add_command(
        commands, "eval",
        "sweep your own trained Keras model and compare it with the reference",
        "bench eval my_model.keras --task mnist --input-range 0-255")
    ev.add_argument("model", help="a .keras or .h5 file, a SavedModel folder, or "
                                  "package.module:function returning a Keras model or a "
                                  "callable from images to outputs")
    ev.add_argument("--task", required=True, help="the task whose data, groups and reference "
                                                  "to use, e.g. mnist")
    ev.add_argument("--profile", default="quick",
                    help="grid and number of test images: smoke, quick (default) or book")
    ev.add_argument("--data", type=Path, default=None,
                    help="your test images instead of the task's: an npz with x_test (uint8) "
                         "and y_test, or a folder with one subfolder of images per class")
    ev.add_argument("--classes", default=None,
                    help="with --data: class names in the order of the model's outputs, "
                         "comma-separated (default: 0..K-1, or the sorted folder names)")
    ev.add_argument("--source", type=Path, default=None,
                    help="file or folder of the task's data set (as for bench run)")
    ev.add_argument("--input-range", choices=list(RANGES), default=TASK_CONVENTION,
                    help=f"pixel range the model expects (default {TASK_CONVENTION}, bench's "
                         "convention: pixel / 255); 0-255 for a model that rescales inside")
    ev.add_argument("--outputs", choices=list(OUTPUTS), default="probs",
                    help="what the model returns: probs (default) or logits")
    add_grid_arguments(ev)
    ev.add_argument("--out", type=Path, default=None,
                    help="the run folder to write (default runs/eval/<model>-<task>-<profile>)")
    ev.add_argument("--reference", type=Path, default=DEFAULT_RESULTS,
                    help="published results to compare with: <reference>/<task>/<profile> "
                         "(default: results)")
    ev.add_argument("--baseline", default=None,
                    help="a second trained model (same forms as MODEL) compared image by image "
                         "(exact McNemar)")
    ev.add_argument("--seed", type=int, default=0,
                    help="seed of the per-cell bootstrap intervals (the training seed, where "
                         "known; default 0)")
    ev.add_argument("--force", action="store_true",
                    help="evaluate even when the clean pass looks like a wrong input contract")
    ev.add_argument("--verify-numpy", action="store_true",
                    help="also run the model through the NumPy engine and report the largest "
                         "difference from Keras")
    ev.add_argument("--quiet", action="store_true", help="no progress output")

    export = add_command(commands, "export", "one table row per model x transform x "
                         "magnitude, as CSV, Parquet or JSON Lines",
                         "bench export runs/mnist/quick --format csv")
    export.add_argument("run", type=Path, help="run folder, e.g. runs/eval/mymodel-mnist-quick")
    export.add_argument("--format", choices=["csv", "parquet", "jsonl"], default="csv")
    export.add_argument("--to", type=Path, default=None,
                        help="output file (default <run>/export.<format>)")

    check = add_command(commands, "check", "regression gate: exit 1 when a model lost "
                        "more robustness than --max-drop",
                        "bench check runs/eval/mine-mnist-quick --against results/mnist/quick")
    check.add_argument("run", type=Path, help="the new run folder")
    check.add_argument("--against", type=Path, required=True, help="the reference run folder")
    check.add_argument("--max-drop", type=float, default=2.0,
                       help="largest tolerated drop in accuracy, percentage points (default 2)")


def add_grid_arguments(parser: argparse.ArgumentParser) -> None:
    """--transforms and --grid (for ``bench eval`` and ``bench run``)."""
    parser.add_argument("--transforms", default=None,
                        help="comma-separated transforms to sweep instead of the profile's, "
                             "e.g. shift_x,rotate")
    parser.add_argument("--grid", default=None,
                        help="magnitudes per transform instead of the profile's: "
                             "TRANSFORM=START:STOP:STEP in its unit, comma-separated, e.g. "
                             "rotate=-30:30:5,shift_x=-2:2:1")


def chosen_grid(profile, args: argparse.Namespace):
    """The profile with --transforms / --grid applied (validated against the catalog)."""
    from bench.evaluate.grids import parse_grid, parse_transforms, with_grid

    return with_grid(profile, parse_transforms(args.transforms), parse_grid(args.grid))


def _model_stem(source: str) -> str:
    if ":" in source and not Path(source).exists():
        return source.rsplit(":", 1)[-1]
    return Path(source).stem or Path(source).name


def _command_line(args: argparse.Namespace) -> str:
    """The ``bench eval`` command as given (flags at their values), for the report."""
    words = ["bench", "eval", args.model, "--task", args.task, "--profile", args.profile,
             "--input-range", args.input_range, "--outputs", args.outputs]
    for flag in ("data", "classes", "source", "transforms", "grid", "baseline"):
        if getattr(args, flag) is not None:
            words += [f"--{flag}", str(getattr(args, flag))]
    if args.seed:
        words += ["--seed", str(args.seed)]
    words += [f"--{flag.replace('_', '-')}" for flag in ("force", "verify_numpy")
              if getattr(args, flag)]
    return shlex.join(words)


def cmd_eval(args: argparse.Namespace) -> int:
    """Evaluate a user's model; exit 2 (with the likely causes) on the sanity stop."""
    from bench.catalog.profiles import get_profile

    profile = chosen_grid(get_profile(args.task, args.profile), args)
    folder = args.out or DEFAULT_RUNS / "eval" / (
        f"{_model_stem(args.model)}-{profile.task}-{profile.name.value}")
    if Path(folder).exists() and not Path(folder).is_dir():
        raise ChoiceError(f"--out {folder}: is a file; expected a run folder (created if "
                          "missing)")
    if not 0 <= args.seed < 2**32:
        raise ChoiceError(f"--seed {args.seed}: expected an integer 0..{2**32 - 1}")
    from bench.evaluate.contract import InputContract
    from bench.evaluate.pipeline import EvalRequest, run_eval
    from bench.evaluate.sanity import SanityStop

    request = EvalRequest(
        model=args.model, profile=profile,
        contract=InputContract(args.input_range, args.outputs), folder=Path(folder),
        command=_command_line(args),
        data=args.data, classes=args.classes, source=args.source,
        reference=Path(args.reference) / profile.task / profile.name.value,
        baseline=args.baseline, seed=args.seed, force=args.force,
        verify_numpy=args.verify_numpy, verbose=not args.quiet)
    try:
        path = run_eval(request)
    except SanityStop as stop:
        print(f"bench: stopped: {stop}", file=sys.stderr)
        return 2
    print(f"wrote {path}; rows in {folder}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write a run's tidy table as CSV, Parquet or JSON Lines."""
    from bench.evaluate.export import export

    target = export(args.run, args.format, args.to)
    print(f"wrote {target}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Exit 1 when any model x transform dropped by more than --max-drop beyond noise."""
    from bench.evaluate.check import check_runs, render

    if args.max_drop < 0:
        raise ChoiceError(f"--max-drop must be at least 0, got {args.max_drop}")
    results = check_runs(args.run, args.against, args.max_drop)
    print(render(results, args.max_drop))
    return 1 if any(r.fails for r in results) else 0


COMMANDS = {"eval": cmd_eval, "export": cmd_export, "check": cmd_check}
