"""bench eval's pieces without Keras models: grids, intervals, McNemar, Holm, the reference
comparison, the regression gate and the exports, on hand-made rows with known answers."""

from __future__ import annotations

import json
import re
from math import comb

import numpy as np
import pandas as pd
import pytest
from rowbuilder import rows_for
from scipy import stats

import bench
from bench.analysis import verdicts
from bench.analysis.mcnemar import mcnemar_exact
from bench.analysis.resample import Contrast, contrast
from bench.catalog.profiles import get_profile
from bench.cli import main
from bench.config import ChoiceError
from bench.evaluate import comparison, grids
from bench.evaluate.check import check_runs
from bench.evaluate.export import COLUMNS, export
from bench.evaluate.sanity import CleanCheck
from bench.results.schema import row_record


@pytest.mark.parametrize("text, message", [
    ("rotate=-30:30", "START:STOP:STEP"),
    ("spin=-30:30:5", "valid choices: shift_x, shift_y, rotate, scale, shear"),
    ("rotate=-30:30:0", "STEP > 0"),
    ("rotate=a:30:5", "'a' is not a number"),
    ("rotate", "TRANSFORM=START:STOP:STEP"),
])
def test_bad_grids_name_what_is_valid(text, message):
    with pytest.raises(ChoiceError, match=message):
        grids.parse_grid(text)


def test_grid_and_transforms_replace_the_profile_grid_with_the_identity_kept():
    profile = get_profile("mnist", "smoke")
    chosen = grids.with_grid(profile, grids.parse_transforms("shift_x,rotate"),
                             grids.parse_grid("rotate=10:30:10"))
    assert chosen.grid == (("shift_x", (-2.0, 0.0, 2.0)), ("rotate", (0.0, 10.0, 20.0, 30.0)))
    assert grids.with_grid(profile, None, {}) is profile
    with pytest.raises(ChoiceError, match="--transforms leaves out"):
        grids.with_grid(profile, ("shift_x",), {"rotate": (10.0,)})
    with pytest.raises(ChoiceError, match="unknown transform 'twist'"):
        grids.parse_transforms("shift_x,twist")


def test_bench_run_rejects_a_bad_grid_before_training(capsys):
    assert main(["run", "mnist", "--profile", "smoke", "--grid", "tilt=1:2:1"]) == 2
    assert "valid choices" in capsys.readouterr().err


def test_mcnemar_is_the_exact_binomial_on_discordant_images():
    a = np.array([True] * 9 + [False] * 1 + [True] * 20)
    b = np.array([False] * 9 + [True] * 1 + [True] * 20)
    only_a, only_b, p = mcnemar_exact(a, b)
    assert (only_a, only_b) == (9, 1)
    assert p == pytest.approx(2 * (comb(10, 0) + comb(10, 1)) / 2**10)
    assert mcnemar_exact(a, a) == (0, 0, 1.0)


def test_holm_adjusts_in_rank_order():
    family = verdicts.Family({"a": 0.01, "b": 0.04, "c": 0.03})
    family.decide()
    assert [family.adjusted[k] for k in "abc"] == pytest.approx([0.03, 0.06, 0.06])
    assert family.rejected == {"a"}


@pytest.mark.parametrize("seed_sd", [0.0, 0.03, 0.06])
def test_interval_against_a_seeded_family_has_its_coverage(seed_sd):
    """A fixed model against a family of 3 seeds on paired images: the 95% interval (t on
    seeds + paired images) covers the true difference (the model's own seed offset against
    the recipe's mean) in about 95% of simulations, and not far more."""
    rng = np.random.default_rng(0)
    n, trials = 400, 400
    covered = 0
    for _ in range(trials):
        ease = rng.uniform(0.2, 0.9, n)  # per-image chance of being right (no clipping)
        offsets = rng.normal(0, seed_sd, 4)  # three reference seeds and the user's model
        ref = np.stack([rng.random(n) < ease + o for o in offsets[:3]]).astype(float)
        user = (rng.random(n) < ease + offsets[3]).astype(float)
        d = contrast(user[None], ref, paired=True)
        covered += d.low_pp <= offsets[3] * 100 <= d.high_pp
    assert 0.92 <= covered / trials <= 0.99


def test_fixed_models_use_the_normal_quantile_on_images():
    a, b = np.ones((1, 100)), np.zeros((1, 100))
    a[0, :10] = 0
    d = contrast(a, b, paired=True)
    half = stats.norm.ppf(0.975) * np.sqrt(np.var(a[0] - b[0], ddof=1) / 100) * 100
    assert d.diff_pp == pytest.approx(90.0) and d.high_pp - d.diff_pp == pytest.approx(half)


