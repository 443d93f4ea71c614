"""Engstrom's worst case over shifts and rotations for a user's model, on the profile's
seeded test subset (``worst_case_n``), the same images and draws ``bench run`` uses, so it
sits beside the reference families' records. Predictions go through the input contract."""

from __future__ import annotations

import numpy as np

from bench.analysis import worst_case as engstrom
from bench.config import Profile
from bench.evaluate.contract import ContractModel
from bench.evaluate.testdata import TestData
from bench.results.schema import ModelTag, pack_bits
from bench.run.sweep import predict_proba

PROBE = engstrom.PROBE
#: summary key -> column header, shares in [0, 1] (as the task reports show them).
COLUMNS = {"clean": "clean", "shift_worst": "worst shift ±3 px (5x5)",
           "rotate_worst": "worst rotation ±30° (31)", "grid_worst": "grid worst (5x5x31)",
           "random_worst": "worst of 10 random"}


def worst_case_record(adapter: ContractModel, data: TestData, profile: Profile,
                      tag: ModelTag) -> dict | None:
    """The probe record of the worst case (None when the profile sizes it 0)."""
    if not profile.worst_case_n:
        return None
    part = data.test.subset(profile.worst_case_n, profile.subset_seed)

    def predict(images: np.ndarray) -> np.ndarray:
        return predict_proba(adapter, images).argmax(axis=1)

    result = engstrom.worst_case(predict, part.x, part.y, profile.fill,
                                 np.random.default_rng(profile.subset_seed))
    return {"probe": PROBE, "model_key": tag.model_key, "family": tag.family,
            "augmentation": tag.augmentation, "seed": tag.seed, **result.summary(),
            "clean_bits": pack_bits(result.clean),
            "grid_bits": pack_bits(result.grid.all(axis=0)),
            "random_bits": pack_bits(result.random.all(axis=0))}
