"""The Engstrom worst case: the grid, the per-image random draws and the accuracies, checked
with a stub model whose answer depends only on where the image's content lies."""

from __future__ import annotations

import numpy as np
import pytest

from bench import geometry
from bench.analysis import worst_case
from bench.config import Fill

SIZE, N = 28, 40
CENTRE = (SIZE - 1) / 2


def _images() -> np.ndarray:
    """N copies of a 4x4 white block at the image centre (rotations keep it in place)."""
    images = np.zeros((N, SIZE, SIZE, 1), dtype=np.uint8)
    images[:, 12:16, 12:16] = 255
    return images


def _predict_centred(images: np.ndarray) -> np.ndarray:
    """Class 1 when the content's centroid is within 2 px of the centre horizontally."""
    weights = images[..., 0].astype(np.float64)
    centroid_x = (weights * np.arange(SIZE)).sum(axis=(1, 2)) / weights.sum(axis=(1, 2))
    return (np.abs(centroid_x - CENTRE) <= 2).astype(int)


def test_the_grid_is_engstroms_5_by_5_by_31():
    points = worst_case.grid_points()
    assert points.shape == (775, 3)
    assert [len(np.unique(points[:, k])) for k in range(3)] == [5, 5, 31]
    np.testing.assert_array_equal(np.unique(points[:, 0]), [-3, -1.5, 0, 1.5, 3])
    np.testing.assert_allclose(np.diff(np.unique(points[:, 2])), 2.0)
    assert np.abs(points).max(axis=0).tolist() == [3, 3, 30]
    assert any((points == 0).all(axis=1))


def test_rotate_shift_rotates_about_the_centre_then_shifts():
    image = np.zeros((1, 9, 9, 1), dtype=np.uint8)
    image[0, 4, 6] = 200  # two pixels right of the centre
    moved = geometry.rotate_shift(image, 90.0, 1.0, 0.0, fill=Fill.ZERO)
    # counter-clockwise by 90 degrees puts it two pixels above the centre, then one right
    assert np.unravel_index(moved[0, ..., 0].argmax(), (9, 9)) == (2, 5)


def test_worst_case_accuracies_of_a_model_that_tolerates_2_px():
    labels = np.ones(N, dtype=int)
    labels[0] = 0  # wrong even on the clean image
    result = worst_case.worst_case(_predict_centred, _images(), labels, Fill.ZERO,
                                   np.random.default_rng(0))
    summary = result.summary()
    right = (N - 1) / N
    assert summary["n_images"] == N and summary["grid_points"] == 775
    assert summary["clean"] == pytest.approx(right)
    assert summary["rotate_worst"] == pytest.approx(right)  # rotations keep the centroid
    assert summary["shift_worst"] == 0.0 and summary["grid_worst"] == 0.0  # 3 px is too far
    # dx in {-1.5, 0, 1.5}: class 1; at +-3 px class 0, which is image 0's label
    assert summary["grid_mean"] == pytest.approx(right * 3 / 5 + (1 / N) * 2 / 5)
    assert summary["random_worst"] <= summary["clean"]
    assert result.grid_seconds > 0 and result.random_seconds > 0


def test_random_draws_are_applied_per_image_and_seeded():
    labels = np.ones(N, dtype=int)
    result = worst_case.worst_case(_predict_centred, _images(), labels, Fill.ZERO,
                                   np.random.default_rng(7))
    draws = worst_case.random_draws(N, np.random.default_rng(7), np.array([3.0, 3.0, 30.0]))
    assert draws.shape == (10, N, 3) and result.random.shape == (10, N)
    expected = np.abs(draws[..., 0]) <= 2
    clear = np.abs(np.abs(draws[..., 0]) - 2) > 0.1  # cv2 rounds positions to 1/32 px
    np.testing.assert_array_equal(result.random[clear], expected[clear])
    assert len(np.unique(draws[0, :, 0])) == N  # one draw per image
    again = worst_case.worst_case(_predict_centred, _images(), labels, Fill.ZERO,
                                  np.random.default_rng(7))
    np.testing.assert_array_equal(again.random, result.random)
