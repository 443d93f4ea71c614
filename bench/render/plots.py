"""PNG plots of one run: accuracy against magnitude as small multiples.

One panel per model family and group of augmentations: the family without augmentation and
at most three of its augmented models (the transform's matching policy first), so no panel
carries more than four lines. Every panel has a chance line, the matching policy's trained
range shaded, and 95% bands where a model has at least ``MIN_SEEDS`` seeds; the legend sits
below the panels. A run without augmentation gets one panel, a line per family. Drawn with
matplotlib's object API (no pyplot, no global state), laid out and checked by
:mod:`bench.render.layout`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bench.analysis.resample import MIN_SEEDS
from bench.analysis.runs import RunView
from bench.analysis.sentences import counted
from bench.catalog import FAMILIES, POLICIES, TRANSFORMS
from bench.render import layout
from bench.results.schema import ALL

#: Lines a panel carries at most; augmented models per panel beside the unaugmented one.
MAX_LINES = 4
TRAINED_PER_PANEL = MAX_LINES - 1
#: The family colours of a run without augmentation (one panel, a line per family).
FAMILY_COLOURS = ("tab:gray", "black", "tab:green", "tab:purple")
#: Panel size (inches) and panels per row of the per-transform figures.
PANEL_IN = (4.6, 3.0)
COLUMNS = 2
#: Size (inches) of the one-panel figure of a run without augmentation.
SINGLE_IN = (6.4, 4.6)


def policy_order(policies: Sequence[str], transform: str) -> list[str]:
    """The trained policies of ``policies`` (not ``none``): the transform's matching policy
    first, then ``all``, then the others in catalog order."""
    matching = TRANSFORMS[transform].policy
    trained = sorted((p for p in policies if p != "none"), key=POLICIES.order)
    return sorted(trained, key=lambda p: (p != matching, p != "all"))


def panels(models: Sequence[tuple[str, str]], transform: str) -> list[tuple[str, tuple]]:
    """(family, policies drawn) per panel: each family's ``none`` beside up to
    TRAINED_PER_PANEL of its trained policies, more panels where it has more."""
    out = []
    for family in sorted({f for f, _ in models}, key=FAMILIES.order):
        own = [a for f, a in models if f == family]
        base = ("none",) if "none" in own else ()
        trained = policy_order(own, transform)
        if not trained:
            out.append((family, base))
        for start in range(0, len(trained), TRAINED_PER_PANEL):
            out.append((family, base + tuple(trained[start:start + TRAINED_PER_PANEL])))
    return out


def _panel_grid(count: int, columns: int = COLUMNS):
    """A figure of ``count`` panels sharing both axes, ``columns`` per row."""
    cols = min(count, columns)
    rows = math.ceil(count / cols)
    figure = layout.new_figure(PANEL_IN[0] * cols, PANEL_IN[1] * rows + 1.3)
    axes = figure.subplots(rows, cols, squeeze=False, sharex=True, sharey=True).ravel()
    for extra in axes[count:]:
        extra.set_visible(False)
    return figure, list(axes[:count])


def draw_line(ax, line: pd.DataFrame, colour: str, marker: str) -> None:
    """One model's accuracy (%) against magnitude, with its 95% band when the cells have at
    least MIN_SEEDS seeds (fewer: the line alone, dashed)."""
    line = line.sort_values("magnitude")
    enough = bool((line["seeds"] >= MIN_SEEDS).all())
    ax.plot(line["magnitude"], line["accuracy"] * 100, marker=marker, markersize=4,
            color=colour, linewidth=1.6, linestyle="-" if enough else (0, (2, 2)))
    if enough:
        ax.fill_between(line["magnitude"], line["ci_low"] * 100, line["ci_high"] * 100,
                        color=colour, alpha=0.15, linewidth=0.6, edgecolor=colour)


def shade_range(ax, transform: str, edge: float | None, colour: str) -> bool:
    """Shade the magnitudes a policy whose range ends at ``edge`` trains on
    (``TransformSpec.trained_span``: both sides only for a two-sided transform); False if
    none."""
    if edge is None:
        return False
    ax.axvspan(*TRANSFORMS[transform].trained_span(edge), zorder=0, alpha=0.10,
               color=colour, linewidth=0)
    return True


def chance_line(ax, chance_pct: float) -> None:
    ax.axhline(chance_pct, color="black", linestyle=":", linewidth=1.2)


def _legend(figure, policies: Sequence[str], chance_pct: float, shaded: str | None,
            few_seeds: bool) -> None:
    """One legend below the panels: a colour per policy, chance, the shaded range."""
    handles = [Line2D([], [], color=POLICIES[p].colour, linewidth=2,
                      label="no augmentation" if p == "none" else f"aug: {p}")
               for p in policies]
    handles.append(Line2D([], [], color="black", linestyle=":", label=f"chance "
                          f"({chance_pct:.0f}%)"))
    if shaded:
        handles.append(Patch(color=POLICIES[shaded].colour, alpha=0.2,
                             label=f"{shaded}'s trained range"))
    if few_seeds:
        handles.append(Line2D([], [], color="0.3", linestyle=(0, (2, 2)),
                              label=f"< {MIN_SEEDS} seeds: no band"))
    layout.legend_below(figure, handles)


def _title(view: RunView, spec, part: pd.DataFrame, width: float) -> str:
    seeds = sorted(set(part["seeds"]))
    seed_words = counted(seeds[-1], "seed") if len(seeds) == 1 else \
        f"{seeds[0]} to {counted(seeds[-1], 'seed')}"
    return layout.wrap(
        f"{view.title} ({view.run.profile} run): {spec.title}\n"
        f"n = {view.n_test:,} test images, {seed_words}; bands: 95% interval over seeds and "
        "test images", width, layout.MIN_FONT_PT + 2)


def _families_figure(view: RunView, spec, part: pd.DataFrame, families: list[str],
                     chance: float):
    """A run without augmentation: one panel, a line per family (at most MAX_LINES)."""
    figure = layout.new_figure(SINGLE_IN[0], SINGLE_IN[1])
    ax = figure.subplots()
    handles = []
    for family, colour in zip(families, FAMILY_COLOURS, strict=False):
        line = part[(part["family"] == family) & (part["augmentation"] == "none")]
        draw_line(ax, line, colour, FAMILIES[family].marker)
        handles.append(Line2D([], [], color=colour, marker=FAMILIES[family].marker,
                              label=FAMILIES[family].label))
    chance_line(ax, chance)
    handles.append(Line2D([], [], color="black", linestyle=":", label=f"chance ({chance:.0f}%)"))
    ax.set_title("no augmentation", fontsize=layout.MIN_FONT_PT + 1)
    layout.style_axes(ax, spec.axis_label, "test accuracy (%)")
    layout.legend_below(figure, handles)
    figure.suptitle(_title(view, spec, part, SINGLE_IN[0]), fontsize=layout.MIN_FONT_PT + 2)
    return figure


def curves_figure(view: RunView, transform: str):
    """The figure of :func:`accuracy_curves` (not saved)."""
    spec = TRANSFORMS[transform]
    part = view.table[(view.table["transform"] == transform) & (view.table["group"] == ALL)]
    models = [m for m in view.estimates.models()
              if ((part["family"] == m[0]) & (part["augmentation"] == m[1])).any()]
    chance = view.estimates.chance * 100
    if {a for _, a in models} == {"none"} and len(models) <= MAX_LINES:
        return _families_figure(view, spec, part, [f for f, _ in models], chance)
    layout_ = panels(models, transform)
    figure, axes = _panel_grid(len(layout_))
    shaded = None
    for ax, (family, shown) in zip(axes, layout_, strict=True):
        for augmentation in shown:
            line = part[(part["family"] == family) & (part["augmentation"] == augmentation)]
            draw_line(ax, line, POLICIES[augmentation].colour, FAMILIES[family].marker)
        chance_line(ax, chance)
        if spec.policy in shown and shade_range(
                ax, transform, POLICIES[spec.policy].edges(view.stored_ranges).get(transform),
                POLICIES[spec.policy].colour):
            shaded = spec.policy
        trained = [a for a in shown if a != "none"]
        ax.set_title(layout.wrap(f"{FAMILIES[family].label}"
                                 + (f": none vs {', '.join(trained)}" if trained
                                    else ", no augmentation"),
                                 PANEL_IN[0] - 1.0, layout.MIN_FONT_PT + 1),
                     fontsize=layout.MIN_FONT_PT + 1)
    for index, ax in enumerate(axes):  # x label under the lowest panel of each column
        layout.style_axes(ax, spec.axis_label if index + COLUMNS >= len(axes) else "")
        ax.xaxis.set_tick_params(labelbottom=True)  # shared x axis: ticks under every panel
    for ax in axes[::COLUMNS]:
        ax.set_ylabel("test accuracy (%)", fontsize=layout.MIN_FONT_PT + 1)
    policies = [p for p in sorted({a for _, a in models}, key=POLICIES.order)]
    few = bool((part["seeds"] < MIN_SEEDS).any())
    _legend(figure, policies, chance, shaded, few)
    figure.suptitle(_title(view, spec, part, PANEL_IN[0] * min(len(layout_), COLUMNS)),
                    fontsize=layout.MIN_FONT_PT + 2)
    return figure


def accuracy_curves(view: RunView, transform: str, path: Path) -> Path:
    """Accuracy (%) vs magnitude of one transform as small multiples (see the module
    docstring), written to ``path``."""
    return layout.save(curves_figure(view, transform), path)
