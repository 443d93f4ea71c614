"""The result store: append, crash-cut last lines, locking."""

import json

import pytest

from bench.results.loading import ROWS, load_rows, read_jsonl
from bench.results.schema import Row
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


def test_a_line_cut_short_by_a_crash_is_dropped_and_appending_resumes(tmp_path):
    folder = tmp_path / "run"
    with ResultStore(folder) as store:
        store.append_rows([make_row(1.0)])
    with open(folder / ROWS / "k1.jsonl", "a") as handle:
        handle.write('{"task": "mni')  # the process died mid-write
    assert len(read_jsonl(folder / ROWS / "k1.jsonl")) == 1
    with ResultStore(folder) as store:
        store.append_rows([make_row(2.0)])
    assert [r.magnitude for r in load_rows(folder)] == [1.0, 2.0]


def test_a_broken_line_in_the_middle_is_an_error_naming_file_and_line(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps({"a": 1}) + "\n{broken\n" + json.dumps({"a": 2}) + "\n")
    with pytest.raises(ValueError, match=r"rows.jsonl: line 2"):
        read_jsonl(path)


def test_a_second_run_on_the_same_folder_is_refused(tmp_path):
    with ResultStore(tmp_path / "run"):
        with pytest.raises(StoreBusy, match="in use"):
            with ResultStore(tmp_path / "run"):
                pass
