"""Two-level bootstrap over training seeds and test images (definition: docs/metrics.md).

Every interval of a report comes from here. A statistic is computed from (S, N) arrays of
per-image correctness (S seeds of one model on the same N test images, values in [0, 1]).
One resample draws S seeds with replacement and N images with replacement, and the same
image draw is used for every drawn seed, since all seeds are tested on the same images
(Owen's pigeonhole bootstrap for a crossed design). The draws depend only on (S, N) and
the generator's seed, so every statistic over the same seeds and images is resampled
jointly: differences and ratios of two models keep their pairing by seed and by image.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

#: Resamples per interval, and the interval's coverage.
N_RESAMPLES = 1000
CONFIDENCE = 0.95
#: Fewest seeds with which a difference gets a verdict (Bouthillier et al. 2021 argue for
#: many more; three is the least that lets the seed level vary at all in the resamples).
MIN_SEEDS = 3


@dataclass(frozen=True)
class Estimate:
    """A statistic and its 95% two-level bootstrap interval (in the statistic's units).

    seeds: training seeds it averages; n: test images per seed; draws: the statistic in
    each resample (kept so that estimates on the same seeds and images combine jointly).
    """

    value: float
    low: float
    high: float
    seeds: int
    n: int
    draws: np.ndarray = field(repr=False, compare=False)

    @classmethod
    def from_draws(cls, value: float, draws: np.ndarray, seeds: int, n: int) -> Estimate:
        """The percentile interval of ``draws`` around the point ``value``."""
        tail = (1.0 - CONFIDENCE) / 2.0
        low, high = np.quantile(draws, [tail, 1.0 - tail])
        return cls(float(value), float(low), float(high), seeds, n, draws)

    def excludes_zero(self) -> bool:
        """True when the interval lies wholly above or wholly below 0."""
        return self.low > 0.0 or self.high < 0.0


def combine(function: Callable[..., np.ndarray], *estimates: Estimate) -> Estimate:
    """``function`` applied to the points and, resample by resample, to the draws of
    estimates over the same seeds and images (ValueError otherwise)."""
    shapes = {(e.seeds, e.n, e.draws.shape) for e in estimates}
    if len(shapes) != 1:
        raise ValueError(f"estimates to combine must share seeds, images and draws, got {shapes}")
    value = function(*(np.float64(e.value) for e in estimates))
    draws = function(*(e.draws for e in estimates))
    return Estimate.from_draws(float(value), np.asarray(draws, dtype=np.float64),
                               estimates[0].seeds, estimates[0].n)


def difference(a: Estimate, b: Estimate) -> Estimate:
    """a - b, resampled jointly (same seeds and images in every resample)."""
    return combine(np.subtract, a, b)


def mean_of(*estimates: Estimate) -> Estimate:
    """The mean of several estimates over the same seeds and images (e.g. +m and -m)."""
    return combine(lambda *values: sum(values) / len(values), *estimates)


def verdict(estimate: Estimate) -> str:
    """The rule for a difference: no verdict with fewer than MIN_SEEDS seeds; otherwise
    significant when its 95% interval excludes 0."""
    if estimate.seeds < MIN_SEEDS:
        return f"too few seeds to judge ({estimate.seeds})"
    return "significant" if estimate.excludes_zero() else "not significant"


class TwoLevelBootstrap:
    """Seed and image draws for intervals; the draws for a given (S, N) are made once."""

    def __init__(self, n_resamples: int = N_RESAMPLES, seed: int = 0) -> None:
        if int(n_resamples) != n_resamples or n_resamples < 2:
            raise ValueError(f"n_resamples must be an integer >= 2, got {n_resamples!r}")
        self.n_resamples = int(n_resamples)
        self.seed = seed
        self._image_weights: dict[int, np.ndarray] = {}
        self._seed_weights: dict[int, np.ndarray] = {}
        self._prefix: dict[int, np.ndarray] = {}

    def _counts(self, size: int, stream: int) -> np.ndarray:
        """(B, size) float32: how often each of ``size`` items is drawn, divided by size."""
        rng = np.random.default_rng([self.seed, stream, size])
        counts = np.empty((self.n_resamples, size), dtype=np.float32)
        chunk = max(1, 2_000_000 // size)
        for start in range(0, self.n_resamples, chunk):
            stop = min(start + chunk, self.n_resamples)
            drawn = rng.integers(0, size, size=(stop - start, size))
            offsets = (drawn + size * np.arange(stop - start)[:, None]).ravel()
            counts[start:stop] = np.bincount(offsets, minlength=(stop - start) * size).reshape(
                stop - start, size)
        return counts / size

    def image_weights(self, n: int) -> np.ndarray:
        """(B, n) weights of the test images in each resample (rows sum to 1)."""
        if n not in self._image_weights:
            self._image_weights[n] = self._counts(n, stream=0)
        return self._image_weights[n]

    def seed_weights(self, s: int) -> np.ndarray:
        """(B, s) weights of the seeds in each resample (rows sum to 1)."""
        if s not in self._seed_weights:
            self._seed_weights[s] = self._counts(s, stream=1)
        return self._seed_weights[s]

    def image_draws(self, correct: np.ndarray) -> np.ndarray:
        """(S, B): each seed's mean over the resampled images of an (S, N) array of
        per-image values in [0, 1] (the same image draw for every seed)."""
        correct = np.asarray(correct, dtype=np.float32)
        if correct.ndim != 2 or correct.size == 0:
            raise ValueError(f"correct must be a non-empty (S, N) array, got {correct.shape}")
        means = (correct @ self.image_weights(correct.shape[1]).T).astype(np.float64)
        return np.clip(means, 0.0, 1.0)  # float32 sums can pass 1 by a rounding error

    def ranked_draws(self, counts: np.ndarray, n: int) -> np.ndarray:
        """(S, B): :meth:`image_draws` of arrays whose first ``counts[s]`` of n images are
        1 and the rest 0, from cumulative image weights (no (S, n) array is built)."""
        if n not in self._prefix:
            weights = self.image_weights(n).astype(np.float64)
            self._prefix[n] = np.concatenate(
                [np.zeros((self.n_resamples, 1)), np.cumsum(weights, axis=1)], axis=1)
        return np.clip(self._prefix[n][:, np.asarray(counts, dtype=int)].T, 0.0, 1.0)

    def seed_draws(self, per_seed: np.ndarray) -> np.ndarray:
        """(B,): the resampled means over seeds of (S, B) per-seed image draws."""
        return np.einsum("bs,sb->b", self.seed_weights(per_seed.shape[0]), per_seed)

    def estimate(self, correct: np.ndarray) -> Estimate:
        """The mean of an (S, N) array (S seeds x N images) with its interval."""
        correct = np.asarray(correct, dtype=np.float64)
        return Estimate.from_draws(float(correct.mean()),
                                   self.seed_draws(self.image_draws(correct)),
                                   seeds=correct.shape[0], n=correct.shape[1])
