"""Metrics against small hand-computed cases, edge cases and bootstrap sanity checks."""

import math

import numpy as np
import pytest

from bench.analysis import metrics


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# --- accuracy, delta, flips ----------------------------------------------------------------


def test_accuracy_hand_case():
    # 4 images, images 0 and 1 right, 2 and 3 wrong -> 2/4 = 0.5
    assert metrics.accuracy(np.array([0, 1, 2, 3]), np.array([0, 1, 0, 0])) == 0.5


@pytest.mark.parametrize(("predicted", "expected"), [([1, 2, 3], 1.0), ([0, 0, 0], 0.0)])
def test_accuracy_all_and_none_correct(predicted, expected):
    assert metrics.accuracy(np.array(predicted), np.array([1, 2, 3])) == expected


def test_delta_pp_hand_case():
    # (0.82 - 0.95) * 100 = -13 percentage points
    assert metrics.delta_pp(0.82, 0.95) == pytest.approx(-13.0)


def test_flip_rate_and_consistency_hand_case():
    # clean [0,1,2,3] vs [0,2,2,0]: images 1 and 3 flip -> 2/4 = 0.5, consistency 0.5
    assert metrics.flip_rate(np.array([0, 1, 2, 3]), np.array([0, 2, 2, 0])) == 0.5
    # one flip of 4 -> flip rate 0.25, consistency 0.75
    clean, moved = np.array([5, 5, 1, 1]), np.array([5, 5, 1, 4])
    assert metrics.flip_rate(clean, moved) == 0.25
    assert metrics.consistency(clean, moved) == 0.75


def test_flip_rate_ignores_labels_only_changes_count():
    # both predictions wrong w.r.t. any label but equal -> no flip
    assert metrics.flip_rate(np.array([7, 7]), np.array([7, 7])) == 0.0


# --- probabilities ------------------------------------------------------------------------


def test_as_class_probabilities_sigmoid_shapes():
    # p = P(class 1): 0.25 -> [0.75, 0.25], 0.9 -> [0.1, 0.9]
    expected = np.array([[0.75, 0.25], [0.1, 0.9]])
    np.testing.assert_allclose(metrics.as_class_probabilities(np.array([0.25, 0.9])), expected)
    np.testing.assert_allclose(metrics.as_class_probabilities(np.array([[0.25], [0.9]])), expected)


def test_as_class_probabilities_softmax_unchanged():
    softmax = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]], dtype=np.float32)
    np.testing.assert_allclose(metrics.as_class_probabilities(softmax), softmax)


@pytest.mark.parametrize(
    ("output", "match"),
    [
        (np.zeros((0,)), r"output.*\(0,\)"),
        (np.zeros((3, 0)), r"output.*\(3, 0\)"),
        (np.zeros((2, 3, 4)), r"output.*\(2, 3, 4\)"),
        (np.array([0.5, 1.5]), r"output.*\[0, 1\]"),
        (np.array([0.5, np.nan]), r"output.*finite"),
    ],
)
def test_as_class_probabilities_rejects_bad_output(output, match):
    with pytest.raises(ValueError, match=match):
        metrics.as_class_probabilities(output)


def test_mean_absolute_change_hand_case():
    clean = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])  # clean classes c = [0, 1, 0]
    moved = np.array([[0.7, 0.3], [0.2, 0.8], [0.1, 0.9]])
    # |0.7-0.9| + |0.8-0.8| + |0.1-0.6| = 0.2 + 0 + 0.5 = 0.7 -> 0.7 / 3
    assert metrics.mean_absolute_change(clean, moved) == pytest.approx(0.7 / 3)


def test_mean_absolute_change_uses_clean_class_not_moved_argmax():
    # clean predicts class 2 with 0.5; moved predicts class 0 but class 2 still has 0.4
    # -> |0.4 - 0.5| = 0.1 (the moved argmax's probability change would be 0.5)
    clean = np.array([[0.3, 0.2, 0.5]])
    moved = np.array([[0.6, 0.0, 0.4]])
    assert metrics.mean_absolute_change(clean, moved) == pytest.approx(0.1)


