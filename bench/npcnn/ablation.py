"""What each speed technique of the NumPy engine buys: every architecture timed with all
techniques on, with each one turned off in turn, with all off, and Keras ``model(x)``, in one
process on the same number of threads (NumPy chunk threads, TensorFlow intra- and inter-op
threads). Command line::

    python -m bench.npcnn.ablation --threads 1 --batch 1024 --rounds 5 [TASK:FAMILY ...]

prints one Markdown table: images per second (median round) and, per technique, how many
times slower the engine runs without it (above 1x: the technique helps).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np

from bench.npcnn.network import REWRITES


def _without(rewrite: str) -> tuple[str, ...]:
    return tuple(name for name in REWRITES if name != rewrite)


TECHNIQUES: dict[str, dict] = {
    "Winograd": {"winograd": False},
    "Winograd F(3x3)": {"winograd_f3": False},
    "banded blur": {"banded": False},
    "separable blur": {"separable": False, "banded": False},
    "BatchNorm folding": {"rewrites": _without("fold_batch_norms")},
    "pool first": {"rewrites": _without("pool_first")},
    "norm after blur": {"rewrites": _without("norm_after_blur")},
    "segments": {"rewrites": _without("segments")},
}
"""Each technique and the ``from_keras`` options that turn it off (the channels-first
im2col for few input channels has no switch: it replaced the old layout). Without the
banded blur the blurs run as two tap passes; without the separable blur, as kh * kw."""
ALL_OFF = {"winograd": False, "separable": False, "banded": False, "rewrites": ()}


def median_seconds(run: Callable[[], object], rounds: int) -> float:
    """Median wall time of ``rounds`` calls of ``run`` after one warm-up call (seconds)."""
    run()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ablate(task: str, family: str, threads: int, batch: int, rounds: int) -> list[str]:
    """One table row: the architecture, img/s all on, Keras img/s, NumPy / Keras, then the
    slowdown without each technique and with all off."""
    import keras

    from bench.catalog import FAMILIES, TASKS
    from bench.npcnn.convert import from_keras

    spec = TASKS[task]
    keras.utils.set_random_seed(0)
    model = FAMILIES[family].build(task, spec.input_shape, spec.n_classes)
    x = np.random.default_rng(0).random((batch, *spec.input_shape), dtype=np.float32)

    def numpy_time(**options) -> float:
        network = from_keras(model, threads=threads, **options)
        return median_seconds(lambda: network.predict(x), rounds)

    best = numpy_time()
    keras_time = median_seconds(lambda: model(x, training=False), rounds)
    slowdowns = [f"{numpy_time(**off) / best:.2f}x" for off in TECHNIQUES.values()]
    return [f"{task}:{family}", f"{batch / best:,.0f}", f"{batch / keras_time:,.0f}",
            f"{keras_time / best:.2f}x", *slowdowns, f"{numpy_time(**ALL_OFF) / best:.2f}x"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("architectures", nargs="*",
                        help="TASK:FAMILY pairs (default: every family on mnist, gender and "
                             "cifar10)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    from tabulate import tabulate

    from bench.catalog import FAMILIES

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    pairs = [pair.split(":") for pair in args.architectures] or [
        (task, family) for task in ("mnist", "gender", "cifar10") for family in FAMILIES.names()]
    rows = [ablate(task, family, args.threads, args.batch, args.rounds) for task, family in pairs]
    headers = ["architecture", "NumPy img/s", "Keras img/s", "NumPy / Keras",
               *(f"without {name}" for name in TECHNIQUES), "all off"]
    print(f"{args.threads} thread(s), batch {args.batch}, median of {args.rounds} rounds\n")
    print(tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True))


if __name__ == "__main__":
    main()
