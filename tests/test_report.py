"""Reports from hand-made rows: sentences, tables, intervals, groups and the front page."""

from pathlib import Path

import numpy as np
import pytest
from rowbuilder import dataset_info, model_records, rows_for, run_data

from bench.analysis import conditions, sentences, summary
from bench.analysis.runs import RunView
from bench.catalog import FAMILIES
from bench.catalog.claims import CLAIMS
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
    return " ".join(sentences.sentences(view.estimates, view.swept, view.edges))


def test_sentence_says_what_the_numbers_say(view):
    text = text_of(view)
    # both directions, never one side
    assert "Under horizontal shifts of ±2 px (mean of both directions)" in text
    # raw accuracy first: from clean to the mean of -2 and +2 px
    assert "the CNN's accuracy falls from 90.0% to 50.0% (95% CI" in text
    assert "the MLP's from 90.0% to 30.0%" in text
    # the CNN against the MLP in accuracy, 50 - 30 = 20 pp, no ratio
    assert "the CNN scores +20.0 pp against the MLP (95% CI" in text
    assert "margin above chance" not in text


def test_augmentation_sentence_has_interval_sides_and_verdict(view):
    text = text_of(view)
    assert ("Under horizontal shifts of ±2 px, training with shift augmentation moves the "
            "CNN to 85.0% (+35.0 pp, 95% CI") in text
    assert "significant (p = " in text


def test_augmentation_cost_on_clean_images_is_stated_with_its_verdict():
    rows = []
    for seed in (0, 1, 2):
        rows += rows_for("cnn", "none", seed, CNN_NONE)
        rows += rows_for("cnn", "shift", seed, {**CNN_SHIFT, 0.0: 0.8})
    found = sentences.sentences(*_parts(RunView.of(run_data(rows))))
    first = next(f for f in found if f.startswith("On untransformed"))
    assert first.startswith("On untransformed test images, training with shift augmentation "
                            "changes the accuracy: the CNN's from 90.0% to 80.0% (-10.0 pp, "
                            "95% CI -")
    assert ", significant (p = " in first and first.endswith(", uncorrected)).")


def _parts(view):
    return view.estimates, view.swept, view.edges


def test_two_seeds_get_no_interval_nor_verdict_and_say_so_once():
    view = RunView.of(make_run(seeds=(0, 1)))
    text = text_of(view)
    assert "significant" not in text and "95% CI" not in text
    assert "too few seeds" not in text and "no verdict" not in text  # said once, above
    report = render_markdown(view, {})
    assert report.count("With 2 seeds per model, no difference gets an interval or a "
                        "verdict") == 1


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
                    "## Setup and provenance", "## Appendix: every cell with its interval"):
        assert heading in text
    assert "![shift_x](figures/mnist-shift_x.png)" in text
    assert "| flip rate (%) | MAC" in text.replace("   ", " ").replace("  ", " ")
    assert "| 10.0 " in text  # flip rate: consistency 0.9 in every hand-made row
    assert "missing file: 2" in text and "test cpu" in text
    assert "n = 200 test images per cell, 3 seeds; chance is 10%" in text
    assert "10 epochs" in text and "over 9 models" in text


def test_groups_carry_n_interval_and_small_flag():
    rows = []
    for seed in (0, 1, 2):
        rows += rows_for("cnn", "none", seed, CNN_NONE, task="gender",
                         groups={"age:13-59": (150, 0.9), "race:Black": (8, 0.75)})
    run = run_data(rows, task="gender", profile="book")
    text = render_markdown(RunView.of(run), {})
    # the book profile keeps ages 18 and up: the stored band is shown as 18-59
    assert "| age:18-59 " in text and "age:13-59" not in text
    # a table wider than 120 characters is split, each part repeating group, n and model
    line = " ".join(li for li in text.splitlines() if li.startswith("| race:Black"))
    assert "| 8 " in line and "n < 30: too small to read" in line
    assert max(len(li) for li in text.splitlines() if li.startswith("|")) <= 120
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
    assert view.partial == [policies, "MLP: 1 of the 2 augmentations in this run"]
    assert f"**partial**: {policies}; MLP: 1 of the 2 augmentations in this run" in \
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
    assert view.partial[-1] == "CNN-AA: 1 of the 5 augmentations in this run"


