"""bench.run.onnx_export: the cached ONNX and LiteRT exports the forward-pass suite times."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from bench.run.onnx_export import export_key, exported, litert_runner, onnx_runner


def _model(seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        layers.Conv2D(3, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(4, activation="softmax"),
    ])


def test_the_key_follows_the_weights_and_format_not_the_layer_names() -> None:
    first, renamed = _model(), _model()  # same seed and architecture, other layer names
    assert first.layers[0].name != renamed.layers[0].name
    assert export_key(first, "onnx") == export_key(renamed, "onnx")
    assert export_key(first, "onnx") != export_key(first, "litert")
    changed = _model()
    changed.layers[-1].bias.assign(np.full(4, 0.5, dtype=np.float32))
    assert export_key(changed, "onnx") != export_key(first, "onnx")


def test_an_unknown_format_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="export format must be one of onnx, litert, got 'tf'"):
        exported(_model(), "tf", root=tmp_path)


@pytest.mark.slow
def test_each_export_is_made_once_and_runs_like_keras(tmp_path, monkeypatch) -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("tf2onnx")
    pytest.importorskip("ai_edge_litert")
    model = _model()
    x = np.random.default_rng(0).random((5, 8, 8, 1), dtype=np.float32)
    expected = keras.ops.convert_to_numpy(model(x, training=False))
    onnx_path = exported(model, "onnx", root=tmp_path)
    litert_path = exported(model, "litert", root=tmp_path)
    assert onnx_path.parent == tmp_path / "onnx" and onnx_path.suffix == ".onnx"
    assert litert_path.parent == tmp_path / "litert" and litert_path.suffix == ".tflite"
    assert sorted(p.name for p in (tmp_path / "onnx").iterdir()) == [onnx_path.name]

    def no_export(*args, **kwargs):
        raise AssertionError("exported again instead of reusing the cached file")

    monkeypatch.setattr(keras.Model, "export", no_export)
    assert exported(_model(), "onnx", root=tmp_path) == onnx_path  # same weights, cached
    np.testing.assert_allclose(onnx_runner(onnx_path, 1)(x), expected, atol=1e-5)
    run = litert_runner(litert_path, 1)
    np.testing.assert_allclose(run(x[:1]), expected[:1], atol=1e-5)
    with pytest.raises(ValueError, match="one image at a time, got 5"):
        run(x)
