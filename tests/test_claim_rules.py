"""The claim rules stated before the data: tolerances from the book's printing, the
categorical binomial test, intervals on the log-odds scale, settings no run can match."""

import dataclasses
import inspect

import numpy as np
import pytest
from rowbuilder import dataset_info, rows_for, run_data
from scipy import stats
from test_claims import BOOK_ENVIRONMENT, N, book_probe, book_records, checked, mnist_run, p_one

from bench.analysis import claims
from bench.analysis.estimates import RunEstimates
from bench.catalog import claims as catalog
from bench.catalog.claims import CLAIMS, book_range
from bench.render.claims import claims_box


def test_book_range_reads_the_printed_precision_and_the_word_about():
    # plain: everything that rounds to the figure; "about": within one unit of its last digit
    assert book_range("98%") == (0.975, 0.985)
    assert book_range("about 66%") == (0.65, 0.67)
    assert book_range("0.6335") == (0.63345, 0.63355)
    assert book_range("about 0.5") == (0.4, 0.6)
    with pytest.raises(ValueError, match="'class 3'"):
        book_range("class 3")


def every_figure():
    return [f for c in CLAIMS for spec in (c, *c.variants) for f in spec.figures]


def test_each_tolerance_is_derived_from_the_printed_figure_and_never_from_a_result():
    # a Figure stores the book's printed text only: its range is computed, not stored
    fields = {f.name for f in dataclasses.fields(catalog.Figure)}
    assert {"low", "high"}.isdisjoint(fields) and "printed" in fields
    # the catalog reads nothing measured
    source = inspect.getsource(catalog)
    assert "bench.results" not in source and "bench.analysis" not in source
    for figure in every_figure():
        if figure.categorical:
            continue
        low, high = book_range(figure.printed)
        if figure.minus is not None:  # a difference spans the difference of the two ranges
            base_low, base_high = book_range(figure.minus)
            low, high = low - base_high, high - base_low
        assert (figure.low, figure.high) == pytest.approx((low, high)), figure.label
        # the figure is the book's: its printed number appears in the claim's words
        number = figure.printed.removeprefix("about ").removesuffix("%")
        assert any(number in c.statement for c in CLAIMS), figure.printed
    assert (CLAIMS["cifar10-lift"].figures[0].low,
            CLAIMS["cifar10-lift"].figures[0].high) == pytest.approx((0.12, 0.16))
    # the analysis keeps no global width that a result could have chosen
    assert not hasattr(claims, "TOLERANCE")


def test_every_numeric_figure_names_a_rival_from_the_book():
    for figure in every_figure():
        if not figure.categorical:
            assert figure.rival and figure.rival_words, figure.label
    assert CLAIMS["cifar10-lift"].figures[0].rival_value == 0.0
    assert CLAIMS["cifar10-plain"].figures[0].rival_value == pytest.approx(0.80)
    assert CLAIMS["mnist-accuracy"].figures[0].rival_value == pytest.approx(0.10)  # chance


def test_a_wide_interval_that_misses_the_book_is_inconsistent_not_inconclusive():
    rows = []
    for seed, accuracy in zip((0, 1, 2), (0.66, 0.70, 0.74), strict=True):
        rows += rows_for("cnn", "none", seed, {0.0: accuracy, 2.0: accuracy - 0.2}, n=N)
    run = run_data(rows, profile="book", models=book_records(rows, 60_000, 5, 1024),
                   dataset=dataset_info(N, name="mnist"))
    result = checked("mnist-accuracy", run)
    low, high = claims.one_new_run(result.measured[0].estimate)
    assert high - low > 0.2  # wider than any fixed width a result could suggest
    assert result.verdict.startswith("inconsistent: CNN 0.7, one new run 95% ")


