"""Every augmentation policy trains on the transform the sweep tests, in the same direction,
about the same centre, in the same unit. Shear: about the image centre, in both directions
(Keras' own RandomShear shears about the top row, which also shifts the image). Shift, rotate,
scale, shear, the layers of all and cookbook: each layer with its random draws fixed at points
of its range equals the catalog transform at the same point of the stated range. Scale: Keras'
own RandomZoom by z scales content by 1/z. Every comparison is within one grey level (of 255):
both sides interpolate bilinearly at the same source points, the test-time image is rounded
to uint8 (observed: at most 0.5)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from bench import geometry
from bench.catalog import POLICIES, TRANSFORMS
from bench.catalog.policies import LayerContext
from bench.config import AugmentRanges, Fill


def digit() -> np.ndarray:
    """(1, 28, 28, 1) uint8: a bright bar with a foot, off-centre, so a shift would show."""
    image = np.zeros((1, 28, 28, 1), np.uint8)
    image[0, 4:24, 9:13] = 255
    image[0, 20:24, 9:20] = 200
    return image


def sheared_by_the_policy(image: np.ndarray, slope: float) -> np.ndarray:
    """The shear policy's layer applied at a fixed slope (its random draw replaced)."""
    [layer] = POLICIES["shear"].layers(AugmentRanges(shear_deg=30.0),
                                       LayerContext(28, 28, Fill.ZERO, seed=0))
    transformation = {"shear_factor": np.array([[slope, 0.0]], np.float32)}
    return np.asarray(layer._transform_images(image.astype(np.float32), transformation,
                                              "bilinear"))


@pytest.mark.parametrize("degrees", [-20.0, -5.0, 5.0, 20.0])
def test_the_training_shear_is_the_test_time_shear_within_one_grey_level(degrees):
    image = digit()
    trained = sheared_by_the_policy(image, math.tan(math.radians(-degrees)))
    tested = geometry.shear(image, degrees, fill=Fill.ZERO).astype(np.float32)
    assert np.abs(trained - tested).max() <= 1.0


def column_centre(image: np.ndarray) -> float:
    """Horizontal centre of mass of an (1, H, W, 1) image, in px."""
    weights = image[0, ..., 0].astype(np.float64)
    return float((weights.sum(axis=0) * np.arange(weights.shape[1])).sum() / weights.sum())


def test_it_moves_no_mass_sideways_where_keras_own_shear_does():
    import keras

    image, slope = digit(), math.tan(math.radians(20.0))
    ours = sheared_by_the_policy(image, slope)
    top_row = keras.layers.RandomShear(x_factor=slope, y_factor=0.0, fill_mode="constant")
    theirs = np.asarray(top_row._transform_images(
        image.astype(np.float32), {"shear_factor": np.array([[slope, 0.0]], np.float32)},
        "bilinear"))
    # the bar's mass sits near the centre row: a centred shear barely moves it
    assert abs(column_centre(ours) - column_centre(image)) < 1.0
    assert abs(column_centre(theirs) - column_centre(image)) > 3.0


# Every policy against its test-time transform. Each policy's Keras layer runs as in
# training, its random draws replaced by fixed points of its own range (``drawn_at``); the
# draw at a fraction q of the range must equal the catalog transform at the same fraction of
# the span the reports say the policy trains on (``TRANSFORMS[name].trained_span`` of the
# policy's edge), so a flipped direction, another centre, a wrong unit (fraction of the image
# vs px, turns vs degrees, zoom vs scale) or swapped axes fails on the asymmetric image.

#: The ranges of the MNIST profiles (px, degrees, fraction, degrees).
RANGES = AugmentRanges(shift_px=3.0, rotate_deg=30.0, scale_frac=0.3, shear_deg=20.0)


