"""``bench run --extend-reference``: a run that adds a seed to a published reference computes
only the new seed, keeps the reference's rows byte for byte, and trains again a model whose
key this bench no longer computes."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
from tiny_run import error_lines, tiny_npz

from bench.cli import main

pytestmark = pytest.mark.slow


def run_args(source, out, reference, *extra):
    return ["run", "mnist", "--profile", "smoke", "--families", "mlp", "--augmentations",
            "none", "--quiet", "--source", str(source), "--out", str(out),
            "--reference", str(reference), *extra]


@pytest.fixture
def published(tmp_path, isolated_cache):
    """The reference of seed 0 in results/mnist/smoke-mnist (its model then dropped from the
    cache), and the npz it was trained on."""
    source = tiny_npz(tmp_path / "tiny.npz")
    results = tmp_path / "results"
    results.mkdir()
    assert main(run_args(source, tmp_path / "first", results, "--seeds", "0")) == 0
    assert main(["publish", str(tmp_path / "first" / "mnist" / "smoke-mnist"), "--results",
                 str(results), "--partial"]) == 0
    for path in (isolated_cache / "models").glob("*"):  # the next run cannot load it
        path.unlink()
    return source, results / "mnist" / "smoke-mnist"


def rows_files(folder):
    return {p.name: p.read_bytes() for p in sorted((folder / "rows").glob("*.jsonl"))}


def test_a_run_extending_the_reference_computes_only_the_new_seed(published, tmp_path,
                                                                  isolated_cache):
    source, reference = published
    out = tmp_path / "second"
    assert main(run_args(source, out, reference.parent.parent, "--seeds", "0,1",
                         "--extend-reference")) == 0
    folder = out / "mnist" / "smoke-mnist"
    trained = sorted(p.stem for p in (isolated_cache / "models").glob("*.keras"))
    models = [json.loads(line) for line in (folder / "models.jsonl").read_text().splitlines()]
    assert [m["seed"] for m in models] == [0, 1]
    assert trained == [models[1]["key"]]  # seed 0 came from the reference, untrained
    ours = rows_files(folder)
    assert {name: ours[name] for name in rows_files(reference)} == rows_files(reference)
    assert len(ours) == 2
    assert (folder / "probes" / f"{models[0]['key']}.jsonl").read_bytes() == (
        reference / "probes" / f"{models[0]['key']}.jsonl").read_bytes()
    # the same command again (after Ctrl-C, say) copies nothing twice
    assert main(run_args(source, out, reference.parent.parent, "--seeds", "0,1",
                         "--extend-reference")) == 0
    assert (folder / "models.jsonl").read_text().count("\n") == 2


def test_a_reference_model_of_another_key_is_left_behind_and_trained_again(
        published, tmp_path, isolated_cache, caplog):
    source, reference = published
    records = reference / "models.jsonl"
    records.write_text(records.read_text().replace('"seed": 0', '"seed": 7'))  # not our key
    out = tmp_path / "second"
    with caplog.at_level(logging.WARNING):
        assert main(run_args(source, out, reference.parent.parent, "--seeds", "0",
                             "--extend-reference")) == 0
    assert "1 model(s) left behind" in caplog.text and "mlp-none-s7" in caplog.text
    assert len(list((isolated_cache / "models").glob("*.keras"))) == 1  # trained again


def test_a_reference_model_trained_elsewhere_is_kept(published, tmp_path, caplog):
    source, reference = published
    records = reference / "models.jsonl"
    text = records.read_text().replace('"seed": 0', '"seed": 7')  # a key we do not compute
    records.write_text(text.replace('"trainer": "tf.data"', '"trainer": "portable"'))
    out = tmp_path / "second"
    with caplog.at_level(logging.WARNING):
        assert main(run_args(source, out, reference.parent.parent, "--seeds", "0",
                             "--extend-reference")) == 0
    assert "left behind" not in caplog.text
    folder = out / "mnist" / "smoke-mnist"
    assert (folder / "models.jsonl").read_text().splitlines()[0] == text.replace(
        '"trainer": "tf.data"', '"trainer": "portable"').splitlines()[0]
    assert rows_files(folder) == rows_files(reference)


def test_a_reference_trained_on_other_data_is_refused_before_training(published, tmp_path,
                                                                       isolated_cache, capsys):
    source, reference = published
    with np.load(source) as data:
        arrays = dict(data)
    arrays["x_train"][0, 0, 0] ^= 1  # one pixel's last bit, as a decoder on another CPU may
    other = tmp_path / "other.npz"
    np.savez(other, **arrays)
    expected = json.loads((reference / "dataset.json").read_text())["train_checksum"]
    out = tmp_path / "second"
    assert main(run_args(other, out, reference.parent.parent, "--seeds", "0,1",
                         "--extend-reference")) == 2
    [line] = error_lines(capsys.readouterr().err)
    assert f"trained on data of training-data checksum {expected}" in line
    assert "without --extend-reference" in line
    assert not list((isolated_cache / "models").glob("*.keras"))  # nothing trained
    assert not (out / "mnist" / "smoke-mnist" / "models.jsonl").exists()


def test_extending_a_reference_that_does_not_exist_is_one_line(tmp_path, capsys):
    source = tiny_npz(tmp_path / "tiny.npz")
    empty = tmp_path / "results"
    empty.mkdir()
    assert main(run_args(source, tmp_path / "out", empty, "--extend-reference")) == 2
    [line] = error_lines(capsys.readouterr().err)
    assert f"no published reference in {empty}/mnist/smoke-mnist" in line
    assert "run without --extend-reference" in line
