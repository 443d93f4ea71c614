"""Robustness metrics and intervals, pure NumPy (definitions and sources: docs/metrics.md).

Conventions: N test images, K classes, G grid points. Predictions and labels are integer
class indices shaped (N,); probabilities are (N, K) with rows in [0, 1]; ``correct`` vectors
are (N,) bool or 0/1. Accuracies are fractions in [0, 1]; ``delta_pp`` is in percentage points.
Every random quantity takes an explicit ``np.random.Generator`` so results are reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Largest number of resampled indices held in memory at once by the bootstrap (int64: 32 MB).
_BOOTSTRAP_CHUNK_ELEMENTS = 4_000_000


def _class_indices(name: str, values: np.ndarray) -> np.ndarray:
    """Check a non-empty (N,) integer array of class indices."""
    array = np.asarray(values)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty (N,) array of class indices, "
                         f"got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integer class indices (e.g. argmax of the output), "
                         f"got dtype {array.dtype}")
    return array


def _same_shape(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, "
                         f"got {a.shape} and {b.shape}")


def _correct_vector(name: str, values: np.ndarray, ndim: int = 1) -> np.ndarray:
    """Check a non-empty bool or 0/1 array with ``ndim`` dimensions; return it as float64."""
    array = np.asarray(values)
    shape_text = "(N,)" if ndim == 1 else "(G, N)"
    if array.ndim != ndim or array.size == 0:
        raise ValueError(f"{name} must be a non-empty {shape_text} bool or 0/1 array, "
                         f"got shape {array.shape}")
    if array.dtype != bool and not np.isin(array, (0, 1)).all():
        bad = array[~np.isin(array, (0, 1))].ravel()[0]
        raise ValueError(f"{name} must hold only 0/1 or True/False, found {bad!r}")
    return array.astype(np.float64)


def _probabilities(name: str, values: np.ndarray) -> np.ndarray:
    """Check an (N, K) probability array, K >= 2, values finite and in [0, 1]."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] < 2:
        raise ValueError(f"{name} must be (N, K) class probabilities with N >= 1 and K >= 2, "
                         f"got shape {array.shape}; convert sigmoid outputs with "
                         "as_class_probabilities first")
    if not np.isfinite(array).all() or array.min() < 0.0 or array.max() > 1.0:
        raise ValueError(f"{name} must hold finite probabilities in [0, 1], "
                         f"got range [{array.min()}, {array.max()}]")
    return array


