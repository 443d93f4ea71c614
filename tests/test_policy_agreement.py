"""The shear policy trains on the shear the sweep tests: about the image centre, in both
directions (Keras' own RandomShear shears about the top row, which also shifts the image)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench import geometry
from bench.catalog import POLICIES
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
