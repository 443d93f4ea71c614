"""Hand-made stored rows with known answers, for the report and statistics tests."""

from __future__ import annotations

import numpy as np

from bench.results.loading import RunData
from bench.results.schema import Row, pack_bits


def correct_vector(n: int, accuracy: float, offset: int = 0) -> np.ndarray:
    """(n,) bool: images offset .. offset + round(accuracy * n) - 1 are the right ones, so
    two models compare image by image."""
    index = np.arange(n)
    return (index >= offset) & (index < offset + round(accuracy * n))


def rows_for(family, augmentation, seed, accuracy_at, *, n=200, offset=0, task="mnist",
             transform="shift_x", groups=None, profile="quick", model_key=None):
    """Rows of one model over one transform; accuracy_at: magnitude -> share correct (the
    identity magnitude must be among them). groups: name -> (n, accuracy) of extra group
    rows, the same at every magnitude."""
    identity = 1.0 if transform == "scale" else 0.0
    clean = correct_vector(n, accuracy_at[identity], offset)
    out = []
    for magnitude, accuracy in accuracy_at.items():
        correct = correct_vector(n, accuracy, offset)
        common = dict(task=task, data="mnist-5k", profile=profile, family=family,
                      augmentation=augmentation, seed=seed,
                      model_key=model_key or f"{family}-{augmentation}-{seed}",
                      transform=transform,
                      magnitude=float(magnitude), consistency=0.9, mean_abs_change=0.1,
                      ci_low=0.0, ci_high=1.0)
        out.append(Row(**common, group="all", n=n, accuracy=float(correct.mean()),
                       clean_accuracy=float(clean.mean()),
                       delta_pp=float(correct.mean() - clean.mean()) * 100,
                       correct_bits=pack_bits(correct)))
        for name, (size, share) in (groups or {}).items():
            out.append(Row(**common, group=name, n=size, accuracy=share, clean_accuracy=share,
                           delta_pp=0.0))
    return out


def model_records(rows, n_train=4000, epochs=10, ranges="x"):
    """One models.jsonl record per (family, augmentation, seed) of the rows."""
    keys = sorted({(r.family, r.augmentation, r.seed) for r in rows})
    return [{"key": f"{f}-{a}-{s}", "family": f, "augmentation": a, "seed": s,
             "augmentation_ranges": ranges, "params": 1000, "train_seconds": 2.0,
             "learning_rate": 0.001, "epochs": epochs, "batch_size": 128, "n_train": n_train}
            for f, a, s in keys]


def dataset_info(n_test=200, name="mnist-5k", source="test", **extra):
    """A dataset.json record."""
    return {"name": name, "source": source, "checksum": "abc", "classes": ["0", "1"],
            "image_shape": [28, 28, 1], "n_train_used": 4000, "n_test_used": n_test,
            "subset": "all", "counts": {}, "notes": [], "skipped": {"missing file": 2},
            "environment": {"cpu": "test cpu"}, **extra}


def run_data(rows, task="mnist", profile="quick", models=None, probes=(), dataset=None):
    """A RunData of hand-made rows."""
    return RunData(task, profile, list(rows), models or model_records(rows), list(probes),
                   dataset or dataset_info())
