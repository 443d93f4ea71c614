"""The result store: append, crash-cut last lines, locking."""

import json

import pytest

from bench.results.loading import (
    DATASET,
    MODELS,
    ROWS,
    load_dataset_info,
    load_records,
    load_rows,
    read_jsonl,
)
from bench.results.schema import Row, SchemaError, row_record
from bench.results.store import ResultStore, StoreBusy


def make_row(magnitude: float, model_key: str = "k1") -> Row:
    return Row(task="mnist", data="mnist-5k", profile="smoke", family="cnn",
               augmentation="none", seed=0, model_key=model_key, transform="shift_x",
               magnitude=magnitude, group="all", n=4, accuracy=0.5, clean_accuracy=0.75,
               delta_pp=-25.0, consistency=0.5, mean_abs_change=0.1, ci_low=0.0, ci_high=1.0)


def test_rows_round_trip_and_done_cells(tmp_path):
    with ResultStore(tmp_path / "run") as store:
        store.append_rows([make_row(-1.0), make_row(1.0)])
        store.append_rows([make_row(2.0, model_key="k2")])
        assert store.done_cells("k1", n_groups=1) == {("shift_x", -1.0), ("shift_x", 1.0)}
        assert store.done_cells("k1", n_groups=2) == set()  # a group row is missing
    assert load_rows(tmp_path / "run") == [make_row(-1.0), make_row(1.0), make_row(2.0, "k2")]
    assert sorted(p.name for p in (tmp_path / "run" / ROWS).iterdir()) == ["k1.jsonl", "k2.jsonl"]


def test_a_line_cut_short_by_a_crash_is_kept_and_appending_starts_on_a_new_line(tmp_path,
                                                                               caplog):
    folder = tmp_path / "run"
    with ResultStore(folder) as store:
        store.append_rows([make_row(1.0)])
    path = folder / ROWS / "k1.jsonl"
    with open(path, "a") as handle:
        handle.write('{"task": "mni')  # the process died mid-write
    assert len(read_jsonl(path)) == 1
    with ResultStore(folder) as store:
        store.append_rows([make_row(2.0)])
    assert [r.magnitude for r in load_rows(folder)] == [1.0, 2.0]
    assert path.read_text().splitlines()[1] == '{"task": "mni'  # nothing is thrown away
    assert f"{path}: line 2 is not valid JSON" in caplog.text


def test_a_broken_last_line_with_a_newline_does_not_lock_the_store(tmp_path, caplog):
    """Cut the last line mid-JSON and add a newline: the next runs append after it, and
    every later read skips it with a warning (it used to be an error from then on)."""
    folder = tmp_path / "run"
    with ResultStore(folder) as store:
        store.append_rows([make_row(1.0), make_row(2.0)])
    path = folder / ROWS / "k1.jsonl"
    first, second = path.read_text().splitlines()
    path.write_text(first + "\n" + second[:40] + "\n")
    with ResultStore(folder) as store:
        assert store.done_cells("k1", n_groups=1) == {("shift_x", 1.0)}  # 2.0 is computed again
        store.append_rows([make_row(2.0)])
        store.append_rows([make_row(3.0)])
    with ResultStore(folder) as store:
        assert store.done_cells("k1", 1) == {("shift_x", m) for m in (1.0, 2.0, 3.0)}
    assert [r.magnitude for r in load_rows(folder)] == [1.0, 2.0, 3.0]
    assert f"{path}: line 2 is not valid JSON" in caplog.text


@pytest.mark.parametrize("damage", ["[1, 2]", "42", '{"task": "mnist"}', "\x00\xff{"])
def test_a_damaged_line_in_the_middle_is_skipped_naming_file_and_line(tmp_path, caplog, damage):
    folder = tmp_path / "run"
    (folder / ROWS).mkdir(parents=True)
    path = folder / ROWS / "k1.jsonl"
    good = [json.dumps(row_record(make_row(m))) for m in (1.0, 2.0)]
    path.write_bytes("\n".join([good[0], damage, good[1]]).encode("latin-1") + b"\n")
    assert [r.magnitude for r in load_rows(folder)] == [1.0, 2.0]
    assert f"{path}" in caplog.text and "line 2" in caplog.text


def test_a_damaged_model_record_is_skipped(tmp_path, caplog):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / MODELS).write_text('{"key": "k1", "fam\n{"family": "cnn"}\n'
                                 '{"key": "k2", "family": "cnn", "augmentation": "none", '
                                 '"seed": 0}\n')
    assert [m["key"] for m in load_records(folder, MODELS)] == ["k2"]
    assert "models.jsonl: line 1 is not valid JSON" in caplog.text
    assert "models.jsonl: line 2 lacks ['key', 'augmentation', 'seed']" in caplog.text


@pytest.mark.parametrize("text", ['{"name": "mni', "[]"])
def test_a_damaged_dataset_json_is_an_error_saying_what_to_run(tmp_path, text):
    (tmp_path / DATASET).write_text(text)
    with pytest.raises(SchemaError, match=r"dataset.json: .*run the same `bench run` again"):
        load_dataset_info(tmp_path)


def test_a_second_run_on_the_same_folder_is_refused(tmp_path):
    with ResultStore(tmp_path / "run"):
        with pytest.raises(StoreBusy, match="in use"):
            with ResultStore(tmp_path / "run"):
                pass
