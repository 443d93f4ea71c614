"""A NumPy network: a chain of inference layers with a Keras-like ``predict``."""

from __future__ import annotations

import dataclasses
import functools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from threadpoolctl import ThreadpoolController

from bench.npcnn.fold import fold_batch_norms
from bench.npcnn.freed_memory import keep_freed_memory
from bench.npcnn.layers import ELEMENTWISE, PASS_THROUGH, Conv2D, Layer
from bench.npcnn.norm_after_blur import norm_after_blur
from bench.npcnn.pool_first import pool_first
from bench.npcnn.segments import Segment, plan_segments

ACTIVATION_BYTES = 4 * 2**20
"""Default bound on the largest intermediate output of one pass (bytes), which sets
how many images ``Network.predict`` runs through the layers at a time. With segments,
8 MiB took the anti-aliased face CNN to 79 MiB above a 1,024-image batch on two threads
(the bound is 64 MiB: gathered segment inputs add to the chunk's buffers); 4 MiB took
it to 43 MiB and ran no slower."""


REWRITES = ("fold_batch_norms", "pool_first", "norm_after_blur", "segments")
"""Rewrites ``Network.predict`` can apply (docs/npcnn.md): three of the layers, one of how
many images each layer runs on at a time (:mod:`bench.npcnn.segments`)."""


