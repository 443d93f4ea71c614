"""Training without TensorFlow: the same models on any Keras 3 backend (JAX on a GPU host).

Same architecture, optimiser, loss, epochs, batch size, seed and augmentation policy as
``bench.run.train.fit``; what differs is the input pipeline: the training split is held in
memory as float32, Keras' own ``fit`` shuffles it (seeded through
``keras.utils.set_random_seed``), and the policy's random layers run in a wrapper model
in front of the network, on the accelerator. Such models are seeded but not bitwise
reproducible across backends or devices; their records say ``trainer: portable``, their
cache keys differ from ``fit``'s, and their environments name the device.
"""

from __future__ import annotations

import logging
import time

import keras
import numpy as np

from bench.catalog import POLICIES
from bench.catalog.policies import LayerContext
from bench.config import ChoiceError, Profile
from bench.data.types import Split
from bench.run.inputs import to_inputs
from bench.run.train import (
    ModelSpec,
    TrainRecord,
    compile_model,
    fresh_model,
    make_record,
)

TRAINER = "portable"

log = logging.getLogger(__name__)


def allow_jit_on_jax(layers: list) -> None:
    """Let Keras compile the training step on JAX although random image layers are in it.

    Keras' RandomRotation, RandomTranslation, RandomZoom and RandomShear say
    ``supports_jit = False`` (XLA on TensorFlow cannot compile them), and one such layer
    makes ``fit`` run the whole step eagerly: op by op, which on a GPU kept rotation
    training under one epoch in 7 minutes. Their JAX ops compile (jax.jit of the layer,
    its seed state advancing each step), so on JAX the flag is lifted; on other backends
    it is left as Keras set it.
    """
    if keras.backend.backend() != "jax":
        return
    for layer in layers:
        layer.supports_jit = True


def train_portable(spec: ModelSpec, train: Split, n_classes: int, profile: Profile,
                   verbose: int = 2) -> tuple[keras.Model, TrainRecord]:
    """Train one model on the active Keras backend; returns (model, record). The model is
    the bare network (no augmentation layers), as ``fit`` returns it."""
    if POLICIES[spec.augmentation].worst_of is not None:
        raise ChoiceError(f"{spec.label}: the portable trainer runs augmentation layers in "
                          "the model; worst-of-k needs the tf.data trainer (bench run)")
    model, key, data_sum = fresh_model(spec, train, n_classes, profile, TRAINER)
    height, width = train.x.shape[1:3]
    context = LayerContext(height, width, fill=profile.fill, seed=spec.seed)
    augment = POLICIES[spec.augmentation].layers(profile.augment, context)
    allow_jit_on_jax(augment)
    trainer = keras.Sequential([keras.Input(shape=train.x.shape[1:]), *augment, model])
    compile_model(trainer, n_classes, profile.train.learning_rate)
    log.info("%s: %s backend, training step compiled: %s", spec.label,
             keras.backend.backend(), trainer.jit_compile)
    labels = train.y.astype(np.float32) if n_classes == 2 else train.y  # sigmoid head
    started = time.perf_counter()
    history = trainer.fit(to_inputs(train.x), labels, batch_size=profile.train.batch_size,
                          epochs=profile.train.epochs, shuffle=True, verbose=verbose)
    record = make_record(key, spec, profile, model, train, data_sum,
                         time.perf_counter() - started, history.history, TRAINER)
    return model, record
