"""Floating-point operations of one forward pass, counted from the layers.

A multiply-add counts as 2 FLOPs; only the layers that multiply weights with inputs are
counted (Conv2D, DepthwiseConv2D, Dense), as in the usual roofline accounting: bias,
activations, BatchNorm and pooling add under 5% on the bench's networks and are memory-bound
anyway. A Winograd convolution is credited with the FLOPs of the direct convolution it
replaces (its "effective" rate), so rates of different algorithms stay comparable.
"""

from __future__ import annotations

import numpy as np

from bench.npcnn.layers import Conv2D, Dense, DepthwiseConv2D
from bench.npcnn.network import Network


def layer_flops(network: Network) -> list[tuple[str, int]]:
    """(Keras layer name, FLOPs per image) for every layer, in order (0 for uncounted ones)."""
    x = np.zeros((1, *network.input_shape), dtype=np.float32)
    outputs = network.layer_outputs(x)
    return [(layer.name, _flops(layer, output))
            for layer, (_, output) in zip(network.layers, outputs, strict=True)]


def forward_flops(network: Network) -> int:
    """FLOPs of one image through ``network`` (2 per multiply-add)."""
    return sum(flops for _, flops in layer_flops(network))


def _flops(layer: object, output: np.ndarray) -> int:
    """FLOPs per image of ``layer`` given its output for one image."""
    if isinstance(layer, Conv2D):
        kh, kw, channels, _ = layer.kernel.shape
        return 2 * int(output[0].size) * kh * kw * channels
    if isinstance(layer, DepthwiseConv2D):
        kh, kw = layer.kernel.shape[:2]
        return 2 * int(output[0].size) * kh * kw
    if isinstance(layer, Dense):
        return 2 * int(layer.kernel.size)
    return 0
