"""Training-time augmentation policies: one spec each (Keras 3 layers, words, ranges).

A policy's layers run inside the training pipeline on float32 batches (N, H, W, C) in
[0, 1]. The catalog names each policy's Keras layer builder by a dotted name
(``bench.run.policy_layers:shift``, a :class:`Named`) that is imported only when layers are
built, so reading the catalog (for reports) never loads TensorFlow and the catalog never
imports the run layer.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bench.catalog.defences import DEFENCES, defended_name
from bench.catalog.registry import Registry
from bench.config import AugmentRanges, Fill

_FILL_MODE = {Fill.ZERO: "constant", Fill.NEAREST: "nearest"}


@dataclass(frozen=True)
class LayerContext:
    """What a policy's layers depend on besides the ranges: image size (H, W), fill, seed."""

    height: int
    width: int
    fill: Fill
    seed: int

    @property
    def fill_mode(self) -> str:
        return _FILL_MODE[Fill(self.fill)]


@dataclass(frozen=True)
class Named:
    """A function named ``module:function``, imported when first called: how the catalog
    refers to code of a higher layer (Keras layers in ``bench.run``) without importing it."""

    target: str

    def resolve(self) -> Callable:
        """The named function (ImportError or AttributeError naming it when absent)."""
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)

    def __call__(self, *args: object) -> object:
        return self.resolve()(*args)


#: Where the stock policies' Keras layers are built.
POLICY_LAYERS = "bench.run.policy_layers"


def _layers(name: str) -> Named:
    return Named(f"{POLICY_LAYERS}:{name}")


@dataclass(frozen=True)
class PolicySpec:
    """One augmentation policy.

    layers(ranges, context) -> the Keras random layers, in order ([] for none); for the
    stock policies a :class:`Named` function of ``bench.run.policy_layers``.
    describe(ranges) -> the ranges in words (``rotation <= 20 deg``).
    edges(stored ranges) -> transform name -> the magnitude at the edge of the range the
    policy trains on (px, degrees, factor); ranges come as stored with a run (a dict),
    keys missing in older runs give no edge. colour: the policy's colour in plots.
    tasks: the tasks the policy is meant for (empty: every task).
    worst_of(ranges) -> k for a worst-of-k policy (``bench.run.worst_of_k``: its layers are
    not run in the input pipeline; the training step draws k transforms per image through
    them and trains on the worst), None for an ordinary policy.
    defended: (base policy, defence) for a defended variant (``none+tta``): the base
    policy's model measured under a test-time defence (``bench.catalog.defences``), None
    for a policy that trains a model of its own.
    """

    name: str
    layers: Callable[[AugmentRanges, LayerContext], list]
    describe: Callable[[AugmentRanges], str]
    edges: Callable[[Mapping[str, float]], dict[str, float]]
    colour: str
    tasks: tuple[str, ...] = ()
    worst_of: Callable[[AugmentRanges], int] | None = None
    defended: tuple[str, str] | None = None


#: The CIFAR-10 notebook's ImageDataGenerator (Chapter04/Data_augmentation_to_improve_
#: network_accuracy.ipynb): rotation_range=15, width/height_shift_range=0.1,
#: horizontal_flip=True, and its default fill_mode 'nearest'.
COOKBOOK_ROTATE_DEG, COOKBOOK_SHIFT_FRACTION = 15.0, 0.1


def _edge(key: str, *transforms: str, offset: float = 0.0):
    """edges() of a single-range policy: the stored range ``key`` (+ offset) per transform."""
    def edges(stored: Mapping[str, float]) -> dict[str, float]:
        if stored.get(key) is None:
            return {}
        return {name: round(offset + stored[key], 6) for name in transforms}
    return edges


def _all_layers(ranges: AugmentRanges, context: LayerContext) -> list:
    return [layer for part in _ALL_PARTS for layer in POLICIES[part].layers(ranges, context)]


def _all_edges(stored: Mapping[str, float]) -> dict[str, float]:
    """The edges of every policy ``all`` chains."""
    return {name: edge for part in _ALL_PARTS
            for name, edge in POLICIES[part].edges(stored).items()}


def _all_describe(ranges: AugmentRanges) -> str:
    return ", ".join(POLICIES[part].describe(ranges) for part in _ALL_PARTS)