def test_the_categorical_test_its_critical_counts_and_power():
    def share(hits, seeds):
        return claims.Share((3,) * hits + (8,) * (seeds - hits), 3)

    # P(hits or fewer | seeds, 1/2), one-sided
    for hits, seeds in ((0, 5), (1, 5), (1, 10), (2, 10)):
        assert share(hits, seeds).p_value == pytest.approx(stats.binom.cdf(hits, seeds, 0.5))
    # 3 or 4 runs can never reject; 5 reject at 0 hits; 10 at 1 hit or fewer
    assert [share(0, s).critical() for s in (3, 4, 5, 10)] == [-1, -1, 0, 1]
    assert share(0, 3).power(0.0) == 0.0
    assert share(0, 5).power(0.1) == pytest.approx(0.9 ** 5)
    assert share(0, 5).power(0.0) == 1.0
    assert share(0, 10).power(0.1) == pytest.approx(stats.binom.cdf(1, 10, 0.1))


def test_a_probability_interval_stays_inside_0_and_1():
    near_one = claims.Probability((0.999, 0.95, 0.9999, 0.99, 0.97))
    low, high = claims.one_new_run(near_one)
    assert 0.0 < near_one.low < near_one.value < near_one.high < 1.0
    assert 0.0 < low < near_one.low and near_one.high < high < 1.0
    # a float32 softmax that rounds to exactly 1 is clipped, not infinite
    exact = claims.Probability((1.0, 1.0, 0.99))
    assert np.isfinite(exact.value) and 0.0 < claims.one_new_run(exact)[0]
    assert claims.one_new_run(exact)[1] <= 1.0
    # fewer than 3 seeds: no interval, the value itself
    assert claims.Probability((0.6, 0.7)).prediction() == pytest.approx(
        (claims.Probability((0.6, 0.7)).value,) * 2)


def test_batch_size_and_optimiser_make_a_run_not_comparable():
    assert checked("mnist-accuracy", mnist_run(batch_size=128)).verdict == (
        "not comparable: batch 128, book 1024")
    run = mnist_run(clean=0.981)
    for record in run.models:
        record["optimizer"] = "SGD"
    assert checked("mnist-accuracy", run).verdict == (
        "not comparable: optimiser SGD, book Adam")


def cifar_run(environment, notes=()):
    rows = []
    for seed in (0, 1, 2):
        rows += rows_for("cnn", "none", seed, {0.0: 0.66, 2.0: 0.5}, n=N)
    return run_data(rows, task="cifar10", profile="book",
                    models=book_records(rows, 50_000, 10, 32, rate=0.01,
                                        environment=environment),
                    dataset=dataset_info(N, "cifar10", notes=list(notes)))


def test_backend_and_jpeg_images_follow_the_verdict_as_differences():
    assert checked("cifar10-plain", cifar_run(BOOK_ENVIRONMENT)).verdict == "consistent"
    jax = {"keras": "3.15.1", "jax": "0.11.2"}
    jpeg = "JPEG re-encodings: pixels differ slightly from the original CIFAR-10 batches."
    result = checked("cifar10-plain", cifar_run(jax, notes=(jpeg,)))
    assert result.verdict == (
        "consistent: with differences: Keras 3.15.1 on jax, book Keras 2 on tensorflow; JPEG "
        "re-encoded images, book the losslessly stored originals")
    assert result.word == "consistent"
    [line] = claims_box([result])
    assert line.endswith("**consistent**, with differences")


def test_the_box_names_the_operation_a_mean_one_verdict_judges():
    probes = [book_probe("mlp", s, "book_right_1px", p_one(0.8, 0.1), "train")
              for s in range(5)]
    run = mnist_run(families=("mlp",), seeds=range(5), probes=probes)
    [result] = [r for r in claims.check_all([(run, RunEstimates(run.rows, run.task))])
                if r.claim.name == "mean-one-right"]
    [line] = claims_box([result])
    assert "class 3 in 0 of 5 runs" in line
    assert line.endswith("**inconsistent** (judged on the book's loop, columns 6-24 copied "
                         "one pixel right)")
