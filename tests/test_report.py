"""Reports from hand-made rows: sentences, tables, intervals, groups and the front page."""

import numpy as np
import pytest
from rowbuilder import dataset_info, model_records, rows_for, run_data

from bench.analysis import conditions, sentences, summary
from bench.analysis.runs import RunView
from bench.catalog import FAMILIES
from bench.catalog.profiles import get_profile
from bench.render import frontpage
from bench.render.report import render_markdown

# Plain CNN: 90% clean, 80% at +-1 px, 50% at +-2 px; with shift augmentation 85% at +-2 px.
# Plain MLP: 90% clean, 30% at +-2 px. Images 0 .. k-1 are the right ones, so the augmented
# CNN is right on every image the plain one gets right, plus 70 more at +-2 px.
CNN_NONE = {-2.0: 0.5, -1.0: 0.8, 0.0: 0.9, 1.0: 0.8, 2.0: 0.5}
CNN_SHIFT = {-2.0: 0.85, -1.0: 0.9, 0.0: 0.9, 1.0: 0.9, 2.0: 0.85}
MLP_NONE = {-2.0: 0.3, -1.0: 0.6, 0.0: 0.9, 1.0: 0.6, 2.0: 0.3}


def make_run(seeds=(0, 1, 2), **kwargs):
    rows = []
    for seed in seeds:
        rows += rows_for("cnn", "none", seed, CNN_NONE, **kwargs)
        rows += rows_for("cnn", "shift", seed, CNN_SHIFT, **kwargs)
        rows += rows_for("mlp", "none", seed, MLP_NONE, **kwargs)
    return run_data(rows)


@pytest.fixture
def view():
    return RunView.of(make_run())


def text_of(view):
    return " ".join(sentences.sentences(view.estimates, view.swept, "MNIST", view.edges))


def test_sentence_says_what_the_numbers_say(view):
    text = text_of(view)
    # both directions, never one side
    assert "under horizontal shifts of ±2 px (mean of both directions)" in text
    # falls from clean to the mean of -2 and +2 px; keeps 50 / 90 = 56% of it, and
    # (50 - 10) / (90 - 10) = 50% of its margin above chance (10% for ten classes)
    assert "the CNN's accuracy falls from 90.0% to 50.0%" in text
    assert "keeps 56% of it, 50% of its margin above chance" in text
    assert "chance is 10.0%" in text
    # MLP: (30 - 10) / 80 = 25% above chance; the CNN keeps 25 pp more
    assert "the MLP's accuracy falls from 90.0% to 30.0%" in text
    assert "the CNN keeps 25.0 pp more of its margin above chance than the MLP" in text


def test_augmentation_sentence_has_interval_sides_and_verdict(view):
    text = text_of(view)
    assert "Training with shift augmentation moves the CNN to 85.0% (+35.0 pp, 95% CI" in text
    assert "significant; -2 px: +35.0, +2 px: +35.0)" in text


def test_augmentation_cost_on_clean_images_is_stated_with_its_verdict():
    rows = []
    for seed in (0, 1, 2):
        rows += rows_for("cnn", "none", seed, CNN_NONE)
        rows += rows_for("cnn", "shift", seed, {**CNN_SHIFT, 0.0: 0.8})
    first = sentences.sentences(*_parts(RunView.of(run_data(rows))))[0]
    assert first.startswith("On untransformed test images, training with shift augmentation "
                            "changes the accuracy: the CNN's from 90.0% to 80.0% (-10.0 pp, "
                            "95% CI -")
    assert first.endswith(", significant).")


def _parts(view):
    return view.estimates, view.swept, "MNIST", view.edges


def test_two_seeds_get_no_verdict():
    text = text_of(RunView.of(make_run(seeds=(0, 1))))
    assert "too few seeds to judge (2)" in text
    assert " significant" not in text.replace("not significant", "")


def test_trained_range_edge_is_quoted_both_directions():
    run = make_run()
    run.dataset["augment"] = {"shift_px": 1.0}
    text = text_of(RunView.of(run))
    assert ("At horizontal shifts of ±1 px, the edge of the range shift augmentation trains "
            "on, it moves the CNN to 90.0% (+10.0 pp") in text


