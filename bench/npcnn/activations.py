"""Element-wise activations, float32 in and out, computed as Keras does at inference.

Each activation is an :class:`Activation` value: ``act(x)`` returns a new array,
``act(x, out=x)`` works in place (used on buffers a layer owns, to save memory traffic).
Softmax works over the last axis, like ``keras.activations.softmax``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KERAS_LEAKY_RELU_SLOPE = 0.2
"""``keras.activations.leaky_relu``'s default slope (the ``LeakyReLU`` layer's is 0.3)."""


def _linear(x: np.ndarray, out: np.ndarray | None, slope: float) -> np.ndarray:
    if out is None:
        return x.copy()
    if out is not x:
        out[...] = x
    return out


def _relu(x: np.ndarray, out: np.ndarray | None, slope: float) -> np.ndarray:
    return np.maximum(x, np.float32(0), out=out)


def _leaky_relu(x: np.ndarray, out: np.ndarray | None, slope: float) -> np.ndarray:
    negative = np.minimum(x, np.float32(0))
    result = np.maximum(x, np.float32(0), out=out)
    negative *= np.float32(slope)
    result += negative
    return result


def _tanh(x: np.ndarray, out: np.ndarray | None, slope: float) -> np.ndarray:
    return np.tanh(x, out=out)


def _sigmoid(x: np.ndarray, out: np.ndarray | None, slope: float) -> np.ndarray:
    """1 / (1 + exp(-x)), written as 0.5 * (1 + tanh(x / 2)) so no exp overflows."""
    result = np.multiply(x, np.float32(0.5), out=out)
    np.tanh(result, out=result)
    result += np.float32(1)
    result *= np.float32(0.5)
    return result


def _softmax(x: np.ndarray, out: np.ndarray | None, slope: float) -> np.ndarray:
    """exp(x - max) / sum(exp(x - max)) over the last axis."""
    result = np.subtract(x, x.max(axis=-1, keepdims=True), out=out)
    np.exp(result, out=result)
    result /= result.sum(axis=-1, keepdims=True)
    return result


_FUNCTIONS = {
    "linear": _linear,
    "relu": _relu,
    "leaky_relu": _leaky_relu,
    "sigmoid": _sigmoid,
    "tanh": _tanh,
    "softmax": _softmax,
}

SUPPORTED = tuple(_FUNCTIONS)


@dataclass(frozen=True)
class Activation:
    """One activation by Keras name; ``negative_slope`` is used by ``leaky_relu`` only."""

    name: str
    negative_slope: float = KERAS_LEAKY_RELU_SLOPE

    def __post_init__(self) -> None:
        if self.name not in _FUNCTIONS:
            raise NotImplementedError(
                f"activation {self.name!r} is not supported; supported: {', '.join(SUPPORTED)}"
            )

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Apply to ``x`` (any shape); write into ``out`` when given (may be ``x``)."""
        return _FUNCTIONS[self.name](x, out, self.negative_slope)
