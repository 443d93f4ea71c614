"""The worst-case and invariance probes end to end (run, store, resume, report) and their
report sections rendered from hand-made records."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import bars_dataset
from rowbuilder import rows_for, run_data

from bench.analysis import answers, invariance
from bench.analysis.runs import RunView
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
    lines = table.splitlines()
    assert "grid worst (5x5x31)" in lines[0] and "worst of 10 random" in lines[0]
    cnn, aa = lines[2], lines[3]  # catalog order: CNN before CNN-AA
    assert "| CNN " in cnn and "72.0 ± 2.8" in cnn and "32 ± 3" in cnn and "| 2 " in cnn
    assert "| CNN-AA " in aa and "80.0" in aa and "±" not in aa.split("|")[8]


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
    spatial = {(p["probe"], p["augmentation"]) for p in stored if p["probe"] != "mean_one_shift_x"}
    assert spatial == {("worst_case", "shift"), ("invariance", "shift")}
    assert {p["augmentation"] for p in stored if p["probe"] == "mean_one_shift_x"} == {"none",
                                                                                      "shift"}


def test_front_page_family_sentence_names_each_family_with_results():
    rows = []
    for seed in (0, 1, 2):
        rows += rows_for("cnn", "none", seed, {-2.0: 0.5, 0.0: 0.9, 2.0: 0.5})
        rows += rows_for("cnn-gap", "none", seed, {-2.0: 0.7, 0.0: 0.9, 2.0: 0.7})
        rows += rows_for("mlp", "none", seed, {-2.0: 0.3, 0.0: 0.9, 2.0: 0.3})
    results = answers.kind_results([RunView.of(run_data(rows))])
    text = answers.family_sentence("shift", results)
    assert text.startswith("Under shifts without augmentation, the CNN and the CNN-GAP and "
                           "the MLP keep")
    # (50 - 10) / 80 = 50%, (70 - 10) / 80 = 75%, (30 - 10) / 80 = 25% above chance kept
    assert "CNN: 50% and 25% on MNIST" in text and "CNN-GAP: 75% and 25% on MNIST" in text
    assert "CNN-AA" not in text


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
    assert ("shift augmentation adds +30.0 pp to the CNN, CNN-GAP +5.0 pp, CNN-AA +10.0 pp "
            "(which buys more against CNN-GAP: augmentation, against CNN-AA: augmentation)"
            in text)
    rows = weigh.table([found])
    assert len(rows) == 2 + 2 and rows[3].endswith("| augmentation |")
    page = render_front_page([view], forward_pass=False, overview=None)
    assert "## Architecture or augmentation?" in page and text in page


def test_architecture_or_augmentation_needs_three_seeds_for_a_verdict_and_a_variant():
    from bench.analysis import architecture as weigh

    (found,) = weigh.tradeoffs(answers.kind_results([RunView.of(run_data(
        _tradeoff_rows((0, 1))))]))
    assert "against CNN-AA: too few seeds to judge (2)" in weigh.sentence([found])
    no_variants = [r for r in _tradeoff_rows((0, 1, 2)) if r.family == "cnn"]
    assert weigh.tradeoffs(answers.kind_results([RunView.of(run_data(no_variants))])) == []


def test_overview_tells_every_family_apart(tmp_path):
    from bench.catalog import FAMILIES
    from bench.render import plots

    assert len({family.hatch for family in FAMILIES}) == len(FAMILIES)  # bars: hatch per family
    view = RunView.of(run_data(_tradeoff_rows((0, 1, 2))))
    png = plots.overview(answers.kind_results([view]), tmp_path / "overview.png")
    assert png.stat().st_size > 1000
