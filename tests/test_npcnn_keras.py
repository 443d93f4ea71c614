"""The NumPy engine reproduces Keras: layer by layer, whole models, and loud refusals.

Tolerance: ``ATOL = 1e-5`` on |numpy - keras| / max(1, |keras|), i.e. an absolute 1e-5 on
probabilities. float32 carries about 7 significant digits (eps = 1.2e-7), and BLAS and
oneDNN add the products of a convolution in different orders, so pre-activations of
magnitude ~1 built from ~10^3 products differ by ~1e-6; a real mistake (a padding off
by one pixel, a transposed kernel, a missing bias) moves outputs by 1e-3 or more.
"""

from __future__ import annotations

import dataclasses
import functools

import keras
import numpy as np
import pytest
from keras import layers

from bench.npcnn import assert_matches_keras, from_keras, keras_layer_outputs
from bench.npcnn.layers import Conv2D, DepthwiseConv2D
from bench.npcnn.memory import peak_predict_bytes
from bench.run import architectures as models

ATOL = 1e-5

ARCHITECTURES = {
    # name: (builder, input shape, classes)
    "mnist_mlp": (models.mnist_mlp, (28, 28, 1), 10),
    "mnist_cnn": (models.mnist_cnn, (28, 28, 1), 10),
    "gender_cnn": (models.gender_cnn, (50, 50, 1), 2),
    "cifar10_cnn": (models.cifar10_cnn, (32, 32, 3), 10),
    "mnist_cnn_gap": (models.mnist_cnn_gap, (28, 28, 1), 10),
    "mnist_cnn_aa": (models.mnist_cnn_aa, (28, 28, 1), 10),
    "gender_cnn_gap": (models.gender_cnn_gap, (50, 50, 1), 2),
    "gender_cnn_aa": (models.gender_cnn_aa, (50, 50, 1), 2),
    "cifar10_cnn_gap": (models.cifar10_cnn_gap, (32, 32, 3), 10),
    "cifar10_cnn_aa": (models.cifar10_cnn_aa, (32, 32, 3), 10),
}
CONV_ARCHITECTURES = [name for name in ARCHITECTURES if name != "mnist_mlp"]


def _randomise_batch_norm(model: keras.Model, rng: np.random.Generator) -> None:
    """Moving statistics far from their (0, 1) initial values, so BN really acts."""
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            size = layer.moving_mean.shape
            layer.moving_mean.assign(rng.normal(0.0, 0.5, size).astype(np.float32))
            layer.moving_variance.assign(rng.uniform(0.2, 2.0, size).astype(np.float32))
            if layer.scale:
                layer.gamma.assign(rng.uniform(0.5, 1.5, size).astype(np.float32))
            if layer.center:
                layer.beta.assign(rng.normal(0.0, 0.3, size).astype(np.float32))


@functools.cache
def _architecture(name: str, state: str) -> keras.Model:
    """A model as built ("random" init) or after two Adam steps on random data ("trained")."""
    builder, shape, classes = ARCHITECTURES[name]
    keras.utils.set_random_seed(11)
    model = builder(shape, classes)
    if state == "trained":
        rng = np.random.default_rng(5)
        loss = "binary_crossentropy" if classes == 2 else "sparse_categorical_crossentropy"
        model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=loss, run_eagerly=True)
        x = rng.random((8, *shape), dtype=np.float32)
        y = rng.integers(0, classes, size=8)
        model.fit(x, y, batch_size=4, epochs=1, verbose=0)
        _randomise_batch_norm(model, rng)
    return model


def _images(shape: tuple[int, ...], n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, *shape), dtype=np.float32)


@pytest.mark.parametrize("state", ["random", "trained"])
@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_architecture_matches_keras(arch: str, state: str) -> None:
    _, shape, classes = ARCHITECTURES[arch]
    model = _architecture(arch, state)
    network = from_keras(model, chunk_size=3)  # 8 images in chunks of at most 3
    x = _images(shape, 8)
    assert network.predict(x).shape == (8, 1 if classes == 2 else classes)  # sigmoid head
    assert_matches_keras(model, network, x, ATOL)


@pytest.mark.parametrize("arch", CONV_ARCHITECTURES)
def test_naive_convolution_engine_matches_keras(arch: str) -> None:
    model = _architecture(arch, "trained")
    x = _images(ARCHITECTURES[arch][1], 1, seed=1)
    assert_matches_keras(model, from_keras(model, conv="naive"), x, ATOL)


