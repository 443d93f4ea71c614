"""Probes that run a trained model through the NumPy engine: the Engstrom worst case and
the layer-by-layer invariance errors, each on a seeded subset of the test split whose size
the profile sets (``worst_case_n``, ``invariance_n``; 0 skips the probe).

Both take (model, test split, profile) and return the probe records a run stores
(:data:`bench.run.probes.PROBES`). The random draws of the worst case are seeded with the
profile's ``subset_seed``, so every model of a run meets the same transforms.
"""

from __future__ import annotations

import keras
import numpy as np

from bench.analysis import invariance
from bench.analysis import worst_case as engstrom
from bench.analysis.metrics import as_class_probabilities
from bench.config import Profile
from bench.data.types import Split
from bench.npcnn import from_keras
from bench.npcnn.stages import stage_outputs, stages
from bench.results.schema import pack_bits
from bench.run.inputs import to_inputs

WORST_CASE, INVARIANCE = engstrom.PROBE, invariance.PROBE


def worst_case_probe(model: keras.Model, test: Split, profile: Profile) -> list[dict]:
    """One record: the accuracies of :meth:`WorstCase.summary`, the grid's wall time, and
    the per-image correctness (packed bits) clean, under the grid and under the draws."""
    if not profile.worst_case_n:
        return []
    part = test.subset(profile.worst_case_n, profile.subset_seed)
    network = from_keras(model)

    def predict(images: np.ndarray) -> np.ndarray:
        return as_class_probabilities(network.predict(to_inputs(images))).argmax(axis=1)

    result = engstrom.worst_case(predict, part.x, part.y, profile.fill,
                        np.random.default_rng(profile.subset_seed))
    return [{
        **result.summary(),
        "threads": network.threads,
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
