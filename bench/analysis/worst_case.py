"""The spatial worst case of Engstrom et al., "Exploring the Landscape of Spatial
Robustness" (ICML 2019), on a batch of test images.

Every transform rotates the image about its centre and then shifts it
(:func:`bench.geometry.rotate_shift`). *Grid*: the product of 5 x shifts, 5 y shifts and 31
rotations evenly spaced in [-3, 3] px and [-30, 30] degrees (775 transforms, the identity
among them); an image counts as correct only if it is classified correctly under every one.
*Worst of 10*: 10 transforms drawn uniformly from the same ranges, independently per image
(seeded); correct only if correct under all 10. Both follow the authors' code
(MadryLab/adversarial_spatial, ``spatial_attack.py``), where the adversary picks a
misclassifying transform whenever one exists. Pure NumPy: the model is a ``predict``
callable, so the NumPy engine or a stub can run it.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bench.geometry import rotate_shift

#: The probe's name in its stored records.
PROBE = "worst_case"
#: Engstrom's limits and grid: (largest |shift| px, shift steps, largest |rotation| deg,
#: rotation steps), and the number of random draws of the "worst of k" adversary.
SHIFT_PX, SHIFT_STEPS, ROTATE_DEG, ROTATE_STEPS = 3.0, 5, 30.0, 31
RANDOM_TRIES = 10
#: Images per predict call: several grid points are stacked when the subset is small.
PREDICT_IMAGES = 2048

Predict = Callable[[np.ndarray], np.ndarray]
"""uint8 images (N, H, W, C) -> predicted class (N,) int."""


def grid_points(shift_px: float = SHIFT_PX, shift_steps: int = SHIFT_STEPS,
                rotate_deg: float = ROTATE_DEG, rotate_steps: int = ROTATE_STEPS) -> np.ndarray:
    """(G, 3) float64 transforms (dx px, dy px, degrees), the product grid in x, y, rotation
    order: 5 x 5 x 31 = 775 points by default, the identity (0, 0, 0) among them."""
    shifts = np.linspace(-shift_px, shift_px, shift_steps)
    angles = np.linspace(-rotate_deg, rotate_deg, rotate_steps)
    return np.array(list(itertools.product(shifts, shifts, angles)), dtype=np.float64)


def random_draws(n_images: int, rng: np.random.Generator, limits: np.ndarray,
                 tries: int = RANDOM_TRIES) -> np.ndarray:
    """(tries, N, 3) transforms (dx, dy, degrees), each uniform in [-limit, limit] for
    ``limits`` (3,) = (largest |dx|, largest |dy|, largest |degrees|)."""
    return rng.uniform(-limits, limits, size=(tries, n_images, 3))


@dataclass(frozen=True)
class WorstCase:
    """Per-image correctness of one model: ``clean`` (N,), ``grid`` (G, N) at each of
    ``points`` (G, 3), ``random`` (tries, N); and the wall time (seconds) of each search."""

    points: np.ndarray
    clean: np.ndarray
    grid: np.ndarray
    random: np.ndarray
    grid_seconds: float
    random_seconds: float

    def _worst(self, mask: np.ndarray) -> float:
        return float(self.grid[mask].all(axis=0).mean())

    def summary(self) -> dict[str, float | int]:
        """Accuracies as shares in [0, 1]: clean; worst over the shifts alone (rotation 0),
        over the rotations alone (no shift) and over the whole grid; the mean over the
        grid; worst of the random draws. Plus sizes and times (s)."""
        no_rotation = self.points[:, 2] == 0
        no_shift = (self.points[:, 0] == 0) & (self.points[:, 1] == 0)
        return {
            "n_images": int(self.clean.size),
            "grid_points": int(len(self.points)),
            "random_tries": int(len(self.random)),
            "clean": float(self.clean.mean()),
            "shift_worst": self._worst(no_rotation),
            "rotate_worst": self._worst(no_shift),
            "grid_worst": self._worst(np.ones(len(self.points), dtype=bool)),
            "grid_mean": float(self.grid.mean()),
            "random_worst": float(self.random.all(axis=0).mean()),
            "grid_seconds": round(self.grid_seconds, 3),
            "random_seconds": round(self.random_seconds, 3),
        }


def _correct_at(predict: Predict, images: np.ndarray, labels: np.ndarray,
                transforms: np.ndarray, fill) -> np.ndarray:
    """(T, N) correctness under transforms (T, N, 3), several transforms per predict call."""
    n = len(images)
    per_call = max(1, PREDICT_IMAGES // max(n, 1))
    correct = np.empty((len(transforms), n), dtype=bool)
    for start in range(0, len(transforms), per_call):
        block = transforms[start:start + per_call]
        moved = np.concatenate([rotate_shift(images, t[:, 2], t[:, 0], t[:, 1], fill=fill)
                                for t in block])
        correct[start:start + len(block)] = (predict(moved) == np.tile(labels, len(block))
                                             ).reshape(len(block), n)
    return correct


def worst_case(predict: Predict, images: np.ndarray, labels: np.ndarray, fill,
               rng: np.random.Generator, points: np.ndarray | None = None,
               tries: int = RANDOM_TRIES) -> WorstCase:
    """Run the grid and the random adversary on uint8 ``images`` (N, H, W, C) with integer
    ``labels`` (N,); ``fill`` as in :mod:`bench.geometry`. ``points``: the grid (default
    Engstrom's); the random draws cover the same ranges, drawn with ``rng``."""
    points = grid_points() if points is None else np.asarray(points, dtype=np.float64)
    n = len(images)
    clean = predict(images) == labels
    started = time.perf_counter()
    grid = _correct_at(predict, images, labels, np.repeat(points[:, None], n, axis=1), fill)
    grid_seconds = time.perf_counter() - started
    draws = random_draws(n, rng, np.abs(points).max(axis=0), tries)
    started = time.perf_counter()
    random = _correct_at(predict, images, labels, draws, fill)
    return WorstCase(points, clean, grid, random, grid_seconds, time.perf_counter() - started)
