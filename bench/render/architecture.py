"""Report sections from the probe records of ``bench.run.spatial_probes``: the Engstrom
worst-case table and the layer-by-layer invariance figure (and its table).

Pure functions of the stored records (probe records, as dicts); the figure is drawn with
matplotlib's object API. No Keras here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bench.analysis import metrics
from bench.analysis.estimates import model_order
from bench.analysis.invariance import PROBE as INVARIANCE
from bench.analysis.worst_case import PROBE as WORST_CASE
from bench.catalog import FAMILIES
from bench.catalog.literature import WORST_CASE as LITERATURE_WORST_CASE
from bench.render import layout
from bench.render.tables import table

#: Worst-case columns: record key -> header (accuracies in %, time in s).
WORST_COLUMNS = {
    "clean": "clean", "shift_worst": "worst shift ±3 px (5x5)",
    "rotate_worst": "worst rotation ±30° (31)", "grid_worst": "grid worst (5x5x31)",
    "random_worst": "worst of 10 random", "grid_seconds": "grid search time (s)",
}
#: The two kinds of layer output, and the error each is measured by.
MAPS, VECTORS = "feature maps", "vectors"
ERROR_NAMES = {MAPS: "equivariance error (relative)", VECTORS: "invariance error (relative)"}
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
    return table(lines, headers, keys=4)


def literature_note(task: str | None) -> list[str]:
    """The published worst-case figure of ``task`` (:mod:`bench.catalog.literature`) with its
    source and a statement that its architecture is not ours, so it is set beside no model
    here (``reports/reproductions.md`` sets it beside the same architecture trained here);
    [] when the task has none."""
    figure = LITERATURE_WORST_CASE.get(task)
    if figure is None:
        return []
    column = WORST_COLUMNS[figure.key]
    return [f"Literature, for reference only: {figure.citation} report "
            f"{figure.accuracy * 100:.1f}% for their {figure.model} under {figure.adversary} "
            f"({figure.clean * 100:.1f}% clean; {figure.source}), the adversary of the "
            f"\"{column}\" column, not of the grid. That is another architecture (two "
            "convolutions), not a model of this table, so no figure here is compared with it; "
            "reports/reproductions.md sets it beside the same kind of model trained here "
            "(docs/metrics.md).", ""]


def headline_errors(probes: list[dict]) -> pd.DataFrame:
    """Mean error per (family, augmentation, stage, line of :data:`LINES`): equivariance
    for feature maps, invariance for vectors; averaged over the line's transforms and the
    seeds. Columns: family, augmentation, stage, output (MAPS or VECTORS), label, stride,
    line, error."""
    frame = _of(probes, INVARIANCE)
    frame["error"] = frame["equivariance"].where(frame["equivariance"].notna(),
                                                 frame["invariance"])
    frame["output"] = frame["equivariance"].notna().map({True: MAPS, False: VECTORS})
    parts = []
    for line, (kinds, sizes) in LINES.items():
        chosen = frame[frame["transform"].isin(kinds) & frame["magnitude"].abs().isin(sizes)]
        part = chosen.groupby(["family", "augmentation", "stage", "output"]).agg(
            label=("label", "first"), stride=("stride", lambda s: s.iloc[0][0]),
            error=("error", "mean")).reset_index()
        parts.append(part.assign(line=line))
    return pd.concat(parts, ignore_index=True)


def _plain(errors: pd.DataFrame) -> pd.DataFrame:
    """The models trained without augmentation (all models if none were)."""
    plain = errors[errors["augmentation"] == "none"]
    return plain if len(plain) else errors


def invariance_figure(probes: list[dict], title: str, path: Path) -> Path:
    """Per family (columns, models without augmentation): the equivariance error of its
    feature maps (top row) and the invariance error of its vectors (bottom row) by stage,
    one line per entry of :data:`LINES`."""
    return layout.save(invariance_drawing(probes, title), path)


def invariance_drawing(probes: list[dict], title: str):
    """The figure of :func:`invariance_figure` (not saved)."""
    errors = _plain(headline_errors(probes))
    families = sorted(set(errors["family"]), key=FAMILIES.order)
    outputs = [o for o in (MAPS, VECTORS) if (errors["output"] == o).any()]
    figure = layout.new_figure(3.4 * len(families) + 0.6, 3.0 * len(outputs) + 1.4)
    axes = figure.subplots(len(outputs), len(families), squeeze=False, sharey="row")
    for row, output in zip(axes, outputs, strict=True):
        for ax, family in zip(row, families, strict=True):
            part = errors[(errors["family"] == family) & (errors["output"] == output)]
            if part.empty:
                ax.text(0.5, 0.5, f"no {output}", ha="center", va="center",
                        transform=ax.transAxes, fontsize=layout.MIN_FONT_PT)
            for line, marker in zip(LINES, "osD^", strict=True):
                points = part[part["line"] == line].sort_values("stage")
                ax.plot(range(len(points)), points["error"], marker=marker, markersize=4,
                        label=line)
            labels = part[part["line"] == next(iter(LINES))].sort_values("stage")
            ax.set_xticks(range(len(labels)),
                          [f"{lab} (s{s})" for lab, s in zip(labels["label"], labels["stride"],
                                                             strict=True)],
                          rotation=50, ha="right")
            ax.set_title(f"{FAMILIES[family].label}: {output}", fontsize=layout.MIN_FONT_PT + 1)
            layout.style_axes(ax, "")
        row[0].set_ylabel(ERROR_NAMES[output], fontsize=layout.MIN_FONT_PT + 1)
    layout.legend_below(figure, axes[0][0].get_legend_handles_labels()[0])
    n = int(_of(probes, INVARIANCE)["n_images"].max())
    figure.suptitle(layout.wrap(f"{title}\nn = {n:,} test images, models without "
                                "augmentation, mean over seeds; 0 = perfectly equivariant "
                                "(maps) or invariant (vectors)", 3.4 * len(families),
                                layout.MIN_FONT_PT + 1), fontsize=layout.MIN_FONT_PT + 1)
    return figure


def invariance_table(probes: list[dict]) -> str:
    """The figure's numbers: per family and stage, the error of each line."""
    errors = _plain(headline_errors(probes))
    wide = errors.pivot_table(index=["family", "stage", "output", "label", "stride"],
                              columns="line",
                              values="error").reset_index()
    wide = wide.sort_values(["family", "stage"], key=lambda c: c.map(FAMILIES.order)
                            if c.name == "family" else c)
    lines = [[FAMILIES[r["family"]].label, str(r["stage"]), r["label"], str(r["stride"]),
              "equivariance" if r["output"] == MAPS else "invariance",
              *(f"{r[line]:.3f}" for line in LINES)] for _, r in wide.iterrows()]
    headers = ["model", "stage", "layer", "stride (px)", "error", *LINES]
    return table(lines, headers, keys=5)