def test_mean_absolute_change_rejects_sigmoid_column_and_mismatch():
    with pytest.raises(ValueError, match=r"proba_clean.*\(3, 1\).*as_class_probabilities"):
        metrics.mean_absolute_change(np.full((3, 1), 0.5), np.full((3, 1), 0.5))
    with pytest.raises(ValueError, match=r"proba_clean and proba.*\(2, 2\) and \(3, 2\)"):
        metrics.mean_absolute_change(np.full((2, 2), 0.5), np.full((3, 2), 0.5))


# --- grids ----------------------------------------------------------------------------------

GRID = np.array(
    [
        [1, 1, 0, 1],
        [1, 0, 1, 1],
        [1, 1, 1, 1],
    ],
    dtype=bool,
)


def test_worst_of_grid_hand_case():
    # images 0 and 3 are correct at all 3 grid points, 1 and 2 miss one each -> 2/4 = 0.5
    assert metrics.worst_of_grid(GRID).mean() == 0.5
    assert metrics.worst_of_grid(GRID).dtype == bool and metrics.worst_of_grid(GRID).sum() * 2 \
        == GRID.shape[1]


def test_single_grid_point_equals_plain_accuracy():
    row = np.array([[1, 0, 1, 1]], dtype=bool)  # 3 of 4 correct -> 0.75
    assert metrics.worst_of_grid(row).mean() == 0.75
    assert metrics.random_of_grid(row, rng()).mean() == 0.75


def test_random_of_grid_hand_case_independent_of_draw():
    # images 0, 1 correct everywhere, images 2, 3 nowhere -> any draw gives 2/4 = 0.5
    grid = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]], dtype=bool)
    for seed in range(5):
        assert metrics.random_of_grid(grid, rng(seed)).mean() == 0.5


def test_random_of_grid_is_seeded_and_uniform():
    # each image is correct at exactly 1 of 4 grid points -> expected 1/4; worst-of-grid 0
    n = 20_000
    grid = np.zeros((4, n), dtype=bool)
    grid[np.arange(n) % 4, np.arange(n)] = True
    value = metrics.random_of_grid(grid, rng(1)).mean()
    assert value == metrics.random_of_grid(grid, rng(1)).mean()
    assert abs(value - 0.25) < 0.02  # std of the mean is sqrt(0.25*0.75/20000) ~ 0.003
    assert metrics.worst_of_grid(grid).mean() == 0.0


def test_grid_rejects_1d_and_non_binary():
    with pytest.raises(ValueError, match=r"correct.*\(G, N\).*\(4,\)"):
        metrics.worst_of_grid(np.ones(4, dtype=bool))
    with pytest.raises(ValueError, match=r"correct.*0/1.*2"):
        metrics.random_of_grid(np.array([[0, 2]]), rng())


# --- relative robustness ------------------------------------------------------------------


def test_relative_robustness_flat_curve_is_one():
    assert metrics.relative_robustness([0, 1, 2, 3], [0.9] * 4, 0.9) == pytest.approx(1.0)


def test_relative_robustness_linear_drop_to_zero_is_half():
    # area of a triangle 0.8 high, 2 wide = 0.8; / (0.8 * 2) = 0.5
    assert metrics.relative_robustness([0, 1, 2], [0.8, 0.4, 0.0], 0.8) == pytest.approx(0.5)


def test_relative_robustness_sorts_unsorted_magnitudes():
    # sorted: m [0, 1, 3], acc [0.8, 0.8, 0.4]; area 0.8*1 + (0.8+0.4)/2*2 = 2.0
    # / (0.8 * 3) = 2.0 / 2.4
    value = metrics.relative_robustness([3, 0, 1], [0.4, 0.8, 0.8], 0.8)
    assert value == pytest.approx(2.0 / 2.4)