@pytest.mark.parametrize("banded", [True, False], ids=["banded", "two-pass"])
def test_blurs_run_as_band_products_or_tap_passes_alike(banded: bool) -> None:
    """The anti-aliased CNN's blurs share one binomial filter across channels, so the
    converter gives them band matrices (unless told not to); both paths match Keras."""
    model = _architecture("gender_cnn_aa", "trained")
    network = from_keras(model, banded=banded, chunk_size=3)
    blurs = [layer for layer in network.layers if isinstance(layer, DepthwiseConv2D)]
    assert len(blurs) == 3
    assert all((layer.bands is not None) == banded for layer in blurs)
    assert all(layer.separable is not None for layer in blurs)
    assert_matches_keras(model, network, _images((50, 50, 1), 5, seed=3), ATOL)


def test_outputs_that_tile_well_by_three_run_winograd_f3() -> None:
    """MNIST CNN-GAP's 11x11, 9x9, 5x5 and 3x3 outputs run F(3x3, 3x3), its 7x7 output
    (3 x 3 tiles of 3 for 4 x 4 of 2: about as many products) F(2x2, 3x3), its first
    convolution (1 channel) im2col; with ``winograd_f3=False`` they go back to F(2x2)
    or, on the 3x3 output, im2col."""
    model = _architecture("mnist_cnn_gap", "trained")
    variants = {True: [None, 25, 25, 16, 25, 25, None], False: [None, 16, 16, 16, 16, None, None]}
    for f3, expected in variants.items():
        network = from_keras(model, winograd_f3=f3)
        found = [None if layer.winograd is None else len(layer.winograd)
                 for layer in network.layers if isinstance(layer, Conv2D)]
        assert found == expected
        assert_matches_keras(model, network, _images((28, 28, 1), 6, seed=4), ATOL)


def test_threads_and_chunks_do_not_change_the_prediction() -> None:
    model = _architecture("cifar10_cnn", "trained")
    x = _images((32, 32, 3), 10, seed=2)
    whole = from_keras(model, chunk_size=10, threads=1).predict(x)
    for chunk_size, threads in [(1, 1), (3, 2), (4, 3)]:
        parts = from_keras(model, chunk_size=chunk_size, threads=threads).predict(x)
        # Not bit for bit: BLAS blocks its products differently for other matrix sizes.
        np.testing.assert_allclose(parts, whole, rtol=0, atol=ATOL)


def test_chunks_bound_the_peak_memory_of_predict() -> None:
    """mnist_cnn's conv output is 26 * 26 * 10 float32 = 27 KB an image: 64 at once need
    > 1.7 MB, chunks of 4 about 16 times less."""
    model = _architecture("mnist_cnn", "random")
    x = _images((28, 28, 1), 64)
    whole = peak_predict_bytes(from_keras(model, chunk_size=64, threads=1), x)
    chunked = peak_predict_bytes(from_keras(model, chunk_size=4, threads=1), x)
    assert whole > 64 * 26 * 26 * 10 * 4
    assert chunked < whole / 4


def test_layer_outputs_have_keras_names_and_shapes() -> None:
    model = _architecture("cifar10_cnn", "random")
    x = _images((32, 32, 3), 2)
    ours = from_keras(model).layer_outputs(x)
    theirs = keras_layer_outputs(model, x)
    assert [(name, out.shape) for name, out in ours] == [(n, o.shape) for n, o in theirs]


def test_failure_message_names_the_first_diverging_layer_side_by_side() -> None:
    model = _architecture("mnist_cnn", "random")
    network = from_keras(model)
    conv = network.layers[0]
    broken = dataclasses.replace(conv, bias=conv.bias + np.float32(1e-3))
    network = dataclasses.replace(network, layers=(broken, *network.layers[1:]))
    with pytest.raises(AssertionError) as error:
        assert_matches_keras(model, network, _images((28, 28, 1), 2), ATOL)
    message = str(error.value)
    assert f"first layer that diverges, layer 0 '{conv.name}'" in message
    assert "keras" in message and "numpy" in message and "<-" in message


def _single_layer_model(layer: layers.Layer, shape: tuple[int, ...]) -> keras.Model:
    """One layer after an Input, its weights drawn at random (std 0.5), seeded."""
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input(shape=shape), layer])
    rng = np.random.default_rng(4)
    layer.set_weights([rng.normal(0.0, 0.5, w.shape).astype(np.float32) for w in layer.weights])
    _randomise_batch_norm(model, rng)
    return model


def _check_layer(layer: layers.Layer, shape: tuple[int, ...]) -> None:
    model = _single_layer_model(layer, shape)
    x = np.random.default_rng(2).normal(size=(4, *shape)).astype(np.float32)
    network = from_keras(model, chunk_size=3)
    assert network.predict(x).shape == tuple(model(x).shape)
    assert_matches_keras(model, network, x, ATOL)


