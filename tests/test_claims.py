"""The cookbook's claims: the verdict rule on hand-made runs with known answers."""

import pytest
from rowbuilder import dataset_info, model_records, rows_for, run_data

from bench.analysis import claims
from bench.analysis.estimates import RunEstimates
from bench.catalog.claims import CLAIMS

N = 10_000


def mnist_run(clean=0.98, seeds=(0, 1, 2), epochs=20, n_train=60_000, name="mnist",
              families=("cnn",), probes=()):
    rows = []
    for seed in seeds:
        for family in families:
            rows += rows_for(family, "none", seed, {0.0: clean, 2.0: clean - 0.2}, n=N)
    return run_data(rows, profile="book", models=model_records(rows, n_train, epochs),
                    dataset=dataset_info(N, name=name), probes=probes)


def checked(name, run):
    return claims.check(CLAIMS[name], run, RunEstimates(run.rows, run.task))


def test_the_five_claims_are_the_issues():
    assert [c.task for c in CLAIMS] == ["mnist", "mnist", "gender", "cifar10", "cifar10"]
    assert [f.low for c in CLAIMS for f in c.figures] == [0.97, 0.625, 0.945, 0.79, 0.655,
                                                          0.795]
    assert all("ch. 4" in c.source for c in CLAIMS)


def test_confirmed_when_the_book_range_overlaps_our_interval():
    result = checked("mnist-accuracy", mnist_run(clean=0.981))
    assert result.verdict == "confirmed"
    assert result.measured[0].estimate.value == pytest.approx(0.981)


def test_refuted_when_our_interval_misses_the_book_range():
    # 95% on 10,000 images and 3 identical seeds: interval about +-0.4 pp, far below 97%
    result = checked("mnist-accuracy", mnist_run(clean=0.95))
    assert result.verdict.startswith("refuted: CNN 0.95")
    assert "outside the book's 0.97 to 0.99" in result.verdict


def test_not_comparable_names_every_difference():
    result = checked("mnist-accuracy", mnist_run(epochs=5, n_train=4000, name="mnist-5k"))
    assert result.verdict == ("not comparable: data mnist-5k, book mnist; 4,000 training "
                              "images, book 60,000; 5 epochs, book 20")


def test_too_few_seeds_leave_it_untested():
    result = checked("mnist-accuracy", mnist_run(seeds=(0, 1)))
    assert result.verdict == "untested: too few seeds to judge (2)"


def test_untested_without_the_model_or_the_task():
    assert checked("mnist-accuracy", mnist_run(families=("mlp",))).verdict == (
        "untested: the run has no CNN measurement")
    [gender] = [r for r in claims.check_all([]) if r.claim.name == "gender-accuracy"]
    assert gender.verdict == "untested: no run of the gender task"


def test_augmentation_no_policy_reproduces_is_not_comparable():
    from dataclasses import replace

    claim = CLAIMS["cifar10-augmented"]
    figure = replace(claim.figures[0], augmentation="rotate",
                     setting=replace(claim.figures[0].setting, augmentation=None))
    rows = []
    for seed in (0, 1, 2):
        rows += rows_for("cnn", "rotate", seed, {0.0: 0.8, 2.0: 0.7}, n=N)
    # the notebook's rate for this model: 0.001 (optimizer='adam'), rowbuilder's default
    run = run_data(rows, task="cifar10", profile="book",
                   models=model_records(rows, 50_000, 10), dataset=dataset_info(N, "cifar10"))
    result = claims.check(replace(claim, figures=(figure,)), run, RunEstimates(run.rows,
                                                                                run.task))
    assert result.verdict == "not comparable: no bench policy reproduces the book's augmentation"


def mean_one(family, seed, probability):
    return {"probe": "mean_one_shift_x", "family": family, "augmentation": "none",
            "seed": seed, "shift_px": -1.0, "probability": probability, "n_images": 1135,
            "model_key": f"{family}-none-{seed}"}