def test_relative_robustness_symmetric_rotation_range():
    # m [-30, 0, 30], acc [0.5, 1, 0.5]: area 2 * (0.5+1)/2 * 30 = 45; / (1.0 * 60) = 0.75
    assert metrics.relative_robustness([-30, 0, 30], [0.5, 1.0, 0.5], 1.0) == pytest.approx(0.75)


def test_relative_robustness_above_chance():
    # ten classes: a curve at chance everywhere scores 0, not 0.1 / 0.9
    assert metrics.relative_robustness([-1, 0, 1], [0.1, 0.1, 0.1], 0.9, 0.1) == 0.0
    # (0.5 - 0.1) / (0.9 - 0.1) = 0.5 at both ends, 1 in the middle: area 1.5 / 2 = 0.75
    assert metrics.relative_robustness([-1, 0, 1], [0.5, 0.9, 0.5], 0.9, 0.1) == \
        pytest.approx(0.75)


def test_relative_robustness_of_resamples_is_vectorised():
    accs = np.array([[0.5, 0.1], [0.9, 0.9], [0.5, 0.1]])
    values = metrics.relative_robustness([-1, 0, 1], accs, 0.9, 0.1)
    assert values == pytest.approx([0.75, 0.5])


def test_kept_above_chance():
    assert metrics.kept_above_chance(0.49, 0.523, 0.1) == pytest.approx(0.39 / 0.423)
    assert metrics.kept_above_chance(0.5, 0.8, 0.5) == 0.0
    with pytest.raises(ValueError, match="exceed chance"):
        metrics.kept_above_chance(0.5, 0.5, 0.5)


@pytest.mark.parametrize(
    ("mags", "accs", "clean", "match"),
    [
        ([0, 1], [0.5], 0.9, r"magnitudes must be 1-D.*\(2,\) and \(1,\)"),
        ([0], [0.5], 0.9, r"at least 2"),
        ([0, 0], [0.5, 0.6], 0.9, r"distinct"),
        ([0, 1], [0.5, 1.2], 0.9, r"accuracies.*1.2"),
        ([0, 1], [0.5, 0.5], 0.0, r"clean_accuracy must exceed chance"),
    ],
)
def test_relative_robustness_rejects_bad_input(mags, accs, clean, match):
    with pytest.raises(ValueError, match=match):
        metrics.relative_robustness(mags, accs, clean)


# --- bootstrap ------------------------------------------------------------------------------


def bernoulli_vector(p: float, n: int) -> np.ndarray:
    """Exactly round(p * n) ones, shuffled deterministically."""
    values = np.zeros(n, dtype=bool)
    values[: round(p * n)] = True
    return rng(123).permutation(values)


def test_bootstrap_deterministic_for_seed():
    # few resamples, so the interpolated percentiles depend on the exact draws
    correct = bernoulli_vector(0.7, 200)
    first = metrics.bootstrap_interval(correct, rng(5), n_resamples=25)
    assert first == metrics.bootstrap_interval(correct, rng(5), n_resamples=25)
    assert first != metrics.bootstrap_interval(correct, rng(6), n_resamples=25)


def test_bootstrap_contains_mean_and_narrows_with_n():
    small = metrics.bootstrap_interval(bernoulli_vector(0.7, 100), rng())
    large = metrics.bootstrap_interval(bernoulli_vector(0.7, 10_000), rng())
    for low, high in (small, large):
        assert low < 0.7 < high
    # width scales like 1/sqrt(N): 100x the images -> about 10x narrower
    assert (large[1] - large[0]) < (small[1] - small[0]) / 5


def test_bootstrap_half_width_matches_normal_approximation():
    # p = 0.7, N = 400: 1.96 * sqrt(0.7 * 0.3 / 400) = 0.0449
    low, high = metrics.bootstrap_interval(bernoulli_vector(0.7, 400), rng(), n_resamples=2000)
    expected = 1.96 * math.sqrt(0.7 * 0.3 / 400)
    assert 0.8 * expected < (high - low) / 2 < 1.25 * expected


