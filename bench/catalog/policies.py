"""Training-time augmentation policies: one spec each (Keras 3 layers, words, ranges).

A policy's layers run inside the training pipeline on float32 batches (N, H, W, C) in
[0, 1]. Keras is imported only when layers are built, so reading the catalog (for
reports) never loads TensorFlow.
"""

from __future__ import annotations

import math
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
class PolicySpec:
    """One augmentation policy.

    layers(ranges, context) -> the Keras random layers, in order ([] for none).
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


def _shift_layers(ranges: AugmentRanges, context: LayerContext) -> list:
    import keras

    return [keras.layers.RandomTranslation(
        height_factor=ranges.shift_px / context.height,
        width_factor=ranges.shift_px / context.width,
        fill_mode=context.fill_mode, seed=context.seed,
    )]


def _rotate_layers(ranges: AugmentRanges, context: LayerContext) -> list:
    import keras

    return [keras.layers.RandomRotation(
        factor=ranges.rotate_deg / 360.0, fill_mode=context.fill_mode, seed=context.seed + 1
    )]


def _scale_layers(ranges: AugmentRanges, context: LayerContext) -> list:
    """Scale factors drawn over 1 +- ``scale_frac`` about the image centre
    (``bench.run.random_scale``, as the test-time ``geometry.scale``: > 1 enlarges). (Keras'
    own RandomZoom by z scales content by 1 / z.)"""
    from bench.run.random_scale import RandomScale

    return [RandomScale(
        height_factor=(-ranges.scale_frac, ranges.scale_frac), fill_mode=context.fill_mode,
        seed=context.seed + 2,
    )]


def _shear_layers(ranges: AugmentRanges, context: LayerContext) -> list:
    """A horizontal shear about the image centre (``bench.run.centred_shear``, as the
    test-time ``geometry.shear``), its slope tan(angle) drawn in either direction up to
    ``shear_deg``. (Keras' own RandomShear shears about the top row, which also shifts.)"""
    from bench.run.centred_shear import CentredShear

    return [CentredShear(
        x_factor=math.tan(math.radians(ranges.shear_deg)), y_factor=0.0,
        fill_mode=context.fill_mode, seed=context.seed + 3,
    )]


#: The CIFAR-10 notebook's ImageDataGenerator (Chapter04/Data_augmentation_to_improve_
#: network_accuracy.ipynb): rotation_range=15, width/height_shift_range=0.1,
#: horizontal_flip=True, and its default fill_mode 'nearest'.
COOKBOOK_ROTATE_DEG, COOKBOOK_SHIFT_FRACTION = 15.0, 0.1


def _cookbook_layers(ranges: AugmentRanges, context: LayerContext) -> list:
    """The notebook's generator as Keras layers: rotation, then shift, then a horizontal
    flip, each drawn per image, nearest fill (the generator applies rotation and shift as one
    affine map; here they are two, each interpolated). The profile's ranges do not apply."""
    import keras

    return [
        keras.layers.RandomRotation(factor=COOKBOOK_ROTATE_DEG / 360.0, fill_mode="nearest",
                                    seed=context.seed + 1),
        keras.layers.RandomTranslation(
            height_factor=COOKBOOK_SHIFT_FRACTION, width_factor=COOKBOOK_SHIFT_FRACTION,
            fill_mode="nearest", seed=context.seed),
        keras.layers.RandomFlip("horizontal", seed=context.seed + 4),
    ]


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
    PolicySpec("shift", layers=_shift_layers,
               describe=lambda r: f"shift <= {r.shift_px:g} px",
               edges=_edge("shift_px", "shift_x", "shift_y"), colour="tab:blue"),
    PolicySpec("rotate", layers=_rotate_layers,
               describe=lambda r: f"rotation <= {r.rotate_deg:g} deg",
               edges=_edge("rotate_deg", "rotate"), colour="tab:orange"),
    PolicySpec("scale", layers=_scale_layers,
               describe=lambda r: f"scale {1 - r.scale_frac:g}..{1 + r.scale_frac:g}x",
               edges=_edge("scale_frac", "scale", offset=1.0), colour="tab:green"),
    PolicySpec("all", layers=_all_layers, describe=_all_describe, edges=_all_edges,
               colour="tab:purple"),
    PolicySpec("shear", layers=_shear_layers,
               describe=lambda r: f"shear <= {r.shear_deg:g} deg about the centre",
               edges=_edge("shear_deg", "shear"), colour="tab:red"),
    PolicySpec("cookbook", layers=_cookbook_layers,
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