#: The policies the ``all`` policy chains, in order.
_ALL_PARTS = ("shift", "rotate", "scale")

#: The policies whose draws the worst-of-k policy searches (Engstrom et al.'s MNIST attack
#: space: shifts and rotations).
WORST_OF_K_PARTS = ("shift", "rotate")


def _worst_layers(ranges: AugmentRanges, context: LayerContext) -> list:
    return [layer for part in WORST_OF_K_PARTS
            for layer in POLICIES[part].layers(ranges, context)]


def _worst_edges(stored: Mapping[str, float]) -> dict[str, float]:
    return {name: edge for part in WORST_OF_K_PARTS
            for name, edge in POLICIES[part].edges(stored).items()}


def _worst_describe(ranges: AugmentRanges) -> str:
    return (f"worst of {ranges.worst_of_k} draws per image of "
            + ", ".join(POLICIES[part].describe(ranges) for part in WORST_OF_K_PARTS)
            + f" ({ranges.worst_of_k + 1} forward passes per training image)")

_TRAINED: list[PolicySpec] = [
    PolicySpec("none", layers=lambda ranges, context: [], describe=lambda ranges: "none",
               edges=lambda stored: {}, colour="tab:gray"),
    PolicySpec("shift", layers=_layers("shift"),
               describe=lambda r: f"shift <= {r.shift_px:g} px",
               edges=_edge("shift_px", "shift_x", "shift_y"), colour="tab:blue"),
    PolicySpec("rotate", layers=_layers("rotate"),
               describe=lambda r: f"rotation <= {r.rotate_deg:g} deg",
               edges=_edge("rotate_deg", "rotate"), colour="tab:orange"),
    PolicySpec("scale", layers=_layers("scale"),
               describe=lambda r: f"scale {1 - r.scale_frac:g}..{1 + r.scale_frac:g}x",
               edges=_edge("scale_frac", "scale", offset=1.0), colour="tab:green"),
    PolicySpec("all", layers=_all_layers, describe=_all_describe, edges=_all_edges,
               colour="tab:purple"),
    PolicySpec("shear", layers=_layers("shear"),
               describe=lambda r: f"shear <= {r.shear_deg:g} deg about the centre",
               edges=_edge("shear_deg", "shear"), colour="tab:red"),
    PolicySpec("cookbook", layers=_layers("cookbook"),
               describe=lambda r: (f"the notebook's generator: rotation <= "
                                   f"{COOKBOOK_ROTATE_DEG:g} deg, shift <= "
                                   f"{COOKBOOK_SHIFT_FRACTION:.0%}, horizontal flip, nearest "
                                   "fill"),
               edges=lambda stored: {"rotate": COOKBOOK_ROTATE_DEG}, colour="tab:brown",
               tasks=("cifar10",)),
    # Engstrom et al. 2019 (arXiv 1712.02779), robust optimisation: k draws of shift and
    # rotation per training image, the step trains on the one with the largest loss;
    # k + 1 forward passes and one backward pass per training image (bench.run.worst_of_k).
    PolicySpec("worst-of-k", layers=_worst_layers, describe=_worst_describe,
               edges=_worst_edges, colour="tab:olive",
               worst_of=lambda ranges: ranges.worst_of_k),
]


def _defended(base: PolicySpec, defence: str) -> PolicySpec:
    """``base``'s models measured under ``defence``: its layers, edges and tasks, its
    words followed by the defence's (which name the cost), the defence's colour."""
    spec = DEFENCES[defence]
    return PolicySpec(
        defended_name(base.name, defence), layers=base.layers,
        describe=lambda ranges: f"{base.describe(ranges)}; tested with {spec.describe(ranges)}",
        edges=base.edges, colour=spec.colour, tasks=base.tasks, worst_of=base.worst_of,
        defended=(base.name, defence))


#: Every policy, then every policy under every test-time defence.
POLICIES: Registry[PolicySpec] = Registry("augmentation", [
    *_TRAINED, *(_defended(base, defence.name) for defence in DEFENCES for base in _TRAINED)])


def policies_for(task: str) -> tuple[str, ...]:
    """The policies meant for ``task``, in catalog order."""
    return tuple(spec.name for spec in POLICIES if not spec.tasks or task in spec.tasks)
