"""bench.npcnn.layer_times: the engine's seconds per fused layer, without changing its output."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from bench.npcnn import from_keras
from bench.npcnn.flops import layer_flops
from bench.npcnn.layer_times import TimedNetwork, algorithm, layer_times


def _model() -> keras.Model:
    keras.utils.set_random_seed(1)
    model = keras.Sequential([
        keras.Input((12, 12, 2)),
        layers.Conv2D(4, 5, padding="valid", activation="relu"),
        layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ])
    return model


@pytest.mark.parametrize("threads", [1, 2])
def test_every_fused_layer_is_timed_and_the_output_is_the_engine_s(threads: int) -> None:
    model = _model()
    network = from_keras(model, threads=threads, chunk_size=3)
    x = np.random.default_rng(0).random((10, 12, 12, 2), dtype=np.float32)
    found = layer_times(network, x, passes=2)
    assert [t.name for t in found] == [layer.name for layer in network._fused]
    assert all(t.seconds > 0 for t in found)
    flops = dict(layer_flops(network))
    conv_5x5, conv = found[0], found[1]
    assert conv.flops_per_image == flops[conv.name] == 2 * 8 * 8 * 4 * 3 * 3 * 4
    assert conv_5x5.label == "conv 5x5" and conv_5x5.algorithm == "im2col"
    assert found[-1].label == "dense 3" and found[-1].flops_per_image == 2 * 4 * 4 * 4 * 3
    timed = TimedNetwork(**{f: getattr(network, f) for f in ("name", "input_shape", "layers",
                                                               "chunk_size", "threads")})
    np.testing.assert_array_equal(timed.predict(x), network.predict(x))
    assert set(timed.seconds) == set(range(len(network._fused)))


def test_the_algorithm_names_what_a_convolution_runs() -> None:
    keras.utils.set_random_seed(2)
    wide = keras.Sequential([keras.Input((8, 8, 32)), layers.Conv2D(8, 3, padding="same")])
    assert algorithm(from_keras(wide).layers[0]).startswith("Winograd F(")  # 3x3 stride 1
    assert algorithm(from_keras(wide, winograd=False).layers[0]) == "im2col"
    assert algorithm(from_keras(wide, conv="naive").layers[0]) == "naive loops"
    network = from_keras(_model())
    assert algorithm(network.layers[-1]) == ""
    with pytest.raises(ValueError, match="passes must be >= 1"):
        layer_times(network, np.zeros((1, 12, 12, 2), dtype=np.float32), passes=0)
