"""Task-specific probes: small extra measurements beside the sweeps.

A task names its probes (``TaskSpec.probes``); ``PROBES`` maps each name to its function
f(model, test split, profile) -> records, or ProbeNotApplicable when the data cannot
support it (then stored as ``{"probe": name, "skipped": why}``). ``worst_case`` and ``invariance``
(``bench.run.spatial_probes``) run for every task when the profile sizes them
(:func:`probe_names`). ``mean_one_shift_x``: the cookbook's demonstration. The mean image
of the test set's "1"s is shifted horizontally by each magnitude of the profile's shift_x
grid (pixels, +right), and the model's probability of class 1 is recorded.
"""

from __future__ import annotations

import keras
import numpy as np

from bench.catalog import TASKS, TRANSFORMS
from bench.config import Fill, Profile
from bench.data.types import Split
from bench.run import spatial_probes
from bench.run.sweep import predict_proba

MEAN_ONE = "mean_one_shift_x"


class ProbeNotApplicable(ValueError):
    """A probe that cannot run on this data (e.g. no image of its class); the message says
    why. The run stores it as skipped and the report names it."""


def mean_digit_shift(
    model: keras.Model,
    test: Split,
    digit: int,
    shifts_px: tuple[float, ...],
    fill: Fill,
) -> list[dict]:
    """[{'shift_px', 'probability', 'n_images'}] for the mean image of ``digit``, shifted."""
    images = test.x[test.y == digit]
    if len(images) == 0:
        raise ProbeNotApplicable(f"the test split has no image of class {digit}")
    mean_image = images.astype(np.float32).mean(axis=0, keepdims=True)  # (1, H, W, C), 0..255
    shifted = np.concatenate(
        [TRANSFORMS["shift_x"].apply(mean_image, dx, fill=fill) for dx in shifts_px]
    )
    proba = predict_proba(model, shifted)[:, digit]
    return [
        {"shift_px": float(dx), "probability": float(p), "n_images": int(len(images))}
        for dx, p in zip(shifts_px, proba, strict=True)
    ]


def mean_one_shift_x(model: keras.Model, test: Split, profile: Profile) -> list[dict]:
    """The mean "1" at every magnitude of the profile's shift_x grid."""
    return mean_digit_shift(model, test, 1, profile.magnitudes("shift_x"), profile.fill)


#: Probe name -> f(model, test split, profile) -> records (stored in probes.jsonl).
PROBES = {
    MEAN_ONE: mean_one_shift_x,
    spatial_probes.WORST_CASE: spatial_probes.worst_case_probe,
    spatial_probes.INVARIANCE: spatial_probes.invariance_probe,
}


def probe_names(profile: Profile, augmentation: str) -> tuple[str, ...]:
    """The probes a model of ``profile`` trained with ``augmentation`` gets: its task's,
    then the worst case and the invariance errors when the profile sizes them
    (``worst_case_n``, ``invariance_n``) and probes that policy (``probed_augmentations``)."""
    probed = profile.probed_augmentations
    if probed is not None and augmentation not in probed:
        return TASKS[profile.task].probes
    sized = ((spatial_probes.WORST_CASE, profile.worst_case_n),
             (spatial_probes.INVARIANCE, profile.invariance_n))
    return TASKS[profile.task].probes + tuple(name for name, n in sized if n)
