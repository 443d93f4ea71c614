"""Provenance checked, not trusted: reports show only models trained on the data they name."""

import json

import pytest
from rowbuilder import rows_for

from bench.analysis.runs import RunView
from bench.cli import main
from bench.render.report import render_markdown
from bench.results.loading import RunData
from bench.results.schema import row_record
from bench.results.trained_on import ProvenanceError, split_by_data


def model(family, seed, checksum):
    return {"key": f"{family}-none-{seed}-{checksum}", "family": family, "augmentation": "none",
            "seed": seed, "data_checksum": checksum, "augmentation_ranges": "none",
            "params": 10, "train_seconds": 1.0, "learning_rate": 0.001, "epochs": 1,
            "batch_size": 8, "n_train": 4}


def dataset(train_checksum="aaaa"):
    info = {"name": "mnist", "source": "a.npz", "checksum": "full", "classes": ["0", "1"],
            "image_shape": [28, 28, 1], "n_train_used": 4, "n_test_used": 200,
            "subset": "all", "counts": {}, "notes": [], "environment": {}}
    return info if train_checksum is None else {**info, "train_checksum": train_checksum}


def write_folder(folder, models, info):
    """A run folder holding ``models`` (each with its rows) and dataset.json ``info``."""
    (folder / "rows").mkdir(parents=True)
    (folder / "models.jsonl").write_text("".join(json.dumps(m) + "\n" for m in models))
    for m in models:
        rows = rows_for(m["family"], "none", m["seed"], {0.0: 0.9, 1.0: 0.5},
                        model_key=m["key"])
        (folder / "rows" / f"{m['key']}.jsonl").write_text(
            "".join(json.dumps(row_record(r)) + "\n" for r in rows))
    (folder / "dataset.json").write_text(json.dumps(info))
    return folder


def test_models_of_the_described_data_are_kept_and_the_others_set_apart(tmp_path):
    models = [model("cnn", 0, "aaaa"), model("cnn", 0, "bbbb"), model("mlp", 0, "aaaa")]
    kept, other = split_by_data(tmp_path, models, dataset("aaaa"))
    assert kept == [models[0], models[2]] and other == [models[1]]


def test_no_model_of_the_described_data_is_an_error_naming_the_checksums(tmp_path):
    with pytest.raises(ProvenanceError, match=r"none of its 1 models .* checksum aaaa; "
                                              r"the models': \['bbbb'\]\); run `bench run`"):
        split_by_data(tmp_path, [model("cnn", 0, "bbbb")], dataset("aaaa"))


def test_an_older_dataset_json_accepts_models_that_agree_and_refuses_a_mix(tmp_path):
    agree = [model("cnn", 0, "aaaa"), model("mlp", 0, "aaaa")]
    assert split_by_data(tmp_path, agree, dataset(None)) == (agree, [])
    with pytest.raises(ProvenanceError, match=r"different data .*\['aaaa', 'bbbb'\]"):
        split_by_data(tmp_path, [*agree, model("cnn", 1, "bbbb")], dataset(None))


def test_a_report_leaves_out_and_names_models_trained_on_other_data(tmp_path, caplog):
    """Run A, then B on other data into the same folder, then A again: the report shows
    A's provenance with A's models only, and says B's were left out."""
    a, b = model("cnn", 0, "aaaa"), model("cnn", 0, "bbbb")
    folder = write_folder(tmp_path / "mnist" / "smoke-mnist", [a, b], dataset("aaaa"))
    run = RunData.load(folder)
    assert [m["key"] for m in run.models] == [a["key"]]
    assert {r.model_key for r in run.rows} == {a["key"]}
    text = render_markdown(RunView.of(run), {})
    assert "checksum `aaaa`, the same as the data above for every model shown" in text
    assert "Left out: 1 model record(s) of this folder trained on other data" in text
    assert "cnn/none/s0 (`bbbb`)" in text
    assert "left out of the report" in caplog.text


def test_bench_report_refuses_a_folder_whose_models_are_all_of_other_data(tmp_path, capsys):
    write_folder(tmp_path / "results" / "mnist" / "smoke", [model("cnn", 0, "bbbb")],
                 dataset("aaaa"))
    code = main(["report", "--results", str(tmp_path / "results"), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "mnist/smoke: none of its 1 models was trained on the data" in err
    assert not (tmp_path / "mnist-smoke.md").exists()
