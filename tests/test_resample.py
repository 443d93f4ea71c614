"""The interval over seeds and test images, the verdict rule and Holm's correction, on known
cases (coverage: tests/test_interval_coverage.py)."""

import numpy as np
import pytest

from bench.analysis import resample, verdicts
from bench.analysis.resample import ImageBootstrap, difference, mean_of, verdict


def bernoulli(p: float, n: int, seed: int = 0) -> np.ndarray:
    """(n,) bool with exactly round(p * n) ones, shuffled."""
    values = np.zeros(n, dtype=bool)
    values[: round(p * n)] = True
    return np.random.default_rng(seed).permutation(values)


def test_one_seed_is_the_image_interval():
    # N = 400, accuracy 0.7: the interval is about +-1.96 * sqrt(0.21 / 400) = 4.5 pp
    estimate = ImageBootstrap().estimate(bernoulli(0.7, 400)[None, :])
    assert estimate.value == pytest.approx(0.7) and (estimate.seeds, estimate.n) == (1, 400)
    assert 0.08 < estimate.high - estimate.low < 0.10
    assert estimate.low < 0.7 < estimate.high


def test_identical_seeds_add_no_width():
    # the seed level resamples identical rows: the interval is the image level's
    one = bernoulli(0.7, 400)
    single = ImageBootstrap().estimate(one[None, :])
    tripled = ImageBootstrap().estimate(np.stack([one, one, one]))
    assert (tripled.low, tripled.high) == pytest.approx((single.low, single.high))


def test_seed_spread_widens_the_interval():
    # three seeds at 50%, 70% and 90% on 1,000 images (nested right sets): the image level
    # alone gives about +-2 pp; the seeds' t-interval (sd 0.2, t_2 = 4.30) about +-50 pp
    seeds = np.stack([np.arange(1000) < k for k in (500, 700, 900)])
    two_level = ImageBootstrap().estimate(seeds)
    image_only = ImageBootstrap().estimate(seeds.mean(axis=0, keepdims=True))
    assert two_level.value == pytest.approx(0.7) == image_only.value
    assert image_only.high - image_only.low < 0.06
    assert two_level.low < 0.6 and two_level.high > 0.8


def test_an_accuracy_interval_stays_within_0_and_1_and_a_difference_is_not_clipped():
    # seeds at 0%, 0% and 5% correct: mean 1.7%, the t interval (2 degrees of freedom)
    # reaches below 0, which an accuracy cannot; the clipped interval keeps its coverage
    low_one = np.stack([bernoulli(0.0, 1000), bernoulli(0.0, 1000), bernoulli(0.05, 1000)])
    accuracy = ImageBootstrap().estimate(low_one)
    unclipped = resample.Estimate(accuracy.value, accuracy.per_seed, accuracy.image_draws,
                                  accuracy.seeds, accuracy.n, accuracy.per_image)
    assert unclipped.low < 0.0
    assert accuracy.low == 0.0 and accuracy.high == pytest.approx(unclipped.high)
    assert resample.prediction_interval(accuracy)[0] == 0.0
    high_one = ImageBootstrap().estimate(1 - low_one)
    assert high_one.high == 1.0 and resample.prediction_interval(high_one)[1] == 1.0
    # a difference of accuracies stays within [-1, 1]: -96.7 pp, whose t interval reaches
    # past -100 pp (per-seed differences -1, -1, -0.9)
    gap = difference(accuracy, high_one)
    assert gap.bounds == (-1.0, 1.0) and gap.low == -1.0 and gap.value + 0.1 < gap.high < 0.0
    assert resample.mean_of(accuracy, accuracy).bounds == (0.0, 1.0)


def test_images_are_drawn_once_for_all_seeds():
    # seed 0 right on the first half of the images, seed 1 on the second half: every image
    # is right in exactly one seed, so with both seeds drawn once each the mean is 0.5 in
    # every resample if (and only if) the same images are drawn for both seeds
    halves = np.stack([np.arange(100) < 50, np.arange(100) >= 50]).astype(float)
    boot = ImageBootstrap(n_resamples=200)
    per_seed = boot.image_draws(halves)
    assert per_seed.sum(axis=0) == pytest.approx(np.ones(200))


