"""Where the NumPy engine's time goes: seconds per layer of ``Network.predict``.

``layer_times(network, x, passes=3)`` runs ``predict`` on ``x`` ``passes`` times through a
:class:`TimedNetwork`, which times every call of every fused layer (a convolution with its
epilogue, a pool, a dense layer...) with ``time.perf_counter`` and sums the calls of one
pass over its chunks; each layer gets the median over the passes. With more than one chunk
thread the sums are thread-seconds (two threads busy for 1 s count 2 s), so the breakdown is
meant for ``threads=1``. Each :class:`LayerTime` carries the layer's FLOPs per image
(:mod:`bench.npcnn.flops`; a Winograd convolution is credited with the direct convolution's)
and the algorithm it ran (``im2col``, ``Winograd F(2,3)`` for F(2x2, 3x3)...).
"""

from __future__ import annotations

import dataclasses
import statistics
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from bench.npcnn.flops import layer_flops
from bench.npcnn.layers import Conv2D, DepthwiseConv2D, Layer
from bench.npcnn.network import Network
from bench.npcnn.stages import stage_label


@dataclass(frozen=True)
class LayerTime:
    """One fused layer of a pass: Keras name, short label (``conv 3x3``), algorithm,
    seconds per pass (median over passes, summed over chunks) and FLOPs per image."""

    name: str
    label: str
    algorithm: str
    seconds: float
    flops_per_image: int

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def algorithm(layer: Layer) -> str:
    """The convolution algorithm ``layer`` runs (empty for other layers)."""
    if isinstance(layer, Conv2D):
        if layer.method == "naive":
            return "naive loops"
        if layer.winograd is not None:
            return {16: "Winograd F(2,3)", 25: "Winograd F(3,3)"}[len(layer.winograd)]
        return "im2col"
    if isinstance(layer, DepthwiseConv2D):
        if layer.bands is not None:
            return "banded GEMM"
        return "separable" if layer.separable is not None else "direct"
    return ""


@dataclass(frozen=True)
class TimedNetwork(Network):
    """A :class:`Network` whose ``predict`` adds each fused layer's seconds to ``seconds``
    (fused-layer index -> total); ``reset()`` starts a new count."""

    def _call(self, index: int, layer: Layer, x: np.ndarray, in_place: bool) -> np.ndarray:
        start = time.perf_counter()
        out = super()._call(index, layer, x, in_place)
        elapsed = time.perf_counter() - start
        with self._lock:
            self.seconds[index] += elapsed
        return out

    @property
    def seconds(self) -> defaultdict:
        return self.__dict__.setdefault("_seconds", defaultdict(float))

    @property
    def _lock(self) -> threading.Lock:
        return self.__dict__.setdefault("_timing_lock", threading.Lock())

    def reset(self) -> None:
        self.seconds.clear()


def layer_times(network: Network, x: np.ndarray, passes: int = 3) -> list[LayerTime]:
    """Per fused layer of ``network.predict(x)``, in order: the median over ``passes`` of its
    seconds in one pass (see the module docstring)."""
    if passes < 1:
        raise ValueError(f"passes must be >= 1, got {passes}")
    timed = TimedNetwork(**{field.name: getattr(network, field.name)
                            for field in dataclasses.fields(network)})
    counts = []
    for _ in range(passes):
        timed.reset()
        timed.predict(x)
        counts.append(dict(timed.seconds))
    flops = dict(layer_flops(network))
    return [LayerTime(layer.name, stage_label(layer), algorithm(layer),
                      statistics.median(count.get(index, 0.0) for count in counts),
                      flops.get(layer.name, 0))
            for index, layer in enumerate(timed._fused)]
