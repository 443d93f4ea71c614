"""BatchNorm moved after a max-pool and a shared blur (bench.npcnn.norm_after_blur)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from bench.npcnn import from_keras
from bench.npcnn.layers import BatchNorm, DepthwiseConv2D
from bench.npcnn.norm_after_blur import norm_after_blur
from bench.run.antialias import anti_aliased


def _model(gamma_sign: float) -> keras.Model:
    """Conv, ReLU, BatchNorm, MaxPool 2 (anti-aliased: stride 1 + 4x4 blur stride 2),
    Flatten, Dense; moving statistics far from the identity, gamma of the given sign."""
    keras.utils.set_random_seed(0)
    plain = keras.Sequential([
        keras.Input(shape=(9, 9, 3)),
        layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ])
    model = anti_aliased(plain, "norm_after_blur")
    rng = np.random.default_rng(1)
    norm = next(layer for layer in model.layers if isinstance(layer, layers.BatchNormalization))
    norm.moving_mean.assign(rng.normal(0.0, 0.5, 4).astype(np.float32))
    norm.moving_variance.assign(rng.uniform(0.2, 2.0, 4).astype(np.float32))
    norm.gamma.assign(gamma_sign * rng.uniform(0.5, 2.0, 4).astype(np.float32))
    norm.beta.assign(rng.normal(0.0, 0.5, 4).astype(np.float32))
    return model


@pytest.mark.parametrize(("gamma_sign", "moved"), [(1.0, True), (-1.0, False)],
                         ids=["positive-scales-move", "negative-scales-stay"])
def test_batch_norm_moves_after_the_blur_with_an_offset_map(gamma_sign, moved) -> None:
    """The blur's zero padding reaches the borders of the 4x4 output: the moved offset
    is a map, smaller there, and the result still equals Keras' layer by layer."""
    model = _model(gamma_sign)
    network = from_keras(model, threads=1)
    rewritten = norm_after_blur(network.layers)
    kinds = [type(layer) for layer in rewritten]
    norm = kinds.index(BatchNorm)
    assert (norm > kinds.index(DepthwiseConv2D)) == moved
    if moved:
        offset = rewritten[norm].offset
        assert offset.shape == (4, 4, 4)
        assert not np.allclose(offset[0, 0], offset[1, 1])  # border against interior
    x = np.random.default_rng(2).random((6, 9, 9, 3), dtype=np.float32)
    expected = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_allclose(network.predict(x), expected, rtol=1e-5, atol=1e-5)
