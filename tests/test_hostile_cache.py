"""Hostile inputs, the model cache and ``--trained``: a damaged cache entry heals itself (a
warning naming the file, the entry moved to ``damaged/``, the model trained again, rows
identical to an uninterrupted run); a hostile or unloadable ``--trained`` model is refused
in one line, and no code from it runs."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import keras
import pytest
from tiny_run import error_lines, rows_of, run, tiny_npz

pytestmark = pytest.mark.slow


@pytest.fixture
def source(tmp_path):
    return tiny_npz(tmp_path / "tiny.npz")


@pytest.fixture
def first_run(source, tmp_path, isolated_cache):
    """Rows of an uninterrupted run, and the cache entry (model, record) it left."""
    assert run(source, tmp_path / "first") == 0
    models = isolated_cache / "models"
    [model] = models.glob("*.keras")
    return rows_of(tmp_path / "first"), model, model.with_suffix(".json")


def _cut_model(model: Path, record: Path) -> Path:
    model.write_bytes(model.read_bytes()[:5000])
    return model


def _bad_json(model: Path, record: Path) -> Path:
    record.write_text(record.read_text()[:40])
    return record


def _unknown_field(model: Path, record: Path) -> Path:
    record.write_text(json.dumps({**json.loads(record.read_text()), "colour": "blue"}))
    return record


def _another_key(model: Path, record: Path) -> Path:
    record.write_text(json.dumps({**json.loads(record.read_text()), "key": "0" * 20}))
    return record


def _not_an_object(model: Path, record: Path) -> Path:
    record.write_text("[1, 2, 3]")
    return record


def _swapped_model(model: Path, record: Path) -> Path:
    """Another valid model saved in the cached model's place (it would load silently)."""
    keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                      keras.layers.Dense(10, activation="softmax")]).save(model)
    return model


def _time_not_a_number(model: Path, record: Path) -> Path:
    record.write_text(json.dumps({**json.loads(record.read_text()), "train_seconds": "fast"}))
    return record


#: id -> damage(model file, record file) -> the file that is damaged.
DAMAGED_ENTRIES = {
    "a truncated .keras": _cut_model,
    "a record of bad JSON": _bad_json,
    "a record with an unknown field": _unknown_field,
    "a record of another model key": _another_key,
    "a record that is not a JSON object": _not_an_object,
    "another valid model in the file's place": _swapped_model,
    "a record whose time is not a number": _time_not_a_number,
}


@pytest.mark.parametrize("case", list(DAMAGED_ENTRIES))
def test_a_damaged_cache_entry_is_moved_aside_and_trained_again_to_identical_rows(
        case, first_run, source, tmp_path, caplog):
    rows, model, record = first_run
    damaged = DAMAGED_ENTRIES[case](model, record)
    with caplog.at_level(logging.INFO):
        assert run(source, tmp_path / "second") == 0
    assert f"{damaged}: damaged model cache entry" in caplog.text
    assert "mlp-none-s0 trained" in caplog.text  # not "loaded"
    set_aside = sorted(p.name for p in (model.parent / "damaged").iterdir())
    assert [name.split("-")[-1] for name in set_aside] == sorted([model.name, record.name])
    assert rows_of(tmp_path / "second") == rows  # the same rows as without the damage
    assert keras.models.load_model(model, compile=False) is not None  # healed in place


def _lambda_model(path: Path) -> None:
    """A model whose Lambda layer holds Python bytecode (runs code when loaded unsafely)."""
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Lambda(lambda x: x * 2.0),
                              keras.layers.Dense(10, activation="softmax")])
    model.save(path)


#: id -> what replaces the trained model file -> words of the refusal.
HOSTILE_TRAINED = {
    "a Lambda layer (code)": (_lambda_model, "Lambda"),
    "bytes that are no model": (lambda path: path.write_bytes(b"\x00" * 100), "refused"),
    "a model cut in half": (lambda path: path.write_bytes(path.read_bytes()[:4000]),
                            "refused"),
}


@pytest.mark.parametrize("case", list(HOSTILE_TRAINED))
def test_a_hostile_or_unloadable_trained_model_is_a_one_line_refusal(
        case, first_run, source, tmp_path, capsys):
    _, model, record = first_run
    trained = tmp_path / "trained"
    trained.mkdir()
    shutil.copy(record, trained / record.name)
    shutil.copy(model, trained / model.name)
    replace, words = HOSTILE_TRAINED[case]
    replace(trained / model.name)
    capsys.readouterr()
    assert run(source, tmp_path / "second", "--trained", str(trained)) == 2
    err = capsys.readouterr().err
    lines = error_lines(err)
    assert len(lines) == 1 and "Traceback" not in err, err
    assert f"{trained / model.name}: refused" in lines[0] and words in lines[0]
    assert "bench.run.device_train" in lines[0]
    assert rows_of(tmp_path / "second") == {}  # no row computed from it