def sections(probes: list[dict], figure: str | None, task: str | None = None) -> list[str]:
    """The report's worst-case and invariance sections ([] without such records); the
    worst case ends with ``task``'s literature figure, if any (:func:`literature_note`)."""
    out: list[str] = []
    if not _of(probes, WORST_CASE).empty:
        out += ["## Worst case over shifts and rotations (Engstrom et al. 2019)", "",
                "How many test images survive every small shift and rotation at once? Per "
                "test image, the worst over the product grid of 5 x shifts, 5 y shifts "
                "(−3 to +3 px) and 31 rotations (−30° to +30°), and over 10 random draws "
                "from the same ranges (seeded, the same for every model): an image counts "
                "only if every transform is classified correctly. Run through the NumPy "
                "engine on a stratified test subset; accuracy in %, mean ± std over seeds; "
                "the grid search time is wall-clock seconds on this machine (see "
                "docs/metrics.md).", "", worst_case_table(probes), "",
                *literature_note(task)]
    if not _of(probes, INVARIANCE).empty:
        out += ["## Where invariance is lost, layer by layer", "",
                "At which layer does a network stop following a shift or rotation? Relative "
                "error of each layer's output when the input is shifted or "
                "rotated: for feature maps, the equivariance error against the clean map "
                "moved the same way (shifts divided by the layer's cumulative stride), on the "
                "positions it covers; for "
                "vectors (flatten, dense, global pooling), the invariance error against the "
                "clean output. 0 = perfectly equivariant or invariant (definitions in "
                "docs/metrics.md). Models without augmentation, mean over seeds.", ""]
        out += [f"![invariance by layer]({figure})", ""] if figure else []
        out += [invariance_table(probes), ""]
    return out
