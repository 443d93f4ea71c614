"""Model families: one spec each, with a Keras builder per task and a plot style.

Builders live in ``bench.run.architectures`` and are named here, so reading the catalog
(for reports) never imports Keras; ``FamilySpec.build`` imports them when a model is
needed, and a test checks that every named builder exists.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from bench.catalog.registry import Registry

ARCHITECTURES = "bench.run.architectures"


@dataclass(frozen=True)
class FamilySpec:
    """One model family.

    label: short name in tables and sentences (``CNN``); marker: its plot marker;
    builders: task name -> builder function name in ``bench.run.architectures`` (each takes
    (input_shape (H, W, C), n_classes) and returns an uncompiled keras.Model);
    variant_of: the family this one changes the architecture of (``cnn`` for ``cnn-aa``),
    which reports weigh against that family's augmentation.
    """

    name: str
    label: str
    marker: str
    builders: dict[str, str]
    variant_of: str | None = None

    def builder(self, task: str):
        """The builder function of this family for ``task`` (KeyError names the tasks)."""
        if task not in self.builders:
            raise KeyError(f"model family {self.name!r} has no builder for task {task!r}; "
                           f"it has: {sorted(self.builders)}")
        return getattr(importlib.import_module(ARCHITECTURES), self.builders[task])

    def build(self, task: str, input_shape: tuple[int, int, int], n_classes: int):
        """The uncompiled keras.Model of this family for ``task``."""
        return self.builder(task)(input_shape, n_classes)


FAMILIES: Registry[FamilySpec] = Registry("model family", [
    FamilySpec("mlp", label="MLP", marker="s", builders={
        "mnist": "mnist_mlp", "fashion-mnist": "mnist_mlp", "gender": "gender_mlp",
        "cifar10": "cifar10_mlp",
    }),
    FamilySpec("cnn", label="CNN", marker="o", builders={
        "mnist": "mnist_cnn", "fashion-mnist": "mnist_cnn", "gender": "gender_cnn",
        "cifar10": "cifar10_cnn",
    }),
    # The task's CNN body with a fully convolutional head: 1x1 convolutions, global average
    # pooling, softmax; parameter count within 1.5% of the task's CNN.
    FamilySpec("cnn-gap", label="CNN-GAP", marker="^", builders={
        "mnist": "mnist_cnn_gap", "fashion-mnist": "mnist_cnn_gap",
        "gender": "gender_cnn_gap", "cifar10": "cifar10_cnn_gap",
    }, variant_of="cnn"),
    # The task's CNN anti-aliased (Zhang 2019): max-pool stride 1, fixed binomial blur with
    # the pool's stride; the CNN's trainable parameters exactly.
    FamilySpec("cnn-aa", label="CNN-AA", marker="D", builders={
        "mnist": "mnist_cnn_aa", "fashion-mnist": "mnist_cnn_aa",
        "gender": "gender_cnn_aa", "cifar10": "cifar10_cnn_aa",
    }, variant_of="cnn"),
    # A p4 rotation-equivariant CNN (Cohen & Welling 2016): group convolutions over the 4
    # quarter turns, the maximum over rotations, global average pooling; a quarter turn of
    # the input leaves its output unchanged. 1,701,117 parameters on MNIST (the CNN:
    # 1,701,110; 98,132 in the p4 body, the rest in its Dense layers). The NumPy engine has
    # no p4 layers: its worst case runs through Keras, its invariance errors are skipped.
    FamilySpec("p4-cnn", label="p4-CNN", marker="P", builders={
        "mnist": "mnist_p4_cnn", "fashion-mnist": "mnist_p4_cnn",
    }, variant_of="cnn"),
    # Published architectures, for bench.catalog.reproductions only (no profile trains them).
    FamilySpec("lenet5-port", label="LeNet5 (AdverTorch)", marker="v",
               builders={"mnist": "advertorch_lenet5"}),
    FamilySpec("madry-cnn", label="Madry MNIST CNN", marker="<", builders={"mnist": "madry_cnn"}),
    FamilySpec("stn-fcn", label="STN-paper FCN", marker=">", builders={"mnist": "stn_fcn"}),
    FamilySpec("stn-cnn", label="STN-paper CNN", marker="h", builders={"mnist": "stn_cnn"}),
])
