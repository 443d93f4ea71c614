"""Damaged stored records: one validation (``bench.results.loading``, through
``schema.check_fields``) shared by every reader. A complete record holding a value of the
wrong kind (a non-number or NaN accuracy or magnitude, broken base64, a non-number training
time, dataset.json fields of the wrong type) is one line naming file, line and field, exit 2,
no traceback and nothing written, for ``bench report``, ``compare``, ``check``, ``export``
and a run resuming into the folder."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from rowbuilder import rows_for

from bench.cli import main
from bench.results.loading import RunData, load_records, load_rows
from bench.results.schema import SCHEMA_VERSION, SchemaError, row_record

KEY = "k1"


def store_model(folder: Path) -> Path:
    """A run folder of task mnist holding one model's record, two cells, a probe, run.json
    and a matching dataset.json."""
    (folder / "rows").mkdir(parents=True)
    (folder / "probes").mkdir()
    rows = rows_for("cnn", "none", 0, {0.0: 0.9, 1.0: 0.5}, model_key=KEY, profile="smoke")
    (folder / "rows" / f"{KEY}.jsonl").write_text(
        "".join(json.dumps(row_record(r)) + "\n" for r in rows))
    record = {"key": KEY, "task": "mnist", "family": "cnn", "augmentation": "none", "seed": 0,
              "data_checksum": "aaaa", "augmentation_ranges": "none", "params": 10,
              "train_seconds": 1.0, "learning_rate": 0.001, "epochs": 1, "batch_size": 8,
              "n_train": 4, "history": {"loss": [0.5]}, "schema_version": SCHEMA_VERSION}
    (folder / "models.jsonl").write_text(json.dumps(record) + "\n")
    probe = {"probe": "mean_one_shift_x", "model_key": KEY, "family": "cnn",
             "augmentation": "none", "seed": 0, "shift_px": 0.0, "probability": 0.9,
             "n_images": 20, "schema_version": SCHEMA_VERSION}
    (folder / "probes" / f"{KEY}.jsonl").write_text(json.dumps(probe) + "\n")
    (folder / "dataset.json").write_text(json.dumps({
        "name": "mnist", "source": "earlier.npz", "checksum": "full", "classes": ["0", "1"],
        "image_shape": [28, 28, 1], "n_train_used": 4, "n_test_used": 200, "subset": "all",
        "counts": {}, "notes": [], "environment": {}, "train_checksum": "aaaa",
        "schema_version": SCHEMA_VERSION}))
    (folder / "run.json").write_text(json.dumps({"task": "mnist", "run_name": "smoke",
                                                 "profile": "smoke",
                                                 "schema_version": SCHEMA_VERSION}))
    return folder


def edit_jsonl(path: Path, line: int, change: Callable[[dict], None]) -> None:
    lines = path.read_text().splitlines()
    record = json.loads(lines[line - 1])
    change(record)
    lines[line - 1] = json.dumps(record)  # NaN and Infinity as Python's json writes them
    path.write_text("\n".join(lines) + "\n")


def edit_json(path: Path, change: Callable[[dict], None]) -> None:
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record))


def setter(field: str, value: object) -> Callable[[dict], None]:
    return lambda record: record.__setitem__(field, value)


ROWS, MODELS, PROBES = f"rows/{KEY}.jsonl", "models.jsonl", f"probes/{KEY}.jsonl"
#: id -> (file, line (None: a JSON file), field, value).
DAMAGE = {
    "accuracy a string": (ROWS, 2, "accuracy", "high"),
    "accuracy NaN": (ROWS, 2, "accuracy", float("nan")),
    "accuracy above 1": (ROWS, 1, "accuracy", 1.5),
    "accuracy true": (ROWS, 1, "accuracy", True),
    "magnitude NaN": (ROWS, 2, "magnitude", float("nan")),
    "magnitude a string": (ROWS, 2, "magnitude", "1"),
    "broken base64": (ROWS, 2, "correct_bits", "@@not base64@@"),
    "bits shorter than n": (ROWS, 2, "correct_bits", "AAAA"),
    "n negative": (ROWS, 1, "n", -5),
    "train time a string": (MODELS, 1, "train_seconds", "slow"),
    "seed a list": (MODELS, 1, "seed", [0]),
    "history a number": (MODELS, 1, "history", 5),
    "probe probability a string": (PROBES, 1, "probability", "x"),
    "dataset classes a string": ("dataset.json", None, "classes", "0,1"),
    "dataset image count negative": ("dataset.json", None, "n_test_used", -1),
}


def damage(folder: Path, case: str) -> tuple[Path, str]:
    """Damage ``folder`` as ``case`` says; (the damaged file, text the error must hold)."""
    name, line, field, value = DAMAGE[case]
    path = folder / name
    if line is None:
        edit_json(path, setter(field, value))
        return path, f"{path}: {field} is"
    edit_jsonl(path, line, setter(field, value))
    return path, f"{path}: line {line}: {field}" if field != "correct_bits" or case == \
        "broken base64" else f"{path}: line {line}: correct_bits"


def snapshot(root: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def one_error(capsys, *says: str) -> None:
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "Traceback" not in captured.err and lines[0].startswith("bench: error:")
    for text in says:
        assert text in lines[0], (text, lines[0])


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """(results folder holding mnist/smoke, a second run folder of the same run)."""
    results = tmp_path / "results"
    store_model(results / "mnist" / "smoke")
    return results, store_model(tmp_path / "runs" / "mnist" / "smoke")


COMMANDS = {
    "report": lambda r, other, t: ["report", "--results", str(r), "--out", str(t / "out")],
    "compare": lambda r, other, t: ["compare", str(other), str(r / "mnist" / "smoke")],
    "check": lambda r, other, t: ["check", str(other), "--against", str(r / "mnist" / "smoke")],
    "export": lambda r, other, t: ["export", str(r / "mnist" / "smoke"), "--to",
                                   str(t / "out.csv")],
}


#: (case, command): export reads only rows and models.jsonl.
PAIRS = [(case, command) for case in DAMAGE for command in COMMANDS
         if command != "export" or DAMAGE[case][0] in (ROWS, MODELS)]


@pytest.mark.parametrize(("case", "command"), PAIRS)
def test_damaged_record_is_one_line_exit_2(case, command, folders, tmp_path, capsys):
    results, other = folders
    path, says = damage(results / "mnist" / "smoke", case)
    before = snapshot(tmp_path)
    assert main(COMMANDS[command](results, other, tmp_path)) == 2
    one_error(capsys, says)
    assert snapshot(tmp_path) == before


def test_undamaged_folders_read(folders) -> None:
    results, other = folders
    data = RunData.load(results / "mnist" / "smoke")
    assert len(data.rows) == 2 and len(data.models) == 1 and len(data.probes) == 1


def test_a_line_cut_short_is_still_skipped_with_a_warning(folders, caplog) -> None:
    results, _ = folders
    path = results / "mnist" / "smoke" / ROWS
    first, second = path.read_text().splitlines()
    path.write_text(f"{first}\n{second[:40]}\n")
    assert [row.magnitude for row in load_rows(path.parent.parent)] == [0.0]
    assert f"{path}: line 2 is not valid JSON" in caplog.text


def test_readers_share_the_validation(folders) -> None:
    results, _ = folders
    folder = results / "mnist" / "smoke"
    edit_jsonl(folder / MODELS, 1, setter("train_seconds", float("inf")))
    with pytest.raises(SchemaError, match="line 1: train_seconds is inf"):
        load_records(folder, "models.jsonl")


@pytest.mark.slow
def test_a_run_into_a_folder_with_a_nan_magnitude_stops_with_one_line(tmp_path, capsys):
    from tiny_run import rows_of, run, run_folder, tiny_npz

    source = tiny_npz(tmp_path / "mnist.npz")
    assert run(source, tmp_path / "out") == 0
    path = next((run_folder(tmp_path / "out") / "rows").glob("*.jsonl"))
    edit_jsonl(path, 1, setter("magnitude", float("nan")))
    before = rows_of(tmp_path / "out")
    capsys.readouterr()
    assert run(source, tmp_path / "out") == 2
    one_error(capsys, f"{path}: line 1: magnitude is nan")
    assert rows_of(tmp_path / "out") == before


def test_compare_reads_task_and_profile_from_run_json(folders, tmp_path, capsys) -> None:
    results, other = folders
    (tmp_path / "elsewhere").mkdir()
    moved = other.rename(tmp_path / "elsewhere" / "copy")  # the path names no task or profile
    assert main(["compare", str(moved / "."), str(results / "mnist" / "smoke")]) == 0
    assert "differ" not in capsys.readouterr().err
    data = RunData.load(moved)
    assert (data.task, data.profile, data.run_profile) == ("mnist", "smoke", "smoke")
    edit_json(moved / "run.json", setter("profile", "book"))
    assert main(["compare", str(moved), str(results / "mnist" / "smoke")]) == 2
    one_error(capsys, "differ in profile: A book, B smoke")
