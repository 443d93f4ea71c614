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
    """

    name: str
    layers: Callable[[AugmentRanges, LayerContext], list]
    describe: Callable[[AugmentRanges], str]
    edges: Callable[[Mapping[str, float]], dict[str, float]]
    colour: str
    tasks: tuple[str, ...] = ()


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

POLICIES: Registry[PolicySpec] = Registry("augmentation", [
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
])


def policies_for(task: str) -> tuple[str, ...]:
    """The policies meant for ``task``, in catalog order."""
    return tuple(spec.name for spec in POLICIES if not spec.tasks or task in spec.tasks)
