"""Tidy exports of a run folder: one row per model x transform x magnitude (image group
``all``) with readable model names. ``bench.load_run`` returns the table as a pandas
DataFrame; ``export`` writes it as CSV, Parquet (needs pyarrow) or JSON Lines, never inside
a run folder or the published results. No Keras.

Column names are chosen so that none is a pandas DataFrame attribute (``table.magnitude``
is the column, never a method); accuracies are shares in [0, 1] (``*_share``), rounded to
:data:`DECIMALS` decimals like every other measured number, so a CSV carries no float noise.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bench.catalog import TRANSFORMS
from bench.checkout import RESULTS, published
from bench.config import ChoiceError
from bench.results.loading import MODELS, ROWS, load_records, load_rows
from bench.results.run_info import RUN_INFO
from bench.results.schema import ALL

FORMATS = ("csv", "parquet", "jsonl")
#: Decimals kept of magnitudes and of every share (1e-6 of a share is 1e-4 pp).
DECIMALS = 6
#: Columns of the tidy table, in order (documented in docs/eval.md, "Exports"):
#: training_seed: the seed a bench model was trained with (empty for a model evaluated by
#: ``bench eval``, whose training bench does not know); bootstrap_seed: the seed of the
#: per-cell bootstrap intervals. magnitude: in magnitude_unit (the transform's catalog unit:
#: px, deg, or x for a scale factor). *_share: shares in [0, 1]; delta_share: accuracy minus
#: clean accuracy (a share, negative when accuracy falls); flip_rate: the share of images
#: whose prediction differs from the clean one; mean_abs_change: mean |change| of the
#: true class's probability, in [0, 1]; n_images: test images in the cell.
COLUMNS = ["model", "family", "augmentation", "training_seed", "bootstrap_seed",
           "file_sha256", "model_key", "task", "data", "profile", "transform_name",
           "magnitude", "magnitude_unit", "n_images", "accuracy_share", "ci_low_share",
           "ci_high_share", "clean_accuracy_share", "delta_share", "flip_rate",
           "mean_abs_change"]
#: What marks a folder as a run folder (``export`` writes in none of them).
RUN_MARKERS = (ROWS, RUN_INFO, MODELS)


def _model_name(row, record: dict) -> str:
    """``cnn/shift/s0`` for a bench model; ``mine.keras (14727f795221)`` for an evaluated
    file (its name and the start of its SHA-256)."""
    if record.get("source"):
        return f"{Path(record['source']).name} ({record.get('sha256', '')[:12]})"
    return f"{row.family}/{row.augmentation}/s{row.seed}"


def _share(value: float) -> float:
    return round(float(value), DECIMALS)


def load_run(path: Path | str) -> pd.DataFrame:
    """The rows of a run folder (``bench run`` or ``bench eval``) as a tidy DataFrame, one
    row per model x transform x magnitude, columns :data:`COLUMNS`; FileNotFoundError when
    the folder holds no rows."""
    folder = Path(path)
    rows = [r for r in load_rows(folder) if r.group == ALL]
    if not rows:
        raise FileNotFoundError(f"{folder}: no stored rows (rows/*.jsonl); give a run folder "
                                "such as runs/mnist/quick or runs/eval/<name>")
    records = {m["key"]: m for m in load_records(folder, MODELS)}
    lines = []
    for r in rows:
        record = records.get(r.model_key, {})
        evaluated = bool(record.get("source"))  # a bench eval model: training seed unknown
        lines.append({
            "model": _model_name(r, record), "family": r.family,
            "augmentation": r.augmentation,
            "training_seed": None if evaluated else r.seed, "bootstrap_seed": r.seed,
            "file_sha256": record.get("sha256", ""), "model_key": r.model_key,
            "task": r.task, "data": r.data, "profile": r.profile,
            "transform_name": r.transform, "magnitude": round(float(r.magnitude), DECIMALS),
            "magnitude_unit": TRANSFORMS[r.transform].unit if r.transform in TRANSFORMS.names()
            else "", "n_images": r.n, "accuracy_share": _share(r.accuracy),
            "ci_low_share": _share(r.ci_low), "ci_high_share": _share(r.ci_high),
            "clean_accuracy_share": _share(r.clean_accuracy),
            "delta_share": _share(r.delta_pp / 100.0),
            "flip_rate": _share(1.0 - r.consistency),
            "mean_abs_change": _share(r.mean_abs_change),
        })
    table = pd.DataFrame(lines, columns=COLUMNS).astype(
        {"training_seed": "Int64", "bootstrap_seed": "int64", "n_images": "int64"})
    order = {name: i for i, name in enumerate(TRANSFORMS.names())}
    return table.sort_values(["family", "augmentation", "bootstrap_seed", "model_key",
                              "transform_name", "magnitude"], kind="stable",
                             key=lambda c: c.map(order) if c.name == "transform_name" else c
                             ).reset_index(drop=True)


def _run_folder_above(path: Path) -> Path | None:
    """The nearest of ``path`` and its ancestors that holds rows/, run.json or models.jsonl."""
    for folder in (path, *path.parents):
        if any((folder / marker).exists() for marker in RUN_MARKERS):
            return folder
    return None


def check_target(target: Path) -> None:
    """ChoiceError (one line, what to do) when ``target`` is a folder, or lies inside a run
    folder (one holding rows/, run.json or models.jsonl, at any depth above it) or inside
    the published results: an export must never overwrite stored rows or records."""
    resolved = Path(target).resolve()
    advice = "give --to a file outside every run folder, e.g. --to exports/mine.csv"
    if resolved.is_dir():
        raise ChoiceError(f"--to {target}: is a folder; {advice}")
    results = published(RESULTS)
    if results is not None and resolved.is_relative_to(results.resolve()):
        raise ChoiceError(f"--to {target}: inside the published results {results}; {advice}")
    run = _run_folder_above(resolved.parent)
    if run is not None:
        raise ChoiceError(f"--to {target}: inside the run folder {run} (an export never "
                          f"writes where rows are stored); {advice}")


def default_target(run: Path, fmt: str) -> Path:
    """``<parent>-<name>.<fmt>`` of the run folder, in the current folder: runs/mnist/quick
    -> ``mnist-quick.csv``, runs/eval/mine-mnist-quick -> ``eval-mine-mnist-quick.csv``."""
    folder = Path(run).resolve()
    return Path(f"{folder.parent.name}-{folder.name}.{fmt}")


def export(run: Path, fmt: str, target: Path | None = None) -> Path:
    """Write :func:`load_run` of ``run`` as ``fmt`` to ``target`` (default
    :func:`default_target`); returns the path written. ChoiceError for a bad format or a
    target inside a run or results folder (:func:`check_target`), nothing written."""
    if fmt not in FORMATS:
        raise ChoiceError(f"--format {fmt!r}: valid choices: {', '.join(FORMATS)}")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ChoiceError("--format parquet needs pyarrow, which is not installed; "
                              "pip install pyarrow (or use --format csv or jsonl)") from None
    target = Path(target) if target is not None else default_target(run, fmt)
    check_target(target)
    table = load_run(run)
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        table.to_csv(target, index=False)
    elif fmt == "jsonl":
        table.to_json(target, orient="records", lines=True)
    else:
        table.to_parquet(target, index=False)
    return target
