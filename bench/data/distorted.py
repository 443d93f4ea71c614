"""Distorted MNIST variants for the reproductions (``bench.catalog.reproductions``).

Each variant is a pure function of uint8 images (N, H, W, C) and a NumPy Generator that
returns new uint8 images, one random distortion per image (so a fixed generator seed gives
a fixed data set, as the Spatial Transformer paper's distorted sets are fixed). Warps are
bilinear with zero fill (OpenCV), about each canvas's centre.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from bench.data.types import DataError

#: RTS: rotation limit (degrees), scale range (factor) and canvas side (px).
RTS_DEGREES, RTS_SCALE, RTS_CANVAS = 45.0, (0.7, 1.2), 42


def rts(images: np.ndarray, rng: np.random.Generator, canvas: int = RTS_CANVAS,
        degrees: float = RTS_DEGREES, scale: tuple[float, float] = RTS_SCALE) -> np.ndarray:
    """Rotate each image by an angle uniform in +-``degrees``, scale it by a factor uniform
    in ``scale`` (both about its centre), and place it at a uniform random position of a
    ``canvas`` x ``canvas`` zero canvas (the whole scaled image's box stays inside where it
    fits, else it is centred). Returns (N, canvas, canvas, C) uint8."""
    if images.ndim != 4:
        raise DataError(f"distorted MNIST needs images shaped (N, H, W, C), got {images.shape}")
    n, height, width, channels = images.shape
    if canvas < max(height, width):
        raise DataError(f"the RTS canvas ({canvas} px) is smaller than the images "
                        f"({height} x {width})")
    angles = rng.uniform(-degrees, degrees, n)
    factors = rng.uniform(*scale, n)
    out = np.zeros((n, canvas, canvas, channels), dtype=np.uint8)
    centre = (canvas - 1) / 2.0
    for i in range(n):
        room = max(0.0, (canvas - max(height, width) * factors[i]) / 2.0)
        dx, dy = rng.uniform(-room, room, 2)
        matrix = cv2.getRotationMatrix2D(((width - 1) / 2.0, (height - 1) / 2.0), angles[i],
                                         factors[i])
        matrix[:, 2] += (centre - (width - 1) / 2.0 + dx, centre - (height - 1) / 2.0 + dy)
        warped = cv2.warpAffine(images[i], matrix, (canvas, canvas), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        out[i] = warped.reshape(canvas, canvas, channels)
    return out


def unchanged(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The images as they are (the variant ``mnist``)."""
    return images


#: Variant name (``bench.catalog.reproductions.DATA_VARIANTS``) -> distortion.
VARIANTS: dict[str, Callable[[np.ndarray, np.random.Generator], np.ndarray]] = {
    "mnist": unchanged,
    "mnist-rts": rts,
}
