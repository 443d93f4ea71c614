"""Every table of every report fits MAX_WIDTH characters: the committed reports, and reports
freshly rendered from hand-made rows of many models (the widest tables a run makes)."""

from pathlib import Path

import pytest
from rowbuilder import dataset_info, rows_for, run_data

from bench.analysis import verdicts
from bench.analysis.runs import RunView
from bench.render import frontpage
from bench.render.report import render_markdown
from bench.render.tables import MAX_WIDTH

REPORTS = Path(__file__).resolve().parents[1] / "reports"
GRIDS = {"shift_x": {-3.0: 0.5, -2.0: 0.6, 0.0: 0.9, 2.0: 0.6, 3.0: 0.5},
         "shift_y": {-3.0: 0.5, 0.0: 0.9, 3.0: 0.5},
         "rotate": {-45.0: 0.4, -30.0: 0.5, 0.0: 0.9, 30.0: 0.5, 45.0: 0.4},
         "scale": {0.6: 0.4, 0.8: 0.6, 1.0: 0.9, 1.2: 0.6, 1.4: 0.4},
         "shear": {-30.0: 0.6, 0.0: 0.9, 30.0: 0.6}}


def wide_lines(text: str) -> list[str]:
    """The table lines of a Markdown text longer than MAX_WIDTH characters."""
    return [line for line in text.splitlines() if line.startswith("|") and len(line) > MAX_WIDTH]


def committed_reports() -> list[Path]:
    return sorted({*REPORTS.glob("*.md"), *REPORTS.glob("**/*.md")})


@pytest.mark.parametrize("path", committed_reports(), ids=lambda p: p.name)
def test_every_committed_report_table_fits(path):
    # passes once `bench report` has regenerated reports/ with the current renderers
    wide = wide_lines(path.read_text(encoding="utf-8"))
    assert not wide, f"{path.name}: {len(wide)} table lines over {MAX_WIDTH}: {wide[0][:80]}"


@pytest.fixture(scope="module")
def many_models():
    """A book-like run: four families x four policies x five transforms, five seeds (three
    for one family), every model a little different."""
    rows = []
    families = ("mlp", "cnn", "cnn-gap", "cnn-aa")
    for k, family in enumerate(families):
        for j, policy in enumerate(("none", "shift", "rotate", "scale")):
            for seed in range(3 if family == "cnn-gap" else 5):
                for transform, grid in GRIDS.items():
                    shifted = {m: min(1.0, a + 0.01 * (k + j) + 0.003 * seed)
                               for m, a in grid.items()}
                    rows += rows_for(family, policy, seed, shifted, transform=transform, n=500,
                                     profile="book")
    ranges = {"shift_px": 3.0, "rotate_deg": 30.0, "scale_frac": 0.3, "shear_deg": 20.0}
    return RunView.of(run_data(rows, profile="book",
                               dataset=dataset_info(n_test=500, augment=ranges)))


def test_a_fresh_task_report_fits(many_models):
    text, _ = verdicts.corrected(lambda: render_markdown(many_models, {}))
    assert "| CNN-GAP" in text  # the tables are there
    assert not wide_lines(text)


def test_a_fresh_front_page_fits_and_states_its_family(many_models):
    text, family = verdicts.corrected(lambda: frontpage.render_front_page(
        [many_models], forward_pass=False, overview=None))
    assert "| mnist " in text and not wide_lines(text)
    # the page's family: the head-to-head verdicts its architecture section prints, and no
    # test that only chose a takeaway
    # (each printed twice: in the section's sentence and its table)
    assert family.size > 0 and text.count("adjusted p = ") == 2 * family.size
    assert f"Verdicts: {family.size} on this page, corrected" in text
