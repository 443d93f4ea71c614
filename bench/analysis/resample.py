"""Intervals over training seeds and test images, calibrated for few seeds
(definition and sources: docs/metrics.md, "Intervals and verdicts").

A statistic is computed from (S, N) arrays of per-image correctness (S seeds of one model
on the same N test images, values in [0, 1]). Its uncertainty has two parts:

- **seeds**: the sample variance of the statistic's S per-seed values, divided by S, with
  S - 1 degrees of freedom (for a contrast: of the per-seed paired differences);
- **test images**: for a statistic linear in the per-image values (an accuracy, a paired
  difference, a mean of cells), the closed form: the variance over the N images of the
  seed-averaged per-image values, divided by N (as :func:`contrast`), so the interval does
  not depend on a bootstrap seed; for a nonlinear one (a share above chance, relative
  robustness), the variance of the statistic when the test images are resampled with
  replacement (the same draw for every seed and every model, so contrasts keep their
  pairing by image).

The interval's half-width is the root of the sum of the two parts' half-widths squared:
Student's t quantile at S - 1 degrees of freedom times the seed part's standard error, and
the normal quantile times the image part's. It is a t-interval on per-seed values when the
seeds dominate and the normal interval over images when they do. (A Welch-Satterthwaite
pooled t undercovered at 3 seeds in the same simulation: it lends the seed part the image
part's degrees of freedom exactly when the seed variance is underestimated.) A simulation test
(tests/test_interval_coverage.py) proves its coverage at 3 and 5 seeds. With fewer than
``MIN_SEEDS`` seeds no verdict is given and the interval covers the test images only.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats

from bench.analysis import verdicts

#: Image resamples per interval, and the interval's coverage.
N_RESAMPLES = 1000
CONFIDENCE = 0.95
#: Fewest seeds with which a difference gets a verdict: a t-interval on per-seed values
#: needs at least two degrees of freedom to be of any use (t_0.975 = 4.30 at 2).
MIN_SEEDS = 3


def half_width(seed_variance: float, seeds: int, image_variance: float,
               confidence: float = CONFIDENCE) -> float:
    """Half-width of the ``confidence`` interval of a statistic whose variance has a seed
    part (``seed_variance``, estimated from ``seeds`` per-seed values: Student's t at
    seeds - 1 degrees of freedom; 0 for none) and an image part (``image_variance``, from
    many images: normal quantile). The two half-widths add in quadrature, so each part keeps
    its own calibration whichever dominates."""
    tail = 0.5 + confidence / 2.0
    seed_quantile = float(stats.t.ppf(tail, seeds - 1)) if seed_variance > 0.0 else 0.0
    return float(np.sqrt(seed_quantile**2 * seed_variance
                         + float(stats.norm.ppf(tail)) ** 2 * image_variance))


def p_value(value: float, seed_variance: float, seeds: int, image_variance: float) -> float:
    """Two-sided p-value of the statistic being 0: one minus the confidence at which the
    interval of :func:`half_width` just reaches 0 (1e-15 at most confidence)."""
    if value == 0.0 or seed_variance + image_variance <= 0.0:
        return 1.0 if value == 0.0 else 0.0
    reach = 1.0 - 1e-15
    if half_width(seed_variance, seeds, image_variance, reach) < abs(value):
        return 1e-15
    level = optimize.brentq(
        lambda c: half_width(seed_variance, seeds, image_variance, c) - abs(value), 0.0,
        reach, xtol=1e-12)
    return float(1.0 - level)


@dataclass(frozen=True)
class Estimate:
    """A statistic with its 95% interval over seeds and test images (statistic's units).

    per_seed: (S,) the statistic of each seed on the N test images; image_draws: (B,) the
    statistic of the seeds' mean in each image resample; seeds, n: S and N; per_image: (N,)
    the seed-averaged per-image values of a statistic linear in them (None for a nonlinear
    one): when given, the image part is its closed form var / N. low, high and
    p_value (of the statistic being 0) are derived (module docstring); with fewer than
    MIN_SEEDS seeds they cover the test images only (``images_only``). ``bounds``: the
    range the statistic cannot leave (an accuracy's (0, 1)), to which low and high are
    clipped; clipping loses no coverage, as the true value lies within the bounds.
    ``source``: what the estimate measures (a model, cells and seeds; :func:`named`), so two
    statements on one page with equal numbers stay two members of its verdict family.
    """

    value: float
    per_seed: np.ndarray = field(repr=False, compare=False)
    image_draws: np.ndarray = field(repr=False, compare=False)
    seeds: int
    n: int
    per_image: np.ndarray | None = field(default=None, repr=False, compare=False)
    bounds: tuple[float, float] | None = field(default=None, repr=False, compare=False)
    source: Hashable = field(default=None, repr=False, compare=False)
    low: float = field(init=False)
    high: float = field(init=False)

    def __post_init__(self) -> None:
        width = half_width(*self._variance_parts())
        low, high = self.clip(self.value - width, self.value + width)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    def clip(self, low: float, high: float) -> tuple[float, float]:
        """An interval of the statistic clipped to its ``bounds`` (unchanged without)."""
        if self.bounds is None:
            return low, high
        return max(low, self.bounds[0]), min(high, self.bounds[1])

    def _variance_parts(self) -> tuple[float, int, float]:
        """(seed part, seeds, image part) of the statistic's variance."""
        seed_variance = (0.0 if self.images_only
                         else float(np.var(self.per_seed, ddof=1)) / self.seeds)
        return seed_variance, self.seeds, self.image_variance

    @property
    def image_variance(self) -> float:
        """The test-image part of the statistic's variance: closed form over ``per_image``
        where the statistic is linear in it, else the variance of the image draws."""
        if self.per_image is None:
            return float(np.var(self.image_draws, ddof=1))
        if len(self.per_image) < 2:
            return 0.0
        return float(np.var(self.per_image, ddof=1)) / len(self.per_image)

    @functools.cached_property
    def p_value(self) -> float:
        """Two-sided p-value of the statistic being 0 (the test the interval inverts)."""
        return p_value(self.value, *self._variance_parts())

    @property
    def images_only(self) -> bool:
        """True when the interval covers test-image sampling only (fewer than MIN_SEEDS)."""
        return self.seeds < MIN_SEEDS

    @property
    def key(self) -> tuple:
        """What identifies the statement the estimate backs (for one page's verdicts): its
        source where named, else its numbers."""
        if self.source is not None:
            return ("source", self.source)
        return (round(self.value, 12), round(self.high - self.low, 12), self.seeds, self.n)

    def excludes_zero(self) -> bool:
        """True when the (uncorrected) interval lies wholly above or wholly below 0."""
        return self.low > 0.0 or self.high < 0.0


def named(estimate: Estimate | None, source: Hashable) -> Estimate | None:
    """``estimate`` with its ``source`` set (None stays None)."""
    return None if estimate is None else dataclasses.replace(estimate, source=source)


def _sources(*estimates: Estimate) -> tuple | None:
    """The operands' sources, or None where one is unnamed."""
    sources = tuple(e.source for e in estimates)
    return None if None in sources else sources


def prediction_interval(estimate: Estimate) -> tuple[float, float]:
    """95% interval for the statistic of one new training run of the same setting: the
    seed part's variance times (1 + 1/S) (one new seed, and our mean's own error), Student's
    t at S - 1 degrees of freedom, with the test-image part added in quadrature."""
    seed_variance, seeds, image_variance = estimate._variance_parts()
    width = half_width(seed_variance * seeds * (1.0 + 1.0 / seeds), seeds, image_variance)
    return estimate.clip(estimate.value - width, estimate.value + width)


def combine(function: Callable[..., np.ndarray], *estimates: Estimate,
            linear: bool = False, bounds: tuple[float, float] | None = None,
            source: Hashable = None) -> Estimate:
    """``function`` applied to the points, seed by seed to the per-seed values and resample
    by resample to the image draws of estimates over the same seeds and images (ValueError
    otherwise); ``linear``: ``function`` is linear, so it also applies image by image to
    the per-image values and the result keeps the closed-form image part; ``bounds``: the
    range the result cannot leave (None: unbounded); ``source``: what it measures."""
    shapes = {(e.seeds, e.n, e.image_draws.shape) for e in estimates}
    if len(shapes) != 1:
        raise ValueError(f"estimates to combine must share seeds, images and draws, got {shapes}")
    value = function(*(np.float64(e.value) for e in estimates))
    per_image = None
    if linear and all(e.per_image is not None for e in estimates):
        per_image = np.asarray(function(*(e.per_image for e in estimates)), dtype=np.float64)
    return Estimate(float(value),
                    np.asarray(function(*(e.per_seed for e in estimates)), dtype=np.float64),
                    np.asarray(function(*(e.image_draws for e in estimates)), dtype=np.float64),
                    estimates[0].seeds, estimates[0].n, per_image, bounds, source)


def difference(a: Estimate, b: Estimate) -> Estimate:
    """a - b, paired by seed and by image (two accuracies: a difference within [-1, 1])."""
    bounds = None
    if a.bounds is not None and b.bounds is not None:
        bounds = (a.bounds[0] - b.bounds[1], a.bounds[1] - b.bounds[0])
    sources = _sources(a, b)
    return combine(np.subtract, a, b, linear=True, bounds=bounds,
                   source=None if sources is None else ("difference", *sources))


def mean_of(*estimates: Estimate) -> Estimate:
    """The mean of several estimates over the same seeds and images (e.g. +m and -m); the
    mean of accuracies stays within their common bounds."""
    bounds = None
    if all(e.bounds is not None for e in estimates):
        bounds = (min(e.bounds[0] for e in estimates), max(e.bounds[1] for e in estimates))
    sources = _sources(*estimates)
    return combine(lambda *values: sum(values) / len(values), *estimates, linear=True,
                   bounds=bounds, source=None if sources is None else ("mean", *sources))


def significant(estimate: Estimate) -> bool:
    """True when a difference over at least MIN_SEEDS seeds rejects 0 at the page's
    Holm-corrected level (a member of the page's family, as :func:`verdict`)."""
    return (estimate.seeds >= MIN_SEEDS
            and verdicts.rejects(("difference", *estimate.key), estimate.p_value))


def verdict(estimate: Estimate, compact: bool = False) -> str:
    """The rule for a difference, in the words a page prints: no verdict with fewer than
    MIN_SEEDS seeds; otherwise ``significant (Holm, adjusted p = ...)`` when its test
    rejects 0 at the page's Holm-corrected level, else ``not shown after Holm (k tests, s
    seeds; adjusted p = ...)``, without the counts when ``compact``
    (:func:`bench.analysis.verdicts.words`; 5% uncorrected outside a page)."""
    if estimate.seeds < MIN_SEEDS:
        return f"too few seeds to judge ({estimate.seeds})"
    return verdicts.words(("difference", *estimate.key), estimate.p_value, estimate.seeds,
                          compact)


class ImageBootstrap:
    """Test-image resamples, drawn once per number of images N and shared by every seed,
    model and cell of that N (so estimates over the same images pair in every resample)."""

    def __init__(self, n_resamples: int = N_RESAMPLES, seed: int = 0) -> None:
        if int(n_resamples) != n_resamples or n_resamples < 2:
            raise ValueError(f"n_resamples must be an integer >= 2, got {n_resamples!r}")
        self.n_resamples = int(n_resamples)
        self.seed = seed
        self._image_weights: dict[int, np.ndarray] = {}
        self._prefix: dict[int, np.ndarray] = {}

    def image_weights(self, n: int) -> np.ndarray:
        """(B, n) float32 weights of the test images in each resample (rows sum to 1)."""
        if n not in self._image_weights:
            rng = np.random.default_rng([self.seed, 0, n])
            counts = np.empty((self.n_resamples, n), dtype=np.float32)
            chunk = max(1, 2_000_000 // n)
            for start in range(0, self.n_resamples, chunk):
                stop = min(start + chunk, self.n_resamples)
                drawn = rng.integers(0, n, size=(stop - start, n))
                offsets = (drawn + n * np.arange(stop - start)[:, None]).ravel()
                counts[start:stop] = np.bincount(
                    offsets, minlength=(stop - start) * n).reshape(stop - start, n)
            self._image_weights[n] = counts / n
        return self._image_weights[n]

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

    def from_draws(self, per_seed: np.ndarray, per_seed_draws: np.ndarray, n: int,
                   per_image: np.ndarray | None = None) -> Estimate:
        """The mean over seeds of (S,) per-seed shares in [0, 1] (an accuracy), with (S, B)
        per-seed image draws and, for the closed-form image part, the (N,) seed-averaged
        per-image values; its interval stays within [0, 1]."""
        per_seed = np.asarray(per_seed, dtype=np.float64)
        return Estimate(float(per_seed.mean()), per_seed, per_seed_draws.mean(axis=0),
                        len(per_seed), n, per_image, bounds=(0.0, 1.0))

    def estimate(self, correct: np.ndarray) -> Estimate:
        """The mean of an (S, N) array (S seeds x N images, values in [0, 1]) with its
        interval."""
        draws = self.image_draws(correct)
        correct = np.asarray(correct, dtype=np.float64)
        return self.from_draws(correct.mean(axis=1), draws, correct.shape[1],
                               correct.mean(axis=0))


@dataclass(frozen=True)
class Contrast:
    """a minus b for two sides of (S, N) per-seed, per-image values, in shares, with its 95%
    interval and the p-value of no difference (:func:`contrast`). seeds: (S_a, S_b); n:
    test images (of side a where unpaired); paired: the same images on both sides."""

    value: float
    low: float
    high: float
    p_value: float
    seeds: tuple[int, int]
    n: int
    paired: bool

    @property
    def diff_pp(self) -> float:
        return self.value * 100

    @property
    def low_pp(self) -> float:
        return self.low * 100

    @property
    def high_pp(self) -> float:
        return self.high * 100

    def excludes_zero(self) -> bool:
        """True when the (uncorrected) interval lies wholly above or wholly below 0."""
        return self.low > 0.0 or self.high < 0.0

    def too_few_seeds(self) -> str | None:
        """Why no verdict may be given, or None: a side over several seeds needs at least
        MIN_SEEDS of them, and at least one side needs MIN_SEEDS (a side of one model is a
        fixed model and the statement is about that model)."""
        spread = [s for s in self.seeds if s > 1]
        if not spread or min(spread) < MIN_SEEDS:
            return f"too few seeds to judge ({min(spread or self.seeds)})"
        return None


def contrast(a: np.ndarray, b: np.ndarray, paired: bool) -> Contrast:
    """mean(a) - mean(b) for (S_a, N_a) and (S_b, N_b) per-seed, per-image values: the one
    interval behind every comparison of two models or recipes (bench run's reference
    section, bench compare, bench eval, bench check).

    Seed part: the variance of each side's per-seed means over its seeds, divided by its
    seed count, summed over the sides with at least two seeds (a side of one model is fixed),
    with Student's t at the smallest such side's S - 1 degrees of freedom (Welch's
    conservative choice). Image part: the closed-form variance over images of the
    seed-averaged per-image difference / N when ``paired`` (the same images in the same
    order), else the sum of each side's over its N; normal quantile. The two half-widths add
    in quadrature (:func:`half_width`). Coverage at 3 seeds: tests/test_interval_coverage.py.
    """
    a, b = np.atleast_2d(np.asarray(a, float)), np.atleast_2d(np.asarray(b, float))
    if paired and a.shape[1] != b.shape[1]:
        raise ValueError(f"paired sides need the same images: {a.shape} vs {b.shape}")
    sides = [side for side in (a, b) if len(side) >= 2]
    seed_variance = float(sum(np.var(side.mean(axis=1), ddof=1) / len(side)
                              for side in sides))
    seeds = min((len(side) for side in sides), default=2)
    per_image_a, per_image_b = a.mean(axis=0), b.mean(axis=0)
    if paired:
        image_variance = float(np.var(per_image_a - per_image_b, ddof=1) / a.shape[1])
    else:
        image_variance = float(np.var(per_image_a, ddof=1) / a.shape[1]
                               + np.var(per_image_b, ddof=1) / b.shape[1])
    value = float(a.mean() - b.mean())
    width = half_width(seed_variance, seeds, image_variance)
    return Contrast(value, value - width, value + width,
                    p_value(value, seed_variance, seeds, image_variance),
                    (len(a), len(b)), int(a.shape[1]), paired)


def mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    """(mean, low, high) of (S, N) per-seed, per-image values, shares: the one-sample form
    of :func:`contrast` (seed part over S >= 2 seeds, closed-form image part), e.g. for a
    reference curve's band."""
    values = np.atleast_2d(np.asarray(values, float))
    seeds = len(values)
    seed_variance = float(np.var(values.mean(axis=1), ddof=1) / seeds) if seeds > 1 else 0.0
    image_variance = float(np.var(values.mean(axis=0), ddof=1) / values.shape[1])
    width = half_width(seed_variance, max(seeds, 2), image_variance)
    mean = float(values.mean())
    return mean, mean - width, mean + width
