"""Layer-by-layer invariance and equivariance errors: the map warp, the errors of networks
whose answers are known (identity, subsampling, global sum), and the stages of real ones."""

from __future__ import annotations

import cv2
import keras
import numpy as np
import pytest

from bench.analysis import invariance
from bench.catalog import FAMILIES
from bench.config import Fill
from bench.geometry import affine_matrix
from bench.npcnn import from_keras
from bench.npcnn.stages import stage_outputs, stages

SIZE = 28


def _digits(n: int = 6) -> np.ndarray:
    """Blobs well inside a 28x28 frame (zero border), like centred digits."""
    rng = np.random.default_rng(0)
    images = np.zeros((n, SIZE, SIZE, 1), dtype=np.uint8)
    images[:, 8:20, 8:20] = rng.integers(0, 256, (n, 12, 12, 1), dtype=np.uint8)
    return images


def _errors(outputs, strides, transforms) -> dict:
    records = invariance.layer_errors(outputs, strides, _digits(), Fill.ZERO, transforms)
    return {(r["stage"], r["transform"], r["magnitude"]): r for r in records}


def test_warp_maps_shifts_by_whole_and_half_pixels_and_marks_what_it_covers():
    maps = np.random.default_rng(1).random((2, 6, 7, 3), dtype=np.float32)
    right, inside = invariance.warp_maps(maps, affine_matrix(6, 7, dx=2.0))
    np.testing.assert_array_equal(right[:, :, 2:], maps[:, :, :-2])
    assert not inside[:, :2].any() and inside[:, 2:].all()
    half, inside = invariance.warp_maps(maps, affine_matrix(6, 7, dy=0.5))
    np.testing.assert_allclose(half[:, 1:], (maps[:, 1:] + maps[:, :-1]) / 2, rtol=1e-6)
    assert not inside[0].any() and inside[1:].all()


def test_warp_maps_rotates_like_opencv():
    maps = np.random.default_rng(2).random((1, 9, 9, 2), dtype=np.float32)
    matrix = affine_matrix(9, 9, degrees=30.0)
    ours, inside = invariance.warp_maps(maps, matrix)
    assert inside[4, 4] and not inside[0, 0]  # the centre stays, a corner comes from outside
    for c in range(2):
        theirs = cv2.warpAffine(maps[0, :, :, c], matrix, (9, 9), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        # cv2 steps positions by 1/32 px
        np.testing.assert_allclose(ours[0, :, :, c][inside], theirs[inside], atol=0.04)


def test_an_identity_layer_is_equivariant_and_a_global_sum_invariant():
    def outputs(images):
        x = images.astype(np.float32)
        return [x, x.sum(axis=(1, 2))]

    found = _errors(outputs, [(1, 1), (1, 1)], [("shift_x", 2.0), ("shift_y", -3.0)])
    for transform, magnitude in [("shift_x", 2.0), ("shift_y", -3.0)]:
        maps, total = found[(0, transform, magnitude)], found[(1, transform, magnitude)]
        assert maps["equivariance"] == 0.0 and maps["invariance"] > 0.5
        assert total["invariance"] == 0.0 and total["equivariance"] is None


def test_content_entering_the_frame_is_not_compared():
    """Noise up to the border: a shift brings in zeros, which the moved clean map cannot
    know; only the positions it covers count, so the identity stays exactly equivariant."""
    noise = np.random.default_rng(3).integers(1, 256, (4, 10, 10, 1), dtype=np.uint8)
    records = invariance.layer_errors(lambda images: [images.astype(np.float32)], [(1, 1)],
                                      noise, Fill.ZERO, [("shift_x", 1.0), ("shift_y", -2.0)])
    assert [r["equivariance"] for r in records] == [0.0, 0.0]


def test_subsampling_by_2_is_equivariant_to_even_shifts_only():
    """Azulay & Weiss' point: after a stride of 2 only shifts by multiples of 2 px move the
    map by whole pixels; a 1-px shift cannot be followed."""
    found = _errors(lambda images: [images[:, ::2, ::2].astype(np.float32)], [(2, 2)],
                    [("shift_x", 2.0), ("shift_x", 1.0)])
    assert found[(0, "shift_x", 2.0)]["equivariance"] == 0.0
    assert found[(0, "shift_x", 1.0)]["equivariance"] > 0.2


def test_only_shifts_and_rotations_are_probed():
    assert invariance.as_rigid("rotate", 10.0) == (10.0, 0.0, 0.0)
    assert len(invariance.TRANSFORMS) == 18
    with pytest.raises(ValueError, match="not 'scale'"):
        invariance.as_rigid("scale", 1.2)


@pytest.mark.parametrize(("family", "labels", "strides"), [
    ("cnn", ["conv 3x3", "max-pool 2/2", "flatten", "dense 1000", "dense 10"],
     [1, 2, 2, 2, 2]),
    ("cnn-aa", ["conv 3x3", "max-pool 2/1", "blur 4x4/2", "flatten", "dense 1000",
                "dense 10"], [1, 1, 2, 2, 2, 2]),
    ("cnn-gap", ["conv 3x3", "max-pool 2/2"] + ["conv 3x3"] * 5
     + ["conv 1x1", "global avg-pool"], [1, 2, 2, 2, 2, 2, 2, 2, 2]),
])  # fmt: skip
def test_stages_of_the_mnist_families(family, labels, strides):
    keras.utils.set_random_seed(0)
    network = from_keras(FAMILIES[family].build("mnist", (SIZE, SIZE, 1), 10))
    found = stages(network)
    assert [s.label for s in found] == labels
    assert [s.stride[0] for s in found] == strides
    outputs = stage_outputs(network, found, np.zeros((2, SIZE, SIZE, 1), np.float32))
    assert outputs[-1].shape == (2, 10)


def test_stages_fold_activation_and_batch_norm_and_skip_dropout():
    keras.utils.set_random_seed(0)
    network = from_keras(FAMILIES["cnn"].build("cifar10", (32, 32, 3), 10))
    found = stages(network)
    assert [s.label for s in found][:3] == ["conv 3x3", "conv 3x3", "max-pool 2/2"]
    assert found[0].last - found[0].first == 2  # conv, ReLU, BatchNorm
    assert found[-1].label == "dense 10" and found[-2].label == "flatten"
    assert found[-2].stride == (8, 8)