def test_mean_one_needs_both_figures_in_range():
    # the two models were trained 5 and 20 epochs in the book; our run trains both for 20,
    # so the MLP differs in epochs: not comparable
    probes = [mean_one("mlp", s, 0.63) for s in range(3)]
    probes += [mean_one("cnn", s, 0.95) for s in range(3)]
    run = mnist_run(families=("mlp", "cnn"), probes=probes)
    assert checked("mean-one", run).verdict == "not comparable: MLP: 20 epochs, book 5"
    # with the MLP's epochs matching the book (a run per model), the seeds are resampled:
    # one image, so only the seed level varies; 0.63 and 0.95 exactly: confirmed
    for record in run.models:
        record["epochs"] = 5 if record["family"] == "mlp" else 20
    result = checked("mean-one", run)
    assert result.verdict == "confirmed"
    assert [m.estimate.n for m in result.measured] == [1, 1]
    # a CNN far more confident than the book's 0.95 in every seed: refuted
    run.probes[3:] = [mean_one("cnn", s, p) for s, p in enumerate((0.99, 0.98, 0.99))]
    assert checked("mean-one", run).verdict.startswith("refuted: CNN 0.987")


def test_check_all_picks_the_run_that_tests_best():
    far, near = mnist_run(epochs=5), mnist_run(clean=0.981)
    results = claims.check_all([(r, RunEstimates(r.rows, r.task)) for r in (far, near)])
    assert results[0].run is near and results[0].verdict == "confirmed"


def cifar_run(rate, clean=0.66, profile="book", augmentations=("none",)):
    rows = []
    for seed in (0, 1, 2):
        for augmentation in augmentations:
            rows += rows_for("cnn", augmentation, seed, {0.0: clean, 2.0: clean - 0.2}, n=N)
    models = model_records(rows, 50_000, 10)
    for record in models:
        record["learning_rate"] = rate
    return run_data(rows, task="cifar10", profile=profile, models=models,
                    dataset=dataset_info(N, "cifar10"))


def test_another_learning_rate_is_a_sensitivity_arm_not_the_verdict():
    book, slow = cifar_run(0.01), cifar_run(0.001, clean=0.70, profile="book-lr0.001")
    assert checked("cifar10-plain", slow).verdict == (
        "not comparable: Adam lr 0.001, book 0.01")
    results = claims.check_all([(r, RunEstimates(r.rows, r.task)) for r in (slow, book)])
    [plain] = [r for r in results if r.claim.name == "cifar10-plain"]
    assert plain.run is book and plain.verdict == "confirmed"
    assert [other.run for other in plain.at_other_rates] == [slow]
    assert plain.at_other_rates[0].measured[0].estimate.value == pytest.approx(0.70)
    # the rotation claim differs in augmentation in every run; the arm differs in rate only
    [augmented] = [r for r in results if r.claim.name == "cifar10-augmented"]
    assert augmented.verdict == "untested: the run has no CNN measurement"
    assert augmented.at_other_rates == ()


def test_the_claims_table_prints_the_sensitivity_arm_beside_the_verdict():
    from bench.render.claims import claims_table

    book, slow = cifar_run(0.01), cifar_run(0.001, clean=0.70, profile="book-lr0.001")
    results = claims.check_all([(r, RunEstimates(r.rows, r.task)) for r in (book, slow)])
    # a table wider than 120 characters comes in parts, each repeating the claim
    line = " ".join(li for li in claims_table(results).splitlines() if "66% without" in li)
    assert "Adam lr 0.01, 3 seed(s)" in line
    assert "at Adam lr 0.001 (`book-lr0.001` run): CNN 70.0% [" in line
    assert "**confirmed**" in line


def test_the_augmented_claim_is_judged_at_the_rate_its_notebook_compiled_with():
    # the notebook compiles the augmented model with optimizer='adam' (rate 0.001)
    both = ("none", "cookbook")
    book = cifar_run(0.01, clean=0.66, profile="book", augmentations=both)
    slow = cifar_run(0.001, clean=0.80, profile="book-lr0.001", augmentations=both)
    results = claims.check_all([(r, RunEstimates(r.rows, r.task)) for r in (book, slow)])
    by_name = {r.claim.name: r for r in results}
    assert by_name["cifar10-plain"].run is book
    assert by_name["cifar10-plain"].verdict == "confirmed"
    assert [o.run for o in by_name["cifar10-plain"].at_other_rates] == [slow]
    augmented = by_name["cifar10-augmented"]
    assert augmented.run is slow and augmented.verdict == "confirmed"
    assert [o.run for o in augmented.at_other_rates] == [book]
    assert checked("cifar10-augmented", book).verdict == (
        "not comparable: Adam lr 0.01, book 0.001")
