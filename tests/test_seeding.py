"""A model's initial weights do not move when another thread draws from Python's
``random`` while the model is built (as a Dask worker's ``dask.sizeof`` does)."""

import random

import keras
import numpy as np
import pytest
from keras.src.random import seed_generator

from bench.catalog import FAMILIES
from bench.run import seeding


def mlp_weights():
    return [np.asarray(v) for v in FAMILIES["mlp"].build("mnist", (28, 28, 1), 10).weights]


def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_seeded_gives_the_weights_keras_own_seeding_gives():
    keras.utils.set_random_seed(3)
    shipped = mlp_weights()
    with seeding.seeded(3):
        assert same(mlp_weights(), shipped)


def test_a_draw_from_the_global_random_while_building_moves_nothing():
    with seeding.seeded(0):
        undisturbed = mlp_weights()
    with seeding.seeded(0):
        random.sample(range(1000), 5)  # what another thread's dask.sizeof does
        assert same(mlp_weights(), undisturbed)
    # the check can fail: with Keras' own seeding the same draw moves the weights
    keras.utils.set_random_seed(0)
    random.sample(range(1000), 5)
    assert not same(mlp_weights(), undisturbed)


def test_after_seeded_keras_draws_from_python_random_again():
    with seeding.seeded(5):
        pass
    assert getattr(seed_generator, seeding.KERAS_RANDOM) is random
    keras.utils.set_random_seed(1)
    first = mlp_weights()
    keras.utils.set_random_seed(1)
    assert same(mlp_weights(), first)


def test_a_keras_that_draws_its_seeds_elsewhere_is_named(monkeypatch):
    monkeypatch.delattr(seed_generator, seeding.KERAS_RANDOM)
    with pytest.raises(seeding.SeedingError, match="seed_generator has no 'python_random'.*"
                                                   "update bench.run.seeding"):
        with seeding.seeded(0):
            pass
