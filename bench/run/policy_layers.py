"""The Keras random layers of the stock augmentation policies, named in the catalog
(``bench.catalog.policies``: ``layers=Named("bench.run.policy_layers:shift")``).

Each function takes the profile's ranges and a :class:`LayerContext` (image height and
width in pixels, fill, seed) and returns the layers, in order, that run on float32 batches
(N, H, W, C) in [0, 1] inside the training pipeline.
"""

from __future__ import annotations

import math

import keras

from bench.catalog.policies import COOKBOOK_ROTATE_DEG, COOKBOOK_SHIFT_FRACTION, LayerContext
from bench.config import AugmentRanges
from bench.run.centred_shear import CentredShear
from bench.run.random_scale import RandomScale


def shift(ranges: AugmentRanges, context: LayerContext) -> list:
    """Shifts drawn up to ``shift_px`` pixels along each axis (a fraction of H and W)."""
    return [keras.layers.RandomTranslation(
        height_factor=ranges.shift_px / context.height,
        width_factor=ranges.shift_px / context.width,
        fill_mode=context.fill_mode, seed=context.seed,
    )]


def rotate(ranges: AugmentRanges, context: LayerContext) -> list:
    """Turns drawn up to ``rotate_deg`` degrees either way (Keras takes a turn fraction)."""
    return [keras.layers.RandomRotation(
        factor=ranges.rotate_deg / 360.0, fill_mode=context.fill_mode, seed=context.seed + 1
    )]


def scale(ranges: AugmentRanges, context: LayerContext) -> list:
    """Scale factors drawn over 1 +- ``scale_frac`` about the image centre
    (``bench.run.random_scale``, as the test-time ``geometry.scale``: > 1 enlarges). (Keras'
    own RandomZoom by z scales content by 1 / z.)"""
    return [RandomScale(
        height_factor=(-ranges.scale_frac, ranges.scale_frac), fill_mode=context.fill_mode,
        seed=context.seed + 2,
    )]


def shear(ranges: AugmentRanges, context: LayerContext) -> list:
    """A horizontal shear about the image centre (``bench.run.centred_shear``, as the
    test-time ``geometry.shear``), its slope tan(angle) drawn in either direction up to
    ``shear_deg``. (Keras' own RandomShear shears about the top row, which also shifts.)"""
    return [CentredShear(
        x_factor=math.tan(math.radians(ranges.shear_deg)), y_factor=0.0,
        fill_mode=context.fill_mode, seed=context.seed + 3,
    )]


def cookbook(ranges: AugmentRanges, context: LayerContext) -> list:
    """The notebook's generator as Keras layers: rotation, then shift, then a horizontal
    flip, each drawn per image, nearest fill (the generator applies rotation and shift as one
    affine map; here they are two, each interpolated). The profile's ranges do not apply."""
    return [
        keras.layers.RandomRotation(factor=COOKBOOK_ROTATE_DEG / 360.0, fill_mode="nearest",
                                    seed=context.seed + 1),
        keras.layers.RandomTranslation(
            height_factor=COOKBOOK_SHIFT_FRACTION, width_factor=COOKBOOK_SHIFT_FRACTION,
            fill_mode="nearest", seed=context.seed),
        keras.layers.RandomFlip("horizontal", seed=context.seed + 4),
    ]
