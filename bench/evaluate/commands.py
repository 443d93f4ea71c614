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


def add_parsers(commands: argparse._SubParsersAction) -> None:
    """Register ``eval``, ``export`` and ``check`` on the ``bench`` parser."""
    from bench.catalog.defences import DEFENCES
    from bench.cli_help import add_command
    from bench.evaluate.contract import OUTPUTS, RANGES, TASK_CONVENTION
    from bench.evaluate.function_source import MODEL_TIMEOUT_S

    ev = add_command(
        commands, "eval",
        "sweep your own trained Keras model and compare it with the reference",
        "bench eval my_model.keras --task mnist --profile smoke")
    ev.add_argument("model", help="a .keras, .h5, .onnx or .tflite file, a SavedModel folder, "
                                  "or package.module:function returning a Keras model or a "
                                  "callable from images to outputs")
    ev.add_argument("--task", required=True, help="the task whose data, groups and reference "
                                                  "to use, e.g. mnist")
    ev.add_argument("--profile", default="quick",
                    help="grid and number of test images: smoke, quick (default) or book")
    ev.add_argument("--data", type=Path, default=None,
                    help="your test images instead of the task's: an npz with x_test (uint8) "
                         "and y_test, or a folder with one subfolder of images per class")
    ev.add_argument("--classes", "--class-order", default=None,
                    help="class names in the order of the model's outputs, comma-separated: "
                         "with --data, its classes (default: 0..K-1, or the sorted folder "
                         "names); without, the task's classes reordered (default: the "
                         "task's order)")
    ev.add_argument("--source", type=Path, default=None,
                    help="file or folder of the task's data set (as for bench run)")
    ev.add_argument("--input-range", choices=list(RANGES), default=TASK_CONVENTION,
                    help=f"pixel range the model expects (default {TASK_CONVENTION}, bench's "
                         "convention: pixel / 255); 0-255 for a model that rescales inside")
    ev.add_argument("--outputs", choices=list(OUTPUTS), default=None,
                    help="what the model returns: probs or logits (default: detected from "
                         "the clean pass, rows in [0, 1] summing to 1 being probabilities)")
    ev.add_argument("--repeat-channels", action="store_true",
                    help="feed grey images as 3 equal channels (a 3-channel model on a grey "
                         "task)")
    add_grid_arguments(ev)
    ev.add_argument("--out", type=Path, default=None,
                    help="the run folder to write (default runs/eval/<model>-<task>-<profile>)")
    ev.add_argument("--reference", type=Path, default=None,
                    help="published results to compare with, an existing folder: "
                         "<reference>/<task>/<profile> (default: the checkout's results/, "
                         "as for bench run; none with --data). A reference on another task, "
                         "data set, test-image set or grid is refused (exit 2)")
    ev.add_argument("--no-reference", action="store_true",
                    help="compare with no reference (a missing reference is exit 2 otherwise)")
    ev.add_argument("--allow-different", action="store_true",
                    help="keep a reference of other test images or grid (no paired "
                         "comparison is made; refused otherwise)")
    ev.add_argument("--worst-case-n", type=int, default=None,
                    help="test images for the Engstrom worst case instead of the profile's "
                         "(0: skip it)")
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
    ev.add_argument("--defence", choices=list(DEFENCES.names()), default=None,
                    help="evaluate the model under a test-time defence: tta (mean over fixed "
                         "shifts and rotations) or vote (Engstrom's majority vote over random "
                         "ones); its cost in forward passes is recorded")
    ev.add_argument("--model-timeout", type=float, default=None, metavar="SECONDS",
                    help="seconds a module:function model may take to import and build, and "
                         f"then for each batch of images (default {MODEL_TIMEOUT_S:g})")
    ev.add_argument("--quiet", action="store_true", help="no progress output")

    export = add_command(commands, "export", "one table row per model x transform x "
                         "magnitude, as CSV, Parquet or JSON Lines",
                         "bench export runs/mnist/smoke --format csv")
    export.add_argument("run", type=Path, help="run folder, e.g. runs/eval/mymodel-mnist-quick")
    export.add_argument("--format", choices=["csv", "parquet", "jsonl"], default="csv")
    export.add_argument("--to", type=Path, default=None,
                        help="output file, outside every run folder (default "
                             "<parent>-<run>.<format> in the current folder)")

    check = add_command(commands, "check", "regression gate: exit 1 when a model lost "
                        "more robustness than --max-drop",
                        "bench check runs/mnist/smoke --against results/mnist/smoke")
    check.description += (". Exit status: 0 when no model x transform dropped by more than "
                          "--max-drop beyond noise, 1 when one did, 2 on bad input (runs of "
                          "another task, data set, test-image set or grid without "
                          "--allow-different, a missing folder, a bad --max-drop).")
    check.add_argument("run", type=Path, help="the new run folder")
    check.add_argument("--against", type=Path, required=True, help="the reference run folder")
    check.add_argument("--max-drop", default="2",
                       help="largest tolerated drop in accuracy, percentage points, a finite "
                            "number >= 0 (default 2)")
    check.add_argument("--reference-model", default=None, metavar="FAMILY/POLICY",
                       help="the model of --against to hold a one-model run against, e.g. "
                            "cnn/none (needed when --against holds several)")
    check.add_argument("--allow-different", action="store_true",
                       help="compare runs of another task, data set, test-image set or grid "
                            "(refused otherwise)")
    check.add_argument("--json", action="store_true",
                       help="print the rows and the verdict as one JSON object")


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
             "--input-range", args.input_range]
    words += ["--outputs", args.outputs] if args.outputs else []
    for flag in ("data", "classes", "source", "transforms", "grid", "baseline", "defence"):
        if getattr(args, flag) is not None:
            words += [f"--{flag}", str(getattr(args, flag))]
    if args.seed:
        words += ["--seed", str(args.seed)]
    words += [f"--{flag.replace('_', '-')}"
              for flag in ("force", "verify_numpy", "repeat_channels") if getattr(args, flag)]
    return shlex.join(words)


