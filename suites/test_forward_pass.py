"""Forward-pass timing: the NumPy engine against Keras and ONNX Runtime (and LiteRT at batch
1), per architecture and batch size.

Run once per thread count (``tox -e bench`` runs 1 and 2)::

    pytest suites/test_forward_pass.py --benchmark-only --threads 1 \
        --benchmark-json=runs/forward_pass/threads-1.json

and render the run folder against the published figures with ``python -m
bench.render.forward_pass_run runs/forward_pass`` (``tox -e bench`` does all three; ``tox -e
bench-publish`` makes the run the published ``reports/forward_pass/``). ``--threads N``
gives NumPy (chunk threads; BLAS held to one per chunk), TensorFlow (intra- and inter-op
pools), ONNX Runtime (intra-op threads, CPU execution provider, all graph optimisations),
LiteRT (interpreter threads, XNNPACK) and the sgemm reference the same N threads. The ONNX
and LiteRT files are Keras' own ``model.export`` of the same model, cached outside the
repository (:mod:`bench.run.onnx_export`) and made before timing; LiteRT runs batch 1 only
(its export has a fixed batch of one). One benchmark per (architecture,
batch, implementation), grouped by ``{arch}-b{batch}-t{threads}``, plus the 2,048 x 2,048
float32 matrix product that gives the machine's GEMM peak in the same run. Weights are the
seeded initial ones (speed does not depend on them); outputs are checked against Keras
after timing, and the NumPy engine's peak working memory at the largest batch is measured
with tracemalloc; on one thread, its time per layer at the largest batch is recorded too
(:mod:`bench.npcnn.layer_times`). ``--npcnn-plan`` picks how the engine chooses each
convolution's algorithm (:mod:`bench.npcnn.planner`; ``rule`` unless given, ``measure`` times
them before the benchmark). No wall-clock assertions.
"""

from __future__ import annotations

import functools
import importlib.metadata
import time

import keras
import numpy as np
import pytest
import tensorflow as tf
from threadpoolctl import threadpool_limits

from bench.catalog import FAMILIES
from bench.machine import cpu_isa, onednn
from bench.npcnn import Network, from_keras
from bench.npcnn.flops import forward_flops
from bench.npcnn.layer_times import layer_times
from bench.npcnn.memory import peak_predict_bytes
from bench.npcnn.network import usable_cores
from bench.npcnn.planner import PLANS
from bench.run.onnx_export import exported, litert_runner, onnx_runner

ARCHITECTURES = {
    # name: (task, family, input shape, classes): every architecture the bench trains
    # (Fashion-MNIST trains the MNIST ones)
    "mnist_mlp": ("mnist", "mlp", (28, 28, 1), 10),
    "mnist_cnn": ("mnist", "cnn", (28, 28, 1), 10),
    "gender_mlp": ("gender", "mlp", (50, 50, 1), 2),
    "gender_cnn": ("gender", "cnn", (50, 50, 1), 2),
    "cifar10_mlp": ("cifar10", "mlp", (32, 32, 3), 10),
    "cifar10_cnn": ("cifar10", "cnn", (32, 32, 3), 10),
    "mnist_cnn_gap": ("mnist", "cnn-gap", (28, 28, 1), 10),
    "mnist_cnn_aa": ("mnist", "cnn-aa", (28, 28, 1), 10),
    "gender_cnn_gap": ("gender", "cnn-gap", (50, 50, 1), 2),
    "gender_cnn_aa": ("gender", "cnn-aa", (50, 50, 1), 2),
    "cifar10_cnn_gap": ("cifar10", "cnn-gap", (32, 32, 3), 10),
    "cifar10_cnn_aa": ("cifar10", "cnn-aa", (32, 32, 3), 10),
}
BATCHES = (1, 64, 1024)
IMPLEMENTATIONS = ("numpy-vectorised", "numpy-naive", "keras-call", "keras-predict",
                   "onnxruntime", "litert")
