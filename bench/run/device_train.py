"""Train a profile's models on another machine (e.g. a GPU host without TensorFlow) and
write them as model-cache entries (``<key>.keras`` + ``<key>.json``) for ``bench run
--trained DIR`` to sweep here.

Usage (on the host, with any Keras 3 backend, e.g. ``KERAS_BACKEND=jax``)::

    python -m bench.run.device_train cifar10 --profile book --families cnn \\
        --augmentations none,rotate --seeds 0,1,2 --learning-rates 0.01,0.001 \\
        --train-folder cifar10-jpeg/train --out trained/ --budget-s 480

The training images are read from a folder per class (``<class>/*.jpg``) with the same
decoder as ``bench.data``; models are trained in the order given (learning rates, then
seeds, then policies) and none is started once the budget's end is nearer than the
slowest model so far took.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import time
from pathlib import Path

from bench.catalog import TASKS
from bench.catalog.profiles import get_profile, with_choices
from bench.config import TrainSettings
from bench.data.cifar10 import CLASSES as CIFAR10_CLASSES
from bench.data.folders import read_class_tree
from bench.data.paths import cache_dir
from bench.data.types import Split
from bench.run.portable import train_portable
from bench.run.train import ModelSpec, save_atomically

log = logging.getLogger(__name__)

#: Tasks whose training split this tool reads from a folder per class, with class order.
CLASS_NAMES = {"cifar10": CIFAR10_CLASSES}


def read_train_split(task: str, folder: Path, cache: Path, size: tuple[int, int]) -> Split:
    """The task's training images from ``folder/<class>/`` as uint8 (N, H, W, C)."""
    if task not in CLASS_NAMES:
        raise SystemExit(f"device_train reads folders for {sorted(CLASS_NAMES)} only, "
                         f"not {task!r}")
    images = read_class_tree(folder, CLASS_NAMES[task], cache, size=size)
    if images.skipped.counts:
        log.warning("%s: skipped %s", folder, images.skipped.counts)
    return Split(images.x, images.y)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task")
    parser.add_argument("--profile", default="book")
    parser.add_argument("--families", required=True, help="comma-separated, e.g. cnn")
    parser.add_argument("--augmentations", required=True, help="e.g. none,rotate")
    parser.add_argument("--seeds", required=True, help="e.g. 0,1,2")
    parser.add_argument("--learning-rates", default=None, help="Adam rates, e.g. 0.01,0.001")
    parser.add_argument("--train-folder", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="folder for the trained models")
    parser.add_argument("--budget-s", type=float, default=float("inf"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.perf_counter()

    profile = with_choices(get_profile(args.task, args.profile), args.families.split(","),
                           args.augmentations.split(","))
    rates = ([float(r) for r in args.learning_rates.split(",")] if args.learning_rates
             else [profile.train.learning_rate])
    size = TASKS[args.task].input_shape[:2]
    decoded = cache_dir() / "cifar10"  # this user's bench cache, never a shared temp path
    train = read_train_split(args.task, args.train_folder, decoded, size)
    train = train.subset(profile.n_train, profile.subset_seed)
    args.out.mkdir(parents=True, exist_ok=True)
    slowest = 0.0
    for rate in rates:
        settings = TrainSettings(profile.train.epochs, profile.train.batch_size, rate)
        at_rate = dataclasses.replace(profile, train=settings)
        for seed in (int(s) for s in args.seeds.split(",")):
            for family, policy in at_rate.pairs():
                spent = time.perf_counter() - started
                if spent + slowest > args.budget_s:
                    log.info("budget: stopping after %.0f s", spent)
                    return
                spec = ModelSpec(family, policy, seed)
                began = time.perf_counter()
                model, record = train_portable(spec, train, len(CLASS_NAMES[args.task]),
                                               at_rate, verbose=2)
                save_atomically(model, record, args.out / f"{record.key}.keras",
                                args.out / f"{record.key}.json")
                slowest = max(slowest, time.perf_counter() - began)
                log.info("trained %s lr %g in %.0f s: %s", spec.label, rate,
                         record.train_seconds, json.dumps(record.history.get("accuracy")))


if __name__ == "__main__":
    main()
