"""Max-pool moved before the bias and activation it commutes with (bench.npcnn.pool_first)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from bench.npcnn import from_keras
from bench.npcnn.layers import Bias, Conv2D, Pool2D
from bench.npcnn.pool_first import pool_first


def _network(activation: str, pool_strides: int):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(9, 9, 2)),
        layers.Conv2D(5, 3, padding="same", activation=activation),
        layers.MaxPooling2D(2, strides=pool_strides, padding="same"),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ])
    model.layers[0].bias.assign(np.linspace(-1, 1, 5).astype(np.float32))
    return model, from_keras(model, threads=1)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "linear"])
@pytest.mark.parametrize("pool_strides", [2, 3])
def test_non_decreasing_activations_move_after_the_pool(activation, pool_strides) -> None:
    model, network = _network(activation, pool_strides)
    moved = pool_first(network.layers)
    assert isinstance(moved[0], Conv2D) and moved[0].bias is None
    assert isinstance(moved[1], Pool2D) and isinstance(moved[2], Bias)
    x = np.random.default_rng(1).normal(size=(4, 9, 9, 2)).astype(np.float32)
    expected = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_allclose(network.predict(x), expected, rtol=1e-5, atol=1e-5)


def test_a_stride_one_pool_keeps_bias_and_activation_in_the_convolution() -> None:
    _, network = _network("relu", 1)
    assert pool_first(network.layers) == network.layers


def test_softmax_and_average_pools_stay_in_place() -> None:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(6, 6, 1)),
                              layers.Conv2D(2, 3, activation="softmax"),
                              layers.MaxPooling2D(2), layers.Conv2D(2, 1, activation="relu"),
                              layers.AveragePooling2D(2)])
    network = from_keras(model, threads=1)
    assert pool_first(network.layers) == network.layers