RUNTIMES = {"onnxruntime": ("onnx", "onnxruntime"), "litert": ("litert", "ai_edge_litert")}
"""Exported-model implementations: (``model.export`` format, module the runtime needs)."""
LITERT_BATCHES = (1,)
"""LiteRT's export takes one image at a time (a fixed batch of 1)."""
ROUNDS = {1: 30, 64: 8, 1024: 5}
"""Timed rounds per batch size (after the warm-up), to keep the suite to minutes."""
WARMUP_SECONDS = 0.25
"""Untimed calls for at least this long before the timed rounds (and at least one). With
one warm-up call, the engine's first rounds on two threads after a model was built or
another runtime had run took twice as long as the next ones (mnist_mlp, batch 1,024: 17 ms
then 9 ms; ONNX Runtime's threads use about 40 ms of CPU after each call), so 4 of 5
rounds, and the median, measured that transient instead of the implementation."""
NAIVE_ROUNDS = 2
NAIVE_MAX_WINDOWS = 500_000
"""The naive conv runs one NumPy sum per (image, output pixel, filter), a few
microseconds each: cells with more windows than this (over ~2 s a round) are skipped."""
ATOL = 1e-5  # float32 probabilities, as in tests/test_npcnn_keras.py
SGEMM_SIZE = 2048
"""Side of the square float32 matrices whose product measures the BLAS peak."""


@pytest.fixture(scope="session")
def threads(request: pytest.FixtureRequest) -> int:
    """The --threads of this run, applied to TensorFlow before it starts its thread pools."""
    count = request.config.getoption("--threads") or usable_cores()
    if count < 1:
        raise pytest.UsageError(f"--threads must be >= 1, got {count}")
    for name in ("intra_op_parallelism", "inter_op_parallelism"):
        if getattr(tf.config.threading, f"get_{name}_threads")() == count:
            continue
        try:
            getattr(tf.config.threading, f"set_{name}_threads")(count)
        except RuntimeError as error:
            raise pytest.UsageError(
                f"cannot give TensorFlow {count} threads ({error}): run the forward-pass "
                "suite in its own pytest process") from error
    return count


@pytest.fixture(scope="session")
def plan(request: pytest.FixtureRequest) -> str:
    """The --npcnn-plan of this run (bench.npcnn.planner.PLANS)."""
    chosen = request.config.getoption("--npcnn-plan")
    if chosen not in PLANS:
        raise pytest.UsageError(f"--npcnn-plan must be one of {', '.join(PLANS)}, got {chosen!r}")
    return chosen


@functools.cache
def _model(arch: str) -> keras.Model:
    task, family, shape, classes = ARCHITECTURES[arch]
    keras.utils.set_random_seed(0)
    return FAMILIES[family].build(task, shape, classes)


@functools.cache
def _network(arch: str, conv: str, threads: int, plan: str = "rule") -> Network:
    """The engine for ``arch``; a measured plan is measured here, before any timing."""
    return from_keras(_model(arch), conv=conv, threads=threads,
                      plan=plan if conv == "vectorised" else "rule")


@functools.cache
def _flops_per_image(arch: str) -> int:
    return forward_flops(_network(arch, "vectorised", 1))


@functools.cache
def _exported_runner(implementation: str, arch: str, threads: int):
    """The runtime's callable on the cached export (exported here, before any timing)."""
    fmt, _ = RUNTIMES[implementation]
    path = exported(_model(arch), fmt)
    return (onnx_runner if fmt == "onnx" else litert_runner)(path, threads)


