"""Seed a model's construction so that no other thread of the process can move its seeds.

Keras draws the seed of every unseeded initializer and layer (``seed=None``: the
families' Dense and Conv2D kernels, Dropout) from Python's process-wide ``random``
module (``keras.src.random.seed_generator.make_default_seed``), when the layer is built.
Another thread that draws from that module meanwhile moves those seeds, and the model
trains to other weights. A Dask worker's event loop does so: ``dask.sizeof`` measures the
previous task's result with ``random.sample`` while the next task builds its model, so now
and then a model trained on a worker was not the model trained in-process.

:func:`seeded` seeds as ``keras.utils.set_random_seed`` does and, while models are built
inside it, gives Keras a ``random.Random(seed)`` of its own for those draws. A fresh
``Random(seed)`` draws the numbers the global generator draws right after
``random.seed(seed)``, so the weights are those Keras gave before whenever nothing else
drew in between, and nothing else can now. (Training itself draws no default seeds: every
family and policy was checked.)
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import keras
from keras.src.random import seed_generator

#: The name under which Keras' ``make_default_seed`` reaches the ``random`` module.
KERAS_RANDOM = "python_random"


class SeedingError(RuntimeError):
    """This Keras draws its default seeds in a way :func:`seeded` does not know."""


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed Python, NumPy and the backend (``keras.utils.set_random_seed``); inside, Keras'
    default seeds come from a generator of their own, seeded with ``seed``. On leaving,
    Keras draws from Python's ``random`` again, as ``keras.utils.set_random_seed`` expects."""
    if getattr(seed_generator, KERAS_RANDOM, None) is not random:
        raise SeedingError(
            f"keras {keras.__version__}: keras.src.random.seed_generator has no "
            f"{KERAS_RANDOM!r} module, so bench cannot keep other threads from moving the "
            "seeds of unseeded layers; update bench.run.seeding for this Keras version or "
            "install the Keras version bench pins."
        )
    keras.utils.set_random_seed(seed)
    setattr(seed_generator, KERAS_RANDOM, random.Random(seed))
    try:
        yield
    finally:
        setattr(seed_generator, KERAS_RANDOM, random)
