"""PNG plots: accuracy against magnitude as small multiples, and the front page's overview.

Figures are drawn with matplotlib's object API (``Figure``, no pyplot), so no backend is
chosen and no global state is touched. Every panel carries at most four lines, a chance
line, its sample size and seeds, and 95% bands over seeds and test images.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from bench.analysis import conditions
from bench.analysis.answers import KindResult
from bench.analysis.runs import RunView
from bench.catalog import FAMILIES, POLICIES, TASKS, TRANSFORMS
from bench.results.schema import ALL


def _grid(count: int, width: float = 5.2, height: float = 3.6) -> tuple[Figure, list]:
    """A figure of ``count`` panels, two per row, sharing the y axis."""
    cols = min(count, 2)
    rows = math.ceil(count / cols)
    figure = Figure(figsize=(width * cols, height * rows + 0.6))
    axes = figure.subplots(rows, cols, squeeze=False, sharey=True).ravel()
    for extra in axes[count:]:
        extra.set_visible(False)
    return figure, list(axes[:count])


def _save(figure: Figure, path: Path, legend_below: bool = False) -> Path:
    """Lay out (leaving room for a legend below the panels) and write the PNG."""
    figure.tight_layout(rect=(0, 0.09, 1, 1) if legend_below else None)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    return path


def panels(policies: Sequence[str]) -> list[tuple[str, ...]]:
    """The policies drawn together: each trained policy beside ``none`` (one panel each),
    or ``none`` alone; with two families that is at most four lines a panel."""
    trained = [p for p in policies if p != "none"]
    if not trained:
        return [("none",)]
    return [(("none", p) if "none" in policies else (p,)) for p in trained]


def accuracy_curves(view: RunView, transform: str, path: Path) -> Path:
    """Accuracy (%) vs magnitude of one transform: one panel per augmentation policy (with
    the unaugmented models beside it), 95% bands, chance line, trained range shaded."""
    spec = TRANSFORMS[transform]
    part = view.table[(view.table["transform"] == transform) & (view.table["group"] == ALL)]
    models = view.estimates.models()
    policies = list(dict.fromkeys(a for _, a in models))
    chance = view.estimates.chance * 100
    figure, axes = _grid(len(panels(policies)))
    for ax, shown in zip(axes, panels(policies), strict=True):
        for family, augmentation in models:
            if augmentation not in shown:
                continue
            line = part[(part["family"] == family) & (part["augmentation"] == augmentation)]
            line = line.sort_values("magnitude")
            colour = POLICIES[augmentation].colour
            ax.plot(line["magnitude"], line["accuracy"] * 100, marker=FAMILIES[family].marker,
                    linestyle=FAMILIES[family].linestyle, color=colour, markersize=4,
                    label=f"{FAMILIES[family].label}, aug: {augmentation}")
            ax.fill_between(line["magnitude"], line["ci_low"] * 100, line["ci_high"] * 100,
                            color=colour, alpha=0.18, linewidth=0)
        ax.axhline(chance, color="black", linestyle=":", linewidth=1,
                   label=f"chance ({chance:.0f}%)")
        edge = POLICIES[shown[-1]].edges(view.stored_ranges).get(transform)
        if edge is not None:
            ax.axvspan(*spec.trained_span(edge), zorder=0, alpha=0.08,
                       color=POLICIES[shown[-1]].colour, label=f"{shown[-1]}'s trained range")
        ax.set_title(f"aug: {' vs '.join(shown)}", fontsize=9)
        ax.set_xlabel(spec.axis_label, fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("test accuracy (%)")
    figure.suptitle(f"{view.title} ({view.run.profile} profile): {spec.title}\nn = {view.n_test:,} "
                    f"test images, {view.seeds} seed(s); bands: 95% interval over seeds and "
                    "test images", fontsize=10)
    return _save(figure, path)


def _bar_label(family: str, policy: str) -> str:
    return f"{family}, {'no' if policy == 'none' else 'matching'} augmentation"


def overview(results: Sequence[KindResult], path: Path) -> Path:
    """Per task (panels) and transform kind (groups of bars): the share of clean accuracy
    above chance kept, for each family with and without the kind's matching augmentation,
    with 95% intervals."""
    tasks = list(dict.fromkeys(r.view.run.task for r in results))
    figure, axes = _grid(len(tasks), width=5.6, height=3.4)
    present = {family for r in results for (family, _), kept in r.kept.items() if kept}
    bars = [(family, augmentation) for family in FAMILIES if family.name in present
            for augmentation in ("none", "match")]
    width = 0.8 / len(bars)
    for ax, task in zip(axes, tasks, strict=True):
        mine = [r for r in results if r.view.run.task == task]
        for position, result in enumerate(mine):
            for slot, (family, augmentation) in enumerate(bars):
                policy = "none" if augmentation == "none" else result.policy
                kept = result.kept.get((family.name, policy))
                if kept is None:
                    continue
                x = position - 0.4 + width * (slot + 0.5)
                ax.bar(x, kept.value * 100, width, color="0.8" if policy == "none" else
                       "tab:blue", hatch=family.hatch or None, edgecolor="black",
                       linewidth=0.5,
                       yerr=[[(kept.value - kept.low) * 100], [(kept.high - kept.value) * 100]],
                       capsize=2, label=_bar_label(family.label, policy))
        labels = [f"{TRANSFORMS[r.condition[0][0]].kind_noun}\n"
                  f"{TRANSFORMS[r.condition[0][0]].extremes([m for _, m in r.condition])}"
                  for r in mine]
        ax.set_xticks(np.arange(len(mine)), labels, fontsize=8)
        ax.axhline(0, color="black", linewidth=1)
        ax.axhline(100, color="black", linestyle=":", linewidth=1)
        view = mine[0].view
        ax.set_title(f"{TASKS[task].title} ({view.run.profile} profile, n = {view.n_test:,}, "
                     f"{view.seeds} seed(s))", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("clean accuracy above chance kept (%)")
    legend = {}  # label -> handle, the first of each over all panels, in drawing order
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    figure.legend(legend.values(), legend.keys(), loc="lower center",
                  ncol=min(len(legend), 4), fontsize=8)
    note = conditions.averaging_note(r.condition for r in results)  # " (mean of both ...)"
    sides = note.strip(" ()").removeprefix("mean of ") + "; " if note else ""
    figure.suptitle("Share of clean accuracy above chance kept under each kind of transform "
                    f"({sides}0 = chance, 100 = no loss); bars: 95% intervals over "
                    "seeds and test images", fontsize=9)
    return _save(figure, path, legend_below=True)