def asymmetric_image(height: int = 26, width: int = 34) -> np.ndarray:
    """(1, H, W, 1) uint8, not square: an F in the top-left quarter (three grey levels) and a
    dot near the bottom-right corner, so no flip, rotation about another centre or swap of
    the axes maps it onto itself."""
    image = np.zeros((1, height, width, 1), np.uint8)
    image[0, 3:15, 4:8] = 255
    image[0, 3:6, 8:16] = 180
    image[0, 8:11, 8:13] = 120
    image[0, height - 6:height - 3, width - 9:width - 7] = 220
    return image


def drawn_at(layer, images: np.ndarray, quantiles: list[float]) -> np.ndarray:
    """``layer(images, training=True)`` with its random draws, in the order the layer makes
    them, fixed at ``quantiles`` of their ranges (0: the low end, 1: the high end)."""
    left = list(quantiles)

    def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
        assert left, f"{type(layer).__name__} draws more often than {len(quantiles)} times"
        value = minval + left.pop(0) * (maxval - minval)
        return layer.backend.convert_to_tensor(np.full(tuple(shape), value, np.float32))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(layer.backend.random, "uniform", uniform)
        out = np.asarray(layer(images.astype(np.float32), training=True))
    assert not left, f"{type(layer).__name__} drew fewer than {len(quantiles)} times"
    return out


def policy_layer(policy: str, layer_type: str, context: LayerContext):
    """The one layer of class ``layer_type`` in the policy's stack."""
    [layer] = [layer for layer in POLICIES[policy].layers(RANGES, context)
               if type(layer).__name__ == layer_type]
    return layer


def magnitude_at(policy: str, transform: str, quantile: float) -> float:
    """The magnitude at ``quantile`` of the span the policy trains on for ``transform``, as
    the reports state it (its edge, both sides of the identity)."""
    edge = POLICIES[policy].edges(dataclasses.asdict(RANGES))[transform]
    low, high = TRANSFORMS[transform].trained_span(edge)
    return low + quantile * (high - low)


def test_the_fixed_draws_reach_both_ends_of_keras_own_range():
    """The draw fixing itself: RandomRotation at quantile 0 and 1 rotates by the ends of
    its own range (Keras: factor in turns, counter-clockwise positive), which differ."""
    import keras

    image = asymmetric_image()
    layer = keras.layers.RandomRotation(factor=(0.05, 0.1), fill_mode="constant")
    low, high = (drawn_at(layer, image, [q]) for q in (0.0, 1.0))
    assert np.abs(low - geometry.rotate(image, 18.0, fill=Fill.ZERO)).max() <= 1.0
    assert np.abs(high - geometry.rotate(image, 36.0, fill=Fill.ZERO)).max() <= 1.0


SHIFT_DRAWS = [  # (height draw, width draw) quantiles -> the transform that moves
    ((0.5, 0.0), "shift_x", 0.0), ((0.5, 0.25), "shift_x", 0.25),
    ((0.5, 0.75), "shift_x", 0.75), ((0.5, 1.0), "shift_x", 1.0),
    ((0.0, 0.5), "shift_y", 0.0), ((0.25, 0.5), "shift_y", 0.25),
    ((0.75, 0.5), "shift_y", 0.75), ((1.0, 0.5), "shift_y", 1.0),
]


@pytest.mark.parametrize("fill", [Fill.ZERO, Fill.NEAREST])
@pytest.mark.parametrize("policy", ["shift", "all"])
@pytest.mark.parametrize(("draws", "transform", "quantile"), SHIFT_DRAWS)
def test_the_training_shift_is_the_test_time_shift(policy, draws, transform, quantile, fill):
    """Keras draws the shift as a fraction of the image side (height first); the policy
    scales it so the draw spans +-shift_px px, + = right / down as ``geometry.shift``."""
    image = asymmetric_image()
    layer = policy_layer(policy, "RandomTranslation", LayerContext(26, 34, fill, seed=0))
    trained = drawn_at(layer, image, list(draws))
    pixels = magnitude_at(policy, transform, quantile)
    tested = TRANSFORMS[transform].apply(image, pixels, fill=fill)
    assert np.abs(trained - tested).max() <= 1.0