CONV_LAYERS = [
    # (filters, kernel, strides, padding, activation, use_bias, input shape)
    (4, (3, 3), (1, 1), "valid", "relu", True, (7, 7, 2)),
    (3, (3, 3), (1, 1), "same", "linear", True, (6, 5, 3)),
    (2, (2, 2), (1, 1), "same", "tanh", True, (6, 6, 1)),
    (3, (4, 4), (1, 1), "same", "sigmoid", False, (7, 6, 2)),
    (5, (3, 3), (2, 2), "same", "leaky_relu", True, (8, 8, 3)),
    (2, (3, 2), (2, 3), "same", "relu", True, (9, 7, 2)),
    (3, (5, 5), (3, 2), "valid", "linear", True, (11, 10, 1)),
    (4, (1, 1), (1, 1), "valid", "softmax", True, (5, 5, 3)),
]


@pytest.mark.parametrize(
    "case", CONV_LAYERS, ids=lambda c: f"k{c[1][0]}x{c[1][1]}-s{c[2][0]}x{c[2][1]}-{c[3]}-{c[4]}"
)
def test_conv2d_layer_matches_keras(case: tuple) -> None:
    filters, kernel, strides, padding, activation, use_bias, shape = case
    layer = layers.Conv2D(filters, kernel, strides, padding, activation=activation,
                          use_bias=use_bias)  # fmt: skip
    _check_layer(layer, shape)


DEPTHWISE_LAYERS = [
    # (kernel, strides, padding, depth multiplier, activation, use_bias, input shape)
    ((3, 3), (1, 1), "valid", 1, "linear", True, (7, 7, 3)),
    ((4, 4), (2, 2), "same", 1, "linear", False, (13, 13, 4)),  # the cnn-aa blur
    ((4, 4), (2, 2), "same", 1, "linear", False, (12, 12, 2)),
    ((7, 7), (5, 5), "same", 1, "linear", False, (44, 44, 2)),  # the face CNN's blur
    ((3, 2), (2, 3), "same", 2, "relu", True, (9, 8, 3)),
    ((2, 2), (1, 1), "valid", 3, "tanh", True, (5, 6, 2)),
]


@pytest.mark.parametrize(
    "case", DEPTHWISE_LAYERS,
    ids=lambda c: f"k{c[0][0]}x{c[0][1]}-s{c[1][0]}x{c[1][1]}-{c[2]}-m{c[3]}-{c[4]}",
)  # fmt: skip
def test_depthwise_conv2d_layer_matches_keras(case: tuple) -> None:
    kernel, strides, padding, multiplier, activation, use_bias, shape = case
    _check_layer(layers.DepthwiseConv2D(kernel, strides, padding, depth_multiplier=multiplier,
                                        activation=activation, use_bias=use_bias), shape)


@pytest.mark.parametrize("keepdims", [False, True], ids=["flat", "keepdims"])
@pytest.mark.parametrize("shape", [(5, 7, 3), (1, 1, 4), (13, 13, 10)], ids=str)
def test_global_average_pooling_matches_keras(shape: tuple, keepdims: bool) -> None:
    _check_layer(layers.GlobalAveragePooling2D(keepdims=keepdims), shape)


POOL_LAYERS = [
    # (pool size, strides, padding, input shape)
    ((2, 2), (1, 1), "valid", (26, 26, 3)),  # the cnn-aa max-pool before its blur
    ((5, 5), (1, 1), "valid", (12, 12, 2)),
    ((2, 2), None, "valid", (6, 6, 3)),
    ((2, 2), None, "valid", (7, 5, 2)),
    ((5, 5), None, "valid", (12, 12, 2)),
    ((3, 3), (2, 2), "valid", (7, 8, 1)),
    ((2, 2), None, "same", (5, 7, 2)),
    ((3, 3), (1, 1), "same", (5, 5, 2)),
    ((3, 2), (2, 3), "same", (7, 8, 2)),
]


@pytest.mark.parametrize("layer_class", [layers.MaxPooling2D, layers.AveragePooling2D])
@pytest.mark.parametrize(
    "case", POOL_LAYERS, ids=lambda c: f"p{c[0][0]}x{c[0][1]}-s{c[1]}-{c[2]}-{c[3][0]}x{c[3][1]}"
)
def test_pooling_layer_matches_keras(layer_class: type, case: tuple) -> None:
    pool_size, strides, padding, shape = case
    _check_layer(layer_class(pool_size=pool_size, strides=strides, padding=padding), shape)


@pytest.mark.parametrize(
    "activation", ["relu", "sigmoid", "softmax", "tanh", "leaky_relu", "linear"]
)
def test_dense_layer_with_fused_activation_matches_keras(activation: str) -> None:
    _check_layer(layers.Dense(7, activation=activation), (12,))


