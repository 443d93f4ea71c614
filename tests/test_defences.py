"""Test-time defences (bench.run.defences): wrappers of a predict function (uint8 images ->
probabilities), TTA's mean over its fixed transforms, the seeded majority vote, the
DefendedModel the sweep calls, and the defended variants bench run measures (their own key,
the base model's weights, their cost in the record and in their words)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bench import geometry
from bench.catalog import POLICIES
from bench.catalog.defences import DEFENCES, TTA_TRANSFORMS, VOTE_DRAWS
from bench.config import AugmentRanges, ChoiceError, Fill

RANGES = AugmentRanges(shift_px=3.0, rotate_deg=30.0)


def images(n: int = 5) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (n, 12, 12, 1), dtype=np.uint8)


def mass_predict(batch: np.ndarray) -> np.ndarray:
    """A stand-in model: (N, 3) probabilities from where each image's mass sits."""
    x = batch[..., 0].astype(np.float64) + 1.0
    left, top = x[:, :, :6].sum(axis=(1, 2)), x[:, :6, :].sum(axis=(1, 2))
    logits = np.stack([left, top, x.sum(axis=(1, 2)) / 2], axis=1) / 200.0
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def test_tta_is_the_mean_over_its_fixed_transforms():
    from bench.run.defences import wrap

    batch = images()
    expected = np.mean([mass_predict(geometry.rotate_shift(batch, d, dx, dy, fill=Fill.ZERO))
                        for d, dx, dy in TTA_TRANSFORMS], axis=0)
    got = wrap("tta", mass_predict, RANGES, Fill.ZERO)(batch)
    np.testing.assert_allclose(got, expected)
    assert not np.allclose(got, mass_predict(batch))  # the transforms do change the answer


def test_the_vote_counts_one_class_per_random_transform_and_repeats_under_its_seed():
    from bench.run.defences import vote_draws, wrap

    batch = images()
    defended = wrap("vote", mass_predict, RANGES, Fill.ZERO)
    first, again = defended(batch), defended(batch)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(first.sum(axis=1), 1.0)
    counts = np.zeros_like(first)
    for degrees, dx, dy in vote_draws(len(batch), RANGES):
        predicted = mass_predict(geometry.rotate_shift(batch, degrees, dx, dy, fill=Fill.ZERO))
        counts[np.arange(len(batch)), predicted.argmax(axis=1)] += 1
    np.testing.assert_array_equal(first, counts / VOTE_DRAWS)
    draws = vote_draws(len(batch), RANGES)
    assert draws.shape == (VOTE_DRAWS, 3, len(batch))
    assert np.abs(draws[:, 0]).max() <= 30.0 and np.abs(draws[:, 1:]).max() <= 3.0
    assert len(np.unique(draws[:, 0])) == draws[:, 0].size  # one draw per image and vote


def test_the_narrow_vote_is_the_vote_within_half_the_ranges():
    from bench.run.defences import vote_draws, wrap

    batch, half = images(), AugmentRanges(shift_px=1.5, rotate_deg=15.0)
    narrow = wrap("vote-narrow", mass_predict, RANGES, Fill.ZERO)(batch)
    np.testing.assert_array_equal(narrow, wrap("vote", mass_predict, half, Fill.ZERO)(batch))
    draws = vote_draws(len(batch), half)
    assert np.abs(draws[:, 0]).max() <= 15.0 and np.abs(draws[:, 1:]).max() <= 1.5
    assert np.abs(draws[:, 0]).max() > 10.0  # the draws do reach past a third of the range
    assert "rotation <= 15 deg" in DEFENCES["vote-narrow"].describe(RANGES)


def test_an_unknown_defence_is_refused_naming_the_valid_ones():
    from bench.run.defences import wrap

    with pytest.raises(ChoiceError, match="tta, vote"):
        wrap("median", mass_predict, RANGES, Fill.ZERO)


def test_a_defended_model_gives_the_sweep_the_images_back_exactly():
    from bench.run.defences import DefendedModel

    seen = []

    class Network:
        def predict_on_batch(self, inputs):
            seen.append(np.asarray(inputs))
            return np.full((len(inputs), 2), 0.5, np.float32)

    batch = images(3)
    model = DefendedModel(Network(), "tta", RANGES, Fill.ZERO)
    out = model.predict_on_batch(batch.astype(np.float32) / 255.0)
    assert out.shape == (3, 2) and model.forward_passes == len(TTA_TRANSFORMS)
    np.testing.assert_array_equal(seen[0], batch.astype(np.float32) / 255.0)  # identity first
    assert len(seen) == len(TTA_TRANSFORMS)


