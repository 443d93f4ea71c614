"""Figures that read at 100% zoom: one way to make, check and save every report PNG.

A figure uses constrained layout, text of at least ``MIN_FONT_PT`` points at its saved size
(``DPI`` pixels per inch, so a 9 pt label is 12 px high) and legends outside the data
(``figure.legend(loc="outside lower center")``). :func:`save` refuses to write a figure
whose text falls outside the canvas or is smaller than that: a clipped figure is an error,
never a file.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

#: Saved resolution (pixels per inch) and the smallest font size (points) a figure may use.
DPI = 100
MIN_FONT_PT = 9.0
#: Tolerance (pixels) for text touching the canvas edge.
EDGE_PX = 1.0


def new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` x ``height`` inches with constrained layout and the report's
    font sizes (``MIN_FONT_PT`` for ticks and legends, one point more for labels)."""
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)  # a canvas of its own to measure text on; no pyplot backend
    figure.get_layout_engine().set(h_pad=0.04, w_pad=0.04)
    return figure


def style_axes(ax, xlabel: str, ylabel: str | None = None) -> None:
    """Readable labels and ticks, and a light grid."""
    ax.set_xlabel(xlabel, fontsize=MIN_FONT_PT + 1)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=MIN_FONT_PT + 1)
    ax.tick_params(labelsize=MIN_FONT_PT)
    ax.grid(alpha=0.3)


def legend_below(figure: Figure, handles: list, max_columns: int = 4) -> None:
    """One legend under the panels, outside the data, as many columns as the width holds
    (about 2.3 inches each)."""
    columns = max(1, min(len(handles), max_columns, int(figure.get_figwidth() / 2.3)))
    figure.legend(handles=handles, loc="outside lower center", ncol=columns,
                  fontsize=MIN_FONT_PT, frameon=False)


def wrap(text: str, width_in: float, size_pt: float) -> str:
    """``text`` broken into lines that fit ``width_in`` inches at ``size_pt`` points (about
    0.55 em per character), keeping existing line breaks."""
    chars = max(20, int(width_in * 72 / (size_pt * 0.55)))
    return "\n".join(textwrap.fill(line, chars) for line in text.split("\n"))


def _texts(figure: Figure) -> list[Text]:
    """Every text artist drawn outside tick labels: titles, axis labels, legends, notes."""
    found = list(figure.texts)
    for attribute in ("_suptitle", "_supxlabel", "_supylabel"):
        if getattr(figure, attribute, None) is not None:
            found.append(getattr(figure, attribute))
    for legend in figure.legends:
        found += [*legend.get_texts(), legend.get_title()]
    for ax in figure.axes:
        if not ax.get_visible():
            continue
        found += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label,
                  *ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            found += [*legend.get_texts(), legend.get_title()]
    return [t for t in found if t.get_visible() and t.get_text().strip()]


def problems(figure: Figure) -> list[str]:
    """What would make the saved figure hard to read, one line each: text (titles, labels,
    legends, tick labels) reaching outside the canvas, or set below ``MIN_FONT_PT``."""
    if not isinstance(figure.canvas, FigureCanvasAgg):
        FigureCanvasAgg(figure)
    renderer = figure.canvas.get_renderer()
    figure.draw(renderer)
    canvas = figure.bbox
    out = []

    def outside(box) -> bool:
        return (box.x0 < canvas.x0 - EDGE_PX or box.y0 < canvas.y0 - EDGE_PX
                or box.x1 > canvas.x1 + EDGE_PX or box.y1 > canvas.y1 + EDGE_PX)

    for text in _texts(figure):
        label = text.get_text().replace("\n", " ")[:60]
        if outside(text.get_window_extent(renderer)):
            out.append(f"text outside the canvas: {label!r}")
        if text.get_fontsize() < MIN_FONT_PT:
            out.append(f"text of {text.get_fontsize():g} pt < {MIN_FONT_PT:g} pt: {label!r}")
    for number, ax in enumerate(figure.axes):
        if not ax.get_visible():
            continue
        if outside(ax.get_tightbbox(renderer)):
            out.append(f"panel {number} ({ax.get_title()!r}): its tick labels or title reach "
                       "outside the canvas")
        for tick in (*ax.xaxis.get_ticklabels(), *ax.yaxis.get_ticklabels()):
            if tick.get_visible() and tick.get_text() and tick.get_fontsize() < MIN_FONT_PT:
                out.append(f"tick label of {tick.get_fontsize():g} pt < {MIN_FONT_PT:g} pt "
                           f"in panel {number}")
                break
    return out


def save(figure: Figure, path: Path) -> Path:
    """Check the figure (:func:`problems`; ValueError naming each, nothing written) and
    write it as a PNG at ``DPI``, trimmed to its content."""
    found = problems(figure)
    if found:
        raise ValueError(f"figure {path} would not read at 100% zoom: " + "; ".join(found))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI, bbox_inches="tight", pad_inches=0.08)
    return path
