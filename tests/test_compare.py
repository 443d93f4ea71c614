"""``bench compare`` and the reports account for every cell: only shared cells are compared,
the dropped and missing ones are named, runs of other settings are refused, and the columns
follow the header (A, then B)."""

import json

from rowbuilder import dataset_info, model_records, rows_for, run_data

from bench.analysis import coverage
from bench.analysis.comparable import setup_differences
from bench.analysis.runs import RunView
from bench.catalog.profiles import get_profile
from bench.cli import main
from bench.config import grid_cells
from bench.render.comparison import comparison_table, render_compare
from bench.render.report import render_markdown
from bench.results.schema import row_record

NARROW = {-2.0: 0.8, 0.0: 0.9, 2.0: 0.8}  # a smoke grid's shifts
WIDE = {-4.0: 0.2, -2.0: 0.8, 0.0: 0.9, 2.0: 0.8, 4.0: 0.2}  # a wider grid


def _write(folder, rows, models, dataset):
    """A run folder on disk, as the store writes it."""
    (folder / "rows").mkdir(parents=True)
    with open(folder / "rows" / "all.jsonl", "w") as handle:
        handle.writelines(json.dumps(row_record(row)) + "\n" for row in rows)
    (folder / "models.jsonl").write_text("".join(json.dumps(m) + "\n" for m in models))
    (folder / "dataset.json").write_text(json.dumps(dataset))
    return folder


def _run_folder(root, profile, accuracy_at, epochs=1, offset=0):
    rows = rows_for("mlp", "none", 0, accuracy_at, profile=profile, offset=offset)
    return _write(root / "mnist" / profile, rows, model_records(rows, epochs=epochs),
                  dataset_info())


def test_only_shared_magnitudes_are_compared_and_the_dropped_ones_are_named():
    narrow = run_data(rows_for("mlp", "none", 0, NARROW), profile="smoke")
    wide = run_data(rows_for("mlp", "none", 0, WIDE), profile="smoke")
    text = render_compare(narrow, wide, ("a", "b"))
    # over the shared magnitudes (+-2 px) both runs are the same model: identical
    assert "Of 2 model x transform comparisons: 2 identical." in text
    assert "only in B, left out for MLP / none: shift_x -4, +4 px" in text
    assert "only in A" not in text


def test_columns_follow_the_header_a_then_b():
    better = run_data(rows_for("mlp", "none", 0, {-2.0: 0.9, 0.0: 0.9, 2.0: 0.9}))
    worse = run_data(rows_for("mlp", "none", 0, {-2.0: 0.5, 0.0: 0.9, 2.0: 0.5}))
    table, _ = comparison_table(better, worse, ("A", "B"))
    header, _, *lines = table.splitlines()
    assert [c.strip() for c in header.split("|")[3:6]] == [
        "A % (seeds)", "B % (seeds)", "A minus B, pp [95% interval]"]
    shift = next(line for line in lines if "Horizontal shift" in line)
    a, b, diff = (c.strip() for c in shift.split("|")[3:6])
    assert (a, b) == ("90.0 (1)", "50.0 (1)") and diff.startswith("+40.0")


def test_missing_cells_are_named_against_the_profiles_grid():
    run = run_data(rows_for("mlp", "none", 0, NARROW), profile="smoke")
    expected = grid_cells(get_profile("mnist", "smoke").grid)
    notes = coverage.missing_notes(run)
    assert notes == [f"{len(expected) - 3} of {len(expected)} cells missing for MLP / none, "
                     "seed 0: shift_y -2, +0, +2 px; rotate -30, +0, +30 deg; scale 0.8, 1, "
                     "1.2 x; shear -20, +0, +20 deg"]


def test_a_complete_run_has_no_missing_cells():
    grid = get_profile("mnist", "smoke").grid
    rows = []
    for transform, magnitudes in grid:
        rows += rows_for("cnn", "shift", 1, dict.fromkeys(magnitudes, 0.5), profile="smoke",
                         transform=transform)
    assert coverage.missing_notes(run_data(rows, profile="smoke")) == []


def test_a_seed_missing_a_cell_leaves_that_cell_out_of_the_comparison():
    full = rows_for("mlp", "none", 0, NARROW) + rows_for("mlp", "none", 1, NARROW)
    cut = rows_for("mlp", "none", 0, NARROW) + rows_for("mlp", "none", 1,
                                                        {0.0: 0.9, -2.0: 0.8})
    shared = coverage.shared_cells(cut, full)
    assert shared == {("mlp", "none"): {("shift_x", -2.0), ("shift_x", 0.0)}}
    notes = coverage.dropped_notes(cut, full, shared, ("A", "B"))
    assert notes == ["only in B, left out for MLP / none: shift_x +2 px"]


