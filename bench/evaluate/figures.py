"""The eval report's figure: accuracy (%) against magnitude, one panel per transform, the
user's model (and a baseline) beside the reference families trained without augmentation
(mean over seeds with its 95% interval as a band, :func:`bench.analysis.resample.
mean_interval`). Made, checked and saved by :mod:`bench.render.layout` like every report
figure. No Keras."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.analysis.resample import mean_interval
from bench.catalog import FAMILIES, TRANSFORMS
from bench.render import layout
from bench.results.schema import ALL, Row, unpack_bits

COLUMNS = 3


def _curve(rows: Sequence[Row], transform: str) -> dict[float, np.ndarray]:
    """magnitude -> (N,) correctness of one model's ``all`` rows of ``transform``."""
    return {r.magnitude: unpack_bits(r.correct_bits, r.n) for r in rows
            if r.transform == transform and r.group == ALL and r.correct_bits}


def _band(members: list[Sequence[Row]], transform: str) -> tuple[list, list, list, list]:
    """(magnitudes, mean %, low %, high %) over the seeds at the magnitudes all hold."""
    curves = [_curve(rows, transform) for rows in members]
    shared = sorted(set.intersection(*(set(c) for c in curves))) if curves else []
    points = [mean_interval(np.stack([c[m] for c in curves])) for m in shared]
    return shared, *([p[i] * 100 for p in points] for i in range(3))


def sweep_figure(models: Sequence[tuple[str, Sequence[Row]]],
                 reference: dict[str, list[Sequence[Row]]], chance: float, n: int,
                 path: Path) -> Path:
    """Write the PNG. models: (label, rows) of the evaluated models; reference: family label
    -> one rows list per seed (drawn where it holds the transform); chance: share; n: test
    images per cell."""
    transforms = [s.name for s in TRANSFORMS
                  if any(r.transform == s.name for _, rows in models for r in rows)]
    columns = min(len(transforms), COLUMNS)
    rows_of_panels = math.ceil(len(transforms) / columns)
    figure = layout.new_figure(4.2 * columns, 3.2 * rows_of_panels + 1.2)
    axes = figure.subplots(rows_of_panels, columns, squeeze=False, sharey=True).ravel()
    for extra in axes[len(transforms):]:
        extra.set_visible(False)
    handles = {}
    for ax, transform in zip(axes, transforms, strict=False):
        for label, members in reference.items():
            x, mean, low, high = _band(members, transform)
            if x:
                line, = ax.plot(x, mean, linestyle="--", marker=".",
                                label=f"{label} (reference, {len(members)} seeds)")
                ax.fill_between(x, low, high, alpha=0.15, color=line.get_color())
                handles.setdefault(line.get_label(), line)
        for label, rows in models:
            curve = _curve(rows, transform)
            x = sorted(curve)
            line, = ax.plot(x, [curve[m].mean() * 100 for m in x], marker="o", linewidth=2,
                            label=label)
            handles.setdefault(label, line)
        handles.setdefault("chance", ax.axhline(chance * 100, color="grey", linewidth=0.8,
                                                linestyle=":", label="chance"))
        layout.style_axes(ax, TRANSFORMS[transform].axis_label)
        ax.set_ylim(0, 100)
    layout.style_axes(axes[0], axes[0].get_xlabel(), "accuracy (%)")
    layout.legend_below(figure, list(handles.values()))
    figure.suptitle(layout.wrap(f"Accuracy under each transform: n = {n:,} test images per "
                                "point; reference bands: 95% interval over seeds and images",
                                figure.get_figwidth(), layout.MIN_FONT_PT + 1),
                    fontsize=layout.MIN_FONT_PT + 1)
    return layout.save(figure, path)


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