def test_sanity_check_flags_chance_and_one_class():
    labels = np.arange(100) % 10
    ok = CleanCheck.of(labels.copy(), labels, tuple("0123456789"))
    assert ok.problems() == []
    one_class = CleanCheck.of(np.ones(100, dtype=int), labels, tuple("0123456789"))
    assert len(one_class.problems()) == 2 and "'1' takes 100.0%" in one_class.problems()[1]


def write_run(folder, rows, models, dataset=None):
    (folder / "rows").mkdir(parents=True)
    for key in {r.model_key for r in rows}:
        (folder / "rows" / f"{key}.jsonl").write_text(
            "".join(json.dumps(row_record(r)) + "\n" for r in rows if r.model_key == key))
    (folder / "models.jsonl").write_text("".join(json.dumps(m) + "\n" for m in models))
    (folder / "dataset.json").write_text(json.dumps(dataset or {"name": "mnist-5k",
                                                                "checksum": "c",
                                                                "n_test_used": 200,
                                                                "subset": "s"}))


def model(family, seed, key=None):
    return {"key": key or f"{family}-none-{seed}", "family": family, "augmentation": "none",
            "seed": seed}


def test_comparison_against_a_family_over_seeds(tmp_path):
    ref_rows = [r for seed, acc in enumerate((0.60, 0.62, 0.58))
                for r in rows_for("cnn", "none", seed, {0.0: 0.9, 2.0: acc, -2.0: acc})]
    mine = rows_for("user", "unknown", 0, {0.0: 0.9, 2.0: 0.8, -2.0: 0.8})
    found = comparison.compare(mine, ref_rows, [model("cnn", s) for s in range(3)], ["shift_x"])
    clean, shift = found
    assert clean.transform == "clean" and clean.accuracy_difference.diff_pp == 0
    assert shift.accuracy == pytest.approx(80.0) and shift.reference_accuracy == pytest.approx(60.0)
    assert shift.accuracy_difference.seeds == (1, 3) and shift.change_difference.low_pp > 0


def test_check_gate_fails_a_real_drop_and_passes_noise(tmp_path):
    base = rows_for("cnn", "none", 0, {0.0: 0.9, 2.0: 0.8, -2.0: 0.8})
    worse = rows_for("cnn", "none", 0, {0.0: 0.9, 2.0: 0.6, -2.0: 0.6}, model_key="k2")
    slightly = rows_for("cnn", "none", 0, {0.0: 0.9, 2.0: 0.79, -2.0: 0.79}, model_key="k3")
    write_run(tmp_path / "base", base, [model("cnn", 0)])
    write_run(tmp_path / "worse", worse, [model("cnn", 0, "k2")])
    write_run(tmp_path / "slightly", slightly, [model("cnn", 0, "k3")])
    failed = check_runs(tmp_path / "worse", tmp_path / "base", 2.0)
    assert [r.transform for r in failed if r.fails] == ["shift_x"]
    assert failed[1].drop.diff_pp == pytest.approx(20.0)
    assert not any(r.fails for r in check_runs(tmp_path / "slightly", tmp_path / "base", 2.0))
    assert main(["check", str(tmp_path / "worse"), "--against", str(tmp_path / "base")]) == 1
    assert main(["check", str(tmp_path / "base"), "--against", str(tmp_path / "base")]) == 0


def test_export_and_load_run_give_one_row_per_model_and_cell(tmp_path, capsys, monkeypatch):
    rows = [r for seed in (0, 1) for r in rows_for("cnn", "none", seed,
                                                   {0.0: 0.9, 2.0: 0.7, -2.0: 0.6})]
    write_run(tmp_path / "run", rows, [model("cnn", 0), model("cnn", 1)])
    table = bench.load_run(tmp_path / "run")
    assert list(table.columns) == COLUMNS and len(table) == 6
    assert set(table["model"]) == {"cnn/none/s0", "cnn/none/s1"}
    assert table["flip_rate"].tolist() == pytest.approx([0.1] * 6)
    monkeypatch.chdir(tmp_path)  # the default target: <parent>-<run>.<format> in the cwd
    for fmt in ("csv", "jsonl"):
        assert main(["export", str(tmp_path / "run"), "--format", fmt]) == 0
    assert len(pd.read_csv(tmp_path / f"{tmp_path.name}-run.csv")) == 6
    assert len(pd.read_json(tmp_path / f"{tmp_path.name}-run.jsonl", lines=True)) == 6
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        with pytest.raises(ChoiceError, match="pip install pyarrow"):
            export(tmp_path / "run", "parquet")
    else:
        assert len(pd.read_parquet(export(tmp_path / "run", "parquet"))) == 6
    assert main(["export", str(tmp_path / "nothing")]) == 2
    assert "no stored rows" in capsys.readouterr().err


