"""Anti-aliased downsampling after Zhang, "Making Convolutional Networks Shift-Invariant
Again" (ICML 2019), from stock Keras layers.

Every max-pool with stride s > 1 becomes a max-pool of the same window with stride 1
followed by a fixed binomial blur with stride s ("MaxBlurPool"). The blur is a
``DepthwiseConv2D`` with ``trainable=False``, no bias and the binomial filter as its
weights, so a saved model loads with plain ``keras.models.load_model``.

Filter size s + 2 taps: 4 ([1, 3, 3, 1] / 8, Zhang's default) for stride 2, 7 ([1, 6, 15,
20, 15, 6, 1] / 64, the largest in his table) for the face CNN's stride-5 pool. Zhang
pads with reflection; stock Keras has no reflection padding, so the blur uses ``"same"``
zero padding, which pads the same amounts (for stride 2 and odd sizes: 1 before, 2 after).
Output sizes equal the original network's, so Flatten and Dense keep their shapes and
the trainable parameters are the CNN's exactly.
"""

from __future__ import annotations

from math import comb

import keras
import numpy as np
from keras import layers

BLUR_PREFIX = "blur"


def binomial_filter(height: int, width: int) -> np.ndarray:
    """(height, width) float32 outer product of two rows of Pascal's triangle, normalised
    to sum 1 (4 x 4: [1, 3, 3, 1] x [1, 3, 3, 1] / 64)."""
    return np.outer(_row(height), _row(width)).astype(np.float32)


def _row(size: int) -> np.ndarray:
    """Row ``size - 1`` of Pascal's triangle, normalised to sum 1."""
    if size < 1:
        raise ValueError(f"a binomial filter needs size >= 1, got {size}")
    row = np.array([comb(size - 1, k) for k in range(size)], dtype=np.float64)
    return row / row.sum()


def blur_size(stride: int) -> int:
    """Taps of the blur that precedes a subsampling by ``stride``: stride + 2."""
    return stride + 2


def _blur(stride: tuple[int, int], index: int) -> layers.DepthwiseConv2D:
    """A non-trainable binomial blur with ``stride`` (weights set by :func:`anti_aliased`)."""
    size = (blur_size(stride[0]), blur_size(stride[1]))
    return layers.DepthwiseConv2D(size, strides=stride, padding="same", use_bias=False,
                                  trainable=False, name=f"{BLUR_PREFIX}_{index}")


def anti_aliased(model: keras.Sequential, name: str) -> keras.Sequential:
    """A new model with ``model``'s layers (fresh weights, same configs), each max-pool
    of stride > 1 replaced by max-pool stride 1 + binomial blur with that stride."""
    stack: list[layers.Layer] = [keras.Input(shape=model.input_shape[1:])]
    for layer in model.layers:
        config = layer.get_config()
        if isinstance(layer, layers.MaxPooling2D) and tuple(layer.strides) != (1, 1):
            if layer.padding != "valid":
                raise ValueError(f"{layer.name}: only 'valid' max-pools are anti-aliased")
            blurs = sum(isinstance(s, layers.DepthwiseConv2D) for s in stack)
            stack += [layers.MaxPooling2D.from_config({**config, "strides": (1, 1)}),
                      _blur(tuple(layer.strides), blurs + 1)]
        else:
            stack.append(type(layer).from_config(config))
    result = keras.Sequential(stack, name=name)
    for layer in result.layers:
        if isinstance(layer, layers.DepthwiseConv2D) and layer.name.startswith(BLUR_PREFIX):
            height, width, channels, _ = layer.kernel.shape
            kernel = binomial_filter(height, width)[:, :, None, None]
            layer.set_weights([np.repeat(kernel, channels, axis=2)])
    return result
