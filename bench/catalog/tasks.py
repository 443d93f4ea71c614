"""Tasks: one spec each (title, data sets, shape, chance, image groups, probes).

Adding a task is one spec here, its data set in ``datasets.py``, a builder per family in
``families.py`` and its profiles in ``profiles.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bench.catalog import groups
from bench.catalog.registry import Registry
from bench.data.types import Split


@dataclass(frozen=True)
class TaskSpec:
    """One benchmark task.

    title: report heading (``MNIST digits``); in_sentence: the name inside generated
    sentences (``the face-gender task``). datasets: the data sets its models can use.
    input_shape: (H, W, C) of its default images; n_classes: number of classes (chance
    accuracy is 1 / n_classes). groups(test split, class names) -> name -> (N,) bool mask
    (tables order them with ``groups.sort_key``). probes: names of the extra
    measurements of ``bench.run.probes`` run for every model.
    """

    name: str
    title: str
    in_sentence: str
    datasets: tuple[str, ...]
    input_shape: tuple[int, int, int]
    n_classes: int
    groups: Callable[[Split, tuple[str, ...]], dict[str, np.ndarray]]
    probes: tuple[str, ...] = ()

    @property
    def chance(self) -> float:
        """Accuracy of guessing uniformly among the classes."""
        return 1.0 / self.n_classes


#: Probe name -> the transform whose swept magnitudes it uses: a run that does not sweep it
#: (``--transforms rotate``) skips the probe (``bench.run.probes.unswept_probes``) and its
#: report says so.
PROBE_NEEDS = {"mean_one_shift_x": "shift_x"}


def unswept_probes(task: str, swept: set[str] | frozenset[str]) -> dict[str, str]:
    """Probe name -> the transform it needs, for ``task``'s probes that need a transform
    outside ``swept`` (transform names)."""
    return {name: PROBE_NEEDS[name] for name in TASKS[task].probes
            if name in PROBE_NEEDS and PROBE_NEEDS[name] not in swept}


TASKS: Registry[TaskSpec] = Registry("task", [
    TaskSpec("mnist", title="MNIST digits", in_sentence="MNIST",
             datasets=("mnist", "mnist-5k"), input_shape=(28, 28, 1), n_classes=10,
             groups=groups.no_groups, probes=("mean_one_shift_x", "mean_one_book")),
    TaskSpec("fashion-mnist", title="Fashion-MNIST clothing", in_sentence="Fashion-MNIST",
             datasets=("fashion-mnist",), input_shape=(28, 28, 1), n_classes=10,
             groups=groups.class_groups),
    TaskSpec("gender", title="Face gender", in_sentence="the face-gender task",
             datasets=("gender",), input_shape=(50, 50, 1), n_classes=2,
             groups=groups.face_groups),
    TaskSpec("cifar10", title="CIFAR-10", in_sentence="CIFAR-10",
             datasets=("cifar10",), input_shape=(32, 32, 3), n_classes=10,
             groups=groups.class_groups),
])
