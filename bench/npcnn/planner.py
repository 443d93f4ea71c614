"""Convolution plans measured on this machine, FFTW-wisdom or cuDNN-benchmark style.

A :class:`bench.npcnn.layers.Conv2D` can run im2col + one matrix product per block
(``im2col``, any kernel), or, for a 3x3 stride-1 kernel, Winograd F(2x2, 3x3)
(``winograd-f2``) or F(3x3, 3x3) (``winograd-f3``). ``from_keras`` picks by a rule fitted on
one machine (:func:`bench.npcnn.convert._winograd_transform`); :func:`plan_network` instead

- ``plan="measure"``: times every algorithm the convolution can run on its own input shape,
  on as many random images as the network's chunk, on one BLAS thread (the fastest of
  :data:`REPEATS` calls after one warm-up: on a shared machine the minimum is the figure
  other processes disturb least), and keeps the fastest algorithm. Each choice is cached,
  with the times, in ``<bench cache>/plans/<cpu>/threads-N.json`` (``$BENCH_CACHE_DIR`` or
  ~/.cache/bench, outside the repository), keyed by the convolution's shape (input height,
  width and channels, filters, kernel, strides, padding, images); the file records the CPU
  model it was measured on (/proc/cpuinfo) and is ignored, and then rewritten, on any other;
- ``plan=<algorithm>``: forces that algorithm on every convolution that can run it (the
  others keep im2col), to check each one against Keras.

Every algorithm computes the same convolution; float32 sums in another order move outputs
by about 1e-6, within the engine's 1e-5 tolerance (tests/test_npcnn_planner.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path

import numpy as np
from filelock import FileLock
from threadpoolctl import threadpool_limits

from bench.data.paths import cache_dir
from bench.machine import cpu_model
from bench.npcnn.layers import Conv2D
from bench.npcnn.network import Network
from bench.npcnn.winograd import winograd_kernel
from bench.npcnn.winograd_f3 import winograd_f3_kernel

ALGORITHMS = ("im2col", "winograd-f2", "winograd-f3")
PLANS = ("rule", "measure", *ALGORITHMS)
"""``rule``: the converter's fixed rule (default); ``measure``: time and cache; an algorithm:
forced wherever it applies."""
REPEATS = 5
"""Timed calls per algorithm and shape (after one warm-up call)."""


def applicable(layer: Conv2D) -> tuple[str, ...]:
    """The algorithms ``layer`` can run: all three for a 3x3 stride-1 kernel, else im2col."""
    if layer.kernel.shape[:2] == (3, 3) and layer.strides == (1, 1):
        return ALGORITHMS
    return ("im2col",)


def algorithm_of(layer: Conv2D) -> str:
    """The algorithm ``layer`` runs now."""
    if layer.winograd is None:
        return "im2col"
    return {16: "winograd-f2", 25: "winograd-f3"}[len(layer.winograd)]


def with_algorithm(layer: Conv2D, algorithm: str) -> Conv2D:
    """``layer`` running ``algorithm`` (ValueError naming the layer if it cannot)."""
    if algorithm not in applicable(layer):
        raise ValueError(f"{layer.name}: cannot run {algorithm!r} (a {layer.kernel.shape[0]}x"
                         f"{layer.kernel.shape[1]} stride {layer.strides} kernel runs "
                         f"{', '.join(applicable(layer))})")
    transform = {"im2col": None, "winograd-f2": winograd_kernel,
                 "winograd-f3": winograd_f3_kernel}[algorithm]
    return dataclasses.replace(layer, winograd=None if transform is None
                               else transform(layer.kernel))


def shape_key(layer: Conv2D, input_shape: tuple[int, ...], images: int) -> str:
    """The cache key of one convolution shape, e.g. ``32x32x3>32 k3x3 s1x1 same n64``."""
    h, w, c = input_shape
    kh, kw, _, filters = layer.kernel.shape
    return (f"{h}x{w}x{c}>{filters} k{kh}x{kw} s{layer.strides[0]}x{layer.strides[1]} "
            f"{layer.padding} n{images}")


def measure(layer: Conv2D, input_shape: tuple[int, ...], images: int,
            repeats: int = REPEATS) -> dict[str, float]:
    """Seconds of the fastest of ``repeats`` calls of ``layer`` on ``images`` random images
    of ``input_shape``, per applicable algorithm, on one BLAS thread."""
    x = np.random.default_rng(0).random((images, *input_shape), dtype=np.float32)
    found = {}
    with threadpool_limits(limits=1, user_api="blas"):
        for algorithm in applicable(layer):
            variant = with_algorithm(layer, algorithm)
            variant(x)  # warm-up
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                variant(x)
                times.append(time.perf_counter() - start)
            found[algorithm] = min(times)
    return found


class PlanCache:
    """Measured plans of one CPU model and thread count: ``<root>/<cpu>/threads-N.json``
    holding ``{"cpu": model, "threads": N, "plans": {shape key: {"algorithm": name,
    "seconds": {algorithm: s}}}}``. A file whose ``cpu`` is not this machine's is never
    used."""

    def __init__(self, threads: int, root: Path | str | None = None, cpu: str | None = None):
        self.cpu = cpu_model() if cpu is None else cpu
        self.threads = threads
        slug = re.sub(r"[^A-Za-z0-9]+", "-", self.cpu).strip("-")[:40] or "cpu"
        digest = hashlib.sha256(self.cpu.encode()).hexdigest()[:8]
        folder = (cache_dir() / "plans" if root is None else Path(root)) / f"{slug}-{digest}"
        self.path = folder / f"threads-{threads}.json"

    def load(self) -> dict[str, dict]:
        """The plans measured on this CPU model (empty: none yet, or another CPU's file)."""
        if not self.path.is_file():
            return {}
        try:
            data = json.loads(self.path.read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise ValueError(f"{self.path}: not a readable plan file ({error}); delete it and "
                             "the plans are measured again") from error
        if data.get("cpu") != self.cpu or data.get("threads") != self.threads:
            return {}
        return dict(data.get("plans", {}))

    def save(self, plans: dict[str, dict]) -> None:
        """Add ``plans`` to the file (under a lock; written beside it, then renamed)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.path) + ".lock"):
            merged = {**self.load(), **plans}
            text = json.dumps({"cpu": self.cpu, "threads": self.threads, "plans": merged},
                              indent=1, sort_keys=True)
            with tempfile.NamedTemporaryFile("w", dir=self.path.parent, delete=False,
                                             suffix=".tmp") as handle:
                handle.write(text)
            os.replace(handle.name, self.path)


def _input_shapes(network: Network) -> list[tuple[int, ...]]:
    """The per-image input shape of every layer of ``network.layers``."""
    x = np.zeros((1, *network.input_shape), dtype=np.float32)
    shapes = []
    for layer in network.layers:
        shapes.append(tuple(x.shape[1:]))
        x = layer(x)
    return shapes


def plan_network(network: Network, plan: str, cache: PlanCache | None = None) -> Network:
    """``network`` with each vectorised Conv2D running the algorithm ``plan`` gives it (see
    the module docstring); ``rule`` returns it unchanged. ``cache``: where measured plans
    live (default: the bench cache, for ``network.threads``)."""
    if plan not in PLANS:
        raise ValueError(f"plan must be one of {', '.join(PLANS)}, got {plan!r}")
    if plan == "rule":
        return network
    convs = [i for i, layer in enumerate(network.layers)
             if isinstance(layer, Conv2D) and layer.method == "vectorised"]
    if not convs:
        return network
    layers = list(network.layers)
    if plan in ALGORITHMS:
        for i in convs:
            layers[i] = with_algorithm(layers[i], plan if plan in applicable(layers[i])
                                       else "im2col")
        return dataclasses.replace(network, layers=tuple(layers))
    cache = PlanCache(network.threads) if cache is None else cache
    known, measured = cache.load(), {}
    shapes = _input_shapes(network)
    for i in convs:
        key = shape_key(layers[i], shapes[i], network.chunk_size)
        record = known.get(key) or measured.get(key)
        if record is None or record.get("algorithm") not in applicable(layers[i]):
            seconds = measure(layers[i], shapes[i], network.chunk_size)
            record = {"algorithm": min(seconds, key=seconds.__getitem__), "seconds": seconds}
            measured[key] = record
        layers[i] = with_algorithm(layers[i], record["algorithm"])
    if measured:
        cache.save(measured)
    return dataclasses.replace(network, layers=tuple(layers))