def test_every_policy_has_a_defended_variant_per_defence_stating_its_cost():
    trained = [spec for spec in POLICIES if spec.defended is None]
    for base in trained:
        for defence in DEFENCES:
            spec = POLICIES[f"{base.name}+{defence.name}"]
            assert spec.defended == (base.name, defence.name)
            words = spec.describe(RANGES)
            assert words.startswith(base.describe(RANGES) + "; tested with ")
            assert f"{defence.forward_passes} forward passes per image" in words
            assert spec.edges(dataclasses.asdict(RANGES)) == base.edges(
                dataclasses.asdict(RANGES))


@pytest.mark.slow
def test_a_defended_variant_is_its_base_model_under_its_own_key(tmp_path):
    from bench.catalog.profiles import PROFILES
    from bench.data.types import Split
    from bench.run.defences import DefendedModel
    from bench.run.sweep import predict_proba
    from bench.run.train import ModelSpec, fit

    profile = dataclasses.replace(PROFILES[("mnist", "smoke")], families=("mlp",))
    rng = np.random.default_rng(0)
    train = Split(rng.integers(0, 256, (64, 28, 28, 1), dtype=np.uint8), np.arange(64) % 10)
    base, base_record, _ = fit(ModelSpec("mlp", "none", 0), train, 10, profile, tmp_path, 0)
    model, record, cached = fit(ModelSpec("mlp", "none+vote", 0), train, 10, profile,
                                tmp_path, 0)
    assert cached and isinstance(model, DefendedModel)
    assert record.key != base_record.key and record.forward_passes == VOTE_DRAWS
    assert base_record.forward_passes == 1 and record.augmentation == "none+vote"
    np.testing.assert_array_equal(model.network.get_weights()[0], base.get_weights()[0])
    out = predict_proba(model, train.x[:8])
    np.testing.assert_allclose(out.sum(axis=1), 1.0)


def _small_cnn():
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential([
        keras.Input((12, 12, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
        keras.layers.Dense(3, activation="softmax")])


@pytest.mark.parametrize("defence", ["tta", "vote"])
def test_the_worst_case_of_a_defended_model_is_its_network_under_the_defence(defence,
                                                                               tiny_profile):
    # issue 32: bench run crashed on the worst case of a defended variant ('DefendedModel'
    # object has no attribute 'name'); the probe runs the network on the NumPy engine under
    # the defence, and gives the grid the defended Keras model gives
    from conftest import bars_dataset

    from bench.analysis import worst_case as engstrom
    from bench.results.schema import unpack_bits
    from bench.run.defences import DefendedModel
    from bench.run.spatial_probes import worst_case_probe

    test = bars_dataset(n_test=8).test
    profile = dataclasses.replace(tiny_profile, worst_case_n=8)
    model = DefendedModel(_small_cnn(), defence, RANGES, Fill.ZERO)
    [record] = worst_case_probe(model, test, profile)
    assert record["engine"] == "numpy"
    assert record["forward_passes"] == DEFENCES[defence].forward_passes

    part = test.subset(8, profile.subset_seed)
    expected = engstrom.worst_case(
        lambda x: model.predict_on_batch(x.astype(np.float32) / 255.0).argmax(axis=1),
        part.x, part.y, profile.fill, np.random.default_rng(profile.subset_seed))
    np.testing.assert_array_equal(unpack_bits(record["grid_bits"], 8), expected.grid.all(axis=0))
    assert record["grid_worst"] == expected.summary()["grid_worst"]


def test_a_defended_variant_gets_the_worst_case_but_not_the_layer_by_layer_errors():
    from bench.catalog.profiles import get_profile
    from bench.run.probes import probe_names

    book = get_profile("mnist", "book")
    assert probe_names(book, "none")[-2:] == ("worst_case", "invariance")
    assert probe_names(book, "none+vote")[-1] == "worst_case"
    assert "invariance" not in probe_names(book, "none+vote")


@pytest.mark.slow
def test_a_run_with_a_defended_variant_stores_its_worst_case_and_skips_its_invariance(
        tiny_profile, tmp_path):
    # the end-to-end form of the crash: bench run of a profile naming none+vote with the
    # worst case and invariance probes sized
    from conftest import bars_dataset

    from bench.results.loading import RunData
    from bench.run import runner

    profile = dataclasses.replace(tiny_profile, families=("mlp",),
                                  augmentations=("none", "none+vote"), worst_case_n=6,
                                  invariance_n=4)
    prepared = runner.PreparedData.from_dataset(bars_dataset(), profile)
    folder = runner.run_task(profile, tmp_path / "runs", verbose=0, prepared=prepared)
    probes = RunData.load(folder).probes
    worst = {p["augmentation"]: p for p in probes if p["probe"] == "worst_case"}
    assert set(worst) == {"none", "none+vote"}
    assert worst["none+vote"]["forward_passes"] == VOTE_DRAWS
    assert worst["none"]["forward_passes"] == 1
    invariance = {p["augmentation"] for p in probes if p["probe"] == "invariance"}
    assert invariance == {"none"}
