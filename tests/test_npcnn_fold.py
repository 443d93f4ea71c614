"""BatchNorm folding (bench.npcnn.fold): predict with folded layers == the model's layers."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from bench.npcnn import from_keras
from bench.npcnn.fold import fold_batch_norms
from bench.npcnn.layers import BatchNorm


def _model(stack: list[layers.Layer], shape=(8, 8, 9)) -> keras.Model:
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input(shape=shape), *stack])


def _set_statistics(model: keras.Model, gamma_sign: float) -> None:
    """Moving statistics and gamma far from the identity, gamma of the given sign."""
    rng = np.random.default_rng(1)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            size = layer.moving_mean.shape
            layer.moving_mean.assign(rng.normal(0.0, 0.5, size).astype(np.float32))
            layer.moving_variance.assign(rng.uniform(0.2, 2.0, size).astype(np.float32))
            layer.gamma.assign(gamma_sign * rng.uniform(0.5, 2.0, size).astype(np.float32))
            layer.beta.assign(rng.normal(0.0, 0.5, size).astype(np.float32))


def _check(model: keras.Model, norms_left: int) -> None:
    network = from_keras(model, threads=1)
    folded = fold_batch_norms(network.layers)
    assert sum(isinstance(layer, BatchNorm) for layer in folded) == norms_left
    x = np.random.default_rng(2).random((5, *model.input_shape[1:]), dtype=np.float32)
    expected = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_allclose(network.predict(x), expected, rtol=1e-5, atol=1e-5)
    unfolded = network.layer_outputs(x)[-1][1]  # the model's own layers, one by one
    np.testing.assert_allclose(network.predict(x), unfolded, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize(("kernel", "channels"), [(3, 9), (2, 9), (3, 3)],
                         ids=["3x3-winograd", "2x2-im2col", "3x3-few-channels"])
def test_batch_norm_folds_into_the_next_convolution_with_its_padding(padding, kernel,
                                                                      channels) -> None:
    model = _model([layers.BatchNormalization(),
                    layers.Conv2D(4, kernel, padding=padding), layers.Flatten(),
                    layers.Dense(3, activation="softmax")], shape=(8, 8, channels))
    _set_statistics(model, -1.0)  # negative scales fold straight into a convolution
    _check(model, norms_left=0)


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_batch_norm_folds_into_a_winograd_f3_convolution(padding) -> None:
    """A 5x5 output (F(3x3, 3x3): 2 x 2 tiles): the folded kernel is transformed again by the
    same variant, and 'same' pads with the value the BatchNorm maps to 0."""
    model = _model([layers.BatchNormalization(),
                    layers.Conv2D(4, 3, padding=padding), layers.Flatten(),
                    layers.Dense(3, activation="softmax")], shape=(5, 5, 9))
    _set_statistics(model, -1.0)
    convolution = from_keras(model, threads=1).layers[1]
    assert len(convolution.winograd) == 25
    assert len(fold_batch_norms(from_keras(model, threads=1).layers)[0].winograd) == 25
    _check(model, norms_left=0)


def test_positive_scales_fold_through_max_pool_dropout_and_flatten_into_dense() -> None:
    model = _model([layers.Conv2D(6, 3, padding="same", activation="relu"),
                    layers.BatchNormalization(), layers.MaxPooling2D(2), layers.Dropout(0.3),
                    layers.Flatten(), layers.Dense(3, activation="softmax")])
    _set_statistics(model, 1.0)
    _check(model, norms_left=0)


def test_a_negative_scale_does_not_fold_through_a_max_pool() -> None:
    model = _model([layers.BatchNormalization(), layers.MaxPooling2D(2),
                    layers.Conv2D(4, 3, padding="same"), layers.Flatten(),
                    layers.Dense(3, activation="softmax")])
    _set_statistics(model, -1.0)
    _check(model, norms_left=1)


def test_a_batch_norm_before_a_non_linearity_stays() -> None:
    model = _model([layers.BatchNormalization(), layers.Activation("relu"),
                    layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(2)])
    _set_statistics(model, 1.0)
    _check(model, norms_left=1)
