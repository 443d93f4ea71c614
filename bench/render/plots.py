"""PNG plots of accuracy against transform magnitude.

Figures are drawn with matplotlib's object API (``Figure``, no pyplot), so no backend is
chosen and no global state is touched.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from bench.analysis.summary import model_order
from bench.catalog import FAMILIES, POLICIES, TRANSFORMS
from bench.results.schema import ALL


def accuracy_curves(summary: pd.DataFrame, transform: str, title: str, path: Path) -> Path:
    """One line per model x augmentation: accuracy (%) vs magnitude, error bars = spread."""
    part = summary[(summary["transform"] == transform) & (summary["group"] == ALL)]
    figure = Figure(figsize=(7, 4.2))
    axes = figure.subplots()
    for (family, augmentation), line in sorted(
        part.groupby(["family", "augmentation"]), key=lambda item: model_order(item[0])
    ):
        line = line.sort_values("magnitude")
        if line["seeds"].max() > 1:
            low = line["accuracy_std"] * 100
            high = low
        else:
            low = (line["accuracy"] - line["ci_low"]) * 100
            high = (line["ci_high"] - line["accuracy"]) * 100
        axes.errorbar(
            line["magnitude"],
            line["accuracy"] * 100,
            yerr=[low, high],
            marker=FAMILIES[family].marker,
            linestyle=FAMILIES[family].linestyle,
            capsize=2,
            color=POLICIES[augmentation].colour,
            label=f"{FAMILIES[family].label}, aug: {augmentation}",
        )
    axes.set_xlabel(TRANSFORMS[transform].axis_label)
    axes.set_ylabel("test accuracy (%)")
    n, seeds = int(part["n"].max()), int(part["seeds"].max())
    spread = "± std over seeds" if seeds > 1 else "95% bootstrap interval"
    axes.set_title(f"{title}\nn = {n:,} test images, {seeds} seed(s), bars: {spread}",
                   fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    return path
