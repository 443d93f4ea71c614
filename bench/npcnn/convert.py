"""Copy a built Keras Sequential model into a NumPy :class:`~bench.npcnn.network.Network`.

Each supported Keras layer class has one converter that checks every option the
engine could get wrong (data format, dilation, groups, padding, dtype, axes...)
and raises ``NotImplementedError`` naming the layer and the option otherwise:
an unsupported model fails loudly instead of predicting something different.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np

from bench.npcnn.activations import SUPPORTED, Activation
from bench.npcnn.conv import DEFAULT_CHUNK_SIZE, PADDINGS
from bench.npcnn.layers import (
    CONV_METHODS,
    ActivationLayer,
    BatchNorm,
    Conv2D,
    Dense,
    Flatten,
    Identity,
    Layer,
    Pool2D,
)
from bench.npcnn.network import Network

Converter = Callable[[keras.layers.Layer, str, int], Layer]


def _unsupported(layer: keras.layers.Layer, option: str, value: object, allowed: str) -> None:
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
    """The engine's version of a Keras activation function (fused or a layer's)."""
    try:
        name = keras.activations.serialize(function)
    except ValueError as error:
        raise NotImplementedError(
            f"npcnn cannot run layer {layer.name!r} ({type(layer).__name__}): "
            f"custom activation {function!r} is not supported (supported: {', '.join(SUPPORTED)})"
        ) from error
    _require(layer, "activation", name, SUPPORTED)
    return Activation(name)


def _pair(value: int | tuple[int, ...]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _conv2d(layer: keras.layers.Conv2D, method: str, chunk_size: int) -> Conv2D:
    _require(layer, "dilation_rate", _pair(layer.dilation_rate), ((1, 1),))
    _require(layer, "groups", layer.groups, (1,))
    _require(layer, "padding", layer.padding, PADDINGS)
    return Conv2D(
        name=layer.name,
        kernel=_numpy(layer.kernel),
        bias=_numpy(layer.bias) if layer.use_bias else None,
        strides=_pair(layer.strides),
        padding=layer.padding,
        activation=_activation(layer, layer.activation),
        method=method,
        chunk_size=chunk_size,
    )


def _dense(layer: keras.layers.Dense, method: str, chunk_size: int) -> Dense:
    return Dense(
        name=layer.name,
        kernel=_numpy(layer.kernel),
        bias=_numpy(layer.bias) if layer.use_bias else None,
        activation=_activation(layer, layer.activation),
    )


def _pool(kind: str) -> Converter:
    def convert(layer: keras.layers.Layer, method: str, chunk_size: int) -> Pool2D:
        _require(layer, "padding", layer.padding, PADDINGS)
        return Pool2D(
            layer.name, kind, _pair(layer.pool_size), _pair(layer.strides), layer.padding
        )

    return convert


def _batch_norm(layer: keras.layers.BatchNormalization, method: str, chunk_size: int):
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


def _flatten(layer: keras.layers.Flatten, method: str, chunk_size: int) -> Flatten:
    return Flatten(layer.name)


def _dropout(layer: keras.layers.Dropout, method: str, chunk_size: int) -> Identity:
    return Identity(layer.name)


def _activation_layer(layer: keras.layers.Activation, method: str, chunk_size: int):
    return ActivationLayer(layer.name, _activation(layer, layer.activation))


def _relu_layer(layer: keras.layers.ReLU, method: str, chunk_size: int) -> ActivationLayer:
    _require(layer, "max_value", layer.max_value, (None,))
    _require(layer, "threshold", float(layer.threshold), (0.0,))
    slope = float(layer.negative_slope)
    if slope == 0.0:
        return ActivationLayer(layer.name, Activation("relu"))
    return ActivationLayer(layer.name, Activation("leaky_relu", slope))


def _leaky_relu_layer(layer: keras.layers.LeakyReLU, method: str, chunk_size: int):
    return ActivationLayer(layer.name, Activation("leaky_relu", float(layer.negative_slope)))


def _softmax_layer(layer: keras.layers.Softmax, method: str, chunk_size: int):
    _require(layer, "axis", layer.axis, (-1,))
    return ActivationLayer(layer.name, Activation("softmax"))


CONVERTERS: dict[type, Converter] = {
    keras.layers.Conv2D: _conv2d,
    keras.layers.Dense: _dense,
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


def _convert_layer(layer: keras.layers.Layer, method: str, chunk_size: int) -> Layer:
    converter = CONVERTERS.get(type(layer))
    if converter is None:
        names = ", ".join(sorted(cls.__name__ for cls in CONVERTERS))
        raise NotImplementedError(
            f"npcnn cannot run layer {layer.name!r}: layer type {type(layer).__name__} "
            f"is not supported (supported: {names})"
        )
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        _unsupported(layer, "data_format", layer.data_format, "'channels_last'")
    _require(layer, "dtype policy", layer.dtype_policy.name, ("float32",))
    return converter(layer, method, chunk_size)


def from_keras(
    model: keras.Model, conv: str = "vectorised", chunk_size: int = DEFAULT_CHUNK_SIZE
) -> Network:
    """Copy a built ``keras.Sequential`` model's weights into a NumPy network.

    ``conv`` picks the convolution (``"vectorised"`` im2col + matmul, or the
    ``"naive"`` reference loops); ``chunk_size`` is the number of images per
    im2col block. Raises ``NotImplementedError`` naming the layer and option
    for anything the engine would not reproduce exactly.
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
    layers = tuple(_convert_layer(layer, conv, chunk_size) for layer in model.layers)
    return Network(model.name, tuple(model.input_shape[1:]), layers)
