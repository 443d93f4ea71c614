"""``bench eval``'s model sources: ONNX (channel-last and channel-first), TFLite, functions
keyed by what they compute, output detection and --repeat-channels. Tiny data and models
built here (``tests/test_eval.py``'s 16x16 blocks)."""

from __future__ import annotations

import sys

import keras
import numpy as np
import pytest
from test_eval import N_TEST, SIZE, blocks, eval_args, train

from bench.cli import main
from bench.evaluate.contract import ContractModel, InputContract, check_shape
from bench.evaluate.loaded import KIND_PYTHON, LoadedModel, ModelError
from bench.evaluate.model_source import load
from bench.results.loading import load_records, load_rows


def accuracies(folder, key=None) -> dict[tuple[str, float], float]:
    """(transform, magnitude) -> accuracy of the rows of ``folder`` (of model ``key``)."""
    return {(r.transform, r.magnitude): r.accuracy for r in load_rows(folder)
            if key is None or r.model_key == key}


def assert_same_accuracies(a: dict, b: dict) -> None:
    assert a.keys() == b.keys() and len(a) == 15
    assert max(abs(a[cell] - b[cell]) for cell in a) <= 1e-6


def linear_onnx(path, input_shape, weights: np.ndarray) -> None:
    """An ONNX file, built with onnx's helper API (no Keras, no torch): Flatten, MatMul by
    ``weights`` (features, classes), Softmax, for an input of ``input_shape`` (ints, or a
    name for a dynamic dimension)."""
    from onnx import TensorProto, helper, numpy_helper, save

    graph = helper.make_graph(
        [helper.make_node("Flatten", ["x"], ["flat"], axis=1),
         helper.make_node("MatMul", ["flat", "w"], ["z"]),
         helper.make_node("Softmax", ["z"], ["p"], axis=1)],
        "linear", [helper.make_tensor_value_info("x", TensorProto.FLOAT, input_shape)],
        [helper.make_tensor_value_info("p", TensorProto.FLOAT, [input_shape[0],
                                                                weights.shape[1]])],
        [numpy_helper.from_array(weights.astype(np.float32), "w")])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("batch", ["N", 2])
def test_a_channel_first_onnx_input_is_read_and_transposed(tmp_path, batch):
    """(N, 1, 4, 4) is channel-first: bench's (N, 4, 4, 1) images are transposed to it; a
    fixed batch of 2 is fed 2 at a time (5 images: the last batch padded)."""
    weights = np.random.default_rng(0).normal(size=(16, 3))
    linear_onnx(tmp_path / "nchw.onnx", [batch, 1, 4, 4], weights)
    model = load(str(tmp_path / "nchw.onnx"), batch_size=64)
    assert model.input_shape == (4, 4, 1) and model.kind == "onnx file"
    assert "channel-first" in model.notes[0]
    x = np.random.default_rng(1).random((5, 4, 4, 1), dtype=np.float32)
    expected = _softmax(x.transpose(0, 3, 1, 2).reshape(5, 16) @ weights)
    assert np.abs(model.predict(x) - expected).max() < 1e-5
    assert (len(model.notes) == 2) == (batch == 2)


def test_a_channel_last_onnx_input_is_fed_as_it_is(tmp_path):
    weights = np.random.default_rng(0).normal(size=(48, 3))
    linear_onnx(tmp_path / "nhwc.onnx", ["N", 4, 4, 3], weights)
    model = load(str(tmp_path / "nhwc.onnx"), batch_size=2)
    assert model.input_shape == (4, 4, 3) and model.notes == ()
    x = np.random.default_rng(1).random((5, 4, 4, 3), dtype=np.float32)
    assert np.abs(model.predict(x) - _softmax(x.reshape(5, 48) @ weights)).max() < 1e-5


@pytest.mark.parametrize("suffix, says", [(".onnx", "onnxruntime cannot load it"),
                                          (".tflite", "LiteRT cannot load it")])
def test_a_bad_or_missing_file_is_one_model_error(tmp_path, suffix, says):
    bad = tmp_path / f"bad{suffix}"
    bad.write_bytes(b"not a model at all")
    with pytest.raises(ModelError, match=says) as error:
        load(str(bad), batch_size=8)
    assert str(bad) in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(ModelError, match="no such file"):
        load(str(tmp_path / f"missing{suffix}"), batch_size=8)