def test_setup_differences_name_profile_epochs_and_data():
    rows = rows_for("mlp", "none", 0, NARROW)
    smoke = run_data(rows, profile="smoke", models=model_records(rows, epochs=1))
    quick = run_data(rows, profile="quick", models=model_records(rows, epochs=6),
                     dataset=dataset_info(name="mnist"))
    assert setup_differences(smoke, quick) == [
        "profile: A smoke, B quick", "data set: A mnist-5k, B mnist", "epochs: A 1, B 6"]
    assert setup_differences(smoke, smoke) == []


def test_compare_refuses_different_setups_unless_allowed(tmp_path, capsys):
    a = _run_folder(tmp_path / "a", "smoke", NARROW, epochs=1)
    b = _run_folder(tmp_path / "b", "quick", WIDE, epochs=6)
    assert main(["compare", str(a), str(b)]) == 2
    err = capsys.readouterr().err
    assert "differ in profile: A smoke, B quick; epochs: A 1, B 6" in err
    assert "--allow-different" in err and "Traceback" not in err
    assert main(["compare", str(a), str(b), "--allow-different"]) == 0
    out = capsys.readouterr().out
    assert "Settings differ: profile: A smoke, B quick; epochs: A 1, B 6." in out
    assert "only in B, left out for MLP / none: shift_x -4, +4 px" in out


def test_compare_of_two_runs_of_one_setup_needs_no_flag(tmp_path, capsys):
    a = _run_folder(tmp_path / "a", "smoke", NARROW)
    b = _run_folder(tmp_path / "b", "smoke", NARROW, offset=5)
    assert main(["compare", str(a), str(b)]) == 0
    assert "Settings differ" not in capsys.readouterr().out


def test_a_report_names_the_cells_its_run_lacks():
    run = run_data(rows_for("mlp", "none", 0, NARROW), profile="smoke")
    text = render_markdown(RunView.of(run), {})
    header = text.split("## Findings")[0]
    assert f"**Cells missing** (against the `smoke` grid): {coverage.missing_notes(run)[0]}." \
        in header


def test_a_figure_over_both_directions_is_never_averaged_over_one_side():
    # seed 1 lacks +2 px: the mean of both directions uses seed 0 alone, never seed 1's -2 px;
    # and a model with no seed holding both directions has no such figure at all
    rows = (rows_for("mlp", "none", 0, NARROW)
            + rows_for("mlp", "none", 1, {-2.0: 0.2, 0.0: 0.9}, offset=3)
            + rows_for("cnn", "none", 0, {-2.0: 0.5, 0.0: 0.9}))
    estimates = RunView.of(run_data(rows, profile="smoke")).estimates
    both = (("shift_x", -2.0), ("shift_x", 2.0))
    assert estimates.seeds(("mlp", "none"), both) == (0,)
    assert abs(estimates.accuracy(("mlp", "none"), both).value - 0.8) < 1e-9
    assert estimates.accuracy(("cnn", "none"), both) is None
    assert estimates.relative(("cnn", "none"), "shift_x") is None


def test_a_tested_verdict_names_its_holm_adjusted_p_value():
    from bench.analysis import verdicts

    def model(accuracy_at, seeds=(0, 1, 2), offset=0):
        return run_data([r for s in seeds
                         for r in rows_for("mlp", "none", s, accuracy_at, offset=offset + s)])

    better = model({-2.0: 0.9, 0.0: 0.9, 2.0: 0.9})
    worse = model({-2.0: 0.5, 0.0: 0.9, 2.0: 0.5})
    (table, counts), family = verdicts.corrected(
        lambda: comparison_table(better, worse, ("A", "B")))
    shift = next(line for line in table.splitlines() if "Horizontal shift" in line)
    adjusted = verdicts.p_words(family.adjusted[next(iter(
        k for k in family.p_values if k[3] == "shift_x"))])
    assert f"differs (Holm, adjusted p = {adjusted})" in shift
    clean = next(line for line in table.splitlines() if "| clean" in line)
    assert clean.rstrip(" |").endswith("identical")  # no test, no p-value
    assert counts == {"differs": 1, "identical": 1}