@pytest.mark.parametrize("fill", [Fill.ZERO, Fill.NEAREST])
@pytest.mark.parametrize("policy", ["rotate", "all"])
@pytest.mark.parametrize("quantile", [0.0, 1 / 3, 2 / 3, 1.0])
def test_the_training_rotation_is_the_test_time_rotation(policy, quantile, fill):
    """Keras' angle is ``factor`` turns, counter-clockwise positive, about ((W-1)/2, (H-1)/2),
    as ``geometry.rotate``; both interpolate bilinearly."""
    image = asymmetric_image()
    layer = policy_layer(policy, "RandomRotation", LayerContext(26, 34, fill, seed=0))
    trained = drawn_at(layer, image, [quantile])
    tested = geometry.rotate(image, magnitude_at(policy, "rotate", quantile), fill=fill)
    assert np.abs(trained - tested).max() <= 1.0


@pytest.mark.parametrize("quantile", [0.0, 0.25, 0.75, 1.0])
@pytest.mark.parametrize("invert", [0.0, 1.0])
def test_the_shear_policy_draws_span_both_directions(invert, quantile):
    """Keras' RandomShear draws a slope in +-tan(shear_deg) and flips its sign when a first
    draw exceeds 0.5; a slope s is ``geometry.shear`` by -atan(s) degrees."""
    image = asymmetric_image()
    layer = policy_layer("shear", "CentredShear", LayerContext(26, 34, Fill.ZERO, seed=0))
    trained = drawn_at(layer, image, [invert, 0.5, quantile])
    edge = math.tan(math.radians(RANGES.shear_deg))
    slope = (-edge + quantile * 2 * edge) * (-1.0 if invert > 0.5 else 1.0)
    tested = geometry.shear(image, -math.degrees(math.atan(slope)), fill=Fill.ZERO)
    assert np.abs(trained - tested).max() <= 1.0
    assert POLICIES["shear"].edges(dataclasses.asdict(RANGES)) == {"shear": RANGES.shear_deg}


@pytest.mark.parametrize("quantile", [0.0, 0.25, 0.75, 1.0])
def test_the_cookbook_rotation_and_shift_are_the_test_time_ones(quantile):
    """The notebook's generator: rotations within +-15 degrees (its edge in the reports) and
    shifts within 10% of each side (3.2 px on CIFAR-10's 32 x 32), nearest fill."""
    from bench.catalog.policies import COOKBOOK_ROTATE_DEG, COOKBOOK_SHIFT_FRACTION

    image, context = asymmetric_image(32, 32), LayerContext(32, 32, Fill.NEAREST, seed=0)
    rotation = policy_layer("cookbook", "RandomRotation", context)
    tested = geometry.rotate(image, magnitude_at("cookbook", "rotate", quantile),
                             fill=Fill.NEAREST)
    assert POLICIES["cookbook"].edges({}) == {"rotate": COOKBOOK_ROTATE_DEG}
    assert np.abs(drawn_at(rotation, image, [quantile]) - tested).max() <= 1.0
    translation = policy_layer("cookbook", "RandomTranslation", context)
    reach = COOKBOOK_SHIFT_FRACTION * 32
    dx, dy = -reach + quantile * 2 * reach, reach - quantile * 2 * reach
    trained = drawn_at(translation, image, [1.0 - quantile, quantile])
    tested = geometry.shift(image, dx, dy, fill=Fill.NEAREST)
    assert np.abs(trained - tested).max() <= 1.0


