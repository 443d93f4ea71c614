"""Report sections from the probe records of ``bench.run.spatial_probes``: the Engstrom
worst-case table and the layer-by-layer invariance figure (and its table).

Pure functions of the stored records (dicts from probes.jsonl); the figure is drawn with
matplotlib's object API. No Keras here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from tabulate import tabulate

from bench.analysis import metrics
from bench.analysis.estimates import model_order
from bench.analysis.invariance import PROBE as INVARIANCE
from bench.analysis.worst_case import PROBE as WORST_CASE
from bench.catalog import FAMILIES

#: Worst-case columns: record key -> header (accuracies in %, time in s).
WORST_COLUMNS = {
    "clean": "clean", "shift_worst": "worst shift ±3 px (5x5)",
    "rotate_worst": "worst rotation ±30° (31)", "grid_worst": "grid worst (5x5x31)",
    "random_worst": "worst of 10 random", "grid_seconds": "grid search time (s)",
}
#: Lines of the invariance figure: name -> (transform kinds, |magnitudes|).
LINES = {
    "shift 1 px": (("shift_x", "shift_y"), (1.0,)),
    "shift 2 px": (("shift_x", "shift_y"), (2.0,)),
    "shift 3 px": (("shift_x", "shift_y"), (3.0,)),
    "rotation 10–30°": (("rotate",), (10.0, 20.0, 30.0)),
}


def _of(probes: list[dict], name: str) -> pd.DataFrame:
    return pd.DataFrame([p for p in probes if p.get("probe") == name])


def _cell(values: pd.Series, scale: float, fmt: str) -> str:
    mean, std, n = metrics.seed_summary((values * scale).tolist())
    return f"{mean:{fmt}} ± {std:{fmt}}" if n > 1 else f"{mean:{fmt}}"


def worst_case_table(probes: list[dict]) -> str:
    """Per model: the accuracies (%) of the worst-case probe and the grid's wall time (s),
    mean ± std over seeds."""
    frame = _of(probes, WORST_CASE)
    lines = []
    for (family, augmentation), part in sorted(frame.groupby(["family", "augmentation"]),
                                               key=lambda item: model_order(item[0])):
        line = [FAMILIES[family].label, augmentation, f"{int(part['n_images'].iloc[0]):,}",
                str(part["seed"].nunique())]
        for key in WORST_COLUMNS:
            seconds = key.endswith("seconds")
            line.append(_cell(part[key], 1 if seconds else 100, ".0f" if seconds else ".1f"))
        lines.append(line)
    headers = ["model", "augmentation", "n test images", "seeds", *WORST_COLUMNS.values()]
    return tabulate(lines, headers=headers, tablefmt="github", disable_numparse=True)


def headline_errors(probes: list[dict]) -> pd.DataFrame:
    """Mean error per (family, augmentation, stage, line of :data:`LINES`): equivariance
    for feature maps, invariance for vectors; averaged over the line's transforms and the
    seeds. Columns: family, augmentation, stage, label, stride, line, error."""
    frame = _of(probes, INVARIANCE)
    frame["error"] = frame["equivariance"].where(frame["equivariance"].notna(),
                                                 frame["invariance"])
    parts = []
    for line, (kinds, sizes) in LINES.items():
        chosen = frame[frame["transform"].isin(kinds) & frame["magnitude"].abs().isin(sizes)]
        part = chosen.groupby(["family", "augmentation", "stage"]).agg(
            label=("label", "first"), stride=("stride", lambda s: s.iloc[0][0]),
            error=("error", "mean")).reset_index()
        parts.append(part.assign(line=line))
    return pd.concat(parts, ignore_index=True)


def _plain(errors: pd.DataFrame) -> pd.DataFrame:
    """The models trained without augmentation (all models if none were)."""
    plain = errors[errors["augmentation"] == "none"]
    return plain if len(plain) else errors


def invariance_figure(probes: list[dict], title: str, path: Path) -> Path:
    """One panel per family (models without augmentation): error by stage, one line per
    entry of :data:`LINES`."""
    errors = _plain(headline_errors(probes))
    families = sorted(set(errors["family"]), key=FAMILIES.order)
    figure = Figure(figsize=(3.2 * len(families) + 1, 4.2))
    axes = figure.subplots(1, len(families), sharey=True, squeeze=False)[0]
    for ax, family in zip(axes, families, strict=True):
        part = errors[errors["family"] == family]
        for line, marker in zip(LINES, "osD^", strict=True):
            points = part[part["line"] == line].sort_values("stage")
            ax.plot(range(len(points)), points["error"], marker=marker, label=line)
        labels = part[part["line"] == next(iter(LINES))].sort_values("stage")
        ax.set_xticks(range(len(labels)),
                      [f"{lab} (s{s})" for lab, s in zip(labels["label"], labels["stride"],
                                                         strict=True)],
                      rotation=60, ha="right", fontsize=7)
        ax.set_title(FAMILIES[family].label, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("relative error (equivariance: maps,\ninvariance: vectors)")
    axes[-1].legend(fontsize=7)
    n = int(_of(probes, INVARIANCE)["n_images"].max())
    figure.suptitle(f"{title}\nn = {n:,} test images, models without augmentation, mean "
                    "over seeds", fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    return path


def invariance_table(probes: list[dict]) -> str:
    """The figure's numbers: per family and stage, the error of each line."""
    errors = _plain(headline_errors(probes))
    wide = errors.pivot_table(index=["family", "stage", "label", "stride"], columns="line",
                              values="error").reset_index()
    wide = wide.sort_values(["family", "stage"], key=lambda c: c.map(FAMILIES.order)
                            if c.name == "family" else c)
    lines = [[FAMILIES[r["family"]].label, str(r["stage"]), r["label"], str(r["stride"]),
              *(f"{r[line]:.3f}" for line in LINES)] for _, r in wide.iterrows()]
    headers = ["model", "stage", "layer", "stride (px)", *LINES]
    return tabulate(lines, headers=headers, tablefmt="github", disable_numparse=True)


def sections(probes: list[dict], figure: str | None) -> list[str]:
    """The report's worst-case and invariance sections ([] without such records)."""
    out: list[str] = []
    if not _of(probes, WORST_CASE).empty:
        out += ["## Worst case over shifts and rotations (Engstrom et al. 2019)", "",
                "Per test image, the worst over the product grid of 5 x shifts, 5 y shifts "
                "(−3 to +3 px) and 31 rotations (−30° to +30°), and over 10 random draws "
                "from the same ranges (seeded, the same for every model): an image counts "
                "only if every transform is classified correctly. Run through the NumPy "
                "engine on a stratified test subset; accuracy in %, mean ± std over seeds; "
                "the grid search time is wall-clock seconds on this machine (see "
                "docs/metrics.md).", "", worst_case_table(probes), ""]
    if not _of(probes, INVARIANCE).empty:
        out += ["## Where invariance is lost, layer by layer", "",
                "Relative error of each layer's output when the input is shifted or "
                "rotated: for feature maps, the equivariance error against the clean map "
                "moved the same way (shifts divided by the layer's cumulative stride), on the "
                "positions it covers; for "
                "vectors (flatten, dense, global pooling), the invariance error against the "
                "clean output. 0 = perfectly equivariant or invariant (definitions in "
                "docs/metrics.md). Models without augmentation, mean over seeds.", ""]
        out += [f"![invariance by layer]({figure})", ""] if figure else []
        out += [invariance_table(probes), ""]
    return out