def fixed(outputs) -> LoadedModel:
    """A function model whose predict returns ``outputs`` whatever the images."""
    return LoadedModel("fixed:outputs", KIND_PYTHON, lambda x: outputs, None, None, "0")


IMAGES = np.zeros((4, SIZE, SIZE, 1), dtype=np.uint8)
PROBS = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [1.0, 0.0, 0.0]])


def test_outputs_are_detected_and_a_contradicting_flag_is_warned():
    probs = ContractModel(fixed(PROBS), InputContract())
    assert np.allclose(probs.clean_probabilities(IMAGES), PROBS)
    assert probs.outputs == "probs" and "detected as probabilities" in probs.detection
    logits = ContractModel(fixed(np.log(PROBS + 1e-3) + 2.0), InputContract())
    assert np.allclose(logits.clean_probabilities(IMAGES).argmax(axis=1), [0, 1, 2, 0])
    assert logits.outputs == "logits" and "detected as logits" in logits.detection
    assert logits.warnings == []
    halved = ContractModel(fixed(PROBS / 2), InputContract())
    halved.clean_probabilities(IMAGES)
    assert halved.outputs == "logits" and "do not sum to 1" in halved.warnings[0]
    flagged = ContractModel(fixed(PROBS), InputContract(outputs="logits"))
    flagged.clean_probabilities(IMAGES)
    assert flagged.detection == "" and "look like probabilities" in flagged.warnings[0]


@pytest.mark.parametrize("outputs, says", [
    (np.array([[0.5, 0.5], [np.nan, 1.0], [np.inf, 0.0], [0.2, 0.8]]),
     "2 of 4 output rows hold NaN or infinity (first: row 1"),
    (np.array([["a", "b"]] * 4), "returned outputs of type <U1"),
])
def test_outputs_that_are_not_finite_numbers_are_a_model_error(outputs, says):
    with pytest.raises(ModelError, match=says.replace("(", r"\(")):
        ContractModel(fixed(outputs), InputContract()).clean_probabilities(IMAGES)


def test_repeat_channels_feeds_three_equal_channels_and_is_checked():
    seen = []
    model = LoadedModel("rgb:model", KIND_PYTHON, lambda x: seen.append(x) or PROBS, None,
                        (SIZE, SIZE, 3), "0")
    with pytest.raises(ModelError, match="pass --repeat-channels"):
        check_shape(model, (SIZE, SIZE, 1), InputContract())
    contract = InputContract(repeat_channels=True)
    check_shape(model, (SIZE, SIZE, 1), contract)
    ContractModel(model, contract).clean_probabilities(IMAGES + 51)
    assert seen[0].shape == (4, SIZE, SIZE, 3) and np.all(seen[0] == np.float32(51 / 255))
    assert "repeated 3 times" in contract.describe()


