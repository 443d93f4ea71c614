"""The stages of a network, for looking inside it: one output per layer that changes the
representation, with the element-wise layers after it (activation, BatchNorm) folded in
and Dropout (an identity at inference) left out.

Each stage knows its label (``conv 3x3``, ``max-pool 2/2``, ``blur 4x4/2``, ``dense 1000``)
and its cumulative stride: how many input pixels one step on its output grid spans, which
is what an input shift of t px becomes on its feature map (t / stride map pixels).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.npcnn.layers import (
    ELEMENTWISE,
    Conv2D,
    Dense,
    DepthwiseConv2D,
    Flatten,
    GlobalAveragePool2D,
    Identity,
    Layer,
    Pool2D,
)
from bench.npcnn.network import Network


@dataclass(frozen=True)
class Stage:
    """Layers ``first``..``last`` (indices into ``Network.layers``) reported as one output.

    name: the Keras name of the first layer; label: short words for plots; stride:
    cumulative (rows, columns) stride from the input to this output, in input pixels.
    """

    first: int
    last: int
    name: str
    label: str
    stride: tuple[int, int]


def stage_label(layer: Layer) -> str:
    """Short words for ``layer``: ``conv 3x3``, ``blur 4x4/2``, ``max-pool 2/2``, ``dense 10``."""
    if isinstance(layer, Conv2D | DepthwiseConv2D):
        kh, kw = layer.kernel.shape[:2]
        kind = "conv" if isinstance(layer, Conv2D) else "blur"
        step = f"/{layer.strides[0]}" if layer.strides != (1, 1) else ""
        return f"{kind} {kh}x{kw}{step}"
    if isinstance(layer, Pool2D):
        return f"{layer.kind[:3]}-pool {layer.pool_size[0]}/{layer.strides[0]}"
    if isinstance(layer, Dense):
        return f"dense {layer.kernel.shape[1]}"
    if isinstance(layer, GlobalAveragePool2D):
        return "global avg-pool"
    if isinstance(layer, Flatten):
        return "flatten"
    return type(layer).__name__.lower()


def stages(network: Network) -> list[Stage]:
    """The network's stages in order (every layer but Dropout and the element-wise ones,
    which join the stage before them)."""
    found: list[Stage] = []
    stride = (1, 1)
    for index, layer in enumerate(network.layers):
        if isinstance(layer, Identity):
            continue
        if isinstance(layer, ELEMENTWISE) and found:
            last = found[-1]
            found[-1] = Stage(last.first, index, last.name, last.label, last.stride)
            continue
        step = getattr(layer, "strides", (1, 1))
        stride = (stride[0] * step[0], stride[1] * step[1])
        found.append(Stage(index, index, layer.name, stage_label(layer), stride))
    return found


def stage_outputs(network: Network, found: list[Stage], x: np.ndarray) -> list[np.ndarray]:
    """The output of every stage for the batch ``x`` (n, *input_shape), float32."""
    outputs = network.layer_outputs(x)
    return [outputs[stage.last][1] for stage in found]
