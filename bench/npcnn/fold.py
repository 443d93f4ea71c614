"""Fold inference BatchNorm layers into the convolution or dense layer that follows them.

A BatchNorm computes ``x * scale + offset`` per channel. When the next layer that mixes
channels is a Conv2D or Dense, and only layers that commute with a per-channel affine map
lie between (Dropout, Flatten, and max-pools when every scale is positive, since then the
maximum of ``x * s + o`` is at the maximum of ``x``), the BatchNorm can be removed and its
scale and offset moved into that layer's weights and bias:

    W'[..., c, f] = W[..., c, f] * scale[c]        b'[f] = b[f] + sum W[..., c, f] * offset[c]

A ``"same"`` convolution pads what the BatchNorm would have output with zeros; once folded
it sees the BatchNorm's input, so it pads with ``-offset / scale`` per channel, the value
the BatchNorm maps to 0. ``Network.predict`` runs the folded layers (one pass over each
activation fewer per BatchNorm); ``Network.layer_outputs`` keeps the model's own layers.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from bench.npcnn.layers import (
    WINOGRAD_VARIANTS,
    BatchNorm,
    Conv2D,
    Dense,
    Flatten,
    Identity,
    Layer,
    Pool2D,
)


def fold_batch_norms(layers: tuple[Layer, ...]) -> tuple[Layer, ...]:
    """``layers`` with every foldable BatchNorm moved into the next Conv2D or Dense."""
    folded = list(layers)
    index = 0
    while index < len(folded):
        norm = folded[index]
        target = _target(folded, index) if isinstance(norm, BatchNorm) else None
        if target is None:
            index += 1
            continue
        folded[target] = _fold(norm, folded[target], folded[index + 1 : target])
        del folded[index]
    return tuple(folded)


def _target(layers: list[Layer], index: int) -> int | None:
    """Index of the Conv2D or Dense that the BatchNorm at ``index`` can fold into, if any."""
    norm = layers[index]
    if np.any(norm.scale == 0):
        return None
    for position in range(index + 1, len(layers)):
        layer = layers[position]
        if isinstance(layer, Conv2D):
            return position if layer.method == "vectorised" else None
        if isinstance(layer, Dense):
            return position
        if isinstance(layer, Pool2D) and layer.kind == "max" and np.all(norm.scale > 0):
            continue
        if not isinstance(layer, Identity | Flatten):
            return None
    return None


def _fold(norm: BatchNorm, layer: Conv2D | Dense, between: list[Layer]) -> Conv2D | Dense:
    scale = norm.scale.astype(np.float64)
    offset = norm.offset.astype(np.float64)
    bias = np.zeros(layer.kernel.shape[-1]) if layer.bias is None else layer.bias
    if isinstance(layer, Dense):
        # after Flatten the input index runs over (rows, columns, channels), channels fastest
        flattened = any(isinstance(b, Flatten) for b in between)
        repeats, remainder = divmod(layer.kernel.shape[0], scale.size)
        if remainder or (repeats != 1 and not flattened):
            raise ValueError(f"{norm.name} ({scale.size} channels) does not fit the input of "
                             f"{layer.name} ({layer.kernel.shape[0]} values)")
        scale, offset = np.tile(scale, repeats), np.tile(offset, repeats)
        kernel = layer.kernel * scale[:, None]
        return dataclasses.replace(layer, kernel=kernel.astype(np.float32),
                                   bias=(bias + offset @ layer.kernel).astype(np.float32))
    kernel = (layer.kernel * scale[:, None]).astype(np.float32)
    new_bias = bias + np.einsum("ijcf,c->f", layer.kernel.astype(np.float64), offset)
    return dataclasses.replace(
        layer, kernel=kernel, bias=new_bias.astype(np.float32),
        winograd=(None if layer.winograd is None
                  else WINOGRAD_VARIANTS[len(layer.winograd)][1](kernel)),
        pad_value=(-offset / scale).astype(np.float32) if layer.padding == "same" else None)