def test_a_function_gets_a_new_key_when_its_weights_file_changes(tmp_path, monkeypatch):
    """Template matching with weights in templates.npy, imported from the current folder
    (not on sys.path): changed weights give a new key and new rows; the same weights, the
    same key (rows reused)."""
    train_split = blocks(300, seed=1)
    templates = np.stack([train_split.x[train_split.y == k].mean(axis=0).ravel() / 255
                          for k in range(10)]).T
    np.savez(tmp_path / "blocks.npz", x_test=blocks(N_TEST, seed=2).x,
             y_test=blocks(N_TEST, seed=2).y)
    np.save(tmp_path / "templates.npy", templates)
    (tmp_path / "templ_mod.py").write_text(
        "import numpy as np\n"
        "def model():\n"
        "    w = np.load('templates.npy')\n"
        "    return lambda x: 20 * x.reshape(len(x), -1) @ w\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    args = eval_args("templ_mod:model", tmp_path / "blocks.npz", tmp_path / "out")
    assert main(args) == 0 and str(tmp_path) in sys.path
    np.save(tmp_path / "templates.npy", templates[:, [1, 0, *range(2, 10)]])
    assert main(args) == 0
    assert main(args) == 0
    records = load_records(tmp_path / "out", "models.jsonl")
    first, second = records[0], records[-1]
    assert first["key"] != second["key"] and first["sha256"] == second["sha256"]
    assert first["named_files"]["templates.npy"] != second["named_files"]["templates.npy"]
    assert first["probe_sha256"] != second["probe_sha256"]
    assert len({r["key"] for r in records}) == 2
    assert len(list((tmp_path / "out" / "rows").glob("*.jsonl"))) == 2
    assert first["outputs"] == second["outputs"] == "logits"
    clean = ("rotate", 0.0)
    assert (accuracies(tmp_path / "out", first["key"])[clean]
            > accuracies(tmp_path / "out", second["key"])[clean])


@pytest.fixture(scope="module")
def formats(tmp_path_factory):
    """blocks.npz; one trained model as .keras, .onnx, .tflite, as a channel-first ONNX
    model (Permute in front of the same layers) and as a 3-channel .keras."""
    import tensorflow as tf

    folder = tmp_path_factory.mktemp("eval-sources")
    test = blocks(N_TEST, seed=2)
    np.savez(folder / "blocks.npz", x_test=test.x, y_test=test.y)
    plain = train(rescaling_inside=False)
    plain.save(folder / "plain.keras")
    plain.export(str(folder / "plain.onnx"), format="onnx", verbose=False)
    (folder / "plain.tflite").write_bytes(tf.lite.TFLiteConverter.from_keras_model(plain)
                                          .convert())
    nchw = keras.Sequential([keras.Input((1, SIZE, SIZE)), keras.layers.Permute((2, 3, 1)),
                             *plain.layers])
    nchw.predict(np.zeros((1, 1, SIZE, SIZE), np.float32), verbose=0)
    nchw.export(str(folder / "nchw.onnx"), format="onnx", verbose=False)
    dense, _, head = plain.layers
    rgb = keras.Sequential([keras.Input((SIZE, SIZE, 3)),
                            keras.layers.Dense(dense.units, activation="relu"),
                            keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    kernel, bias = dense.get_weights()
    rgb.layers[0].set_weights([np.repeat(kernel, 3, axis=0) / 3, bias])
    rgb.layers[2].set_weights(head.get_weights())
    rgb.save(folder / "rgb.keras")
    return folder


@pytest.mark.slow
def test_onnx_tflite_and_channel_first_give_the_keras_rows(formats, tmp_path):
    npz = formats / "blocks.npz"
    for name in ("plain.keras", "plain.onnx", "plain.tflite", "nchw.onnx"):
        assert main(eval_args(formats / name, npz, tmp_path / name)) == 0, name
    keras_rows = accuracies(tmp_path / "plain.keras")
    for name in ("plain.onnx", "plain.tflite", "nchw.onnx"):
        assert_same_accuracies(accuracies(tmp_path / name), keras_rows)
    records = {name: load_records(tmp_path / name, "models.jsonl")[0]
               for name in ("plain.keras", "plain.onnx", "plain.tflite", "nchw.onnx")}
    assert records["plain.onnx"]["kind"] == "onnx file"
    assert records["plain.tflite"]["kind"] == "tflite file"
    assert records["nchw.onnx"]["input_shape"] == [SIZE, SIZE, 1]
    assert "channel-first" in records["nchw.onnx"]["notes"][0]
    assert all("detected as probabilities" in r["outputs_detection"] and r["outputs"] == "probs"
               for r in records.values())
    import hashlib

    assert records["plain.onnx"]["sha256"] == hashlib.sha256(
        (formats / "plain.onnx").read_bytes()).hexdigest()


@pytest.mark.slow
def test_a_three_channel_model_on_grey_images_with_repeat_channels(formats, tmp_path, capsys):
    npz = formats / "blocks.npz"
    assert main(eval_args(formats / "rgb.keras", npz, tmp_path / "no")) == 2
    assert "--repeat-channels" in capsys.readouterr().err
    assert main(eval_args(formats / "rgb.keras", npz, tmp_path / "rgb",
                          "--repeat-channels")) == 0
    assert main(eval_args(formats / "plain.keras", npz, tmp_path / "plain")) == 0
    assert_same_accuracies(accuracies(tmp_path / "rgb"), accuracies(tmp_path / "plain"))
    record = load_records(tmp_path / "rgb", "models.jsonl")[0]
    assert record["repeat_channels"] is True
