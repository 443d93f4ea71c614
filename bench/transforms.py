"""Pure geometric transforms of an image batch.

Images are uint8 or float32 arrays shaped (N, H, W) or (N, H, W, C). Coordinates
follow the array: x is the column (grows to the right), y is the row (grows
downwards). So ``shift(images, dx=+2, dy=0)`` moves content 2 pixels to the
right and ``dy=+2`` moves it 2 pixels down. Rotation is counter-clockwise as
seen on screen for positive degrees (like ``np.rot90``), about the image centre
((W-1)/2, (H-1)/2). Scale factors above 1 enlarge the content about the centre.
Pixels brought in from outside the image are filled with zeros
(``Fill.ZERO``) or with the nearest border pixel (``Fill.NEAREST``); nothing
wraps around.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from bench.config import Fill, TransformName

_BORDER = {
    Fill.ZERO: cv2.BORDER_CONSTANT,
    Fill.NEAREST: cv2.BORDER_REPLICATE,
}


def _warp(images: np.ndarray, matrix: np.ndarray, fill: Fill) -> np.ndarray:
    """Apply one 2x3 affine matrix (output = matrix @ input coords) to every image."""
    if images.ndim not in (3, 4):
        raise ValueError(f"expected images shaped (N, H, W) or (N, H, W, C), got {images.shape}")
    height, width = images.shape[1:3]
    out = np.empty_like(images)
    for i, image in enumerate(images):
        warped = cv2.warpAffine(
            image,
            matrix,
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


def _shift_x(images: np.ndarray, pixels: float, *, fill: Fill) -> np.ndarray:
    return shift(images, pixels, 0.0, fill=fill)


def _shift_y(images: np.ndarray, pixels: float, *, fill: Fill) -> np.ndarray:
    return shift(images, 0.0, pixels, fill=fill)


#: One-parameter transforms swept by the suites: name -> f(images, magnitude, fill=...).
SWEEPABLE: dict[TransformName, Callable[..., np.ndarray]] = {
    TransformName.SHIFT_X: _shift_x,
    TransformName.SHIFT_Y: _shift_y,
    TransformName.ROTATE: rotate,
    TransformName.SCALE: scale,
}

#: The magnitude at which each sweepable transform is the identity.
IDENTITY: dict[TransformName, float] = {
    TransformName.SHIFT_X: 0.0,
    TransformName.SHIFT_Y: 0.0,
    TransformName.ROTATE: 0.0,
    TransformName.SCALE: 1.0,
}

#: Units of each transform's magnitude, for tables and plot axes.
UNITS: dict[TransformName, str] = {
    TransformName.SHIFT_X: "px",
    TransformName.SHIFT_Y: "px",
    TransformName.ROTATE: "deg",
    TransformName.SCALE: "x",
}


def distance_from_identity(name: TransformName | str, magnitude: float) -> float:
    """|magnitude - identity| (px, degrees or factor), rounded to 6 decimals so that
    0.6x and 1.4x count as equally far from 1.0x."""
    return round(abs(magnitude - IDENTITY[TransformName(name)]), 6)


def apply(
    name: TransformName | str, images: np.ndarray, magnitude: float, *, fill: Fill
) -> np.ndarray:
    """Apply the sweepable transform ``name`` at ``magnitude`` (px, degrees or factor)."""
    return SWEEPABLE[TransformName(name)](images, magnitude, fill=fill)
