"""End to end on tiny synthetic data: train, cache, sweep, store, resume, report."""

import dataclasses
import re
import shutil

import numpy as np
import pytest
from conftest import bars_dataset

from bench.render import report
from bench.results.loading import RunData, load_records, load_rows
from bench.run import runner, sweep
from bench.run.train import ModelSpec, fit

pytestmark = pytest.mark.slow


@pytest.fixture
def bars():
    return bars_dataset()


@pytest.fixture
def prepared(bars, tiny_profile):
    return runner.PreparedData.from_dataset(bars, tiny_profile)


def test_second_fit_comes_from_the_cache_with_identical_weights(tiny_profile, isolated_cache):
    data = bars_dataset()
    spec = ModelSpec(tiny_profile.families[1], tiny_profile.augmentations[0], seed=3)
    model, record, cached = fit(spec, data.train, 2, tiny_profile, isolated_cache, verbose=0)
    again, record2, cached2 = fit(spec, data.train, 2, tiny_profile, isolated_cache, verbose=0)
    assert (cached, cached2) == (False, True) and record == record2
    assert record.params == model.count_params() and record.train_seconds > 0
    assert len(record.history["loss"]) == tiny_profile.train.epochs
    for a, b in zip(model.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_run_stores_every_cell_and_writes_a_complete_report(tiny_profile, bars, prepared,
                                                            tmp_path):
    folder = runner.run_task(tiny_profile, tmp_path / "results", verbose=0, prepared=prepared)
    rows = load_rows(folder)
    n_models = len(tiny_profile.families) * len(tiny_profile.seeds)
    assert len(rows) == n_models * len(sweep.cells(tiny_profile.grid))
    assert {r.n for r in rows} == {len(bars.test.y)}
    for row in rows:
        if row.magnitude == 0.0:
            assert row.accuracy == row.clean_accuracy and row.delta_pp == 0.0
            assert row.consistency == 1.0
        assert row.ci_low <= row.accuracy <= row.ci_high
    models = load_records(folder, "models.jsonl")
    assert len(models) == n_models and all(m["params"] > 0 for m in models)
    probes = load_records(folder, "probes.jsonl")
    assert {p["shift_px"] for p in probes if p["probe"] == "mean_one_shift_x"} == {-1.0, 0.0, 1.0}

    path = report.write_report(folder, tmp_path / "reports")
    text = path.read_text()
    for heading in ("## Findings", "## Clean accuracy", "## Horizontal shift", "## Rotation",
                    "## Robustness summary", '## The mean "1"', "## Setup and provenance"):
        assert heading in text
    assert "synthetic bars" in text and "n = 40 test images" in text
    for png in (tmp_path / "reports" / "figures").glob("*.png"):
        assert png.stat().st_size > 1000
    assert f"figures/mnist-{folder.name}-shift_x.png" in text


def test_an_interrupted_run_resumes_without_recomputing(tiny_profile, prepared, tmp_path,
                                                        monkeypatch):
    real = sweep.evaluate_cell
    calls = []

    def dies_after_three(*args, **kwargs):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(args[4:6])
        return real(*args, **kwargs)

    monkeypatch.setattr(sweep, "evaluate_cell", dies_after_three)
    with pytest.raises(KeyboardInterrupt):
        runner.run_task(tiny_profile, tmp_path / "results", verbose=0, prepared=prepared)
    folder = runner.run_folder(tiny_profile, tmp_path / "results")
    assert len(load_rows(folder)) == 3

    monkeypatch.setattr(sweep, "evaluate_cell", real)
    runner.run_task(tiny_profile, tmp_path / "results", verbose=0, prepared=prepared)
    rows = load_rows(folder)
    cells = [(r.model_key, r.transform, r.magnitude) for r in rows]
    n_models = len(tiny_profile.families) * len(tiny_profile.seeds)
    assert len(cells) == len(set(cells)) == n_models * len(sweep.cells(tiny_profile.grid))


def test_a_model_retrained_after_its_cache_was_lost_never_shares_a_rows_file(
        tiny_profile, prepared, tmp_path, isolated_cache, monkeypatch):
    """Rows of the lost training go to retired/; the key's rows file holds one training."""
    profile = dataclasses.replace(tiny_profile, families=("mlp",))
    real = sweep.evaluate_cell
    calls = []

    def dies_after_two(*args, **kwargs):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(sweep, "evaluate_cell", dies_after_two)
    with pytest.raises(KeyboardInterrupt):
        runner.run_task(profile, tmp_path / "results", verbose=0, prepared=prepared,
                        model_cache=isolated_cache / "models")
    monkeypatch.setattr(sweep, "evaluate_cell", real)
    folder = runner.run_folder(profile, tmp_path / "results")
    first = load_records(folder, "models.jsonl")
    shutil.rmtree(isolated_cache / "models")  # the model cache is lost: the model is retrained
    runner.run_task(profile, tmp_path / "results", verbose=0, prepared=prepared,
                    model_cache=isolated_cache / "models")
    models = load_records(folder, "models.jsonl")
    assert len(first) == 1 and len(models) == 2 and models[0]["key"] == models[1]["key"]
    rows = load_rows(folder)
    assert len(rows) == len(sweep.cells(profile.grid))  # all from the second training
    retired = [p for p in (folder / "retired").glob("*.jsonl") if "probes" not in p.name]
    assert len(retired) == 1 and len(retired[0].read_text().splitlines()) == 2


def test_runs_on_other_data_into_one_folder_report_the_data_their_models_used(
        tiny_profile, tmp_path):
    """Run on data A, then B, then A again: the report names A and shows A's model only."""
    profile = dataclasses.replace(tiny_profile, families=("mlp",))
    data = {}
    for name, seed in (("A", 0), ("B", 1)):
        bars = bars_dataset(seed=seed)
        bars = dataclasses.replace(bars, provenance=dataclasses.replace(
            bars.provenance, source=f"bars {name}"))
        data[name] = runner.PreparedData.from_dataset(bars, profile)
    for name in ("A", "B", "A"):
        runner.run_task(profile, tmp_path / "results", verbose=0, prepared=data[name])
    run = RunData.load(runner.run_folder(profile, tmp_path / "results"))
    assert run.dataset["source"] == "bars A"
    assert [m["data_checksum"] for m in run.models] == [run.dataset["train_checksum"]]
    assert {r.model_key for r in run.rows} == {run.models[0]["key"]}
    assert [m["data_checksum"] for m in run.other_data_models] \
        != [run.dataset["train_checksum"]]
    assert len(run.other_data_models) == 1


def test_one_overall_bar_counts_models_and_estimates_the_time_left(tiny_profile, prepared,
                                                                   tmp_path, capsys):
    n = len(tiny_profile.families) * len(tiny_profile.augmentations) * len(tiny_profile.seeds)
    runner.run_task(tiny_profile, tmp_path / "results", verbose=2, prepared=prepared)
    out, err = capsys.readouterr()
    assert f"mnist models:   0%|          | 0/{n} [" in err
    # after the first model: elapsed < estimated time left, from the models done so far
    assert re.search(rf"mnist models: +\d+%\|[^|]*\| 1/{n} \[\d\d:\d\d<\d\d:\d\d", err)
    assert f"mnist models: 100%|██████████| {n}/{n} [" in err
    assert "sweep " in err  # the per-model bars beneath it
    epochs = tiny_profile.train.epochs
    assert re.search(rf"train [^:]+: 100%\|[^|]*\| {epochs}/{epochs} .*loss=", err)
    assert "Epoch 1/" not in out + err  # no Keras epoch line breaks into the bars
    runner.run_task(tiny_profile, tmp_path / "results", verbose=2, prepared=prepared)
    err = capsys.readouterr().err
    assert f"{n}/{n} [" in err and f"0/{n} [" not in err  # stored models count as done
