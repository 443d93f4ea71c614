"""Training-time augmentation policies built from Keras 3 preprocessing layers.

A policy becomes a ``keras.Sequential`` of random layers that runs inside the
``tf.data`` training pipeline on float32 batches (N, H, W, C) in [0, 1]:

- ``shift``: RandomTranslation up to ``shift_px`` pixels on each axis;
- ``rotate``: RandomRotation up to ``rotate_deg`` degrees either way;
- ``scale``: RandomZoom by up to ``scale_frac`` (0.3: factors 0.7..1.3), aspect kept;
- ``all``: the three in that order; ``none``: no layer at all.
"""

from __future__ import annotations

import keras

from bench.config import Augmentation, AugmentRanges, Fill

_FILL_MODE = {Fill.ZERO: "constant", Fill.NEAREST: "nearest"}


def _layers_for(
    policy: Augmentation, ranges: AugmentRanges, image_size: tuple[int, int], fill: Fill, seed: int
) -> list[keras.layers.Layer]:
    height, width = image_size
    fill_mode = _FILL_MODE[fill]
    shift = keras.layers.RandomTranslation(
        height_factor=ranges.shift_px / height,
        width_factor=ranges.shift_px / width,
        fill_mode=fill_mode,
        seed=seed,
    )
    rotate = keras.layers.RandomRotation(
        factor=ranges.rotate_deg / 360.0, fill_mode=fill_mode, seed=seed + 1
    )
    zoom = keras.layers.RandomZoom(
        height_factor=(-ranges.scale_frac, ranges.scale_frac), fill_mode=fill_mode, seed=seed + 2
    )
    return {
        Augmentation.NONE: [],
        Augmentation.SHIFT: [shift],
        Augmentation.ROTATE: [rotate],
        Augmentation.SCALE: [zoom],
        Augmentation.ALL: [shift, rotate, zoom],
    }[policy]


def build_augmenter(
    policy: Augmentation,
    ranges: AugmentRanges,
    image_size: tuple[int, int],
    fill: Fill,
    seed: int,
) -> keras.Sequential | None:
    """The random layers of ``policy`` for images of ``image_size`` (H, W), or None for none."""
    stack = _layers_for(Augmentation(policy), ranges, image_size, Fill(fill), seed)
    return keras.Sequential(stack, name=f"augment_{policy.value}") if stack else None


def describe(policy: Augmentation, ranges: AugmentRanges) -> str:
    """Human-readable ranges of a policy, for reports."""
    parts = {
        Augmentation.SHIFT: f"shift <= {ranges.shift_px:g} px",
        Augmentation.ROTATE: f"rotation <= {ranges.rotate_deg:g} deg",
        Augmentation.SCALE: f"zoom {1 - ranges.scale_frac:g}..{1 + ranges.scale_frac:g}x",
    }
    if policy == Augmentation.NONE:
        return "none"
    if policy == Augmentation.ALL:
        return ", ".join(parts.values())
    return parts[policy]