@pytest.mark.parametrize(
    ("layer", "shape"),
    [
        (layers.Dense(3, use_bias=False), (4, 4, 2)),  # Dense acts on the last axis
        (layers.BatchNormalization(), (5, 5, 3)),
        (layers.BatchNormalization(epsilon=0.1, center=False), (5, 5, 3)),
        (layers.BatchNormalization(scale=False), (6,)),
        (layers.BatchNormalization(axis=3, center=False, scale=False), (3, 4, 2)),
        (layers.Activation("relu"), (3, 3, 2)),
        (layers.Activation("sigmoid"), (5,)),
        (layers.Activation("softmax"), (2, 2, 4)),
        (layers.Activation("tanh"), (5,)),
        (layers.Activation("leaky_relu"), (5,)),
        (layers.Activation("linear"), (5,)),
        (layers.ReLU(), (5,)),
        (layers.ReLU(negative_slope=0.1), (5,)),
        (layers.LeakyReLU(negative_slope=0.3), (3, 3, 1)),
        (layers.Softmax(), (6,)),
        (layers.Dropout(0.5), (3, 3, 2)),
        (layers.Flatten(), (3, 4, 2)),
    ],
    ids=lambda v: v.name if isinstance(v, layers.Layer) else None,
)
def test_other_layers_match_keras(layer: layers.Layer, shape: tuple[int, ...]) -> None:
    _check_layer(layer, shape)


def _double(t):
    """A custom activation the engine cannot know."""
    return t * 2


def _functional() -> keras.Model:
    inputs = keras.Input((4, 4, 1))
    return keras.Model(inputs, layers.Flatten()(inputs), name="functional_net")


def _sequential(layer: layers.Layer, shape=(8, 8, 2)) -> keras.Model:
    return keras.Sequential([keras.Input(shape), layer])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: _sequential(layers.Conv2D(2, 3, data_format="channels_first", name="cf"),
                             (2, 8, 8)),
         r"'cf'.*data_format='channels_first'"),
        (lambda: _sequential(layers.Conv2D(2, 3, groups=2, name="g")), r"'g'.*groups=2"),
        (lambda: _sequential(layers.Conv2D(2, 3, dilation_rate=2, name="d")),
         r"'d'.*dilation_rate=\(2, 2\)"),
        (lambda: _sequential(layers.Conv2D(2, 3, activation=_double, name="twice")),
         r"'twice'.*activation='_double'"),
        (lambda: _sequential(layers.Conv2D(2, 3, activation="gelu", name="ge")),
         r"'ge'.*activation='gelu'"),
        (lambda: _sequential(layers.RandomRotation(0.1, name="rot")),
         r"'rot'.*RandomRotation is not supported"),
        (lambda: _sequential(layers.MaxPooling2D(2, data_format="channels_first", name="mp"),
                             (2, 8, 8)),
         r"'mp'.*data_format"),
        (lambda: _sequential(layers.BatchNormalization(axis=1, name="bn")), r"'bn'.*axis=1"),
        (lambda: _sequential(layers.ReLU(max_value=6.0, name="r6")), r"'r6'.*max_value=6.0"),
        (lambda: _sequential(layers.Softmax(axis=1, name="sm")), r"'sm'.*axis=1"),
        (lambda: _sequential(layers.Dense(2, dtype="mixed_float16", name="half")),
         r"'half'.*dtype policy='mixed_float16'"),
        (_functional, r"keras.Sequential models only; 'functional_net'"),
        (lambda: _sequential(layers.DepthwiseConv2D(3, dilation_rate=2, name="dd")),
         r"'dd'.*dilation_rate=\(2, 2\)"),
        (lambda: _sequential(layers.GlobalAveragePooling2D(data_format="channels_first",
                                                           name="gcf"), (2, 8, 8)),
         r"'gcf'.*data_format='channels_first'"),
        (lambda: _sequential(layers.GlobalMaxPooling2D(name="gmax")),
         r"'gmax'.*GlobalMaxPooling2D is not supported"),
    ],
    ids=[
        "channels_first", "groups", "dilation", "custom-activation", "gelu", "random-rotation",
        "pool-channels_first", "bn-axis", "relu-max_value", "softmax-axis", "float16",
        "functional", "depthwise-dilation", "gap-channels_first", "global-max",
    ],
)  # fmt: skip
def test_unsupported_layers_and_options_are_refused_by_name(make, message) -> None:
    with pytest.raises(NotImplementedError, match=message):
        from_keras(make())


def test_predict_rejects_a_batch_of_the_wrong_shape() -> None:
    network = from_keras(_architecture("mnist_mlp", "random"))
    with pytest.raises(ValueError, match=r"expects a batch of shape \(n, 28, 28, 1\)"):
        network.predict(np.zeros((2, 28, 28), dtype=np.float32))


def test_unknown_conv_method_is_refused() -> None:
    with pytest.raises(ValueError, match="conv must be one of"):
        from_keras(_architecture("mnist_cnn", "random"), conv="winograd")