def test_registering_the_eval_commands_loads_no_keras():
    import subprocess
    import sys

    code = ("import sys\nfrom bench.cli import _parser\n"
            "_parser().parse_args(['check', 'a', '--against', 'b'])\n"
            "print(sorted(m for m in ('keras', 'tensorflow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_check_gate_over_seeds_uses_their_spread(tmp_path):
    """Three seeds a side: a 10 pp drop that the seeds agree on fails; one whose seeds
    disagree widely (drops of -10, +10 and +30 pp) passes, though its mean drop is 10 pp."""
    def run(name, accuracies):
        rows = [r for seed, acc in enumerate(accuracies)
                for r in rows_for("cnn", "none", seed, {0.0: 0.9, 2.0: acc, -2.0: acc},
                                  model_key=f"{name}{seed}")]
        write_run(tmp_path / name, rows, [model("cnn", s, f"{name}{s}") for s in range(3)])

    run("base", (0.80, 0.80, 0.80))
    run("steady", (0.70, 0.70, 0.71))
    run("scattered", (0.90, 0.70, 0.50))
    steady = [r for r in check_runs(tmp_path / "steady", tmp_path / "base", 2.0)
              if r.transform == "shift_x"][0]
    scattered = [r for r in check_runs(tmp_path / "scattered", tmp_path / "base", 2.0)
                 if r.transform == "shift_x"][0]
    assert steady.fails and steady.drop.seeds == (3, 3)
    assert scattered.drop.diff_pp == pytest.approx(10.0) and not scattered.fails


def test_the_p_value_agrees_with_the_interval():
    rng = np.random.default_rng(3)
    for shift in (0.0, 0.02, 0.05, 0.1):
        ref = (rng.random((3, 300)) < 0.7).astype(float)
        user = (rng.random((1, 300)) < 0.7 + shift).astype(float)
        d = contrast(user, ref, paired=True)
        assert (d.p_value < 0.05) == d.excludes_zero()


def _comparison(p_value: float, transform: str = "rotate") -> comparison.FamilyComparison:
    """A comparison row whose judged difference (+3 pp) has ``p_value``."""
    d = Contrast(0.03, 0.001, 0.059, p_value, (1, 3), 500, True)
    return comparison.FamilyComparison("cnn", "none", transform, 60.0, 63.0, d, -30.0, -27.0, d)


def test_the_eval_page_corrects_its_verdicts_together():
    from bench.evaluate.report import BaselineTest, EvalReportData, baseline_lines, comparison_lines

    def page(p_values, baseline_p=()):
        data = EvalReportData("mnist", "quick", [{"source": "a"}, {"source": "b"}], [], {},
                              "bench eval", comparisons=[
                                  _comparison(p, t) for p, t in zip(
                                      p_values, ("rotate", "shift_x", "scale"), strict=False)],
                              reference_folder="results/mnist/quick")
        data.baseline_tests = [BaselineTest("rotate", 10.0 + i, 0.6, 0.5, 30, 10, p)
                               for i, p in enumerate(baseline_p)]
        return verdicts.corrected(
            lambda: "\n".join(comparison_lines(data) + baseline_lines(data)))[0]

    # alone, p = 0.03 is a difference; one of four verdicts on the page, Holm needs 0.0125
    alone = page([0.03])
    assert "keeps more (adj. p 0.03)" in alone and "Verdicts: 1 on this page" in alone
    crowded = page([0.03, 0.5, 0.6], baseline_p=[0.7])
    assert "keeps more" not in crowded
    assert crowded.count("not shown after Holm") == 4
    assert "not shown after Holm (adj. p 0.12)" in crowded
    assert "Verdicts: 4 on this page, corrected together by Holm's method" in crowded


def test_every_part_of_a_split_comparison_table_names_its_reference_and_transform():
    from bench.evaluate.report import EvalReportData, comparison_lines

    data = EvalReportData("mnist", "quick", [], [], {}, "bench eval", comparisons=[
        _comparison(p) for p in (0.03, 0.5)], reference_folder="results/mnist/quick")
    lines = "\n".join(comparison_lines(data)).splitlines()
    headers = [line for line in lines if line.startswith("| reference")]
    assert len(headers) >= 2  # split: the whole table is wider than 120 characters
    assert all(re.match(r"\| reference +\| transform +\| ", header) for header in headers)
    assert all(len(line) <= 120 for line in lines if line.startswith("|"))
