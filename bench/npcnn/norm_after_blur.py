"""A BatchNorm before a max-pool and a blur, moved after the blur: the same result on the
blurred (4x smaller) map.

A BatchNorm computes ``x * s + o`` per channel. With every ``s > 0`` it commutes with a
max-pool (:mod:`bench.npcnn.pool_first`), and it passes through a blur whose channels
share one filter (the anti-aliased CNNs' ``bands``): the blur is linear and pads with
zeros, so ``blur(x * s + o) = blur(x) * s + o * W`` with ``W = blur(ones)``, the sum of
the taps that land inside the image at each output pixel (1 inside, less at the
borders). So BatchNorm, max-pool, blur becomes max-pool, blur, then a BatchNorm with the
same scales and the (oh, ow, c) offset map ``o * W``. In the anti-aliased CIFAR-10 CNN,
whose BatchNorms cannot fold into the next convolution across the blur
(:mod:`bench.npcnn.fold`), it then runs on 16 x 16 instead of 32 x 32 pixels.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from bench.npcnn.activations import Activation
from bench.npcnn.layers import BatchNorm, DepthwiseConv2D, Layer, Pool2D


def _blur_passes(layer: Layer) -> bool:
    """Whether a BatchNorm can move after this depthwise layer (a shared, bias-free,
    linear blur run as band products)."""
    return (isinstance(layer, DepthwiseConv2D) and layer.bands is not None
            and layer.bias is None and layer.activation == Activation("linear"))


def norm_after_blur(layers: tuple[Layer, ...]) -> tuple[Layer, ...]:
    """``layers`` with each BatchNorm of positive scales that is followed by an optional
    max-pool and a blur moved after the blur, its offset spread into a map."""
    result = list(layers)
    index = 0
    while index < len(result):
        norm, blur = result[index], index + 1
        if blur < len(result) and isinstance(result[blur], Pool2D) and result[blur].kind == "max":
            blur += 1  # the max-pool between them
        if (isinstance(norm, BatchNorm) and norm.offset.ndim == 1 and np.all(norm.scale > 0)
                and blur < len(result) and _blur_passes(result[blur])):
            rows, cols = result[blur].bands
            inside = np.outer(rows.sum(axis=1), cols.sum(axis=1))  # blur(ones), (oh, ow)
            offset = (inside[:, :, None] * norm.offset).astype(np.float32)
            moved = dataclasses.replace(norm, name=f"{norm.name}/after_blur", offset=offset)
            result[index : blur + 1] = [*result[index + 1 : blur + 1], moved]
            index = blur + 1
        else:
            index += 1
    return tuple(result)
