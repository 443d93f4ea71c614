"""The result store: append, crash-cut last lines, locking."""

import dataclasses
import json

import pytest

from bench.results.loading import (
    DATASET,
    MODELS,
    PROBE_FILES,
    PROBES,
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


@dataclasses.dataclass
class FakeRecord:
    """The fields of a TrainRecord the store looks at."""

    key: str = "k1"
    family: str = "cnn"
    augmentation: str = "none"
    seed: int = 0
    train_seconds: float = 1.5
    history: dict = dataclasses.field(default_factory=lambda: {"loss": [0.5]})


def stored_run(folder, record=None):
    """A run folder holding model k1 (record), two of its cells and a probe record."""
    with ResultStore(folder) as store:
        store.record_model(record or FakeRecord(), {}, trained_now=True)
        store.append_rows([make_row(1.0)])
        store.append_rows([make_row(2.0)])
        store.append_probes([{"probe": "p", "model_key": "k1", "value": 1}])
        store.append_probes([{"probe": "p", "model_key": "k2", "value": 2}])


def test_the_same_training_again_keeps_its_rows(tmp_path):
    stored_run(tmp_path / "run")
    with ResultStore(tmp_path / "run") as store:
        store.record_model(FakeRecord(), {}, trained_now=False)  # loaded from the model cache
        assert store.done_cells("k1", 1) == {("shift_x", 1.0), ("shift_x", 2.0)}
    assert len(load_records(tmp_path / "run", MODELS)) == 1
    assert not (tmp_path / "run" / "retired").exists()


@pytest.mark.parametrize(
    "trained_now, record",
    [(True, FakeRecord(train_seconds=1.7, history={"loss": [0.4]})),  # the cache was lost
     (False, FakeRecord(train_seconds=1.7, history={"loss": [0.4]}))],  # retrained elsewhere
)
def test_rows_of_an_earlier_training_of_the_key_are_set_aside(tmp_path, caplog, trained_now,
                                                              record):
    folder = tmp_path / "run"
    stored_run(folder)
    rows_before = (folder / ROWS / "k1.jsonl").read_bytes()
    with ResultStore(folder) as store:
        store.record_model(record, {}, trained_now=trained_now)
        assert store.done_cells("k1", 1) == set()  # every cell is computed again
        assert store.probes_of("k1", "p") == [] and len(store.probes_of("k2", "p")) == 1
        store.append_rows([make_row(1.0)])
    retired = sorted((folder / "retired").iterdir())
    assert len(retired) == 2 and retired[0].name.startswith("k1-")
    assert retired[0].name == retired[1].name.replace(".jsonl", "-probes.jsonl")
    assert retired[1].read_bytes() == rows_before  # nothing is lost
    assert [json.loads(line)["model_key"] for line in retired[0].read_text().splitlines()] \
        == ["k1"]
    assert [r.magnitude for r in load_rows(folder)] == [1.0]  # one training per key
    assert [m["train_seconds"] for m in load_records(folder, MODELS)] == [1.5, 1.7]
    assert [p["model_key"] for p in load_records(folder, PROBES)] == ["k2"]
    said = "was trained again" if trained_now else "was loaded from the model cache as another"
    assert f"model k1 {said}" in caplog.text and "retired" in caplog.text
    assert ("trained again" in caplog.text) == trained_now  # says what happened


def test_a_second_retirement_in_the_same_second_gets_its_own_name(tmp_path):
    folder = tmp_path / "run"
    stored_run(folder)
    for seconds in (1.7, 1.9):
        with ResultStore(folder) as store:
            store.record_model(FakeRecord(train_seconds=seconds), {}, trained_now=True)
            store.append_rows([make_row(1.0)])
    names = sorted(p.name for p in (folder / "retired").glob("*.jsonl")
                   if not p.name.endswith("-probes.jsonl"))
    assert len(names) == 2 and names[0] != names[1]


def test_probe_records_are_stored_one_file_per_model(tmp_path):
    folder = tmp_path / "run"
    stored_run(folder)
    assert sorted(p.name for p in (folder / PROBE_FILES).iterdir()) == ["k1.jsonl", "k2.jsonl"]
    assert not (folder / PROBES).exists()
    assert [json.loads(line)["value"] for line in
            (folder / PROBE_FILES / "k2.jsonl").read_text().splitlines()] == [2]
    assert [(p["model_key"], p["value"]) for p in load_records(folder, PROBES)] == [
        ("k1", 1), ("k2", 2)]


def test_an_older_run_with_one_probes_file_is_read_and_retires_a_model_s_lines(tmp_path):
    folder = tmp_path / "run"
    with ResultStore(folder) as store:
        store.record_model(FakeRecord(), {}, trained_now=True)
        store.append_rows([make_row(1.0)])
    older = [{"probe": "p", "model_key": key, "value": value, "schema_version": 2}
             for key, value in (("k1", 1), ("k2", 2), ("k1", 3))]
    (folder / PROBES).write_text("".join(json.dumps(p) + "\n" for p in older) + "{cut")
    with ResultStore(folder) as store:
        assert [p["value"] for p in store.probes_of("k1", "p")] == [1, 3]
        store.append_probes([{"probe": "q", "model_key": "k1", "value": 4}])
        store.record_model(FakeRecord(train_seconds=1.7), {}, trained_now=True)  # retrained
        assert store.probes_of("k1", "p") == [] and store.probes_of("k1", "q") == []
    retired, = (folder / "retired").glob("*-probes.jsonl")
    assert [json.loads(line)["value"] for line in retired.read_text().splitlines()] == [1, 3, 4]
    # the other model's line and the damaged one stay; k1's own file is gone
    assert (folder / PROBES).read_text().splitlines()[1:] == ["{cut"]
    assert [p["value"] for p in load_records(folder, PROBES)] == [2]
    assert not (folder / PROBE_FILES / "k1.jsonl").exists()


def test_rows_without_a_model_record_are_kept_when_the_model_comes_from_the_cache(tmp_path):
    folder = tmp_path / "run"
    stored_run(folder)
    (folder / MODELS).write_text('{"key": "k1", "fam\n')  # the record line was damaged
    with ResultStore(folder) as store:
        store.record_model(FakeRecord(), {}, trained_now=False)
        assert store.done_cells("k1", 1) == {("shift_x", 1.0), ("shift_x", 2.0)}


def test_both_stores_satisfy_the_store_protocol(tmp_path):
    import inspect

    from bench.results.memory import MemoryStore
    from bench.results.protocol import Store

    methods = [name for name, member in vars(Store).items() if callable(member)
               and (not name.startswith("_") or name in ("__enter__", "__exit__"))]
    assert {"append_rows", "record_model", "write_run_info", "__enter__"} <= set(methods)
    for store in (ResultStore(tmp_path / "run"), MemoryStore()):
        assert isinstance(store, Store)
        for name in methods:
            wanted = inspect.signature(getattr(Store, name)).parameters
            got = inspect.signature(getattr(type(store), name)).parameters
            assert list(got) == list(wanted), (type(store).__name__, name)
