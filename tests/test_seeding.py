"""A model's initial weights do not move when another thread draws from Python's
``random`` while the model is built (as a Dask worker's ``dask.sizeof`` does)."""

import random

import numpy as np
import pytest
from keras.src.random import seed_generator

from bench.catalog import FAMILIES
from bench.run import seeding


def build_mlp():
    return FAMILIES["mlp"].build("mnist", (28, 28, 1), 10)


def weights(model):
    return [np.asarray(v) for v in model.weights]


def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_seed_model_gives_the_weights_keras_own_seeding_gives(monkeypatch):
    import keras

    monkeypatch.setattr(seed_generator, seeding.KERAS_RANDOM, random)  # Keras as shipped
    keras.utils.set_random_seed(3)
    shipped = weights(build_mlp())
    seeding.seed_model(3)
    assert same(weights(build_mlp()), shipped)


def test_a_draw_from_the_global_random_between_seeding_and_building_moves_nothing(monkeypatch):
    import keras

    seeding.seed_model(0)
    undisturbed = weights(build_mlp())
    seeding.seed_model(0)
    random.sample(range(1000), 5)  # what another thread's dask.sizeof does
    assert same(weights(build_mlp()), undisturbed)
    # the check can fail: with Keras' own seeding the same draw moves the weights
    monkeypatch.setattr(seed_generator, seeding.KERAS_RANDOM, random)
    keras.utils.set_random_seed(0)
    random.sample(range(1000), 5)
    assert not same(weights(build_mlp()), undisturbed)


def test_a_keras_that_draws_its_seeds_elsewhere_is_named(monkeypatch):
    monkeypatch.delattr(seed_generator, seeding.KERAS_RANDOM)
    with pytest.raises(seeding.SeedingError, match="seed_generator has no 'python_random'.*"
                                                   "update bench.run.seeding"):
        seeding.seed_model(0)
