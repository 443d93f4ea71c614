"""Models trained elsewhere (bench.run.device_train, the portable trainer) are swept here
only for the specs, settings and training data they were trained for."""

import json

import pytest
from test_cifar10_data import write_tree

from bench.cli import main
from bench.run import device_train

pytestmark = pytest.mark.slow

BOOK = ["--profile", "book", "--families", "cnn", "--augmentations", "none,rotate",
        "--seeds", "0"]


def test_trained_elsewhere_then_swept_here(tmp_path, capsys):
    tree = write_tree(tmp_path / "cifar10-jpeg", per_class=3, suffix=".jpg")
    trained = tmp_path / "trained"
    device_train.main(["cifar10", *BOOK, "--learning-rates", "0.001",
                       "--train-folder", str(tree / "train"), "--out", str(trained)])
    records = [json.loads(p.read_text()) for p in sorted(trained.glob("*.json"))]
    assert sorted(r["augmentation"] for r in records) == ["none", "rotate"]
    assert {r["trainer"] for r in records} == {"portable"} and records[0]["environment"]

    out = tmp_path / "runs"
    args = ["run", "cifar10", *BOOK, "--source", str(tree), "--trained", str(trained),
            "--out", str(out), "--quiet"]
    assert main([*args, "--learning-rate", "0.001"]) == 0
    folder = out / "cifar10" / "book-lr0.001"
    models = [json.loads(line) for line in (folder / "models.jsonl").read_text().splitlines()]
    assert {m["key"] for m in models} == {r["key"] for r in records}
    assert {p.stem for p in (folder / "rows").glob("*.jsonl")} == {r["key"] for r in records}

    capsys.readouterr()
    assert main(args) == 2  # the book's own rate, 0.01: no model was trained at it
    assert "0 trained models match cnn-none-s0 at learning rate 0.01" in capsys.readouterr().err


@pytest.mark.parametrize("content", ["{not json", "[1, 2]"])
def test_a_damaged_record_is_named(tmp_path, content):
    from bench.catalog.profiles import get_profile
    from bench.run.imported import TrainedModelMissing, find_trained
    from bench.run.train import ModelSpec

    (tmp_path / "k.json").write_text(content)
    with pytest.raises(TrainedModelMissing, match="k.json: not a"):
        find_trained(tmp_path, ModelSpec("cnn", "none", 0), get_profile("cifar10", "book"), "x")


@pytest.mark.parametrize("backend, compiled", [("jax", True), ("tensorflow", False)])
def test_random_image_layers_compile_on_jax_only(monkeypatch, backend, compiled):
    """Keras marks its random image layers as not XLA-compilable (true on TensorFlow); one
    such layer made fit run every step eagerly on JAX, so the flag is lifted there alone."""
    import keras

    from bench.run import portable

    layers = [keras.layers.RandomRotation(0.05), keras.layers.RandomTranslation(0.1, 0.1)]
    assert [layer.supports_jit for layer in layers] == [False, False]
    monkeypatch.setattr(keras.backend, "backend", lambda: backend)
    portable.allow_jit_on_jax(layers)
    assert [layer.supports_jit for layer in layers] == [compiled, compiled]