def test_ranked_draws_equal_image_draws_of_the_ranked_array():
    boot = ImageBootstrap(n_resamples=50)
    counts = np.array([3, 7, 0, 10])
    ranked = (np.arange(10)[None, :] < counts[:, None]).astype(float)
    assert boot.ranked_draws(counts, 10) == pytest.approx(boot.image_draws(ranked))


def test_same_shape_same_draws_so_one_cell_one_interval():
    array = np.stack([bernoulli(0.6, 300, s) for s in range(3)])
    first, second = ImageBootstrap().estimate(array), ImageBootstrap().estimate(array)
    assert (first.low, first.high) == (second.low, second.high)


def test_difference_of_identical_models_is_exactly_zero():
    array = np.stack([bernoulli(0.6, 300, s) for s in range(3)])
    boot = ImageBootstrap()
    change = difference(boot.estimate(array), boot.estimate(array))
    assert (change.value, change.low, change.high) == (0.0, 0.0, 0.0)
    assert verdict(change).startswith("not shown at 5% (3 seeds; p = ")


def test_seed_disagreement_is_not_significant_though_images_alone_would_say_so():
    # per seed, b beats a by +10, -6 and +2 pp on 2,000 images (mean +2 pp). Resampling
    # images alone (seeds pooled) gives about +-1.2 pp and excludes 0; with the seeds'
    # paired differences the interval spans 0, so the verdict is "not significant".
    n = 2000
    a = np.stack([np.arange(n) < 1000] * 3)
    b = np.stack([np.arange(n) < 1000 + k for k in (200, -120, 40)])
    boot = ImageBootstrap()
    two_level = difference(boot.estimate(b), boot.estimate(a))
    pooled = difference(boot.estimate(b.mean(axis=0, keepdims=True)),
                        boot.estimate(a.mean(axis=0, keepdims=True)))
    assert two_level.value == pytest.approx(0.02) == pooled.value
    assert pooled.excludes_zero()
    assert two_level.low < 0 < two_level.high
    assert verdict(two_level).startswith("not shown at 5%")


def test_agreeing_seeds_are_significant():
    n = 1000
    a = np.stack([np.arange(n) < 500] * 3)
    b = np.stack([np.arange(n) < 800 + k for k in (0, 10, -10)])
    boot = ImageBootstrap()
    change = difference(boot.estimate(b), boot.estimate(a))
    assert change.value == pytest.approx(0.3) and change.low > 0.25
    assert verdict(change).startswith("significant (p = ")


@pytest.mark.parametrize("seeds", [1, 2])
def test_fewer_than_three_seeds_get_no_verdict_and_an_image_only_interval(seeds):
    correct = np.stack([bernoulli(0.6 + 0.05 * s, 1000, s) for s in range(seeds)])
    change = ImageBootstrap().estimate(correct)
    assert change.images_only and verdict(change) == f"too few seeds to judge ({seeds})"
    assert resample.MIN_SEEDS == 3


def test_the_p_value_inverts_the_interval():
    n = 1000
    a = np.stack([np.arange(n) < 500] * 3)
    b = np.stack([np.arange(n) < 600 + k for k in (0, 10, -10)])
    change = difference(ImageBootstrap().estimate(b), ImageBootstrap().estimate(a))
    assert change.low > 0 and change.p_value < 0.05
    edge = resample.half_width(*change._variance_parts(), confidence=1 - change.p_value)
    assert edge == pytest.approx(change.value, rel=1e-6)


def test_holm_corrects_the_verdicts_of_one_page():
    # p-values 0.001, 0.02, 0.04, all significant uncorrected: Holm compares them with
    # 0.05 / 3, 0.05 / 2 and 0.05 / 1 and keeps all three; with 0.03 as the second it stops
    # there (0.03 > 0.025) and keeps only the first.
    family = verdicts.Family({"a": 0.001, "b": 0.03, "c": 0.04})
    family.decide()
    assert family.rejected == {"a"}
    family = verdicts.Family({"a": 0.001, "b": 0.02, "c": 0.04})
    family.decide()
    assert family.rejected == {"a", "b", "c"}


