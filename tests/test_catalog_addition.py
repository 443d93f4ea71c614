"""Adding a transform and a policy by docs/extending.md changes nothing by surprise: no
profile takes them until one names them, a committed report renders the same text, and a
one-sided transform is never described as "the mean of both directions"."""

from __future__ import annotations

import contextlib
import importlib
from pathlib import Path

import pytest
from rowbuilder import rows_for, run_data

from bench.analysis import conditions
from bench.analysis.runs import RunView
from bench.catalog import POLICIES, TRANSFORMS, PolicySpec, TransformSpec
from bench.catalog import profiles as profiles_module
from bench.render import frontpage
from bench.render.report import render_markdown
from bench.results.loading import RunData

REPO = Path(__file__).resolve().parents[1]
COMMITTED_RUN = REPO / "results" / "mnist" / "quick"

#: The name of the throwaway transform and its policy: no stock transform or policy takes
#: it, so adding them never replaces a real one (blur_added checks).
NAME = "throwaway_blur"

#: A throwaway one-sided transform (a blur's sigma >= 0) and the policy that trains for it.
BLUR = TransformSpec(
    name=NAME, apply=lambda images, sigma, *, fill: images.copy(), identity=0.0, unit="px",
    title="Gaussian blur (sigma, px)", axis_label="blur sigma (px)",
    phrase="a blur of sigma {m:g} px", phrase_both="", policy=NAME,
    grids={"full": (0.0, 1.0, 2.0), "smoke": (0.0, 2.0)}, kind="blur", kind_noun="blur",
    extremes=lambda magnitudes: f"sigma <= {max(magnitudes):g} px", two_sided=False,
)
BLUR_POLICY = PolicySpec(NAME, layers=lambda ranges, context: [],
                         describe=lambda ranges: "blur sigma <= 1.5 px",
                         edges=lambda stored: {NAME: 1.5}, colour="tab:olive")


@contextlib.contextmanager
def blur_added():
    """The catalog with BLUR and BLUR_POLICY added and the profiles module rebuilt from it
    (yielded); both restored on exit."""
    assert NAME not in TRANSFORMS and NAME not in POLICIES, f"{NAME} is taken: rename NAME"
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(TRANSFORMS._specs, NAME, BLUR)
        patch.setitem(POLICIES._specs, NAME, BLUR_POLICY)
        try:
            yield importlib.reload(profiles_module)
        finally:
            patch.undo()
            importlib.reload(profiles_module)


@pytest.fixture(scope="module")
def committed():
    """The committed MNIST quick run's report and front page, rendered before any addition
    (figures left out: the text is what is compared)."""
    view = RunView.of(RunData.load(COMMITTED_RUN))
    return render_markdown(view, {}), frontpage.render_front_page([view], forward_pass=False)


def test_no_profile_takes_a_new_transform_or_policy_until_it_names_them(committed):
    before = dict(profiles_module.PROFILES)
    report, page = committed
    with blur_added() as rebuilt:
        assert NAME in TRANSFORMS and NAME in POLICIES
        assert rebuilt.PROFILES == before
        view = RunView.of(RunData.load(COMMITTED_RUN))
        assert render_markdown(view, {}) == report
        assert frontpage.render_front_page([view], forward_pass=False) == page
    assert NAME not in TRANSFORMS and NAME not in POLICIES
    assert profiles_module.PROFILES == before


def test_a_one_sided_transform_is_quoted_at_one_magnitude_unsigned():
    with blur_added():
        _check_one_sided()


def _check_one_sided():
    assert conditions.distances(NAME, [0.0, 1.0, 2.0]) == [1.0, 2.0]
    assert conditions.both_directions(NAME, 2.0, [0.0, 1.0, 2.0]) == ((NAME, 2.0),)
    assert BLUR.format_magnitude(1.0) == "1" and TRANSFORMS["shift_x"].format_magnitude(1) == "+1"
    assert BLUR.trained_span(1.5) == (0.0, 1.5)
    assert TRANSFORMS["shift_x"].trained_span(3.0) == (-3.0, 3.0)
    rows = []
    for seed in (0, 1, 2):
        for family, accuracy in (("cnn", {0.0: 0.9, 1.0: 0.7, 2.0: 0.5}),
                                 ("mlp", {0.0: 0.9, 1.0: 0.6, 2.0: 0.3})):
            rows += rows_for(family, "none", seed, accuracy, transform=NAME)
            rows += rows_for(family, "none", seed, {-2.0: 0.5, 0.0: 0.9, 2.0: 0.6})
    view = RunView.of(run_data(rows))
    text = render_markdown(view, {})
    blur = text[text.index("## Gaussian blur"):text.index("## Robustness summary")]
    assert "Do predictions flip under a blur of sigma 2 px? Accuracy" in blur
    assert "both directions" not in blur and "+1" not in blur and "| 1 " in blur
    shift = text[text.index("## Horizontal shift"):text.index("## Gaussian blur")]
    assert "mean ± std over seeds (mean of both directions)." in shift
    page = frontpage.render_front_page([view], forward_pass=False)
    assert "a blur of sigma 2 px (mean of both directions where there are two)" in page
