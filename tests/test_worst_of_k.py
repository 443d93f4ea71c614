"""Worst-of-k training (bench.run.worst_of_k): the step trains on the draw with the largest
loss per image, its draws are seeded by the model's seed and the step count (the same
weights twice, other weights under another seed), its cost and k are stated, and every
profile that trains it gives it k >= 1."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bench.catalog import POLICIES
from bench.catalog.policies import LayerContext
from bench.catalog.profiles import PROFILES
from bench.config import AugmentRanges, Fill

RANGES = AugmentRanges(shift_px=3.0, rotate_deg=30.0, worst_of_k=5)


def tiny_model(seed: int):
    import keras

    from bench.run.train import compile_model

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    compile_model(model, 3, 0.01)
    return model


def draw_layers():
    return POLICIES["worst-of-k"].layers(RANGES, LayerContext(12, 12, Fill.ZERO, seed=0))


def test_the_step_keeps_the_draw_with_the_largest_loss_per_image():
    import keras

    from bench.run import worst_of_k

    model, layers = tiny_model(0), draw_layers()
    rng = np.random.default_rng(0)
    images = rng.random((6, 12, 12, 1)).astype(np.float32)
    labels = rng.integers(0, 3, 6)
    generator = keras.random.SeedGenerator(7)
    start = np.asarray(generator.state)
    candidates = [np.asarray(worst_of_k.draw(layers, images, generator)) for _ in range(4)]
    losses = np.stack([keras.losses.sparse_categorical_crossentropy(
        labels, np.asarray(model(c, training=False))) for c in candidates], axis=1)
    generator.state.assign(start)
    worst = np.asarray(worst_of_k.worst_images(model, layers, 4, images, labels, generator))
    expected = np.stack([candidates[j][i] for i, j in enumerate(losses.argmax(axis=1))])
    np.testing.assert_array_equal(worst, expected)
    assert len({c.tobytes() for c in candidates}) == 4  # the draws differ


def train(seed: int) -> np.ndarray:
    from bench.run import worst_of_k

    model = tiny_model(0)
    worst_of_k.install(model, draw_layers(), 3, seed)
    rng = np.random.default_rng(1)
    history = model.fit(rng.random((64, 12, 12, 1)).astype(np.float32),
                        rng.integers(0, 3, 64), batch_size=16, epochs=2, shuffle=False,
                        verbose=0)
    assert np.isfinite(history.history["loss"]).all() and history.history["loss"][0] > 0
    return np.concatenate([w.ravel() for w in model.get_weights()])


@pytest.mark.slow
def test_training_is_deterministic_under_the_model_seed():
    first, again, other = train(3), train(3), train(4)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_k_below_one_is_refused():
    from bench.run import worst_of_k

    with pytest.raises(ValueError, match="k >= 1"):
        worst_of_k.install(tiny_model(0), draw_layers(), 0, 0)


def test_its_words_state_k_the_ranges_and_the_cost():
    words = POLICIES["worst-of-k"].describe(RANGES)
    assert words == ("worst of 5 draws per image of shift <= 3 px, rotation <= 30 deg "
                     "(6 forward passes per training image)")
    assert POLICIES["worst-of-k"].edges(dataclasses.asdict(RANGES)) == {
        "shift_x": 3.0, "shift_y": 3.0, "rotate": 30.0}


def test_the_augmenter_leaves_its_draws_to_the_training_step():
    from bench.run.train import ModelSpec, build_augmenter

    profile = PROFILES[("mnist", "quick")]
    assert build_augmenter(ModelSpec("cnn", "worst-of-k", 0), profile, (28, 28)) is None
    assert build_augmenter(ModelSpec("cnn", "shift", 0), profile, (28, 28)) is not None


def test_every_profile_that_trains_it_gives_k_and_book_searches_ten():
    k = {name.value: profile.augment.worst_of_k for (task, name), profile in PROFILES.items()
         if task == "mnist"}
    assert k == {"book": 10, "quick": 4, "smoke": 2}
    for profile in PROFILES.values():
        trains = {POLICIES[a].defended[0] if POLICIES[a].defended else a
                  for a in profile.augmentations}
        if "worst-of-k" in trains:
            assert profile.augment.worst_of_k >= 1, profile
