"""Geometry of the evaluation transforms: identity, direction, rotation, scale, no wrap."""

import numpy as np
import pytest

from bench.catalog import TRANSFORMS
from bench.catalog.transforms import apply
from bench.config import Fill
from bench.geometry import rotate, scale, shear, shift


def single_pixel(size: int = 9, row: int = 4, col: int = 4) -> np.ndarray:
    image = np.zeros((1, size, size), dtype=np.uint8)
    image[0, row, col] = 255
    return image


@pytest.mark.parametrize("name", TRANSFORMS.names())
def test_identity_magnitude_returns_the_input(name):
    images = np.random.default_rng(0).integers(0, 256, (3, 12, 10, 1), dtype=np.uint8)
    out = apply(name, images, TRANSFORMS[name].identity, fill=Fill.ZERO)
    np.testing.assert_array_equal(out, images)
    assert out.shape == images.shape and out.dtype == images.dtype


@pytest.mark.parametrize("dx, dy", [(2, 0), (-3, 0), (0, 1), (0, -2), (1, 3)])
def test_shift_moves_a_bright_pixel_right_and_down(dx, dy):
    out = shift(single_pixel(), dx, dy, fill=Fill.ZERO)
    rows, cols = np.nonzero(out[0])
    assert (rows.tolist(), cols.tolist()) == ([4 + dy], [4 + dx])
    assert out[0, 4 + dy, 4 + dx] == 255


def test_shift_never_wraps_around_the_border():
    image = np.zeros((1, 6, 6), dtype=np.uint8)
    image[0, :, -1] = 200  # right-most column
    out = shift(image, 1, 0, fill=Fill.ZERO)
    assert out.sum() == 0  # pushed out on the right, nothing reappears on the left
    out = shift(image, -5, 0, fill=Fill.ZERO)
    np.testing.assert_array_equal(out[0, :, 0], 200)
    assert out[0, :, 1:].sum() == 0


def test_nearest_fill_repeats_the_border_instead_of_zero():
    image = np.full((1, 5, 5), 100, dtype=np.uint8)
    assert shift(image, 2, 0, fill=Fill.ZERO)[0, :, :2].sum() == 0
    np.testing.assert_array_equal(shift(image, 2, 0, fill=Fill.NEAREST), image)


@pytest.mark.parametrize("size", [8, 9])
def test_rotate_90_matches_numpy_rot90(size):
    images = np.random.default_rng(1).integers(0, 256, (2, size, size, 3), dtype=np.uint8)
    out = rotate(images, 90, fill=Fill.ZERO)
    np.testing.assert_array_equal(out, np.rot90(images, k=1, axes=(1, 2)))
    out = rotate(images, -90, fill=Fill.ZERO)
    np.testing.assert_array_equal(out, np.rot90(images, k=-1, axes=(1, 2)))


def test_scale_two_doubles_a_centred_square():
    image = np.zeros((1, 21, 21), dtype=np.uint8)
    image[0, 8:13, 8:13] = 255  # 5x5 square centred on pixel (10, 10): spans 7.5..12.5
    out = scale(image, 2.0, fill=Fill.ZERO).astype(float) / 255
    # Doubled about the centre it spans 5..15: 9 full pixels and two half-covered edges.
    assert out[0, 10].sum() == pytest.approx(10.0, abs=0.02)
    assert out[0, :, 10].sum() == pytest.approx(10.0, abs=0.02)
    rows, cols = np.nonzero(out[0])
    assert rows.mean() == pytest.approx(10) and cols.mean() == pytest.approx(10)


def test_scale_half_shrinks_and_fills_with_zero():
    image = np.full((1, 20, 20), 255, dtype=np.uint8)
    out = scale(image, 0.5, fill=Fill.ZERO)
    assert out[0, 0].sum() == 0 and out[0, 10, 10] == 255
    assert 80 <= np.count_nonzero(out[0] > 127) <= 121  # about a 10x10 square


def test_scale_rejects_non_positive_factor():
    with pytest.raises(ValueError, match="positive"):
        scale(single_pixel(), 0.0, fill=Fill.ZERO)


def test_wrong_rank_is_a_clear_error():
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        shift(np.zeros((5, 5), dtype=np.uint8), 1, 0, fill=Fill.ZERO)


def test_shear_moves_rows_below_the_centre_right_and_rows_above_left():
    image = np.zeros((1, 9, 9), dtype=np.uint8)
    image[0, 8, 4] = 255  # 4 rows below the centre (row 4)
    image[0, 0, 4] = 255  # 4 rows above it
    out = shear(image, 45.0, fill=Fill.ZERO)  # tan 45 = 1: a row d below moves d right
    assert out[0, 8, 8] == 255 and out[0, 0, 0] == 255
    assert out[0, 4].sum() == 0 and np.count_nonzero(out) == 2
    np.testing.assert_array_equal(shear(image, 0.0, fill=Fill.ZERO), image)


def test_shear_rejects_a_right_angle():
    with pytest.raises(ValueError, match="between -90 and 90"):
        shear(single_pixel(), 90.0, fill=Fill.ZERO)
