"""PNG plots of accuracy against transform magnitude (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from bench.summary import model_order  # noqa: E402
from bench.sweep import ALL  # noqa: E402
from bench.transforms import UNITS  # noqa: E402

_POLICY_COLOUR = {"none": "tab:gray", "shift": "tab:blue", "rotate": "tab:orange",
                  "scale": "tab:green", "all": "tab:purple"}
_AXIS_LABEL = {
    "shift_x": "horizontal shift (px, + = right)",
    "shift_y": "vertical shift (px, + = down)",
    "rotate": "rotation (degrees, + = counter-clockwise)",
    "scale": "scale factor (x)",
}


def accuracy_curves(summary: pd.DataFrame, transform: str, title: str, path: Path) -> Path:
    """One line per model x augmentation: accuracy (%) vs magnitude, error bars = spread."""
    part = summary[(summary["transform"] == transform) & (summary["group"] == ALL)]
    figure, axes = plt.subplots(figsize=(7, 4.2))
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
            marker="o" if family == "cnn" else "s",
            linestyle="-" if family == "cnn" else "--",
            capsize=2,
            color=_POLICY_COLOUR.get(augmentation),
            label=f"{family.upper()}, aug: {augmentation}",
        )
    axes.set_xlabel(_AXIS_LABEL.get(transform, f"{transform} ({UNITS[transform]})"))
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
    plt.close(figure)
    return path
