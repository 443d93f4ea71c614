"""``bench export`` / ``bench.load_run``: tidy column names, units, rounding and seeds, and the
refusal to write inside a run folder or the published results (issue 31: an export once
overwrote a model's stored rows). Hand-made rows, no Keras."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from rowbuilder import rows_for

import bench
from bench.checkout import RESULTS, published
from bench.cli import main
from bench.config import ChoiceError
from bench.evaluate.export import COLUMNS, check_target, export
from bench.results.schema import row_record


def write_run(folder, rows, models):
    (folder / "rows").mkdir(parents=True)
    for key in {r.model_key for r in rows}:
        (folder / "rows" / f"{key}.jsonl").write_text(
            "".join(json.dumps(row_record(r)) + "\n" for r in rows if r.model_key == key))
    (folder / "models.jsonl").write_text("".join(json.dumps(m) + "\n" for m in models))


@pytest.fixture
def run(tmp_path):
    """A bench model (trained with seed 3) over shift_x and an evaluated file (bootstrap
    seed 7) over scale, with accuracies of 200 images (steps of 0.005) and float noise in a
    magnitude."""
    bench_rows = rows_for("cnn", "none", 3, {0.0: 0.9, 2.0: 0.7, -2.0: 0.6})
    user_rows = rows_for("user", "unknown", 7, {1.0: 0.95, 1.2000000000000002: 0.805},
                         transform="scale", model_key="mine")
    write_run(tmp_path / "run", bench_rows + user_rows, [
        {"key": "cnn-none-3", "family": "cnn", "augmentation": "none", "seed": 3},
        {"key": "mine", "family": "user", "augmentation": "unknown", "seed": 7,
         "source": "mine.keras", "sha256": "ab" * 32}])
    return tmp_path / "run"


def test_columns_clash_with_no_dataframe_attribute_and_carry_units_and_seeds(run):
    table = bench.load_run(run)
    assert list(table.columns) == COLUMNS
    assert [c for c in COLUMNS if hasattr(pd.DataFrame, c)] == []
    assert table.magnitude_unit.tolist() == ["px"] * 3 + ["x"] * 2  # attribute access works
    assert table.accuracy_share.between(0, 1).all()
    bench_model, user_model = table[table.family == "cnn"], table[table.family == "user"]
    assert set(bench_model.training_seed) == {3} and set(bench_model.bootstrap_seed) == {3}
    assert user_model.training_seed.isna().all() and set(user_model.bootstrap_seed) == {7}
    assert user_model.magnitude.tolist() == [1.0, 1.2]  # 1.2000000000000002 rounded
    assert user_model.delta_share.tolist() == [0.0, -0.145]
    assert set(user_model.model) == {f"mine.keras ({'ab' * 6})"}


def test_exported_csv_has_no_float_noise_and_an_empty_unknown_training_seed(run, tmp_path):
    target = export(run, "csv", tmp_path / "out" / "table.csv")
    text = target.read_text()
    assert "1.2000000000000002" not in text and "0.14500000000000002" not in text
    read = pd.read_csv(target)
    assert list(read.columns) == COLUMNS
    assert read[read.family == "user"].training_seed.isna().all()


@pytest.mark.parametrize("inside", ["rows/mine.jsonl", "rows/new.csv", "models.jsonl",
                                    "export.csv", "retired/x.csv"])
def test_export_refuses_a_target_inside_a_run_folder_and_leaves_it_unchanged(run, inside,
                                                                           capsys):
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    assert main(["export", str(run), "--to", str(run / inside)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"inside the run folder {run}" in err[0]
    assert {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before


def test_export_refuses_a_folder_and_the_published_results(run, tmp_path, capsys):
    assert main(["export", str(run), "--to", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    results = published(RESULTS)
    if results is None:
        pytest.skip("bench is installed without a checkout: no published results")
    with pytest.raises(ChoiceError, match="inside the published results"):
        check_target(results / "mnist" / "new-task-folder" / "export.csv")


def test_run_json_alone_marks_a_run_folder(tmp_path):
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "run.json").write_text("{}")
    with pytest.raises(ChoiceError, match="inside the run folder"):
        check_target(tmp_path / "half" / "deeper" / "export.csv")
    check_target(tmp_path / "beside.csv")  # beside it: allowed
