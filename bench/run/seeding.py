"""Seed a model's training so that no other thread of the process can move its seeds.

Keras draws the seed of every unseeded initializer and layer (``seed=None``: the
families' Dense and Conv2D kernels, Dropout) from Python's process-wide ``random``
module (``keras.src.random.seed_generator.make_default_seed``). Another thread that
draws from that module while a model is built moves those seeds, and the model trains to
other weights. A Dask worker's event loop does so: ``dask.sizeof`` measures the previous
task's result with ``random.sample`` while the next task builds its model, so now and then
a model trained on a worker was not the model trained in-process.

:func:`seed_model` seeds as ``keras.utils.set_random_seed`` does and gives Keras its own
``random.Random(seed)`` for those draws. A fresh ``Random(seed)`` draws the numbers the
global generator draws right after ``random.seed(seed)``, so the weights are those Keras
gave before whenever nothing else drew in between, and nothing else can now.
"""

from __future__ import annotations

import random

import keras
from keras.src.random import seed_generator

#: The name under which Keras' ``make_default_seed`` reaches the ``random`` module.
KERAS_RANDOM = "python_random"


class SeedingError(RuntimeError):
    """This Keras draws its default seeds in a way :func:`seed_model` does not know."""


def seed_model(seed: int) -> None:
    """Seed Python, NumPy and the backend (``keras.utils.set_random_seed``) and give
    Keras' default seeds a generator of their own, seeded with ``seed``, for the models
    built from now on (until the next call)."""
    if not isinstance(getattr(seed_generator, KERAS_RANDOM, None), random.Random | type(random)):
        raise SeedingError(
            f"keras {keras.__version__}: keras.src.random.seed_generator has no "
            f"{KERAS_RANDOM!r}, so bench cannot keep other threads from moving the seeds of "
            "unseeded layers; update bench.run.seeding for this Keras version or install the "
            "Keras version bench pins."
        )
    keras.utils.set_random_seed(seed)
    setattr(seed_generator, KERAS_RANDOM, random.Random(seed))
