"""Peak memory of a NumPy forward pass, measured with tracemalloc.

NumPy reports its array buffers to tracemalloc, so the peak covers every
activation, im2col block and output allocated during ``predict`` (not the input,
which exists before). Command line, e.g. for the CIFAR-10 CNN at batch 1,024::

    python -m bench.npcnn.memory cifar10 cnn 1024
"""

from __future__ import annotations

import argparse
import tracemalloc

import numpy as np

from bench.npcnn.network import Network


def peak_predict_bytes(network: Network, x: np.ndarray) -> int:
    """Peak bytes allocated (above what existed before) while ``network.predict(x)`` runs."""
    already = tracemalloc.is_tracing()
    if not already:
        tracemalloc.start()
    tracemalloc.reset_peak()
    start, _ = tracemalloc.get_traced_memory()
    network.predict(x)
    _, peak = tracemalloc.get_traced_memory()
    if not already:
        tracemalloc.stop()
    return peak - start


def main(argv: list[str] | None = None) -> None:
    from bench.catalog import FAMILIES, TASKS
    from bench.npcnn.convert import from_keras

    parser = argparse.ArgumentParser(description="peak memory of one NumPy forward pass")
    parser.add_argument("task", choices=TASKS.names())
    parser.add_argument("family", choices=FAMILIES.names())
    parser.add_argument("batch", type=int)
    parser.add_argument("--chunk-size", type=int, default=None, help="images per pass")
    args = parser.parse_args(argv)
    task = TASKS[args.task]
    shape = task.input_shape
    model = FAMILIES[args.family].build(task.name, shape, task.n_classes)
    network = from_keras(model, chunk_size=args.chunk_size)
    x = np.random.default_rng(0).random((args.batch, *shape), dtype=np.float32)
    peak = peak_predict_bytes(network, x)
    print(
        f"{network.name}: batch {args.batch} ({x.nbytes / 2**20:.1f} MiB input), "
        f"chunk_size {network.chunk_size}, threads {network.threads}: "
        f"peak {peak / 2**20:.1f} MiB above the input"
    )


if __name__ == "__main__":
    main()
