"""What every model of bench is fed: uint8 images scaled to float32 in [0, 1]."""

from __future__ import annotations

import numpy as np


def to_inputs(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, H, W, C) -> float32 in [0, 1], the models' input."""
    return images.astype(np.float32) / 255.0