def test_two_statements_with_equal_numbers_are_two_members_of_the_family():
    # two contrasts of different models, both exactly 0 +- 0 (identical seeds): the page
    # makes two statements, so its family counts two; the same contrast said twice counts once
    same = np.stack([bernoulli(0.9, 500, seed) for seed in range(3)])
    plain = ImageBootstrap().estimate(same)
    first = difference(resample.named(plain, "CNN-AA / none"), resample.named(plain, "CNN"))
    second = difference(resample.named(plain, "CNN / rotate"), resample.named(plain, "CNN"))
    assert first.key != second.key and (first.value, first.low) == (second.value, second.low)
    _, family = verdicts.corrected(lambda: [verdict(first), verdict(second), verdict(first)])
    assert family.size == 2
    unnamed = difference(plain, plain)  # no source: its numbers identify it, as before
    _, family = verdicts.corrected(lambda: [verdict(unnamed), verdict(difference(plain, plain))])
    assert family.size == 1


def test_a_page_is_rendered_twice_and_its_verdicts_corrected_together():
    estimates = [resample.Estimate(0.02, np.array([0.019, 0.02, 0.021]), np.full(10, 0.02),
                                   3, 1000) for _ in range(1)]
    uncorrected = verdict(estimates[0])

    def page() -> str:
        lines = [verdict(e) for e in estimates]
        # 19 more statements with p-values near 1 join the family
        lines += [str(verdicts.rejects(("other", k), 0.9)) for k in range(19)]
        return lines[0]

    text, family = verdicts.corrected(page)
    assert family.size == 20 and "Verdicts: 20 on this page, corrected" in family.describe()
    assert uncorrected.startswith("significant (p = ")
    adjusted = verdicts.p_words(min(1.0, 20 * estimates[0].p_value))
    assert text == (f"significant (Holm, adjusted p = {adjusted})"
                    if estimates[0].p_value <= 0.05 / 20 else
                    f"not shown after Holm (20 tests, 3 seeds; adjusted p = {adjusted})")


def test_a_compact_verdict_leaves_the_page_counts_to_the_page():
    def page() -> tuple[str, str]:
        for k in range(4):
            verdicts.rejects(("other", k), 0.9)
        return (verdicts.words(("mine",), 0.5, 3),
                verdicts.words(("mine",), 0.5, 3, compact=True))

    (full, compact), family = verdicts.corrected(page)
    assert family.size == 5
    assert full == "not shown after Holm (5 tests, 3 seeds; adjusted p = 1)"
    assert compact == "not shown after Holm (adjusted p = 1)"


def test_mean_of_both_directions_and_mismatched_estimates():
    boot = ImageBootstrap()
    left, right = boot.estimate(bernoulli(0.4, 200)[None]), boot.estimate(bernoulli(0.8, 200)[None])
    both = mean_of(left, right)
    assert both.value == pytest.approx(0.6)
    assert both.image_draws == pytest.approx((left.image_draws + right.image_draws) / 2)
    other = boot.estimate(bernoulli(0.5, 100)[None])
    with pytest.raises(ValueError, match="share seeds, images and draws"):
        difference(left, other)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match=r"\(S, N\)"):
        ImageBootstrap().estimate(np.ones(5))
    with pytest.raises(ValueError, match="n_resamples"):
        ImageBootstrap(n_resamples=1)


def test_no_verdict_outruns_a_paired_per_seed_t_test():
    """Issue 23's bar: nothing is called a difference that a t-test on the per-seed (paired)
    differences would not call one. The interval adds the image part to the seed part's t
    interval, so its p-value is never below the t-test's; Holm is monotone in the p-values, so
    the same holds for a page's corrected verdicts."""
    from scipy import stats

    from bench.analysis.resample import Estimate

    rng = np.random.default_rng(11)
    for _ in range(300):
        seeds = int(rng.integers(3, 7))
        per_seed = rng.normal(rng.normal(0, 0.02), rng.uniform(0.001, 0.03), seeds)
        draws = per_seed.mean() + rng.normal(0, rng.uniform(0.0, 0.02), 200)
        estimate = Estimate(float(per_seed.mean()), per_seed, draws, seeds, 1000)
        t_test = stats.ttest_1samp(per_seed, 0.0).pvalue
        assert estimate.p_value >= t_test * (1 - 1e-9)