def _fraction(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a fraction in [0, 1], got {value}")
    return value


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    """Share of images with ``predicted == labels`` (fraction in [0, 1]); both (N,) ints."""
    predicted = _class_indices("predicted", predicted)
    labels = _class_indices("labels", labels)
    _same_shape("predicted", predicted, "labels", labels)
    return float(np.mean(predicted == labels))


def delta_pp(accuracy: float, clean_accuracy: float) -> float:
    """Change from clean accuracy in percentage points: (accuracy - clean_accuracy) * 100."""
    return (_fraction("accuracy", accuracy) - _fraction("clean_accuracy", clean_accuracy)) * 100.0


def flip_rate(predicted_clean: np.ndarray, predicted: np.ndarray) -> float:
    """Share of images whose predicted class changes under the transform (Azulay & Weiss 2019)."""
    predicted_clean = _class_indices("predicted_clean", predicted_clean)
    predicted = _class_indices("predicted", predicted)
    _same_shape("predicted_clean", predicted_clean, "predicted", predicted)
    return float(np.mean(predicted_clean != predicted))


def consistency(predicted_clean: np.ndarray, predicted: np.ndarray) -> float:
    """Share of images whose predicted class is unchanged: 1 - flip rate (Zhang 2019)."""
    return 1.0 - flip_rate(predicted_clean, predicted)


def as_class_probabilities(output: np.ndarray) -> np.ndarray:
    """Model output as (N, K) class probabilities.

    A sigmoid output (N,) or (N, 1) holding p = P(class 1) becomes (N, 2) = [1 - p, p];
    an (N, K > 1) softmax output is returned unchanged (as float64).
    """
    array = np.asarray(output, dtype=np.float64)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim == 1:
        if array.size == 0:
            raise ValueError("output must hold at least one image, got shape (0,)")
        return _probabilities("output", np.stack([1.0 - array, array], axis=1))
    return _probabilities("output", array)


def mean_absolute_change(proba_clean: np.ndarray, proba: np.ndarray) -> float:
    """Mean over images of |proba[i, c_i] - proba_clean[i, c_i]|, c_i = argmax proba_clean[i].

    Both arrays are (N, K) probabilities; the result is a probability difference in [0, 1].
    """
    proba_clean = _probabilities("proba_clean", proba_clean)
    proba = _probabilities("proba", proba)
    _same_shape("proba_clean", proba_clean, "proba", proba)
    rows = np.arange(proba.shape[0])
    predicted = np.argmax(proba_clean, axis=1)
    return float(np.mean(np.abs(proba[rows, predicted] - proba_clean[rows, predicted])))


def worst_of_grid(correct: np.ndarray) -> np.ndarray:
    """(N,) bool: image i is right at every one of the G grid points (Engstrom et al. 2019).

    ``correct`` is (G, N) bool: G transforms of the grid x N images.
    """
    return _correct_vector("correct", correct, ndim=2).min(axis=0) == 1.0


def random_of_grid(correct: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(N,) bool: image i is right at one grid point drawn uniformly for it with ``rng``."""
    grid = _correct_vector("correct", correct, ndim=2)
    n_points, n_images = grid.shape
    drawn = rng.integers(0, n_points, size=n_images)
    return grid[drawn, np.arange(n_images)] == 1.0


def kept_above_chance(accuracy, clean_accuracy, chance: float):
    """Share of the clean accuracy's lead over chance that survives the transform:
    (accuracy - chance) / (clean_accuracy - chance). Unitless: 1 = no loss, 0 = down to
    chance, negative = below chance. Accuracies are fractions (floats or arrays that
    broadcast); ValueError when clean accuracy is not above chance."""
    clean = np.asarray(clean_accuracy, dtype=np.float64)
    if np.any(clean <= chance):
        raise ValueError(f"clean_accuracy must exceed chance ({chance}) to measure a share "
                         f"above it, got {clean.min()}")
    return (np.asarray(accuracy, dtype=np.float64) - chance) / (clean - chance)


def relative_robustness(magnitudes: Sequence[float], accuracies, clean_accuracy,
                        chance: float = 0.0):
    """Area under (accuracy - chance) vs magnitude / ((clean_accuracy - chance) * magnitude
    range); 1.0 = no loss, 0.0 = at chance everywhere.

    ``accuracies`` is (M,) fractions, or (M, B) for B resamples (then ``clean_accuracy`` is
    a float or (B,)); points are sorted by magnitude and joined by the trapezoid rule.
    Returns a float, or (B,) for resamples.
    """
    mags = np.asarray(magnitudes, dtype=np.float64)
    accs = np.asarray(accuracies, dtype=np.float64)
    if mags.ndim != 1 or accs.shape[:1] != mags.shape or accs.ndim > 2:
        raise ValueError(f"magnitudes must be 1-D and accuracies (M,) or (M, B) with M = "
                         f"len(magnitudes), got shapes {mags.shape} and {accs.shape}")
    if mags.size < 2:
        raise ValueError(f"relative_robustness needs at least 2 magnitudes, got {mags.size}")
    if not np.isfinite(mags).all():
        raise ValueError(f"magnitudes must be finite, got {mags.tolist()}")
    if np.unique(mags).size != mags.size:
        raise ValueError(f"magnitudes must be distinct, got {mags.tolist()}")
    if not np.isfinite(accs).all() or accs.min() < 0.0 or accs.max() > 1.0:
        raise ValueError(f"accuracies must be fractions in [0, 1], got range "
                         f"[{accs.min()}, {accs.max()}]")
    order = np.argsort(mags)
    weights = _trapezoid_weights(mags[order])
    area = np.tensordot(weights, accs[order] - chance, axes=(0, 0))
    kept = area / (mags.max() - mags.min())
    result = kept_above_chance(kept + chance, clean_accuracy, chance)
    return float(result) if np.ndim(result) == 0 else result


def _trapezoid_weights(sorted_mags: np.ndarray) -> np.ndarray:
    """Weights w with sum(w * y) = the trapezoid area under y at the sorted magnitudes."""
    gaps = np.diff(sorted_mags)
    weights = np.zeros_like(sorted_mags)
    weights[:-1] += gaps / 2
    weights[1:] += gaps / 2
    return weights


def _check_bootstrap(n_resamples: int, confidence: float) -> None:
    if int(n_resamples) != n_resamples or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")


def _bootstrap_means(values: np.ndarray, rng: np.random.Generator, n_resamples: int) -> np.ndarray:
    """Means of ``n_resamples`` resamples (with replacement) of the (N,) ``values``."""
    n = values.size
    chunk = max(1, _BOOTSTRAP_CHUNK_ELEMENTS // n)
    means = np.empty(n_resamples)
    for start in range(0, n_resamples, chunk):
        stop = min(start + chunk, n_resamples)
        indices = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = values[indices].mean(axis=1)
    return means


def _percentile_interval(means: np.ndarray, confidence: float) -> tuple[float, float]:
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return float(low), float(high)


def bootstrap_interval(correct: np.ndarray, rng: np.random.Generator,
                       n_resamples: int = 1000, confidence: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval (Efron) over test images for the mean of (N,) ``correct``.

    Returns (low, high) as fractions; same ``rng`` seed, same interval.
    """
    values = _correct_vector("correct", correct)
    _check_bootstrap(n_resamples, confidence)
    return _percentile_interval(_bootstrap_means(values, rng, n_resamples), confidence)


def seed_summary(values: Sequence[float]) -> tuple[float, float, int]:
    """(mean, sample std with ddof=1, number of seeds); the std of a single seed is 0.0."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"values must be a non-empty 1-D sequence (one per seed), "
                         f"got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"values must be finite, got {array.tolist()}")
    std = float(array.std(ddof=1)) if array.size > 1 else 0.0
    return float(array.mean()), std, int(array.size)
