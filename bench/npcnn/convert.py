"""Copy a built Keras Sequential model into a NumPy :class:`~bench.npcnn.network.Network`.

Each supported Keras layer class has one converter that checks every option the
engine could get wrong (data format, dilation, groups, padding, dtype, axes...)
and raises ``NotImplementedError`` naming the layer and the option otherwise:
an unsupported model fails loudly instead of predicting something different.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NoReturn

import keras
import numpy as np

from bench.npcnn.activations import SUPPORTED, Activation
from bench.npcnn.conv import PADDINGS
from bench.npcnn.depthwise import band_matrix, separable_taps, shared_taps
from bench.npcnn.layers import (
    CONV_METHODS,
    ActivationLayer,
    BatchNorm,
    Conv2D,
    Dense,
    DepthwiseConv2D,
    Flatten,
    GlobalAveragePool2D,
    Identity,
    Layer,
    Pool2D,
)
from bench.npcnn.network import REWRITES, Network, auto_chunk_size, usable_cores
from bench.npcnn.planner import plan_network
from bench.npcnn.winograd import tiles_per_side, winograd_kernel
from bench.npcnn.winograd_f3 import winograd_f3_kernel

WINOGRAD_MIN_CHANNELS = 8
"""Input channels from which a 3x3 stride-1 convolution runs Winograd F(2x2, 3x3): with
fewer, its 16 products per tile are too thin to beat im2col's one product."""
WINOGRAD_MAX_WASTE = 1.5
"""Largest ratio of outputs computed (whole 2x2 tiles) to outputs kept for Winograd: an odd
output size computes a spare row and column (5x5 outputs cost 6x6, 1.44). On mnist_cnn_gap's
small maps, allowing 1.5 instead of 1.25 sped its 7x7 and 5x5 outputs up by 11% and 15%;
its 3x3 outputs (1.78) ran 4% slower than im2col."""
F3_MAX_PRODUCTS = 0.75
"""Largest ratio of F(3x3, 3x3)'s products (25 per tile of 3x3 outputs) to F(2x2, 3x3)'s
(16 per tile of 2x2) at which a convolution runs F(3x3) instead. One run of
docs/scaling-scripts/winograd_or_im2col.py (one thread, median ms per 1,024 images, F(3x3)
against F(2x2)): 3x3 outputs (ratio 0.39), 256 -> 576 channels, 121 against 257; 5x5
(0.69) 114 against 133; 9x9 (0.56) 85 against 125 and 32 against 41; 32x32 (0.74) 237
against 272; but 16x16 and 8x8 (0.88) about even (126 against 116, 84 against 78, 128
against 135), 4x4 and 2x2 (1.56) 1.8x slower; 11x11 from 10 channels (0.69) 20 against
18, the one loss it lets through."""


def _winograd_transform(kernel: np.ndarray, strides: tuple[int, int],
                        output_shape: tuple[int, ...], f3: bool) -> np.ndarray | None:
    """The transformed kernel of the Winograd variant this convolution runs, if any: none
    unless 3x3, stride 1 and enough input channels; F(3x3, 3x3) (if ``f3``) where it needs
    at most :data:`F3_MAX_PRODUCTS` times F(2x2, 3x3)'s products; else F(2x2, 3x3) where
    its tiles waste at most :data:`WINOGRAD_MAX_WASTE` of (out_h, out_w)."""
    if (kernel.shape[:2] != (3, 3) or strides != (1, 1)
            or kernel.shape[2] < WINOGRAD_MIN_CHANNELS):
        return None
    out_h, out_w = output_shape[:2]
    f2_tiles = tiles_per_side(out_h, 2) * tiles_per_side(out_w, 2)
    f3_tiles = tiles_per_side(out_h, 3) * tiles_per_side(out_w, 3)
    if f3 and 25 * f3_tiles <= F3_MAX_PRODUCTS * 16 * f2_tiles:
        return winograd_f3_kernel(kernel)
    if 4 * f2_tiles <= WINOGRAD_MAX_WASTE * out_h * out_w:
        return winograd_kernel(kernel)
    return None


Converter = Callable[[keras.layers.Layer], Layer]


def _unsupported(layer: keras.layers.Layer, option: str, value: object, allowed: str) -> NoReturn:
    raise NotImplementedError(
        f"npcnn cannot run layer {layer.name!r} ({type(layer).__name__}): "
        f"{option}={value!r} is not supported (supported: {allowed})"
    )


def _require(layer: keras.layers.Layer, option: str, value: object, allowed: tuple) -> None:
    if value not in allowed:
        _unsupported(layer, option, value, ", ".join(map(repr, allowed)))


def _numpy(variable: object) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(variable), dtype=np.float32)


