"""Max-pool before the bias and activation: the same result on fewer values.

A max-pool takes the largest value of each window. Adding a per-channel constant, a
per-channel scale above 0 (BatchNorm) or any non-decreasing activation (ReLU, leaky ReLU,
sigmoid, tanh) does not change which value is largest, so these commute with it:
``pool(relu(conv + b)) == relu(pool(conv) + b)``. Moving them after the pool applies them
to the pooled map (4x fewer values for a 2x2/2 pool, 25x for the face CNN's 5x5/5) instead
of the convolution's whole output. A stride-1 pool (the anti-aliased networks') shrinks
the map by a few pixels only, so there the bias and activation stay in the convolution's
epilogue, where they run on each block while it is in cache.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from bench.npcnn.activations import Activation
from bench.npcnn.layers import ActivationLayer, BatchNorm, Bias, Conv2D, Layer, Pool2D

NON_DECREASING = ("linear", "relu", "sigmoid", "tanh")
"""Activations that never decrease (leaky ReLU too when its slope is >= 0)."""


def _non_decreasing(activation: Activation) -> bool:
    return activation.name in NON_DECREASING or (
        activation.name == "leaky_relu" and activation.negative_slope >= 0)


def _commutes(layer: Layer) -> bool:
    """Whether an element-wise layer commutes with a max-pool."""
    if isinstance(layer, ActivationLayer):
        return _non_decreasing(layer.activation)
    if isinstance(layer, BatchNorm):
        return bool(np.all(layer.scale > 0))
    return isinstance(layer, Bias)


def pool_first(layers: tuple[Layer, ...]) -> tuple[Layer, ...]:
    """``layers`` where each Conv2D followed by element-wise layers that commute with a max-pool
    and then a max-pool with a stride above 1 has its bias, activation and those layers
    moved after the pool."""
    result: list[Layer] = []
    index = 0
    while index < len(layers):
        layer = layers[index]
        end = index + 1
        while end < len(layers) and _commutes(layers[end]):
            end += 1
        pool = layers[end] if end < len(layers) else None
        if (isinstance(layer, Conv2D) and _non_decreasing(layer.activation)
                and isinstance(pool, Pool2D) and pool.kind == "max"
                and pool.strides != (1, 1)):
            after: list[Layer] = []
            if layer.bias is not None:
                after.append(Bias(f"{layer.name}/bias", layer.bias))
            if layer.activation.name != "linear":
                after.append(ActivationLayer(f"{layer.name}/activation", layer.activation))
            bare = dataclasses.replace(layer, bias=None, activation=Activation("linear"))
            result += [bare, pool, *after, *layers[index + 1 : end]]
            index = end + 1
        else:
            result.append(layer)
            index += 1
    return tuple(result)
