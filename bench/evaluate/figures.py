"""The eval report's figure: accuracy (%) against magnitude, one panel per transform, the
user's model (and a baseline) beside the reference families trained without augmentation
(mean over seeds, with the range of the seeds as a band). No Keras; matplotlib's object
API, no pyplot."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from bench.catalog import FAMILIES, TRANSFORMS
from bench.results.schema import ALL, Row


def _curve(rows: Sequence[Row], transform: str) -> tuple[np.ndarray, np.ndarray]:
    """(magnitudes, accuracies %) of one model's rows of ``transform``, sorted."""
    points = sorted((r.magnitude, r.accuracy * 100) for r in rows
                    if r.transform == transform and r.group == ALL)
    return np.array([p[0] for p in points]), np.array([p[1] for p in points])


def sweep_figure(models: Sequence[tuple[str, Sequence[Row]]],
                 reference: dict[str, list[Sequence[Row]]], chance: float, n: int,
                 path: Path) -> Path:
    """Write the PNG. models: (label, rows) of the evaluated models; reference: family label
    -> one rows list per seed (drawn where it holds the transform); chance: share; n: test
    images per cell."""
    transforms = [s.name for s in TRANSFORMS
                  if any(r.transform == s.name for _, rows in models for r in rows)]
    cols = min(len(transforms), 3)
    figure = Figure(figsize=(4.2 * cols, 3.3 * math.ceil(len(transforms) / cols) + 0.8))
    axes = figure.subplots(math.ceil(len(transforms) / cols), cols, squeeze=False,
                           sharey=True).ravel()
    for extra in axes[len(transforms):]:
        extra.set_visible(False)
    for ax, transform in zip(axes, transforms, strict=False):
        for label, members in reference.items():
            curves = [_curve(rows, transform) for rows in members]
            curves = [c for c in curves if len(c[0])]
            if not curves or any(len(c[0]) != len(curves[0][0]) for c in curves):
                continue
            values = np.stack([c[1] for c in curves])
            ax.plot(curves[0][0], values.mean(axis=0), linestyle="--", marker=".",
                    label=f"{label} (reference, {len(curves)} seeds)")
            ax.fill_between(curves[0][0], values.min(axis=0), values.max(axis=0), alpha=0.15)
        for label, rows in models:
            x, y = _curve(rows, transform)
            ax.plot(x, y, marker="o", linewidth=2, label=label)
        ax.axhline(chance * 100, color="grey", linewidth=0.8, linestyle=":", label="chance")
        ax.set_xlabel(TRANSFORMS[transform].axis_label, fontsize=8)
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("accuracy (%)")
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=min(len(labels), 4), fontsize=8)
    figure.suptitle(f"Accuracy under each transform: n = {n:,} test images per point; "
                    "reference bands: range over seeds", fontsize=10)
    figure.tight_layout(rect=(0, 0.08, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    return path


def reference_members(rows: Sequence[Row], models: Sequence[dict]) -> dict[str, list[list[Row]]]:
    """Family label -> rows per seed, for the reference families without augmentation."""
    by_key: dict[str, list[Row]] = {}
    for row in rows:
        by_key.setdefault(row.model_key, []).append(row)
    out: dict[str, list[list[Row]]] = {}
    for model in sorted(models, key=lambda m: (FAMILIES.order(m["family"]), m["seed"])):
        if model["augmentation"] == "none" and model["key"] in by_key:
            out.setdefault(FAMILIES[model["family"]].label, []).append(by_key[model["key"]])
    return out