def test_one_cell_one_interval(view):
    # every table reads the interval the estimates computed, once
    cell = view.table[(view.table.family == "cnn") & (view.table.augmentation == "none")
                      & (view.table.magnitude == 2.0)].iloc[0]
    estimate = view.estimates.accuracy(("cnn", "none"), (("shift_x", 2.0),))
    assert (cell.ci_low, cell.ci_high) == (estimate.low, estimate.high)
    again = RunView.of(make_run()).estimates.accuracy(("cnn", "none"), (("shift_x", 2.0),))
    assert (again.low, again.high) == (estimate.low, estimate.high)
    assert f"{cell.accuracy * 100:.1f} [{cell.ci_low * 100:.1f}, {cell.ci_high * 100:.1f}]" in \
        render_markdown(view, {})


def test_relative_robustness_is_measured_above_chance(view):
    relative = view.estimates.relative(("cnn", "none"), "shift_x")
    # trapezoid over -2..2 of accuracy - 0.1: (0.4, 0.7, 0.8, 0.7, 0.4) -> area 2.6; divided
    # by (0.9 - 0.1) x 4 = 3.2 -> 0.8125
    assert relative.value == pytest.approx(2.6 / 3.2)


def test_worst_of_grid_names_the_grid_it_used():
    rows = []
    for seed in (0, 1, 2):
        rows += rows_for("cnn", "none", seed, {-4.0: 0.2, -2.0: 0.6, 0.0: 0.9, 2.0: 0.7,
                                               4.0: 0.3})
    view = RunView.of(run_data(rows))
    grid = view.estimates.grid(summary.ENGSTROM_LIMITS)
    assert grid == (("shift_x", 0.0), ("shift_x", -2.0), ("shift_x", 2.0))
    assert summary.describe_grid(grid) == "shift_x ±2 px"
    # the first 120 images are right at 0, -2 (120) and +2 px (140)
    assert view.estimates.of_grid(("cnn", "none"), summary.ENGSTROM_LIMITS).value == 0.6
    assert "shift_x ±2 px, 3 cells" in render_markdown(view, {})


def test_headline_distance_is_the_spec_or_the_largest_two_sided():
    assert conditions.headline_distance("shift_x", [-4, -3, 0, 3, 4]) == 3.0
    assert conditions.headline_distance("shift_x", [-8, -2, 0, 2, 8]) == 8.0
    assert conditions.both_directions("scale", 0.4, [0.6, 1.0, 1.4]) == (("scale", 0.6),
                                                                           ("scale", 1.4))
    assert conditions.describe((("scale", 0.6), ("scale", 1.4))) == "scaling by 0.6x or 1.4x"


def test_markdown_sections_tables_and_flip_rate(view):
    text = render_markdown(view, {"shift_x": "figures/mnist-shift_x.png"})
    for heading in ("## Findings", "## The cookbook's claims, in this run", "## Plots",
                    "## Clean accuracy", "## Horizontal shift", "## Robustness summary",
                    "## Setup and provenance"):
        assert heading in text
    assert "![shift_x](figures/mnist-shift_x.png)" in text
    assert "| flip rate (%) | MAC" in text.replace("   ", " ").replace("  ", " ")
    assert "| 10.0 " in text  # flip rate: consistency 0.9 in every hand-made row
    assert "missing file: 2" in text and "test cpu" in text
    assert "n = 200 test images per cell, 3 seed(s); chance is 10%" in text


def test_groups_carry_n_interval_and_small_flag():
    rows = []
    for seed in (0, 1, 2):
        rows += rows_for("cnn", "none", seed, CNN_NONE, task="gender",
                         groups={"age:13-59": (150, 0.9), "race:Black": (8, 0.75)})
    run = run_data(rows, task="gender", profile="book")
    text = render_markdown(RunView.of(run), {})
    # the book profile keeps ages 18 and up: the stored band is shown as 18-59
    assert "| age:18-59 " in text and "age:13-59" not in text
    line = next(li for li in text.splitlines() if li.startswith("| race:Black"))
    assert "| 8 " in line and "n < 30: too small to read" in line
    assert "75.0 [" in line
    age_line = next(li for li in text.splitlines() if li.startswith("| age:18-59"))
    assert "too small" not in age_line