def test_a_family_is_held_to_the_policies_its_profile_trains_it_with():
    # MNIST book trains the p4-CNN without augmentation only: its one policy is complete,
    # while the CNN-AA, held to the book's policies, lacks the run's shift
    book = get_profile("mnist", "book")
    assert book.policies_of("p4-cnn") == ("none",)
    rows = []
    for seed in range(5):
        for family in ("mlp", "cnn", "cnn-gap"):
            for policy in ("none", "shift"):
                rows += rows_for(family, policy, seed, CNN_NONE)
        rows += rows_for("cnn-aa", "none", seed, CNN_NONE)
        rows += rows_for("p4-cnn", "none", seed, CNN_NONE)
    partial = RunView.of(run_data(rows, profile="book")).partial
    assert partial[-1] == "CNN-AA: 1 of the 2 augmentations in this run"
    assert not any("p4-CNN" in note for note in partial)


def test_a_family_short_of_policies_the_run_holds_all_of_is_counted_against_its_own():
    # every policy of the book's six is in the run (the CNN's), the MLP has two of them
    rows = []
    for seed in range(5):
        for policy in ("none", "shift", "rotate", "scale", "shear", "all"):
            rows += rows_for("cnn", policy, seed, CNN_NONE)
        for policy in ("none", "shift"):
            rows += rows_for("mlp", policy, seed, CNN_NONE)
    partial = RunView.of(run_data(rows, task="gender", profile="book")).partial
    assert partial[-1] == "MLP: 2 of 6 augmentations"


def test_models_with_fewer_seeds_than_the_profile_mark_the_run_partial():
    # the MNIST book profile trains 5 seeds: seeds 3 and 4 of the CNN alone leave the MLP's
    # model short although the run as a whole holds every seed
    rows = []
    for seed in range(5):
        rows += rows_for("cnn", "none", seed, CNN_NONE)
    for seed in range(3):
        rows += rows_for("mlp", "none", seed, CNN_NONE)
    view = RunView.of(run_data(rows, profile="book"))
    assert "MLP / none: 3 of 5 seeds" in view.partial
    assert view.seeds_words == "3 to 5 seeds"  # what the captions say of the run
    assert not any(note.endswith("of 5 seeds") and "/" not in note for note in view.partial)


def test_a_seed_note_counts_its_models_when_it_would_name_more_than_three():
    rows = []
    models = [("cnn", "none"), ("mlp", "none"), ("mlp", "shift"), ("cnn-gap", "none"),
              ("cnn-aa", "none")]
    for family, policy in models:
        for seed in range(5 if family == "cnn" else 3):
            rows += rows_for(family, policy, seed, CNN_NONE)
    view = RunView.of(run_data(rows, profile="book"))
    assert "4 of 5 models: 3 of 5 seeds" in view.partial
    assert not any("/" in note for note in view.partial)


def test_front_page_answers_first():
    # shift augmentation trained on ±1 px: its gain is quoted there and beyond, at ±2 px
    run = make_run()
    run = run_data(run.rows, dataset=dataset_info(augment={"shift_px": 1.0}))
    view = RunView.of(run)
    text = frontpage.render_front_page([view], forward_pass=True)
    first_screen = text.split("![")[0].splitlines()
    assert len(first_screen) <= 40
    takeaways = [line for line in first_screen if line[:3] in ("1. ", "2. ", "3. ", "4. ")]
    assert 1 <= len(takeaways) <= 5
    # ranked by effect: the CNN over the MLP +20 pp, then shift augmentation +10 pp at ±1 px
    # (the edge of its range; +35 pp beyond it, at ±2 px); one task, so each names it
    assert takeaways[0].startswith("1. **On MNIST (quick), a CNN tolerates shifts better than "
                                   "an MLP**")
    assert "+20.0 pp" in takeaways[0] and "yet 50.0% against 90.0% unmoved" in takeaways[0]
    assert takeaways[1].startswith("2. **Augmentation helps the CNN within its trained range**")
    assert ("(trained on ±1 px) takes it from 80.0% to 90.0% under shifts at ±1 px, +10.0 pp"
            in takeaways[1])
    assert "beyond its range, at ±2 px, from 50.0% to 85.0%, +35.0" in takeaways[1]
    assert "in 1 of 1 three-seed pairs" in takeaways[1]
    assert takeaways[-1].startswith(f"{len(takeaways)}. **The cookbook's claims**: of "
                                    f"{len(CLAIMS)} checked")
    table = [line for line in first_screen if line.startswith("| ")]
    assert [cell.strip() for cell in table[0].split("|")[1:5]] == ["task", "run, seeds",
                                                                    "model", "clean"]
    assert " ".join(table[1].split()).startswith("| mnist | `quick`, 3 | MLP | 90.0±")
    assert "shift ±2 px" in table[0]
    cnn_aug = next(line for line in table if "CNN+aug" in line)
    assert "85.0±" in cnn_aug and "| —" in cnn_aug  # clean: each column's own model
    assert "![test accuracy against magnitude" in text
    assert text.index("![") < text.index("## Per task") < text.index("## Glossary") < \
        text.index("## The claims in detail")
    assert "### MNIST digits (chance 10%)" in text
    quick = get_profile("mnist", "quick")
    assert f"**partial**: 2 of {len(quick.augmentations)} augmentations" in text
    assert "(forward_pass.md)" in text


