"""Every figure of a report reads at 100% zoom: no text outside the canvas, none under
9 pt, at most four lines a panel; drawn from a tiny hand-made run of every family and
policy, with layer-by-layer probes, and the front page's overview."""

import pytest
from matplotlib.text import Text
from rowbuilder import rows_for, run_data
from test_architecture_report import _invariance

from bench.analysis.runs import RunView
from bench.catalog import FAMILIES, POLICIES, TRANSFORMS
from bench.render import architecture, layout, overview, plots

GRIDS = {"shift_x": {-2.0: 0.5, 0.0: 0.9, 2.0: 0.6}, "rotate": {-30.0: 0.4, 0.0: 0.9, 30.0: 0.5},
         "scale": {0.8: 0.6, 1.0: 0.9, 1.2: 0.7}, "shear": {-20.0: 0.8, 0.0: 0.9, 20.0: 0.7}}


@pytest.fixture(scope="module")
def view():
    rows = []
    for seed in (0, 1, 2):
        for family in FAMILIES.names():
            for policy in POLICIES.names():
                for transform, grid in GRIDS.items():
                    rows += rows_for(family, policy, seed, grid, transform=transform,
                                     profile="book")
    probes = [record for family in ("mlp", "cnn") for seed in (0, 1)
              for record in _invariance(family, seed, {0: 0.1, 1: 0.3, 2: 0.4})]
    return RunView.of(run_data(rows, profile="book", probes=probes))


def test_every_report_figure_reads_at_full_size(view, tmp_path):
    figures = [plots.curves_figure(view, t) for t in GRIDS]
    figures.append(architecture.invariance_drawing(view.run.probes, "MNIST digits: by layer"))
    figures.append(overview.overview_figure([view]))
    for figure in figures:
        assert layout.problems(figure) == []
        texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
        assert texts and all(t.get_fontsize() >= layout.MIN_FONT_PT for t in texts)
    png = plots.accuracy_curves(view, "shift_x", tmp_path / "shift_x.png")
    assert png.stat().st_size > 1000


def test_panels_carry_at_most_four_lines_and_the_chance_line(view):
    figure = plots.curves_figure(view, "shift_x")
    # every family: none + 3 trained, then none + the other 2 (shift first in the first)
    trained = len(POLICIES.names()) - 1
    shown = [ax for ax in figure.axes if ax.get_visible()]  # an odd count leaves one hidden
    assert len(shown) == len(FAMILIES.names()) * -(-trained // plots.TRAINED_PER_PANEL)
    for ax in shown:
        data = [line for line in ax.lines if line.get_linestyle() != ":"]
        assert 1 <= len(data) <= 4
        assert any(line.get_linestyle() == ":" for line in ax.lines)  # chance
    assert "none vs shift, all" in figure.axes[0].get_title()


def test_layer_figure_separates_feature_maps_from_vectors(view):
    figure = architecture.invariance_drawing(view.run.probes, "by layer")
    titles = [ax.get_title() for ax in figure.axes]
    assert titles == ["MLP: feature maps", "CNN: feature maps", "MLP: vectors", "CNN: vectors"]
    labels = {ax.get_ylabel() for ax in figure.axes if ax.get_ylabel()}
    assert labels == {"equivariance error (relative)", "invariance error (relative)"}


def test_a_clipped_figure_is_refused_not_written(tmp_path):
    figure = layout.new_figure(3.0, 2.0)
    ax = figure.subplots()
    ax.set_title("a title much too long to fit on a canvas three inches wide, by far", fontsize=12)
    found = layout.problems(figure)
    assert found and "outside the canvas" in found[0]
    small = layout.new_figure(3.0, 2.0)
    small.subplots().set_xlabel("x", fontsize=6)
    assert any("6 pt < 9 pt" in problem for problem in layout.problems(small))
    with pytest.raises(ValueError, match="would not read at 100% zoom"):
        layout.save(figure, tmp_path / "clipped.png")
    assert not (tmp_path / "clipped.png").exists()


def test_the_front_overview_plots_accuracy_not_a_ratio(view):
    figure = overview.overview_figure([view])
    kinds = {spec.kind for spec in TRANSFORMS if spec.name in GRIDS}
    assert len(figure.axes) == len(kinds)
    shift = figure.axes[0]
    # MLP, CNN, CNN + shift augmentation, chance; the CNN at 0 px: 90% (not a share kept)
    assert len(shift.lines) == 4
    assert 90.0 in [round(y, 6) for y in shift.lines[1].get_ydata()]


def test_a_run_without_augmentation_draws_its_families_in_one_panel():
    """Up to MAX_LINES families share one panel; more get a panel each."""
    def figure_of(families):
        rows = [row for seed in (0, 1, 2) for family in families
                for row in rows_for(family, "none", seed, GRIDS["shift_x"], profile="book")]
        return plots.curves_figure(RunView.of(run_data(rows, profile="book")), "shift_x")

    few = FAMILIES.names()[:plots.MAX_LINES]
    (ax,) = figure_of(few).axes
    assert len([line for line in ax.lines if line.get_linestyle() != ":"]) == len(few)
    many = figure_of(FAMILIES.names())
    shown = [ax for ax in many.axes if ax.get_visible()]
    assert len(shown) == len(FAMILIES.names()) > plots.MAX_LINES
    assert layout.problems(figure_of(few)) == layout.problems(many) == []
