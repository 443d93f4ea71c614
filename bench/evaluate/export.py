"""Tidy exports of a run folder: one row per model x transform x magnitude (image group
``all``) with readable model names. ``bench.load_run`` returns the table as a pandas
DataFrame; ``export`` writes it as CSV, Parquet (needs pyarrow) or JSON Lines. No Keras."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bench.catalog import TRANSFORMS
from bench.config import ChoiceError
from bench.results.loading import MODELS, load_records, load_rows
from bench.results.schema import ALL

FORMATS = ("csv", "parquet", "jsonl")
#: Columns of the tidy table, in order. accuracy, clean_accuracy, flip_rate, ci_low/high:
#: shares in [0, 1]; delta_pp: percentage points; mac: probability change in [0, 1].
COLUMNS = ["model", "family", "augmentation", "seed", "file_sha256", "model_key", "task",
           "data", "profile", "transform", "magnitude", "n", "accuracy", "ci_low", "ci_high",
           "clean_accuracy", "delta_pp", "flip_rate", "mac"]


def _model_name(row, record: dict) -> str:
    """``cnn/shift/s0`` for a bench model; ``mine.keras (14727f795221)`` for an evaluated
    file (its name and the start of its SHA-256)."""
    if record.get("source"):
        return f"{Path(record['source']).name} ({record.get('sha256', '')[:12]})"
    return f"{row.family}/{row.augmentation}/s{row.seed}"


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
    table = pd.DataFrame([{
        "model": _model_name(r, records.get(r.model_key, {})),
        "family": r.family, "augmentation": r.augmentation, "seed": r.seed,
        "file_sha256": records.get(r.model_key, {}).get("sha256", ""),
        "model_key": r.model_key, "task": r.task,
        "data": r.data, "profile": r.profile, "transform": r.transform,
        "magnitude": r.magnitude, "n": r.n, "accuracy": r.accuracy, "ci_low": r.ci_low,
        "ci_high": r.ci_high, "clean_accuracy": r.clean_accuracy, "delta_pp": r.delta_pp,
        "flip_rate": 1.0 - r.consistency, "mac": r.mean_abs_change,
    } for r in rows], columns=COLUMNS)
    order = {name: i for i, name in enumerate(TRANSFORMS.names())}
    return table.sort_values(["family", "augmentation", "seed", "model_key", "transform",
                              "magnitude"], kind="stable",
                             key=lambda c: c.map(order) if c.name == "transform" else c
                             ).reset_index(drop=True)


def export(run: Path, fmt: str, target: Path | None = None) -> Path:
    """Write :func:`load_run` of ``run`` as ``fmt`` to ``target`` (default
    ``<run>/export.<fmt>``); returns the path written."""
    if fmt not in FORMATS:
        raise ChoiceError(f"--format {fmt!r}: valid choices: {', '.join(FORMATS)}")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ChoiceError("--format parquet needs pyarrow, which is not installed; "
                              "pip install pyarrow (or use --format csv or jsonl)") from None
    table = load_run(run)
    target = Path(target) if target is not None else Path(run) / f"export.{fmt}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        table.to_csv(target, index=False)
    elif fmt == "jsonl":
        table.to_json(target, orient="records", lines=True)
    else:
        table.to_parquet(target, index=False)
    return target
