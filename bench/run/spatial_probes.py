"""Probes that run a trained model through the NumPy engine: the Engstrom worst case and
the layer-by-layer invariance errors, each on a seeded subset of the test split whose size
the profile sets (``worst_case_n``, ``invariance_n``; 0 skips the probe).

Both take (model, test split, profile) and return the probe records a run stores
(:data:`bench.run.probes.PROBES`). The random draws of the worst case are seeded with the
profile's ``subset_seed``, so every model of a run meets the same transforms.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import keras
import numpy as np

from bench.analysis import invariance
from bench.analysis import worst_case as engstrom
from bench.analysis.metrics import as_class_probabilities
from bench.config import Profile
from bench.data.types import Split
from bench.npcnn import from_keras
from bench.npcnn.network import usable_cores
from bench.npcnn.stages import stage_outputs, stages
from bench.results.schema import pack_bits
from bench.run.defences import DefendedModel
from bench.run.inputs import to_inputs
from bench.run.sweep import predict_proba

WORST_CASE, INVARIANCE = engstrom.PROBE, invariance.PROBE
log = logging.getLogger(__name__)


def engine_predict(model) -> tuple[Callable[[np.ndarray], np.ndarray], str]:
    """(uint8 images (N, H, W, C) -> class probabilities (N, K), the engine's name): the
    network through the NumPy engine, or through Keras where the engine lacks one of its
    layers (the p4-CNN's); a defended model's network under its defence."""
    defended = model if isinstance(model, DefendedModel) else None
    network = defended.network if defended else model
    try:
        engine = from_keras(network)
    except NotImplementedError as error:
        log.info("worst case through Keras: the NumPy engine cannot run %s (%s)",
                 network.name, error)

        def proba(images: np.ndarray) -> np.ndarray:
            return predict_proba(network, images)
        name = "keras"
    else:
        def proba(images: np.ndarray) -> np.ndarray:
            return as_class_probabilities(engine.predict(to_inputs(images)))
        name = "numpy"
    return (defended.defend(proba) if defended else proba), name


def worst_case_probe(model, test: Split, profile: Profile) -> list[dict]:
    """One record: the accuracies of :meth:`WorstCase.summary`, the grid's wall time, the
    engine that ran it (``numpy`` or ``keras``: :func:`engine_predict`), the network's
    forward passes per image (a defended model's several), and the per-image correctness
    (packed bits) clean, under the grid and under the draws."""
    if not profile.worst_case_n:
        return []
    part = test.subset(profile.worst_case_n, profile.subset_seed)
    proba, engine = engine_predict(model)

    def predict(images: np.ndarray) -> np.ndarray:
        return proba(images).argmax(axis=1)

    result = engstrom.worst_case(predict, part.x, part.y, profile.fill,
                                 np.random.default_rng(profile.subset_seed))
    return [{
        **result.summary(),
        "threads": usable_cores(),
        "engine": engine,
        "forward_passes": getattr(model, "forward_passes", 1),
        "clean_bits": pack_bits(result.clean),
        "grid_bits": pack_bits(result.grid.all(axis=0)),
        "random_bits": pack_bits(result.random.all(axis=0)),
    }]


def invariance_probe(model: keras.Model, test: Split, profile: Profile) -> list[dict]:
    """One record per (stage, transform) of :func:`invariance.layer_errors`, with the
    stage's Keras layer name, label, cumulative stride and output shape."""
    if not profile.invariance_n:
        return []
    part = test.subset(profile.invariance_n, profile.subset_seed)
    network = from_keras(model)
    found = stages(network)
    shapes = [out.shape[1:] for out in stage_outputs(network, found, to_inputs(part.x[:1]))]
    records = invariance.layer_errors(
        lambda images: stage_outputs(network, found, to_inputs(images)),
        [stage.stride for stage in found], part.x, profile.fill,
    )
    for record in records:
        stage = found[record["stage"]]
        record.update(layer=stage.name, label=stage.label, stride=list(stage.stride),
                      shape=list(shapes[record["stage"]]), n_images=len(part.y))
    return records