def test_front_page_claims_box_has_one_line_per_claim_with_verdicts(view):
    text = frontpage.render_front_page([view], forward_pass=False)
    box = text.split("What came of the cookbook's claims?")[1].split("*Generated")[0]
    lines = [line for line in box.splitlines() if line.startswith("- ")]
    assert len(lines) == len(CLAIMS)
    assert all(" — ours: " in li and li.endswith("**") for li in lines)
    details = text.split("## The claims in detail")[1]
    assert "**not comparable**: data mnist-5k, book mnist" in details
    assert "**untested**: no run of the gender task" in details


def test_glossary_lists_every_profile(view):
    from bench.catalog import TASKS
    from bench.catalog.profiles import PROFILES

    glossary = frontpage.render_front_page([view], forward_pass=False).split("## Glossary")[1]
    lines = glossary.splitlines()
    for (task, name), profile in PROFILES.items():
        line = " ".join(li for li in lines if li.startswith(f"| {TASKS[task].title} ")
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


def test_front_table_names_a_task_s_own_distance_where_its_grid_differs():
    wide = {-3.0: 0.4, -2.0: 0.5, 0.0: 0.9, 2.0: 0.5, 3.0: 0.4}
    mnist, fashion = [], []
    for seed in (0, 1, 2):
        mnist += rows_for("cnn", "none", seed, wide) + rows_for("mlp", "none", seed, wide)
        fashion += rows_for("cnn", "none", seed, CNN_NONE, task="fashion-mnist")
    views = [RunView.of(run_data(mnist)),
             RunView.of(run_data(fashion, task="fashion-mnist"))]
    lines = frontpage.raw_table([frontpage.front_runs(views)[t] for t in ("mnist",
                                                                          "fashion-mnist")])
    table = [line for line in lines[0].splitlines() if line.startswith("| ")]
    assert "shift ±3 px" in table[0]
    fashion_cnn = " ".join(table[5].split())
    assert fashion_cnn.startswith("| n = 200 | `quick`, 3 | CNN | 90.0±")
    assert "50.0±" in fashion_cnn
    assert "50.0±6.9‡" in fashion_cnn and "‡" not in table[2]
    assert any("‡: at the task's own distance (fashion-mnist at ±2 px)" in line
               for line in lines)
    assert any("—: no such model with 3 seeds" in line for line in lines)  # no fashion MLP


def test_smoke_report_of_four_models_on_one_seed_reads_cleanly():
    rows = []
    for family in ("mlp", "cnn", "cnn-gap", "cnn-aa"):
        for transform, grid in (("shift_x", CNN_NONE), ("rotate", {-30.0: 0.5, 0.0: 0.9,
                                                                     30.0: 0.6}),
                                ("scale", {0.8: 0.6, 1.0: 0.9, 1.2: 0.7}),
                                ("shear", {-20.0: 0.8, 0.0: 0.9, 20.0: 0.7})):
            rows += rows_for(family, "none", 0, grid, transform=transform, profile="smoke")
        rows += rows_for(family, "shift", 0, CNN_SHIFT, profile="smoke")
    view = RunView.of(run_data(rows, profile="smoke", models=model_records(rows, epochs=1)))
    text = render_markdown(view, {})
    # the claims' own wording is the claims module's (bench.analysis.claims)
    body = text.split("## Appendix: the cookbook's claims")[0]
    assert body.count("too few seeds") <= 1 and "seed(s)" not in body
    assert body.count("no interval") <= 2 and body.count("no verdict") <= 1
    assert "1 epoch," in body and "1 seed;" in body
    findings = text.split("## Findings")[1].split("\n## ")[0]
    bullets = [line for line in findings.splitlines() if line.startswith("- ")]
    assert 1 <= len(bullets) <= 8 and all(" pp" in b or "%" in b for b in bullets)
    assert "smaller findings in the tables below" in findings
    assert max(len(line) for line in text.splitlines() if line.startswith("|")) <= 120


def test_models_trained_otherwise_are_flagged_beside_their_name():
    run = make_run()
    for record in run.models:
        if record["family"] == "cnn" and record["augmentation"] == "none":
            record.update(trainer="portable", environment={
                "jax": "0.11", "device": "NVIDIA H200", "commit": "abc123+dirty"})
        else:
            record.update(environment={"tensorflow": "2.21", "device": "CPU",
                                       "commit": "abc123"})
    text = render_markdown(RunView.of(run), {})
    clean = text.split("## Clean accuracy")[1].split("\n## ")[0]
    assert "| CNN† " in clean and "| MLP " in clean
    note = next(line for line in clean.splitlines() if line.startswith("† "))
    assert "CNN / none: jax backend, `portable` trainer, on NVIDIA H200, from a working tree " \
           "with uncommitted changes (`abc123+dirty`)" in note
    assert "CNN / shift" not in note and "MLP" not in note


def test_a_model_trained_with_onednn_off_is_flagged_and_one_without_the_record_is_not():
    run = make_run()
    for record in run.models:
        off = record["family"] == "cnn" and record["augmentation"] == "none"
        record.update(environment={"tensorflow": "2.21", "device": "CPU", "commit": "abc123",
                                   **({"onednn": "off"} if off else {})})
    text = render_markdown(RunView.of(run), {})
    clean = text.split("## Clean accuracy")[1].split("\n## ")[0]
    note = next(line for line in clean.splitlines() if line.startswith("† "))
    assert "CNN / none: without TensorFlow's oneDNN kernels" in note
    assert "| MLP " in clean and "| MLP† " not in clean


def test_a_ratio_above_chance_is_shown_only_30_pp_above_chance():
    rows = []
    for seed in (0, 1, 2):
        rows += rows_for("cnn", "none", seed, CNN_NONE)
        rows += rows_for("mlp", "none", seed, {-2.0: 0.2, -1.0: 0.3, 0.0: 0.35, 1.0: 0.3,
                                               2.0: 0.2})  # 25 pp above chance
    text = render_markdown(RunView.of(run_data(rows)), {})
    summary = text.split("## Robustness summary")[1].split("\n## ")[0]
    mlp = next(line for line in summary.splitlines() if line.startswith("| MLP "))
    cnn = next(line for line in summary.splitlines() if line.startswith("| CNN "))
    assert mlp.split("|")[3].strip() == "—" and cnn.split("|")[3].strip().startswith("0.")
    assert "less than 30 pp above chance" in summary


def test_a_model_with_fewer_than_three_seeds_stays_off_the_front_page():
    run = make_run()
    extra = rows_for("cnn", "rotate", 0, CNN_SHIFT)
    view = RunView.of(run_data(run.rows + extra))
    page = frontpage.render_front_page([view], forward_pass=False)
    assert "in the task report only: CNN / rotate (`quick`, 1 seed)" in page
    assert not any("| rotate " in line for line in page.splitlines())
    report = render_markdown(view, {})
    line = next(li for li in report.splitlines() if li.startswith("| CNN ")
                and "| rotate " in li and "%" not in li)
    assert "[" not in line  # its clean accuracy without an interval


def test_the_committed_front_page_fits_its_first_screen():
    # issue 24: about 40 lines before the overview figure, on the page as published (all tasks)
    text = (Path(__file__).resolve().parents[1] / "reports" / "README.md").read_text()
    first_screen = text.split("![")[0].splitlines()
    assert first_screen[0].startswith("# bench: does a CNN") and first_screen[0].endswith("?")
    assert len(first_screen) <= 40