def test_gender_ranges_recovered_only_when_the_models_words_match():
    rows = rows_for("cnn", "none", 0, CNN_NONE, task="gender")
    rows += rows_for("cnn", "shift", 0, CNN_SHIFT, task="gender")
    models = model_records(rows)
    models[0]["augmentation_ranges"] = "none"
    models[1]["augmentation_ranges"] = "shift <= 5 px"  # the gender book profile's words
    view = RunView.of(run_data(rows, task="gender", profile="book", models=models))
    assert view.edges["shift_x"] == 5.0
    models[1]["augmentation_ranges"] = "shift <= 4 px"  # another range: claim nothing
    assert RunView.of(run_data(rows, task="gender", profile="book", models=models)).edges == {}


def test_partial_runs_are_marked(view):
    # this run has two of the quick profile's policies (its MLP only one of them) and, in
    # `two`, two seeds
    quick = get_profile("mnist", "quick")
    policies = f"2 of {len(quick.augmentations)} augmentations"
    assert view.partial == [policies, "MLP: 1 of 2 augmentations"]
    assert f"**partial**: {policies}; MLP: 1 of 2 augmentations" in \
        frontpage.render_front_page([view], forward_pass=False)
    two = RunView.of(make_run(seeds=(0, 1)))
    seeds = f"2 of {len(quick.seeds)} seeds"
    assert seeds in two.partial
    assert f"**Partial run**: {policies}; {seeds}" in render_markdown(two, {})


def test_a_family_trained_with_fewer_augmentations_marks_the_run_partial():
    rows = []
    for seed in (0, 1, 2):
        for family in ("mlp", "cnn"):
            for policy in ("none", "shift", "rotate", "scale", "all"):
                rows += rows_for(family, policy, seed, CNN_NONE)
        rows += rows_for("cnn-aa", "none", seed, CNN_NONE)
    view = RunView.of(run_data(rows, profile="book"))
    book = get_profile("mnist", "book")
    absent = [FAMILIES[f].label for f in book.families if f not in ("mlp", "cnn", "cnn-aa")]
    assert view.partial[:2] == [f"no {', '.join(absent)} models",
                                f"5 of {len(book.augmentations)} augmentations"]
    assert view.partial[-1] == "CNN-AA: 1 of 5 augmentations"


def test_front_page_answers_first(view):
    text = frontpage.render_front_page([view], forward_pass=True)
    answer = text.split("## Answer")[1].split("##")[0]
    bullets = [line for line in answer.splitlines() if line.startswith("- ")]
    assert 1 <= len(bullets) <= 5
    assert bullets[0].startswith("- Under shifts without augmentation, the CNN and the MLP keep")
    assert "50% and 25% on MNIST (`quick`, ±2 px), a gap of +25.0 pp" in bullets[0]
    assert "![share of clean accuracy above chance kept" in answer
    assert text.index("## Answer") < text.index("## The cookbook's claims") < \
        text.index("## Per task") < text.index("## Profiles")
    assert "### MNIST digits (chance 10%)" in text
    quick = get_profile("mnist", "quick")
    assert f"**partial**: 2 of {len(quick.augmentations)} augmentations" in text
    assert "(forward_pass.md)" in text


def test_front_page_claims_table_has_five_rows_with_verdicts(view):
    text = frontpage.render_front_page([view], forward_pass=False)
    claims = text.split("## The cookbook's claims")[1].split("## Per task")[0]
    rows = [line for line in claims.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 6  # header and five claims
    assert "**not comparable**: data mnist-5k, book mnist" in claims
    assert "**untested**: no run of the gender task" in claims


def test_glossary_lists_every_profile(view):
    from bench.catalog import TASKS
    from bench.catalog.profiles import PROFILES

    glossary = frontpage.render_front_page([view], forward_pass=False).split("## Profiles")[1]
    lines = glossary.splitlines()
    for (task, name), profile in PROFILES.items():
        line = next(li for li in lines if li.startswith(f"| {TASKS[task].title} ")
                    and f"| `{name.value}` " in li)
        assert f"| {profile.train.epochs} " in line and f"| {len(profile.seeds)} " in line
    assert "all (60,000)" in glossary


def test_no_rows_is_a_clear_error():
    with pytest.raises(ValueError, match="bench run"):
        frontpage.render_front_page([], forward_pass=False)


def test_dataset_helper_round_trip():
    # the builder's identity rows are what the estimates call clean
    view = RunView.of(make_run())
    assert view.estimates.clean(("mlp", "none")).value == pytest.approx(0.9)
    assert dataset_info()["n_test_used"] == 200 and np.isclose(view.estimates.chance, 0.1)