def auto_chunk_size(largest_output: int) -> int:
    """Images per pass so the largest layer output (``largest_output`` float32 values
    per image) fits in :data:`ACTIVATION_BYTES`."""
    return max(1, ACTIVATION_BYTES // (4 * largest_output))


def fuse_epilogues(layers: tuple[Layer, ...]) -> tuple[Layer, ...]:
    """Fold the element-wise layers that follow each Conv2D into its ``epilogue``."""
    fused: list[Layer] = []
    for layer in layers:
        if fused and isinstance(fused[-1], Conv2D) and isinstance(layer, ELEMENTWISE):
            fused[-1] = dataclasses.replace(fused[-1], epilogue=(*fused[-1].epilogue, layer))
        else:
            fused.append(layer)
    return tuple(fused)


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask), at least 1."""
    return max(1, len(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity") else 1


@functools.cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


@functools.cache
def _pool(threads: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="npcnn")


@dataclass(frozen=True)
class Network:
    """Layers applied in order to an NHWC float32 batch.

    ``input_shape`` is the per-image shape the Keras model was built for, e.g.
    (28, 28, 1); ``layers`` carry the Keras layer names. ``predict`` runs the
    whole chain on ``chunk_size`` images at a time, so every intermediate buffer
    is bounded by the chunk, not the batch, and stays closer to the CPU caches
    (:func:`auto_chunk_size` picks one from the largest layer output).

    Chunks run on ``threads`` Python threads (NumPy releases the GIL in its
    loops and in BLAS) while BLAS itself is held to one thread: many small
    multi-threaded BLAS calls stall badly whenever another process holds a core.
    ``predict`` runs the layers with BatchNorms folded into the next convolution or
    dense layer where they commute (:func:`bench.npcnn.fold.fold_batch_norms`), max-pools
    moved before the bias and activation they commute with
    (:func:`bench.npcnn.pool_first.pool_first`), BatchNorms moved after the blurs they pass
    through (:func:`bench.npcnn.norm_after_blur.norm_after_blur`) and
    :func:`fuse_epilogues` applied;
    ``layer_outputs`` runs the model's layers one by one. With the ``segments`` rewrite,
    ``chunk_size`` is the chunk of the segment holding the largest output and later
    segments take more images within the same memory budget
    (:func:`bench.npcnn.segments.plan_segments`). ``rewrites`` names the rewrites
    ``predict`` applies (all by default; :mod:`bench.npcnn.ablation` turns them off).
    """

    name: str
    input_shape: tuple[int, ...]
    layers: tuple[Layer, ...]
    chunk_size: int
    threads: int = 1
    rewrites: tuple[str, ...] = REWRITES

    def __post_init__(self) -> None:
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1 image, got {self.chunk_size}")
        if self.threads < 1:
            raise ValueError(f"threads must be >= 1, got {self.threads}")
        unknown = set(self.rewrites) - set(REWRITES)
        if unknown:
            raise ValueError(f"unknown rewrites {sorted(unknown)}; known: {', '.join(REWRITES)}")

    def _as_batch(self, x: np.ndarray) -> np.ndarray:
        batch = np.asarray(x, dtype=np.float32)
        if batch.shape[1:] != tuple(self.input_shape):
            raise ValueError(
                f"network {self.name!r} expects a batch of shape (n, "
                f"{', '.join(map(str, self.input_shape))}), got {batch.shape}"
            )
        return batch

    @functools.cached_property
    def _fused(self) -> tuple[Layer, ...]:
        layers = self.layers
        if "fold_batch_norms" in self.rewrites:
            layers = fold_batch_norms(layers)
        if "pool_first" in self.rewrites:
            layers = pool_first(layers)
        if "norm_after_blur" in self.rewrites:
            layers = norm_after_blur(layers)
        return fuse_epilogues(layers)

    @functools.cached_property
    def _segments(self) -> tuple[Segment, ...]:
        """The fused layers' segments, from the sizes of one zero image's pass (the
        caller's batch, and views of it, count for nothing: they exist before the pass)."""
        if "segments" not in self.rewrites:
            return (Segment(0, len(self._fused), self.chunk_size),)
        x, owned = np.zeros((1, *self.input_shape), dtype=np.float32), False
        sizes = []  # per layer: the larger of its input and output that a pass allocates
        for layer in self._fused:
            out = layer(x)
            allocates = not isinstance(layer, PASS_THROUGH)
            sizes.append(max(x.size if owned else 1, out.size if allocates else 1))
            owned, x = owned or allocates, out
        return plan_segments(sizes, self.chunk_size)

    def _apply(self, first: int, last: int, x: np.ndarray, owned: bool):
        """Fused layers ``first``..``last - 1`` on ``x``; element-wise layers overwrite
        buffers this pass made (``owned``). Returns the output and whether it is owned."""
        for index in range(first, last):
            layer = self._fused[index]
            in_place = owned and isinstance(layer, ELEMENTWISE)
            x = self._call(index, layer, x, in_place)
            owned = owned or not (in_place or isinstance(layer, PASS_THROUGH))
        return x, owned

    def _call(self, index: int, layer: Layer, x: np.ndarray, in_place: bool) -> np.ndarray:
        """Fused layer number ``index`` on ``x`` (overwriting it when ``in_place``); the hook
        :class:`bench.npcnn.layer_times.TimedNetwork` times."""
        return layer(x, out=x) if in_place else layer(x)

    def _run(self, x: np.ndarray, upto: int) -> tuple[np.ndarray, bool]:
        """Segments 0..``upto`` on ``x``: the input of segment ``upto`` is gathered, in
        place, from passes of the segment before it on that segment's chunk size each."""
        segment, owned = self._segments[upto], False
        if upto:
            step = self._segments[upto - 1].chunk_size
            if len(x) <= step:
                x, owned = self._run(x, upto - 1)
            else:
                gathered = None
                for start in range(0, len(x), step):
                    part, _ = self._run(x[start : start + step], upto - 1)
                    if gathered is None:
                        gathered = np.empty((len(x), *part.shape[1:]), dtype=np.float32)
                    gathered[start : start + len(part)] = part
                x, owned = gathered, True
        return self._apply(segment.first, segment.last, x, owned)

    def _forward(self, x: np.ndarray) -> np.ndarray:
        """All layers on one chunk of the last segment's size (or less)."""
        return self._run(x, len(self._segments) - 1)[0]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """(n, *input_shape) -> the last layer's output, e.g. (n, classes) float32."""
        batch = self._as_batch(x)
        keep_freed_memory()
        # Equal chunks, as many as a multiple of the threads allows, so no thread idles.
        count = -(-len(batch) // self._segments[-1].chunk_size)
        count = min(len(batch), -(-count // self.threads) * self.threads)
        edges = np.linspace(0, len(batch), count + 1).round().astype(int)
        chunks = [batch[a:b] for a, b in zip(edges[:-1], edges[1:], strict=True)]
        with _blas().limit(limits=1, user_api="blas"):
            if len(chunks) <= 1:
                return self._forward(batch)
            if self.threads == 1:
                outputs = [self._forward(chunk) for chunk in chunks]
            else:
                outputs = list(_pool(self.threads).map(self._forward, chunks))
        return np.concatenate(outputs)

    def layer_outputs(self, x: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """Every layer's output on the whole batch, in order, as (Keras name, array) pairs."""
        out = self._as_batch(x)
        outputs = []
        for layer in self.layers:
            out = layer(out)
            outputs.append((layer.name, out))
        return outputs