@pytest.mark.parametrize("fill", [Fill.ZERO, Fill.NEAREST])
@pytest.mark.parametrize("policy", ["scale", "all"])
@pytest.mark.parametrize("quantile", [0.0, 0.25, 0.75, 1.0])
def test_the_training_scale_is_the_test_time_scale(policy, quantile, fill):
    """The drawn factor scales content about ((W-1)/2, (H-1)/2) as ``geometry.scale``
    (> 1 enlarges), over 1 +- scale_frac. (Keras' RandomZoom by z scales content by 1/z.)"""
    image = asymmetric_image()
    layer = policy_layer(policy, "RandomScale", LayerContext(26, 34, fill, seed=0))
    trained = drawn_at(layer, image, [quantile])
    tested = geometry.scale(image, magnitude_at(policy, "scale", quantile), fill=fill)
    assert np.abs(trained - tested).max() <= 1.0


def test_keras_own_zoom_scales_by_the_inverse_of_its_draw():
    """Why the scale policy is RandomScale: RandomZoom's draw at the low end of (-0.3, 0.3),
    z = 0.7, shows the content 1/0.7 = 1.43x larger, not 0.7x."""
    import keras

    image = asymmetric_image()
    zoom = keras.layers.RandomZoom(height_factor=(-0.3, 0.3), fill_mode="constant")
    trained = drawn_at(zoom, image, [0.0])
    assert np.abs(trained - geometry.scale(image, 1 / 0.7, fill=Fill.ZERO)).max() <= 1.0
    assert np.abs(trained - geometry.scale(image, 0.7, fill=Fill.ZERO)).max() > 100.0


# Worst-of-k (bench.run.worst_of_k): each of its k draws goes through the shift and rotate
# policies' layers, called as its training step calls them (``worst_of_k.draw``, the draws
# taken from a SeedGenerator); with the draws fixed, one layer at its identity, each must be
# the test-time transform at the same point of the range its edges state.


def worst_of_k_drawn_at(image: np.ndarray, quantiles: list[float], fill: Fill) -> np.ndarray:
    """``worst_of_k.draw`` through the policy's layers, its uniform draws (shift: height,
    width; rotation: angle) fixed at ``quantiles`` of their ranges."""
    import keras

    from bench.run import worst_of_k

    layers = POLICIES["worst-of-k"].layers(RANGES, LayerContext(*image.shape[1:3], fill, 0))
    left = list(quantiles)

    def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
        assert left, f"worst-of-k draws more often than {len(quantiles)} times"
        value = minval + left.pop(0) * (maxval - minval)
        return keras.ops.convert_to_tensor(np.full(tuple(shape), value, np.float32))

    with pytest.MonkeyPatch.context() as patch:
        for layer in layers:
            patch.setattr(layer.backend.random, "uniform", uniform)
        out = np.asarray(worst_of_k.draw(layers, image.astype(np.float32),
                                         keras.random.SeedGenerator(0)))
    assert not left, f"worst-of-k drew fewer than {len(quantiles)} times"
    return out


@pytest.mark.parametrize("fill", [Fill.ZERO, Fill.NEAREST])
@pytest.mark.parametrize(("draws", "transform", "quantile"), SHIFT_DRAWS)
def test_the_worst_of_k_shift_draws_are_the_test_time_shift(draws, transform, quantile, fill):
    image = asymmetric_image()
    trained = worst_of_k_drawn_at(image, [*draws, 0.5], fill)  # rotation at 0 degrees
    tested = TRANSFORMS[transform].apply(image, magnitude_at("worst-of-k", transform, quantile),
                                         fill=fill)
    assert np.abs(trained - tested).max() <= 1.0


@pytest.mark.parametrize("fill", [Fill.ZERO, Fill.NEAREST])
@pytest.mark.parametrize("quantile", [0.0, 1 / 3, 2 / 3, 1.0])
def test_the_worst_of_k_rotation_draws_are_the_test_time_rotation(quantile, fill):
    image = asymmetric_image()
    trained = worst_of_k_drawn_at(image, [0.5, 0.5, quantile], fill)  # no shift
    tested = geometry.rotate(image, magnitude_at("worst-of-k", "rotate", quantile), fill=fill)
    assert np.abs(trained - tested).max() <= 1.0