def test_bootstrap_coverage_of_true_p():
    # 100 fresh Bernoulli(0.7) samples of 200 images: a 95% interval should cover 0.7 ~95 times
    draws = rng(9).random((100, 200)) < 0.7
    covered = sum(
        low <= 0.7 <= high
        for low, high in (metrics.bootstrap_interval(d, rng(i), 500) for i, d in enumerate(draws))
    )
    assert 85 <= covered <= 100


def test_bootstrap_lower_confidence_is_narrower():
    correct = bernoulli_vector(0.6, 300)
    low95, high95 = metrics.bootstrap_interval(correct, rng(), confidence=0.95)
    low50, high50 = metrics.bootstrap_interval(correct, rng(), confidence=0.5)
    assert low95 < low50 < high50 < high95


@pytest.mark.parametrize(("value", "expected"), [(True, (1.0, 1.0)), (False, (0.0, 0.0))])
def test_bootstrap_all_or_none_correct_is_degenerate(value, expected):
    assert metrics.bootstrap_interval(np.full(50, value), rng()) == expected


def test_bootstrap_chunks_give_all_resamples(monkeypatch):
    # force chunks of 3 resamples for N = 10: 7 resamples -> chunks 3, 3, 1, all filled
    monkeypatch.setattr(metrics, "_BOOTSTRAP_CHUNK_ELEMENTS", 30)
    means = metrics._bootstrap_means(np.arange(10, dtype=float), rng(), 7)
    assert means.shape == (7,)
    assert np.all((means >= 0) & (means <= 9)) and np.unique(means).size > 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"confidence": 1.0}, r"confidence.*1.0"),
        ({"confidence": 0.0}, r"confidence.*0.0"),
        ({"n_resamples": 0}, r"n_resamples.*0"),
    ],
)
def test_bootstrap_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        metrics.bootstrap_interval(np.ones(5, dtype=bool), rng(), **kwargs)


def test_bootstrap_rejects_empty_and_2d():
    with pytest.raises(ValueError, match=r"correct.*\(0,\)"):
        metrics.bootstrap_interval(np.zeros(0, dtype=bool), rng())
    with pytest.raises(ValueError, match=r"correct.*\(2, 3\)"):
        metrics.bootstrap_interval(np.zeros((2, 3), dtype=bool), rng())


# --- seeds and significance ---------------------------------------------------------------


def test_seed_summary_hand_case():
    # mean 0.8; deviations 0.1, 0, -0.1 -> 0.02 / (3 - 1) = 0.01 -> std 0.1
    mean, std, n = metrics.seed_summary([0.9, 0.8, 0.7])
    assert (mean, std, n) == (pytest.approx(0.8), pytest.approx(0.1), 3)


def test_seed_summary_single_seed_and_empty():
    assert metrics.seed_summary([0.42]) == (0.42, 0.0, 1)
    with pytest.raises(ValueError, match=r"values.*\(0,\)"):
        metrics.seed_summary([])


# --- shared validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: metrics.accuracy(np.array([], dtype=int), np.array([], dtype=int)),
         r"predicted.*\(0,\)"),
        (lambda: metrics.accuracy(np.array([0, 1]), np.array([0, 1, 2])),
         r"predicted and labels.*\(2,\) and \(3,\)"),
        (lambda: metrics.accuracy(np.array([0.0, 1.0]), np.array([0, 1])),
         r"predicted.*integer.*float64"),
        (lambda: metrics.flip_rate(np.zeros((2, 2), dtype=int), np.zeros((2, 2), dtype=int)),
         r"predicted_clean.*\(2, 2\)"),
        (lambda: metrics.delta_pp(82.0, 0.95), r"accuracy.*fraction.*82.0"),
    ],
)
def test_input_validation_names_argument_and_shape(call, match):
    with pytest.raises(ValueError, match=match):
        call()