def model_timeout(value: float | None) -> float:
    """--model-timeout in seconds: the default, or a finite number > 0 (ChoiceError)."""
    import math

    from bench.evaluate.function_source import MODEL_TIMEOUT_S

    if value is None:
        return MODEL_TIMEOUT_S
    if not math.isfinite(value) or value <= 0:
        raise ChoiceError(f"--model-timeout must be a number of seconds > 0, got {value}")
    return value


def eval_reference(args: argparse.Namespace, profile) -> Path | None:
    """The reference run folder of ``bench eval`` (None: --no-reference, or --data without
    --reference): ``<reference>/<task>/<run name>``, the reference root resolved as for
    ``bench run`` (default: the checkout's results/). ChoiceError when it cannot be found."""
    from bench import checkout
    from bench.catalog.profiles import run_folder

    if args.no_reference:
        if args.reference is not None:
            raise ChoiceError("--reference and --no-reference exclude each other")
        return None
    root = args.reference
    if root is None:
        if args.data is not None:
            return None  # the user's own images: no published reference was scored on them
        root = checkout.published(checkout.RESULTS)
        if root is None:
            raise ChoiceError("no reference folder: bench is installed without a checkout; "
                              "give --reference RESULTS or --no-reference")
    if not Path(root).is_dir():
        raise ChoiceError(f"--reference {root}: no such folder (looked for "
                          f"{Path(root).resolve()}); give the folder of published results, "
                          "e.g. the checkout's results/, or --no-reference")
    return run_folder(profile, Path(root).resolve())


def cmd_eval(args: argparse.Namespace) -> int:
    """Evaluate a user's model; exit 2 (with the likely causes) on the sanity stop."""
    from bench.catalog.profiles import get_profile, with_choices

    profile = with_choices(chosen_grid(get_profile(args.task, args.profile), args),
                           worst_case_n=args.worst_case_n)
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
        contract=InputContract(args.input_range, args.outputs, args.repeat_channels),
        folder=Path(folder),
        command=_command_line(args),
        data=args.data, classes=args.classes, source=args.source,
        reference=eval_reference(args, profile), allow_different=args.allow_different,
        baseline=args.baseline, seed=args.seed, force=args.force,
        verify_numpy=args.verify_numpy, verbose=not args.quiet,
        model_timeout=model_timeout(args.model_timeout), defence=args.defence)
    try:
        path = run_eval(request).report
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
    from bench.evaluate.check import (
        EXIT_FAILED,
        EXIT_PASSED,
        check_runs,
        max_drop_value,
        render,
        render_json,
    )

    max_drop = max_drop_value(args.max_drop)
    results = check_runs(args.run, args.against, max_drop, args.allow_different,
                         args.reference_model)
    print((render_json if args.json else render)(results, max_drop))
    return EXIT_FAILED if any(r.fails for r in results) else EXIT_PASSED


COMMANDS = {"eval": cmd_eval, "export": cmd_export, "check": cmd_check}