def _versions() -> dict[str, str]:
    found = {"numpy": np.__version__, "keras": keras.__version__, "tensorflow": tf.__version__}
    for name in ("onnxruntime", "ai-edge-litert"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:  # its timings are skipped, said
            found[name] = "not installed"
    return found


def _naive_windows(model: keras.Model, batch: int) -> int:
    """(image, output pixel, filter) triples the naive convolutions (plain and depthwise)
    loop over."""
    return sum(
        batch * int(np.prod(layer.output.shape[1:]))
        for layer in model.layers
        if isinstance(layer, keras.layers.Conv2D | keras.layers.DepthwiseConv2D)
    )


def _warm_up(run, x: np.ndarray) -> None:
    """Call ``run(x)`` untimed until :data:`WARMUP_SECONDS` have passed (once at least)."""
    start = time.perf_counter()
    run(x)
    while time.perf_counter() - start < WARMUP_SECONDS:
        run(x)


def _runner(implementation: str, arch: str, threads: int, plan: str):
    model = _model(arch)
    if implementation == "keras-call":
        return lambda x: model(x, training=False)
    if implementation == "keras-predict":
        return lambda x: model.predict(x, verbose=0)
    if implementation in RUNTIMES:
        return _exported_runner(implementation, arch, threads)
    return _network(arch, implementation.removeprefix("numpy-"), threads, plan).predict


def test_sgemm_peak(benchmark, threads: int) -> None:
    """The machine's float32 GEMM rate through NumPy's BLAS at ``threads`` threads."""
    rng = np.random.default_rng(0)
    a, b = (rng.random((SGEMM_SIZE, SGEMM_SIZE), dtype=np.float32) for _ in range(2))
    out = np.empty_like(a)
    benchmark.group = f"sgemm-t{threads}"
    benchmark.extra_info.update(kind="sgemm", size=SGEMM_SIZE, threads=threads,
                                flops=2 * SGEMM_SIZE**3)
    with threadpool_limits(limits=threads, user_api="blas"):
        benchmark.pedantic(np.matmul, args=(a, b), kwargs={"out": out}, rounds=10,
                           warmup_rounds=2, iterations=1)
    np.testing.assert_allclose(out[:4, :4], a[:4] @ b[:, :4], rtol=1e-4)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize("batch", BATCHES, ids=lambda b: f"b{b}")
@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_forward_pass(benchmark, threads: int, plan: str, arch: str, batch: int,
                      implementation: str) -> None:
    model = _model(arch)
    naive = implementation == "numpy-naive"
    if naive and _naive_windows(model, 1) == 0:
        pytest.skip(f"{arch} has no convolution: naive and vectorised are the same code")
    if naive and _naive_windows(model, batch) > NAIVE_MAX_WINDOWS:
        pytest.skip(f"naive conv of {arch} at batch {batch}: more than {NAIVE_MAX_WINDOWS} "
                    "windows, over a few seconds a round")  # fmt: skip
    if implementation == "litert" and batch not in LITERT_BATCHES:
        pytest.skip(f"LiteRT runs batch {', '.join(map(str, LITERT_BATCHES))} only "
                    "(its export has a fixed batch)")
    if implementation in RUNTIMES:
        pytest.importorskip(RUNTIMES[implementation][1],
                            reason="install the bench extra: pip install -e '.[bench]'")
    shape = ARCHITECTURES[arch][2]
    x = np.random.default_rng(batch).random((batch, *shape), dtype=np.float32)
    benchmark.group = f"{arch}-b{batch}-t{threads}"
    benchmark.extra_info.update(
        arch=arch,
        batch=batch,
        implementation=implementation,
        threads=threads,
        flops_per_image=_flops_per_image(arch),
        input_shape=list(shape),
        parameters=model.count_params(),
        versions=_versions(),
        kernels={"cpu_isa": cpu_isa(), "onednn": onednn()},
        warmup_s=WARMUP_SECONDS,
    )  # fmt: skip
    if implementation.startswith("numpy"):
        network = _network(arch, implementation.removeprefix("numpy-"), threads, plan)
        benchmark.extra_info.update(chunk_size=network.chunk_size, plan=plan)
    rounds = NAIVE_ROUNDS if naive else ROUNDS[batch]
    run = _runner(implementation, arch, threads, plan)
    _warm_up(run, x)
    out = benchmark.pedantic(run, args=(x,), rounds=rounds, iterations=1)

    expected = keras.ops.convert_to_numpy(model(x, training=False))
    got = np.asarray(keras.ops.convert_to_numpy(out))
    assert got.shape == expected.shape
    largest = float(np.max(np.abs(got - expected)))
    benchmark.extra_info["max_abs_diff_vs_keras"] = largest  # measured in this run
    assert largest <= ATOL
    if implementation == "numpy-vectorised" and batch == max(BATCHES):
        benchmark.extra_info["peak_bytes"] = peak_predict_bytes(network, x)
        if threads == 1:
            benchmark.extra_info["layer_times"] = [
                layer.as_dict() for layer in layer_times(network, x, passes=3)]
