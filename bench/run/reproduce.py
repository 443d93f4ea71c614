"""``bench reproduce NAME``: train a published architecture on its data variant for each
seed and store what it measures, for the page of reproductions
(:mod:`bench.render.reproductions`).

One JSON line per (seed, statistic) in ``<out>/reproductions/<name>.jsonl``: the per-image
correctness on the test images (packed bits, so the page gets a two-level interval), the
protocol it was trained with and the wall times (s). Training goes through
:func:`bench.run.train.fit` (cached by model key), so a killed run resumes and a seed already
stored is trained again only when its settings changed; a seed trained again replaces its
earlier lines.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import numpy as np

from bench.analysis import worst_case as engstrom
from bench.catalog.datasets import DATASETS
from bench.catalog.profiles import PROFILES
from bench.catalog.reproductions import Reproduction
from bench.config import ChoiceError, Fill, ProfileName, TrainSettings
from bench.data.distorted import VARIANTS
from bench.data.paths import cache_dir
from bench.data.types import Split
from bench.results.schema import pack_bits
from bench.run.inputs import to_inputs
from bench.run.train import ModelSpec, fit

#: Seed of the distorted data sets and of the test subset and random draws of the attacks.
DATA_SEED = 0
#: Test images per predict call.
BATCH = 1024


def records_path(out: Path, name: str) -> Path:
    """Where the records of reproduction ``name`` are stored under ``out``."""
    return Path(out) / "reproductions" / f"{name}.jsonl"


def _variant(split: Split, data: str, seed: int) -> Split:
    """``split`` through the data variant ``data`` with a fixed generator."""
    images = VARIANTS[data](split.x, np.random.default_rng(seed))
    return Split(images, split.y)


def _predict(model):
    def predict(images: np.ndarray) -> np.ndarray:
        return model.predict(to_inputs(images), batch_size=BATCH, verbose=0).argmax(axis=1)
    return predict


def measure(model, test: Split, item: Reproduction) -> dict[str, np.ndarray]:
    """Per-image correctness (N,) bool of each statistic of ``item`` on ``test``: clean
    and error on all of it, the attacks on its seeded subset of ``item.n_test`` images."""
    predict = _predict(model)
    wanted = {figure.statistic for figure in item.figures}
    out: dict[str, np.ndarray] = {}
    if wanted & {"clean", "error"}:
        correct = predict(test.x) == test.y
        out.update({s: correct if s == "clean" else ~correct
                    for s in wanted & {"clean", "error"}})
    if wanted & {"random_worst", "grid_worst"}:
        part = test.subset(item.n_test, DATA_SEED)
        # the random draws depend only on the grid's limits: without a grid figure, the
        # grid's 8 corners stand for its 775 points (the same limits, the same draws)
        corners = None if "grid_worst" in wanted else engstrom.grid_points(
            shift_steps=2, rotate_steps=2)
        found = engstrom.worst_case(predict, part.x, part.y, Fill.ZERO,
                                    np.random.default_rng(DATA_SEED), points=corners)
        if "random_worst" in wanted:
            out["random_worst"] = found.random.all(axis=0)
        if "grid_worst" in wanted:
            out["grid_worst"] = found.grid.all(axis=0)
    return out


def reproduce(item: Reproduction, seeds: tuple[int, ...], out: Path,
              source: Path | None = None, epochs: int | None = None,
              cache: Path | None = None, verbose: int = 2) -> Path:
    """Train ``item``'s family on its data variant for each seed (``epochs``: instead of the
    reproduction's own; models cached in ``cache``, default the bench cache's ``models``),
    measure its statistics and store them; the records file."""
    if epochs is not None and epochs < 1:
        raise ChoiceError(f"--epochs must be at least 1, got {epochs}")
    cache = cache if cache is not None else cache_dir() / "models"
    data = DATASETS["mnist"].load(source)
    train = _variant(data.train, item.data, DATA_SEED)
    test = _variant(data.test, item.data, DATA_SEED + 1)
    settings = TrainSettings(epochs or item.epochs, item.batch_size, item.learning_rate)
    profile = dataclasses.replace(PROFILES[("mnist", ProfileName.BOOK)], train=settings,
                                  families=(item.family,), augmentations=("none",),
                                  seeds=seeds, fill=Fill.ZERO)
    path = records_path(out, item.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        model, record, _ = fit(ModelSpec(item.family, "none", seed), train,
                               len(data.classes), profile, cache, verbose)
        started = time.perf_counter()
        measured = measure(model, test, item)
        seconds = time.perf_counter() - started
        lines = [json.dumps({
            "reproduction": item.name, "seed": seed, "statistic": statistic,
            "n": int(correct.size), "bits": pack_bits(correct), "family": item.family,
            "data": item.data, "n_train": len(train.y), "epochs": settings.epochs,
            "batch_size": settings.batch_size, "optimizer": "Adam",
            "learning_rate": settings.learning_rate,
            "train_seconds": round(float(record.train_seconds), 1),
            "measure_seconds": round(seconds, 1),
        }) for statistic, correct in sorted(measured.items())]
        kept = [line for line in _lines(path) if json.loads(line)["seed"] != seed]
        path.write_text("".join(f"{line}\n" for line in [*kept, *lines]))
    return path


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip()] \
        if path.is_file() else []
