"""Layer-by-layer invariance errors of a user's Keras Sequential model, through the NumPy
engine on the profile's seeded test subset (``invariance_n``), as ``bench run`` measures
its own models (``bench.run.spatial_probes.invariance_probe``). The outcome is records, or
one sentence saying why the model was not measured; it never fails the evaluation."""

from __future__ import annotations

import keras

from bench.config import Profile
from bench.evaluate.contract import InputContract
from bench.evaluate.model_source import LoadedModel
from bench.evaluate.testdata import TestData
from bench.results.schema import ModelTag
from bench.run import spatial_probes

PROBE = spatial_probes.INVARIANCE


def invariance_records(model: LoadedModel, contract: InputContract, data: TestData,
                       profile: Profile, tag: ModelTag) -> tuple[list[dict], str]:
    """(probe records, note): the records are [] when the profile sizes the probe 0 or
    the model cannot be measured, and the note then says why ("" when measured)."""
    if not profile.invariance_n:
        return [], ""
    if not isinstance(model.keras_model, keras.Sequential):
        return [], (f"Layer-by-layer invariance not measured: `{model.source}` is not a Keras "
                    "Sequential model (the NumPy engine converts those).")
    if contract.repeat_channels:
        return [], ("Layer-by-layer invariance not measured: the NumPy engine feeds the test "
                    "images as they are, and this model takes them with --repeat-channels.")
    if contract.input_range != "0-1":
        return [], ("Layer-by-layer invariance not measured: the NumPy engine feeds inputs in "
                    "0-1, and this model takes 0-255.")
    try:
        records = spatial_probes.invariance_probe(model.keras_model, data.test, profile)
    except (NotImplementedError, ValueError) as error:
        return [], f"Layer-by-layer invariance not measured: {error}."
    identity = {"probe": PROBE, "model_key": tag.model_key, "family": tag.family,
                "augmentation": tag.augmentation, "seed": tag.seed}
    return [{**record, **identity} for record in records], ""
