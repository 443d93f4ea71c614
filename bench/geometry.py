"""Pure geometric transforms of an image batch.

Images are uint8 or float32 arrays shaped (N, H, W) or (N, H, W, C). Coordinates follow
the array: x is the column (grows to the right), y is the row (grows downwards). So
``shift(images, dx=+2, dy=0)`` moves content 2 pixels to the right and ``dy=+2`` moves
it 2 pixels down. Rotation is counter-clockwise as seen on screen for positive degrees
(like ``np.rot90``), about the image centre ((W-1)/2, (H-1)/2). Scale factors above 1
enlarge the content about the centre; a positive shear angle moves rows below the centre
to the right. Pixels brought in from outside the image are filled with zeros
(``Fill.ZERO``) or with the nearest border pixel (``Fill.NEAREST``); nothing wraps
around.
"""

from __future__ import annotations

import cv2
import numpy as np

from bench.config import Fill

_BORDER = {
    Fill.ZERO: cv2.BORDER_CONSTANT,
    Fill.NEAREST: cv2.BORDER_REPLICATE,
}


def _warp(images: np.ndarray, matrix: np.ndarray, fill: Fill) -> np.ndarray:
    """Apply one 2x3 affine matrix (output = matrix @ input coords) to every image."""
    return _warp_each(images, np.broadcast_to(matrix, (len(images), 2, 3)), fill)


def _warp_each(images: np.ndarray, matrices: np.ndarray, fill: Fill) -> np.ndarray:
    """Apply matrices[i] (N, 2, 3) to images[i]."""
    if images.ndim not in (3, 4):
        raise ValueError(f"expected images shaped (N, H, W) or (N, H, W, C), got {images.shape}")
    height, width = images.shape[1:3]
    out = np.empty_like(images)
    for i, image in enumerate(images):
        warped = cv2.warpAffine(
            image,
            matrices[i],
            (width, height),
            flags=cv2.INTER_LINEAR,
            borderMode=_BORDER[Fill(fill)],
            borderValue=0,
        )
        out[i] = warped.reshape(out[i].shape)  # cv2 drops a trailing channel of 1
    return out


def _centre(images: np.ndarray) -> tuple[float, float]:
    height, width = images.shape[1:3]
    return ((width - 1) / 2.0, (height - 1) / 2.0)


def affine_matrix(height: int, width: int, degrees: float = 0.0, dx: float = 0.0,
                  dy: float = 0.0) -> np.ndarray:
    """The 2x3 matrix that rotates content counter-clockwise by ``degrees`` about the centre
    of an (height, width) image, then moves it dx pixels right and dy down (the order of
    Engstrom et al. 2019: rotation, then translation)."""
    matrix = cv2.getRotationMatrix2D(((width - 1) / 2.0, (height - 1) / 2.0), degrees, 1.0)
    matrix[:, 2] += (dx, dy)
    return matrix


def rotate_shift(images: np.ndarray, degrees, dx, dy, *, fill: Fill) -> np.ndarray:
    """Rotate each image about its centre, then shift it (see :func:`affine_matrix`).

    degrees, dx, dy: scalars (one transform for the batch) or (N,) arrays (one per image).
    """
    n, (height, width) = len(images), images.shape[1:3]
    params = np.broadcast_to(np.stack(np.broadcast_arrays(degrees, dx, dy), axis=-1), (n, 3))
    matrices = np.array([affine_matrix(height, width, *p) for p in params]).reshape(n, 2, 3)
    return _warp_each(images, matrices, fill)


def shift(images: np.ndarray, dx: float, dy: float, *, fill: Fill) -> np.ndarray:
    """Move content dx pixels right and dy pixels down (negative: left / up)."""
    matrix = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])
    return _warp(images, matrix, fill)


def rotate(images: np.ndarray, degrees: float, *, fill: Fill) -> np.ndarray:
    """Rotate content counter-clockwise by ``degrees`` about the image centre."""
    matrix = cv2.getRotationMatrix2D(_centre(images), degrees, 1.0)
    return _warp(images, matrix, fill)


def scale(images: np.ndarray, factor: float, *, fill: Fill) -> np.ndarray:
    """Resize content by ``factor`` (>1 enlarges) about the image centre, same array size."""
    if factor <= 0:
        raise ValueError(f"scale factor must be positive, got {factor}")
    matrix = cv2.getRotationMatrix2D(_centre(images), 0.0, factor)
    return _warp(images, matrix, fill)


def shear(images: np.ndarray, degrees: float, *, fill: Fill) -> np.ndarray:
    """Shear content horizontally by ``degrees`` about the image centre: a row ``d`` pixels
    below the centre moves ``d * tan(degrees)`` pixels right (rows above move left)."""
    if not -90.0 < degrees < 90.0:
        raise ValueError(f"shear angle must be strictly between -90 and 90 degrees, got {degrees}")
    slope = float(np.tan(np.radians(degrees)))
    centre_y = _centre(images)[1]
    matrix = np.array([[1.0, slope, -slope * centre_y], [0.0, 1.0, 0.0]])
    return _warp(images, matrix, fill)


def shift_x(images: np.ndarray, pixels: float, *, fill: Fill) -> np.ndarray:
    """Move content ``pixels`` to the right (negative: left)."""
    return shift(images, pixels, 0.0, fill=fill)


def shift_y(images: np.ndarray, pixels: float, *, fill: Fill) -> np.ndarray:
    """Move content ``pixels`` down (negative: up)."""
    return shift(images, 0.0, pixels, fill=fill)
