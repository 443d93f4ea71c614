"""The worst-case and invariance probes end to end (run, store, resume, report) and their
report sections rendered from hand-made records."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import bars_dataset
from rowbuilder import rows_for, run_data

from bench.analysis import answers, invariance
from bench.analysis.runs import RunView
from bench.catalog import literature
from bench.render import architecture, report
from bench.results.loading import load_records
from bench.run import probes, runner


def _worst(family: str, seed: int, grid_worst: float, seconds: float) -> dict:
    return {"probe": "worst_case", "family": family, "augmentation": "none", "seed": seed,
            "model_key": f"{family}-{seed}", "n_images": 500, "clean": 0.99,
            "shift_worst": 0.9, "rotate_worst": 0.8, "grid_worst": grid_worst,
            "random_worst": 0.85, "grid_mean": 0.95, "grid_seconds": seconds}


def _invariance(family: str, seed: int, errors: list[float]) -> list[dict]:
    labels = ["conv 3x3", "max-pool 2/2", "dense 10"]
    return [{"probe": "invariance", "family": family, "augmentation": "none", "seed": seed,
             "stage": stage, "label": labels[stage], "stride": [1 + (stage > 0)] * 2,
             "transform": transform, "magnitude": magnitude, "n_images": 50,
             "invariance": 2 * errors[stage], "equivariance": None if stage == 2 else
             errors[stage] * (1 if transform == "rotate" else abs(magnitude))}
            for stage in range(3) for transform, magnitude in invariance.TRANSFORMS]


def test_worst_case_table_shows_means_and_spreads_over_seeds():
    records = [_worst("cnn", 0, 0.70, 30.0), _worst("cnn", 1, 0.74, 34.0),
               _worst("cnn-aa", 0, 0.80, 50.0)]
    table = architecture.worst_case_table(records)
    # wider than 120 characters: parts that repeat model, augmentation, n and seeds
    lines = table.splitlines()
    assert max(len(line) for line in lines) <= 120
    header = " ".join(li for li in lines if li.startswith("| model"))
    assert "grid worst (5x5x31)" in header and "worst of 10 random" in header
    cnn = " ".join(li for li in lines if li.startswith("| CNN "))
    aa = [li for li in lines if li.startswith("| CNN-AA ")]
    assert "72.0 ± 2.8" in cnn and "32 ± 3" in cnn and "| 2 " in cnn
    assert "80.0" in " ".join(aa) and "±" not in " ".join(aa)


def test_worst_case_section_quotes_the_literature_figure_with_its_source_not_beside_ours():
    records = [_worst("cnn", 0, 0.0, 30.0), _worst("cnn", 1, 0.0, 34.0),
               _worst("mlp", 0, 0.0, 10.0)]
    records[1]["random_worst"] = 0.75  # the CNN's worst of 10: 85% and 75%
    text = " ".join(architecture.sections(records, None, "mnist"))
    figure = literature.ENGSTROM_MNIST_WORST_OF_10
    assert f"report {figure.accuracy * 100:.1f}% for their standard MNIST CNN" in text
    assert f"({figure.clean * 100:.1f}% clean; {figure.source})" in text
    assert figure.citation in text and "cleverhans-lab/cleverhans/pull/510" in figure.source
    assert '"worst of 10 random" column, not of the grid' in text
    assert "another architecture" in text and "reports/reproductions.md" in text
    assert "keeps" not in text  # no figure of ours is set beside theirs
    # a task without a published figure
    assert "Literature" not in " ".join(architecture.sections(records, None, "cifar10"))
    assert architecture.literature_note("cifar10") == []


def test_invariance_lines_average_the_transforms_and_use_equivariance_for_maps(tmp_path):
    records = _invariance("cnn", 0, [0.1, 0.2, 0.3]) + _invariance("cnn", 1, [0.3, 0.4, 0.5])
    errors = architecture.headline_errors(records).set_index(["stage", "line"])["error"]
    assert errors[(0, "shift 1 px")] == pytest.approx(0.2)  # equivariance, seeds averaged
    assert errors[(1, "shift 3 px")] == pytest.approx(0.9)  # 0.3 x 3 px
    assert errors[(2, "shift 2 px")] == pytest.approx(0.8)  # a vector: 2 x invariance
    assert errors[(1, "rotation 10–30°")] == pytest.approx(0.3)
    png = architecture.invariance_figure(records, "test", tmp_path / "inv.png")
    assert png.stat().st_size > 1000
    text = "\n".join(architecture.sections(records, "figures/inv.png"))
    assert "## Where invariance is lost" in text and "![invariance by layer]" in text
    assert "| CNN     | 1       | max-pool 2/2 | 2" in text


@pytest.mark.slow
def test_probes_run_store_resume_and_report(tiny_profile, tmp_path, monkeypatch):
    profile = dataclasses.replace(tiny_profile, families=("mlp", "cnn-aa"), worst_case_n=10,
                                  invariance_n=6)
    prepared = runner.PreparedData.from_dataset(bars_dataset(), profile)
    folder = runner.run_task(profile, tmp_path / "runs", verbose=0, prepared=prepared)
    stored = load_records(folder, "probes.jsonl")
    worst = [p for p in stored if p["probe"] == "worst_case"]
    assert [p["family"] for p in worst] == ["mlp", "cnn-aa"]
    for record in worst:
        assert record["n_images"] == 10 and record["grid_points"] == 775
        assert record["grid_worst"] <= min(record["shift_worst"], record["rotate_worst"])
        assert record["shift_worst"] <= record["clean"] and record["grid_seconds"] > 0
    layers = {(p["family"], p["label"]) for p in stored if p["probe"] == "invariance"}
    assert ("cnn-aa", "blur 4x4/2") in layers and ("mlp", "flatten") in layers
    assert len([p for p in stored if p["probe"] == "invariance"]) == 18 * (3 + 6)

    calls = []
    monkeypatch.setitem(probes.PROBES, "worst_case", lambda *args: calls.append(args) or [])
    runner.run_task(profile, tmp_path / "runs", verbose=0, prepared=prepared)
    assert calls == [] and len(load_records(folder, "probes.jsonl")) == len(stored)

    text = report.write_report(folder, tmp_path / "reports").read_text()
    assert "## Worst case over shifts and rotations" in text
    (png,) = (tmp_path / "reports" / "figures").glob("*-invariance.png")
    assert f"![invariance by layer](figures/{png.name})" in text and png.stat().st_size > 1000
    assert '## The mean "1"' in text


@pytest.mark.slow
def test_probes_reach_only_the_probed_augmentations(tiny_profile, tmp_path):
    profile = dataclasses.replace(tiny_profile, families=("mlp",), augmentations=("none", "shift"),
                                  worst_case_n=10, invariance_n=6, probed_augmentations=("shift",))
    prepared = runner.PreparedData.from_dataset(bars_dataset(), profile)
    folder = runner.run_task(profile, tmp_path / "runs", verbose=0, prepared=prepared)
    stored = load_records(folder, "probes.jsonl")
    task_probes = ("mean_one_shift_x", "mean_one_book")  # the MNIST task's own: every model
    spatial = {(p["probe"], p["augmentation"]) for p in stored if p["probe"] not in task_probes}
    assert spatial == {("worst_case", "shift"), ("invariance", "shift")}
    for probe in task_probes:
        assert {p["augmentation"] for p in stored if p["probe"] == probe} == {"none", "shift"}


def test_front_page_takeaways_compare_raw_accuracy_and_need_a_verdict():
    rows = []
    for seed in (0, 1, 2):
        rows += rows_for("cnn", "none", seed, {-2.0: 0.5, 0.0: 0.9, 2.0: 0.5})
        rows += rows_for("cnn-gap", "none", seed, {-2.0: 0.7, 0.0: 0.9, 2.0: 0.7})
        rows += rows_for("mlp", "none", seed, {-2.0: 0.3, 0.0: 0.9, 2.0: 0.3})
    results = answers.kind_results([RunView.of(run_data(rows))])
    found = answers.cnn_takeaway(results)
    # 50% against 30%: +20 pp in accuracy, not a ratio above chance
    assert found.effect == pytest.approx(0.2)
    assert "the CNN scores +20.0 pp (95% CI" in found.text
    assert "yet 50.0% against 90.0% unmoved" in found.text
    assert answers.augmentation_takeaway(results) is None  # no augmented model
    two = answers.kind_results([RunView.of(run_data([r for r in rows if r.seed < 2]))])
    assert answers.cnn_takeaway(two) is None  # 2 seeds: no interval, no takeaway


def _tradeoff_rows(seeds) -> list:
    rows = []
    for seed in seeds:
        rows += rows_for("cnn", "none", seed, {-2.0: 0.5, 0.0: 0.9, 2.0: 0.5})
        rows += rows_for("cnn", "shift", seed, {-2.0: 0.8, 0.0: 0.9, 2.0: 0.8})
        rows += rows_for("cnn-gap", "none", seed, {-2.0: 0.55, 0.0: 0.9, 2.0: 0.55})
        rows += rows_for("cnn-aa", "none", seed, {-2.0: 0.6, 0.0: 0.9, 2.0: 0.6})
    return rows


def test_architecture_or_augmentation_weighs_each_variant_against_the_augmented_cnn():
    from bench.analysis import architecture as weigh
    from bench.render.frontpage import render_front_page

    view = RunView.of(run_data(_tradeoff_rows((0, 1, 2))))
    (found,) = weigh.tradeoffs(answers.kind_results([view]))
    assert found.base == "cnn" and list(found.variants) == ["cnn-gap", "cnn-aa"]
    assert round(found.augmented.value, 3) == 0.3
    assert round(found.head_to_head["cnn-aa"].value, 3) == 0.2
    text = weigh.sentence([found])
    assert ("shift augmentation adds +30.0 pp to the CNN, while the CNN-GAP without "
            "augmentation adds +5.0 pp (buys more: augmentation (p = ") in text
    assert ("the CNN-AA without augmentation adds +10.0 pp (buys more: augmentation (p = "
            in text)
    headers, rows = weigh.table([found])
    assert len(rows) == 2 and rows[1][-1].startswith("augmentation (p = ")
    assert len(headers) == len(rows[0])
    takeaway = weigh.takeaway(answers.kind_results([view]))
    assert takeaway.text.startswith("**On MNIST (quick), of the architecture changes, CNN-AA "
                                    "helps most**: under shifts at ±2 px")
    assert "adds +10.0 pp (95% CI" in takeaway.text
    assert "less than shift augmentation's +30.0 pp" in takeaway.text
    assert "the largest of 2 variant gains with an interval above 0" in takeaway.text
    from bench.analysis import verdicts

    page, family = verdicts.corrected(lambda: render_front_page([view], forward_pass=False,
                                                                overview=None))
    assert "## Architecture or augmentation: which buys a CNN more?" in page
    assert "buys more: augmentation (Holm, adjusted p = " in page
    # the page prints the two head-to-head verdicts (twice each): a family of two
    assert family.size == 2 and "Verdicts: 2 on this page, corrected" in page


def test_architecture_or_augmentation_needs_three_seeds_for_a_verdict_and_a_variant():
    from bench.analysis import architecture as weigh

    (found,) = weigh.tradeoffs(answers.kind_results([RunView.of(run_data(
        _tradeoff_rows((0, 1))))]))
    assert "(buys more: too few seeds to judge (2))" in weigh.sentence([found])
    no_variants = [r for r in _tradeoff_rows((0, 1, 2)) if r.family == "cnn"]
    assert weigh.tradeoffs(answers.kind_results([RunView.of(run_data(no_variants))])) == []


def test_overview_draws_three_lines_a_panel_and_chance(tmp_path):
    from bench.render import layout, overview

    view = RunView.of(run_data(_tradeoff_rows((0, 1, 2))))
    figure = overview.overview_figure([view])
    (ax,) = figure.axes
    # the CNN, the CNN with shift augmentation (no MLP in this run), and the chance line
    assert len(ax.lines) == 3 and ax.lines[-1].get_ydata()[0] == pytest.approx(10.0)
    assert layout.problems(figure) == []
    png = overview.overview([view], tmp_path / "overview.png")
    assert png.stat().st_size > 1000
