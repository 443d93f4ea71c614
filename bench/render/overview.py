"""The front page's overview figure: raw test accuracy against transform magnitude, one small
panel per task (rows) and transform kind (columns), three lines a panel: the MLP, the CNN,
and the CNN trained with the kind's matching augmentation. Chance is drawn, the matching
augmentation's trained range shaded, and 95% bands cover seeds and test images. Models
with fewer than ``MIN_SEEDS`` seeds stay off the front page (no line).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bench.analysis import answers
from bench.analysis.estimates import Condition, Model
from bench.analysis.resample import MIN_SEEDS
from bench.analysis.runs import RunView
from bench.catalog import TASKS, TRANSFORMS
from bench.render import layout
from bench.render.plots import chance_line, shade_range

#: Panel size (inches).
PANEL_IN = (2.6, 2.0)
#: Line styles: (label, colour, marker, linestyle) of the three front-page models.
STYLES = {"mlp": ("MLP", "tab:gray", "s", "--"), "cnn": ("CNN", "black", "o", "-"),
          "augmented": ("CNN + matching augmentation", "tab:blue", "D", "-")}


def front_models(kind: str) -> list[tuple[str, Model]]:
    """(style key, model) of the three front-page models under a kind."""
    return [("mlp", (answers.BASE, "none")), ("cnn", (answers.CNN, "none")),
            ("augmented", (answers.CNN, answers.kind_policy(kind)))]


def kind_points(kind: str, swept: dict[str, list[float]]) -> list[tuple[float, Condition]]:
    """(magnitude, condition) along a kind: the magnitudes every swept transform of the
    kind holds, each the mean over those transforms (both shifts at +2 px, say)."""
    names = [spec.name for spec in TRANSFORMS if spec.kind == kind and spec.name in swept]
    if not names:
        return []
    common = sorted(set.intersection(*(set(swept[n]) for n in names)))
    return [(m, tuple((n, m) for n in names)) for m in common]


def kind_axis(kind: str, swept: dict[str, list[float]]) -> str:
    """The short x label of a kind: its name and unit (``rotation (deg)``), and for a kind
    of several transforms that it is their mean (``shifts (px), mean of x and y``)."""
    specs = [spec for spec in TRANSFORMS if spec.kind == kind and spec.name in swept]
    if len(specs) == 1:
        return f"{specs[0].title.split(' (')[0].lower()} ({specs[0].unit})"
    return (f"{specs[0].kind_noun} ({specs[0].unit}), mean of "
            + " and ".join(spec.name.rsplit("_", 1)[-1] for spec in specs))


def _draw_panel(ax, view: RunView, kind: str) -> None:
    points = kind_points(kind, view.swept)
    estimates = view.estimates
    augmented = False
    for style, model in front_models(kind):
        label, colour, marker, linestyle = STYLES[style]
        found = [(m, estimates.accuracy(model, condition)) for m, condition in points]
        found = [(m, e) for m, e in found if e is not None and e.seeds >= MIN_SEEDS]
        if not found:
            continue
        xs = [m for m, _ in found]
        ax.plot(xs, [e.value * 100 for _, e in found], color=colour, marker=marker,
                markersize=3, linestyle=linestyle, linewidth=1.4)
        ax.fill_between(xs, [e.low * 100 for _, e in found], [e.high * 100 for _, e in found],
                        color=colour, alpha=0.15, linewidth=0)
        augmented = augmented or style == "augmented"
    chance_line(ax, estimates.chance * 100)
    first = points[0][1][0][0] if points else None
    if first is not None and augmented:
        shade_range(ax, first, view.edges.get(first), STYLES["augmented"][1])
    ax.set_ylim(0, 100)


def overview_figure(views: Sequence[RunView]):
    """The figure of :func:`overview` (not saved): a row per run, a column per kind."""
    kinds = answers.kinds(views)
    figure = layout.new_figure(PANEL_IN[0] * len(kinds) + 0.4,
                               PANEL_IN[1] * len(views) + 1.2)
    axes = figure.subplots(len(views), len(kinds), squeeze=False, sharey=True)
    for row, view in zip(axes, views, strict=True):
        for ax, kind in zip(row, kinds, strict=True):
            if kind_points(kind, view.swept):
                _draw_panel(ax, view, kind)
                layout.style_axes(ax, kind_axis(kind, view.swept) if view is views[-1] else "")
            else:
                ax.text(0.5, 0.5, "not swept", ha="center", va="center",
                        transform=ax.transAxes, fontsize=layout.MIN_FONT_PT)
                layout.style_axes(ax, "")
            ax.set_title(f"{TASKS[view.run.task].in_sentence.removeprefix('the ')} · "
                         f"{answers.kind_noun(kind)}",
                         fontsize=layout.MIN_FONT_PT + 1)
        row[0].set_ylabel(layout.wrap(f"{view.run.profile} run, {view.seeds_words},"
                                      f"\nn = {view.n_test:,}; accuracy (%)",
                                      PANEL_IN[1], layout.MIN_FONT_PT),
                          fontsize=layout.MIN_FONT_PT)
    handles = [Line2D([], [], color=c, marker=m, linestyle=s, label=label)
               for label, c, m, s in STYLES.values()]
    handles += [Line2D([], [], color="black", linestyle=":", label="chance"),
                Patch(color=STYLES["augmented"][1], alpha=0.2,
                      label="matching augmentation's trained range")]
    layout.legend_below(figure, handles, max_columns=3)
    figure.suptitle(layout.wrap(
        "Test accuracy (%) against transform magnitude; bands: 95% intervals over seeds and "
        f"test images; models with < {MIN_SEEDS} seeds left out",
        PANEL_IN[0] * len(kinds), layout.MIN_FONT_PT + 1), fontsize=layout.MIN_FONT_PT + 1)
    return figure


def overview(views: Sequence[RunView], path: Path) -> Path:
    """Draw and write the overview figure of the front-page runs (one per task)."""
    return layout.save(overview_figure(views), path)