def _activation(layer: keras.layers.Layer, function: object) -> Activation:
    """The engine's version of a built-in Keras activation (fused or a layer's).

    Matched by identity with ``keras.activations.get(name)``, so a custom function
    that merely shares a built-in's name is refused too.
    """
    for name in SUPPORTED:
        if function is keras.activations.get(name):
            return Activation(name)
    _unsupported(layer, "activation", getattr(function, "__name__", function), ", ".join(SUPPORTED))


def _pair(value: int | tuple[int, ...]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _conv2d(layer: keras.layers.Conv2D, method: str, chunk_size: int | None,
            winograd: bool, winograd_f3: bool) -> Conv2D:
    _require(layer, "dilation_rate", _pair(layer.dilation_rate), ((1, 1),))
    _require(layer, "groups", layer.groups, (1,))
    _require(layer, "padding", layer.padding, PADDINGS)
    kernel = _numpy(layer.kernel)
    transformed = (_winograd_transform(kernel, _pair(layer.strides), layer.output.shape[1:],
                                       winograd_f3)
                   if winograd and method == "vectorised" else None)
    return Conv2D(
        name=layer.name,
        kernel=kernel,
        bias=_numpy(layer.bias) if layer.use_bias else None,
        strides=_pair(layer.strides),
        padding=layer.padding,
        activation=_activation(layer, layer.activation),
        method=method,
        chunk_size=chunk_size,
        winograd=transformed,
    )


def _bands(layer: keras.layers.DepthwiseConv2D,
           taps: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray] | None:
    """The band matrices of a depthwise layer whose channels share one rank-1 filter."""
    shared = None if taps is None else shared_taps(taps)
    if shared is None:
        return None
    (h, w), (sh, sw) = layer.input.shape[1:3], _pair(layer.strides)
    return (band_matrix(h, shared[0], sh, layer.padding),
            band_matrix(w, shared[1], sw, layer.padding))


def _depthwise(layer: keras.layers.DepthwiseConv2D, method: str,
               separable: bool, banded: bool) -> DepthwiseConv2D:
    _require(layer, "dilation_rate", _pair(layer.dilation_rate), ((1, 1),))
    _require(layer, "padding", layer.padding, PADDINGS)
    kernel = _numpy(layer.kernel)
    taps = separable_taps(kernel) if method == "vectorised" else None
    return DepthwiseConv2D(
        name=layer.name,
        kernel=kernel,
        bias=_numpy(layer.bias) if layer.use_bias else None,
        strides=_pair(layer.strides),
        padding=layer.padding,
        activation=_activation(layer, layer.activation),
        method=method,
        separable=taps if separable else None,
        bands=_bands(layer, taps) if banded else None,
    )


def _global_average(layer: keras.layers.GlobalAveragePooling2D) -> GlobalAveragePool2D:
    return GlobalAveragePool2D(layer.name, keepdims=bool(layer.keepdims))


def _dense(layer: keras.layers.Dense) -> Dense:
    return Dense(
        name=layer.name,
        kernel=_numpy(layer.kernel),
        bias=_numpy(layer.bias) if layer.use_bias else None,
        activation=_activation(layer, layer.activation),
    )


def _pool(kind: str) -> Converter:
    def convert(layer: keras.layers.Layer) -> Pool2D:
        _require(layer, "padding", layer.padding, PADDINGS)
        return Pool2D(layer.name, kind, _pair(layer.pool_size), _pair(layer.strides), layer.padding)

    return convert


def _batch_norm(layer: keras.layers.BatchNormalization):
    last_axis = len(layer.input.shape) - 1
    _require(layer, "axis", layer.axis, (-1, last_axis))
    _require(layer, "renorm", layer.renorm, (False,))
    return BatchNorm.from_statistics(
        layer.name,
        mean=_numpy(layer.moving_mean),
        variance=_numpy(layer.moving_variance),
        epsilon=float(layer.epsilon),
        gamma=_numpy(layer.gamma) if layer.scale else None,
        beta=_numpy(layer.beta) if layer.center else None,
    )


def _flatten(layer: keras.layers.Flatten) -> Flatten:
    return Flatten(layer.name)


def _dropout(layer: keras.layers.Dropout) -> Identity:
    return Identity(layer.name)


def _activation_layer(layer: keras.layers.Activation):
    return ActivationLayer(layer.name, _activation(layer, layer.activation))


def _relu_layer(layer: keras.layers.ReLU) -> ActivationLayer:
    _require(layer, "max_value", layer.max_value, (None,))
    _require(layer, "threshold", float(layer.threshold), (0.0,))
    slope = float(layer.negative_slope)
    if slope == 0.0:
        return ActivationLayer(layer.name, Activation("relu"))
    return ActivationLayer(layer.name, Activation("leaky_relu", slope))


def _leaky_relu_layer(layer: keras.layers.LeakyReLU):
    return ActivationLayer(layer.name, Activation("leaky_relu", float(layer.negative_slope)))


def _softmax_layer(layer: keras.layers.Softmax):
    _require(layer, "axis", layer.axis, (-1,))
    return ActivationLayer(layer.name, Activation("softmax"))


CONVERTERS: dict[type, Converter] = {
    keras.layers.Conv2D: functools.partial(_conv2d, method="vectorised", chunk_size=None,
                                           winograd=True, winograd_f3=True),
    keras.layers.DepthwiseConv2D: functools.partial(_depthwise, method="vectorised",
                                                    separable=True, banded=True),
    keras.layers.Dense: _dense,
    keras.layers.GlobalAveragePooling2D: _global_average,
    keras.layers.MaxPooling2D: _pool("max"),
    keras.layers.AveragePooling2D: _pool("average"),
    keras.layers.BatchNormalization: _batch_norm,
    keras.layers.Flatten: _flatten,
    keras.layers.Dropout: _dropout,
    keras.layers.Activation: _activation_layer,
    keras.layers.ReLU: _relu_layer,
    keras.layers.LeakyReLU: _leaky_relu_layer,
    keras.layers.Softmax: _softmax_layer,
}


def _convert_layer(layer: keras.layers.Layer, converters: dict[type, Converter]) -> Layer:
    converter = converters.get(type(layer))
    if converter is None:
        names = ", ".join(sorted(cls.__name__ for cls in converters))
        raise NotImplementedError(
            f"npcnn cannot run layer {layer.name!r}: layer type {type(layer).__name__} "
            f"is not supported (supported: {names})"
        )
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        _unsupported(layer, "data_format", layer.data_format, "'channels_last'")
    _require(layer, "dtype policy", layer.dtype_policy.name, ("float32",))
    return converter(layer)


def from_keras(
    model: keras.Model,
    conv: str = "vectorised",
    chunk_size: int | None = None,
    conv_chunk_size: int | None = None,
    threads: int | None = None,
    winograd: bool = True,
    winograd_f3: bool = True,
    separable: bool = True,
    banded: bool = True,
    rewrites: tuple[str, ...] = REWRITES,
    plan: str = "rule",
) -> Network:
    """Copy a built ``keras.Sequential`` model's weights into a NumPy network.

    ``conv`` picks the convolution, plain and depthwise (``"vectorised"``, or the
    ``"naive"`` reference loops). ``chunk_size``: images per pass through the
    whole network in ``predict`` (None: the largest layer output of a pass fills
    about :data:`bench.npcnn.network.ACTIVATION_BYTES`); ``conv_chunk_size``:
    images per im2col block (None: about :data:`bench.npcnn.conv.BLOCK_BYTES`);
    ``threads``: chunks run in parallel (None: the cores this process may use);
    ``winograd``: 3x3 stride-1 convolutions with at least :data:`WINOGRAD_MIN_CHANNELS`
    input channels run Winograd F(2x2, 3x3) (False: im2col for all); ``winograd_f3``:
    those where F(3x3, 3x3) needs far fewer products (:data:`F3_MAX_PRODUCTS`) run it
    instead; ``separable``:
    depthwise convolutions with rank-1 filters run in two passes; ``banded``: those whose
    channels all share the filter (the blurs) run as two matrix products with band
    matrices instead, whatever ``separable`` says; ``rewrites``: what
    ``predict`` may rewrite (:data:`bench.npcnn.network.REWRITES`); ``plan``: how each
    plain convolution picks im2col or a Winograd variant (:mod:`bench.npcnn.planner`:
    ``"rule"``, the rule above; ``"measure"``, timed on this machine and cached; or one
    algorithm forced wherever it applies). Raises
    ``NotImplementedError`` naming the layer and option for anything the engine
    would not reproduce exactly.
    """
    if not isinstance(model, keras.Sequential):
        raise NotImplementedError(
            f"npcnn.from_keras supports keras.Sequential models only; "
            f"{model.name!r} is a {type(model).__name__}"
        )
    if conv not in CONV_METHODS:
        raise ValueError(f"conv must be one of {CONV_METHODS}, got {conv!r}")
    if not model.built:
        raise ValueError(f"model {model.name!r} is not built: give it a keras.Input first")
    converters = {
        **CONVERTERS,
        keras.layers.Conv2D: functools.partial(_conv2d, method=conv, chunk_size=conv_chunk_size,
                                               winograd=winograd, winograd_f3=winograd_f3),
        keras.layers.DepthwiseConv2D: functools.partial(_depthwise, method=conv,
                                                        separable=separable, banded=banded),
    }
    layers = tuple(_convert_layer(layer, converters) for layer in model.layers)
    if chunk_size is None:  # Flatten and Dropout return views: they allocate nothing
        largest = max(int(np.prod(layer.output.shape[1:])) for layer in model.layers
                      if not isinstance(layer, keras.layers.Flatten | keras.layers.Dropout))
        chunk_size = auto_chunk_size(largest)
    threads = usable_cores() if threads is None else threads
    network = Network(model.name, tuple(model.input_shape[1:]), layers, chunk_size, threads,
                      tuple(rewrites))
    return plan_network(network, plan)
