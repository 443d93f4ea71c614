"""``bench eval`` end to end on tiny models trained here on synthetic 10-class images."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re

import keras
import numpy as np
import pytest

import bench
from bench.cli import main
from bench.data.types import Split
from bench.results.loading import load_records, load_rows

SIZE, N_TRAIN, N_TEST = 16, 300, 200
#: Row fields that measure (everything but the model's identity).
MEASURED = ("transform", "magnitude", "group", "n", "accuracy", "clean_accuracy", "delta_pp",
            "consistency", "mean_abs_change", "ci_low", "ci_high", "correct_bits")


def blocks(n: int, seed: int) -> Split:
    """Class k: a bright 3x3 block at its own place of a SIZE x SIZE image, on low noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    x = rng.integers(0, 40, (n, SIZE, SIZE, 1), dtype=np.uint8)
    for i, label in enumerate(y):
        row, col = 1 + 4 * (label // 4), 1 + 4 * (label % 4)
        x[i, row:row + 3, col:col + 3] = 255
    return Split(x, y.astype(np.int64))


def train(rescaling_inside: bool) -> keras.Model:
    """A small dense model, or with Rescaling(1/255) inside a small CNN (taking pixels
    0..255, as a user's model might), 8 epochs."""
    keras.utils.set_random_seed(0)
    data = blocks(N_TRAIN, seed=1)
    layers = ([keras.layers.Rescaling(1 / 255), keras.layers.Conv2D(8, 3, activation="relu"),
               keras.layers.MaxPooling2D()] if rescaling_inside
              else [keras.layers.Dense(32, activation="relu")])
    model = keras.Sequential([keras.Input((SIZE, SIZE, 1)), *layers, keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    x = data.x.astype(np.float32) / (1.0 if rescaling_inside else 255.0)
    model.fit(x, data.y, epochs=8, batch_size=32, verbose=0)
    return model


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The test npz, a model as .keras and as SavedModel, and one with Rescaling inside."""
    folder = tmp_path_factory.mktemp("eval-models")
    test = blocks(N_TEST, seed=2)
    np.savez(folder / "blocks.npz", x_test=test.x, y_test=test.y)
    plain = train(rescaling_inside=False)
    plain.save(folder / "plain.keras")
    plain.save(folder / "plain.h5")
    plain.export(str(folder / "plain_savedmodel"), verbose=False)
    rescaling = train(rescaling_inside=True)
    rescaling.save(folder / "rescaling.keras")
    return folder, test


def eval_args(model, npz, out, *extra):
    return ["eval", str(model), "--task", "mnist", "--profile", "smoke", "--data", str(npz),
            "--out", str(out), "--no-reference", "--quiet", *extra]


def measured(folder):
    return [tuple(getattr(r, f) for f in MEASURED) for r in load_rows(folder)]


def _words(report):
    """The report's text with line breaks and runs of spaces as single spaces (its prose is
    wrapped at 100 characters)."""
    return " ".join(report.read_text().split())


def test_keras_file_savedmodel_and_h5_write_identical_rows(made, tmp_path):
    folder, _ = made
    npz = folder / "blocks.npz"
    assert main(eval_args(folder / "plain.keras", npz, tmp_path / "a")) == 0
    assert main(eval_args(folder / "plain_savedmodel", npz, tmp_path / "b")) == 0
    assert main(eval_args(folder / "plain.h5", npz, tmp_path / "c")) == 0
    rows_a, rows_b = measured(tmp_path / "a"), measured(tmp_path / "b")
    assert len(rows_a) == 15  # the smoke grid: 5 transforms x 3 magnitudes, group "all"
    assert rows_a == rows_b == measured(tmp_path / "c")
    record = load_records(tmp_path / "a", "models.jsonl")[0]
    assert record["sha256"] == hashlib.sha256((folder / "plain.keras").read_bytes()).hexdigest()
    assert record["input_range"] == "0-1" and record["environment"]["keras"] == keras.__version__
    assert load_records(tmp_path / "b", "models.jsonl")[0]["kind"] == "SavedModel"
    table = bench.load_run(tmp_path / "a")
    assert set(table["model"]) == {f"plain.keras ({record['sha256'][:12]})"}
    assert list(table["transform_name"].unique()) == ["shift_x", "shift_y", "rotate",
                                                      "scale", "shear"]
    report = (tmp_path / "a" / "report.md").read_text()
    assert "## Rotation" in report and "Against the reference" in report
    prose = [line for line in report.splitlines() if not line.startswith(("|", "#", "!["))]
    assert max(map(len, prose)) <= 100, max(prose, key=len)


def test_rescaling_inside_stops_without_the_input_range_and_is_right_with_it(made, tmp_path,
                                                                            capsys):
    folder, test = made
    npz, model = folder / "blocks.npz", folder / "rescaling.keras"
    assert main(eval_args(model, npz, tmp_path / "wrong")) == 2
    err = capsys.readouterr().err
    assert "--input-range 0-255" in err and "--force" in err and "class order" in err
    assert not list((tmp_path / "wrong").glob("rows/*.jsonl"))
    assert main(eval_args(model, npz, tmp_path / "right", "--input-range", "0-255")) == 0
    direct = keras.models.load_model(model).predict(test.x.astype(np.float32), verbose=0)
    expected = float(np.mean(direct.argmax(axis=1) == test.y))
    clean = [r for r in load_rows(tmp_path / "right") if r.transform == "rotate"
             and r.magnitude == 0.0][0]
    assert clean.accuracy == expected > 0.9
    assert main(eval_args(model, npz, tmp_path / "forced", "--force")) == 0


def test_shape_mismatch_names_both_shapes_before_running(made, tmp_path, capsys):
    folder, test = made
    small = tmp_path / "small.npz"
    np.savez(small, x_test=test.x[:, :12, :12], y_test=test.y)
    assert main(eval_args(folder / "plain.keras", small, tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert "(16, 16, 1)" in err and "(12, 12, 1)" in err
    assert not (tmp_path / "out").exists()


def test_a_python_factory_with_unnormalised_outputs_gets_a_warning(made, tmp_path,
                                                                   monkeypatch):
    folder, _ = made
    (tmp_path / "factory_mod.py").write_text(
        "import keras, numpy as np\n"
        f"MODEL = keras.models.load_model({str(folder / 'plain.keras')!r})\n"
        "def halved():\n"
        "    return lambda x: 0.5 * MODEL.predict(x, verbose=0)\n"
        "def logits():\n"
        "    return lambda x: np.log(MODEL.predict(x, verbose=0) + 1e-12)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    npz = folder / "blocks.npz"
    assert main(eval_args("factory_mod:halved", npz, tmp_path / "h")) == 0
    record = load_records(tmp_path / "h", "models.jsonl")[0]
    assert record["kind"] == "python function" and "do not sum to 1" in record["warnings"][0]
    assert "do not sum to 1" in _words(tmp_path / "h" / "report.md")
    assert main(eval_args("factory_mod:logits", npz, tmp_path / "l", "--outputs",
                          "logits")) == 0
    assert main(eval_args(folder / "plain.keras", npz, tmp_path / "p")) == 0
    accuracy = {name: [r.accuracy for r in load_rows(tmp_path / name)] for name in "hlp"}
    assert accuracy["h"] == accuracy["l"] == accuracy["p"]


def test_check_fails_on_noisy_weights_and_passes_against_itself(made, tmp_path, capsys):
    folder, _ = made
    npz = folder / "blocks.npz"
    model = keras.models.load_model(folder / "plain.keras")
    rng = np.random.default_rng(0)
    model.set_weights([w + rng.normal(0, 2.0 * w.std(), w.shape).astype(w.dtype)
                       for w in model.get_weights()])
    model.save(tmp_path / "noisy.keras")
    assert main(eval_args(folder / "plain.keras", npz, tmp_path / "base")) == 0
    assert main(eval_args(tmp_path / "noisy.keras", npz, tmp_path / "noisy", "--force")) == 0
    capsys.readouterr()
    assert main(["check", str(tmp_path / "noisy"), "--against", str(tmp_path / "base"),
                 "--max-drop", "2"]) == 1
    assert "FAIL" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "base"), "--against", str(tmp_path / "base")]) == 0
    assert "ok: no model" in capsys.readouterr().out


def test_baseline_and_numpy_check_in_the_report(made, tmp_path):
    folder, _ = made
    npz = folder / "blocks.npz"
    assert main(eval_args(folder / "plain.keras", npz, tmp_path / "ab", "--baseline",
                          str(folder / "rescaling.keras"), "--force", "--verify-numpy")) == 0
    report = _words(tmp_path / "ab" / "report.md")
    assert "exact McNemar" in report and "verdict (Holm)" in report
    assert "largest |NumPy - Keras| output" in report
    assert len({r.model_key for r in load_rows(tmp_path / "ab")}) == 2
    assert main(eval_args(folder / "rescaling.keras", npz, tmp_path / "r", "--input-range",
                          "0-255", "--verify-numpy")) == 0
    # the layer's name: Keras numbers it ('rescaling_1') when the process built one before
    assert re.search(r"'rescaling(_\d+)?'", _words(tmp_path / "r" / "report.md"))


def test_chosen_grid_is_swept_recorded_and_shown(made, tmp_path):
    folder, _ = made
    assert main(eval_args(folder / "plain.keras", folder / "blocks.npz", tmp_path / "g",
                          "--transforms", "rotate", "--grid", "rotate=-10:10:5")) == 0
    rows = load_rows(tmp_path / "g")
    assert sorted(r.magnitude for r in rows) == [-10.0, -5.0, 0.0, 5.0, 10.0]
    info = json.loads((tmp_path / "g" / "dataset.json").read_text())
    assert info["grid"] == "rotate: -10, -5, 0, 5, 10 deg"
    assert info["grid"] in _words(tmp_path / "g" / "report.md")


def test_eval_reproduces_the_rows_bench_run_stored(tmp_path, tiny_profile):
    """A model trained by the normal ``bench run`` machinery, evaluated from its cached
    .keras, gives its stored rows again (same cells, same per-cell bootstrap seeds)."""
    from conftest import bars_dataset

    from bench.evaluate.contract import InputContract
    from bench.evaluate.pipeline import EvalRequest, run_eval
    from bench.run import runner

    profile = dataclasses.replace(tiny_profile, families=("cnn",), seeds=(3,),
                                  worst_case_n=20, invariance_n=10)
    dataset = bars_dataset()
    prepared = runner.PreparedData.from_dataset(dataset, profile)
    run_folder = runner.run_task(profile, tmp_path / "runs", prepared=prepared,
                                 model_cache=tmp_path / "models", verbose=0)
    key = load_records(run_folder, "models.jsonl")[0]["key"]
    np.savez(tmp_path / "bars.npz", x_test=dataset.test.x, y_test=dataset.test.y)
    run_eval(EvalRequest(model=str(tmp_path / "models" / f"{key}.keras"), profile=profile,
                         contract=InputContract(), folder=tmp_path / "eval",
                         command="bench eval (test)", data=tmp_path / "bars.npz",
                         classes="vertical,horizontal", seed=3, force=True, verbose=False))
    assert sorted(measured(tmp_path / "eval")) == sorted(measured(run_folder))
    grid = json.loads((run_folder / "dataset.json").read_text())["grid"]
    assert grid == "shift_x: -1, 0, 1 px; rotate: 0, 90 deg"
    bits = ("clean_bits", "grid_bits", "random_bits", "grid_worst", "random_worst")
    probes = {"run": load_records(run_folder, "probes.jsonl"),
              "eval": load_records(tmp_path / "eval", "probes.jsonl")}
    stored, mine = ([p for p in probes[name] if p["probe"] == "worst_case"][0]
                    for name in ("run", "eval"))
    assert [mine[k] for k in bits] == [stored[k] for k in bits]
    errors = {name: [(p["stage"], p["transform"], p["magnitude"], p["invariance"])
                     for p in records if p["probe"] == "invariance"]
              for name, records in probes.items()}
    assert errors["eval"] == errors["run"] and len(errors["eval"]) > 3
    text = (tmp_path / "eval" / "report.md").read_text()
    assert "## Where invariance is lost" in text
    assert "Literature, for reference only: Engstrom et al." in " ".join(text.split())


def test_a_folder_per_class_gives_the_npz_accuracies(made, tmp_path, capsys):
    import cv2

    folder, test = made
    for index, (image, label) in enumerate(zip(test.x, test.y, strict=True)):
        (tmp_path / "images" / f"c{label}").mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(tmp_path / "images" / f"c{label}" / f"{index:03d}.png"), image)
    model = folder / "plain.keras"
    assert main(eval_args(model, tmp_path / "images", tmp_path / "f")) == 0
    assert main(eval_args(model, folder / "blocks.npz", tmp_path / "n")) == 0

    def accuracy(run):
        return sorted((r.transform, r.magnitude, r.accuracy) for r in load_rows(run))

    assert accuracy(tmp_path / "f") == accuracy(tmp_path / "n")
    info = json.loads((tmp_path / "f" / "dataset.json").read_text())
    assert info["classes"] == [f"c{i}" for i in range(10)] and info["image_shape"] == [16, 16, 1]
    assert main(eval_args(model, folder / "blocks.npz", tmp_path / "x", "--classes", "a,b")) == 2
    assert "--classes names 2 classes" in capsys.readouterr().err


def test_a_failing_model_or_a_file_as_out_is_one_line_exit_2(made, tmp_path, monkeypatch,
                                                             capsys):
    folder, _ = made
    (tmp_path / "broken_mod.py").write_text(
        "def raises():\n    raise RuntimeError('no weights here')\n"
        "def fails_on_call():\n    return lambda x: x.reshape(3, -1, 7)\n"
        "def two_outputs():\n    return lambda x: [x[:, 0, 0], x[:, 0, 0]]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    npz = folder / "blocks.npz"
    assert main(eval_args("broken_mod:raises", npz, tmp_path / "a")) == 2
    assert "raises() failed (RuntimeError: no weights here)" in capsys.readouterr().err
    assert main(eval_args("broken_mod:fails_on_call", npz, tmp_path / "b")) == 2
    assert "predicting 200 images of shape (16, 16, 1) failed" in capsys.readouterr().err
    assert main(eval_args("broken_mod:two_outputs", npz, tmp_path / "e")) == 2
    assert "expected one output" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    assert main(eval_args(folder / "plain.keras", npz, tmp_path / "file")) == 2
    assert "is a file" in capsys.readouterr().err
    assert main(eval_args(tmp_path / "missing.keras", npz, tmp_path / "c")) == 2
    assert "no such file" in capsys.readouterr().err
    _, test = made
    np.savez(tmp_path / "two.npz", x_test=test.x, y_test=test.y % 2)
    assert main(eval_args(folder / "plain.keras", tmp_path / "two.npz", tmp_path / "d")) == 2
    assert "gives 10 class outputs but the data has 2 classes" in capsys.readouterr().err
