"""Task-specific probes: small extra measurements beside the sweeps.

A task names its probes (``TaskSpec.probes``); ``PROBES`` maps each name to its function
f(model, splits, profile) -> records (``splits``: the run's ``train`` and ``test`` Split), or
ProbeNotApplicable when the data cannot support it (then stored as
``{"probe": name, "skipped": why}``). ``worst_case`` and ``invariance``
(``bench.run.spatial_probes``) run for every task when the profile sizes them
(:func:`probe_names`). The cookbook's demonstration, two ways:

- ``mean_one_shift_x``: the mean image of the test set's "1"s shifted horizontally by each
  magnitude of the profile's shift_x grid (pixels, +right), and the model's probability of
  class 1;
- ``mean_one_book``: the book's own operations (``bench.run.book_shifts``) on the mean "1"
  of the training and of the test split, and every class probability.
"""

from __future__ import annotations

from typing import Protocol

import keras
import numpy as np

from bench.catalog import POLICIES, TASKS, TRANSFORMS, tasks
from bench.config import Fill, Profile
from bench.data.types import Split
from bench.run import book_shifts, spatial_probes
from bench.run.sweep import predict_proba

MEAN_ONE, MEAN_ONE_BOOK = "mean_one_shift_x", "mean_one_book"


class Splits(Protocol):
    """What a probe reads of the run's data: its training and test splits."""

    train: Split
    test: Split


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


def mean_one_shift_x(model: keras.Model, splits: Splits, profile: Profile) -> list[dict]:
    """The mean "1" of the test split at every magnitude of the profile's shift_x grid."""
    return mean_digit_shift(model, splits.test, 1, profile.magnitudes("shift_x"), profile.fill)


def mean_one_book(model: keras.Model, splits: Splits, profile: Profile) -> list[dict]:
    """[{'operation', 'mean_of', 'n_images', 'probabilities', 'predicted'}]: the book's
    operations (:data:`book_shifts.OPERATIONS`) on the mean "1" of each split (the book takes
    the MLP's from the training images, the CNN's from the test images); ``probabilities``:
    the 10 class probabilities, ``predicted``: their argmax."""
    height, width = splits.test.x.shape[1:3]
    if (height, width) != book_shifts.SIZE:
        raise ProbeNotApplicable(f"the book's column loops are written for 28x28 images; "
                                 f"these are {height}x{width}")
    records = []
    for mean_of, split in (("train", splits.train), ("test", splits.test)):
        images = split.x[split.y == 1]
        if len(images) == 0:
            raise ProbeNotApplicable(f"the {mean_of} split has no image of class 1")
        mean_image = images.astype(np.float32).mean(axis=0)  # (H, W, C), 0..255
        names = list(book_shifts.OPERATIONS)
        moved = np.stack([book_shifts.OPERATIONS[name](mean_image) for name in names])
        for name, proba in zip(names, predict_proba(model, moved), strict=True):
            records.append({"operation": name, "mean_of": mean_of, "n_images": len(images),
                            "probabilities": [round(float(p), 6) for p in proba],
                            "predicted": int(proba.argmax())})
    return records


def _on_engine(probe):
    """A probe of the test split that runs the model through the NumPy engine
    (``bench.npcnn``), as f(model, splits, profile): a model with a layer or option the
    engine lacks (its NotImplementedError names it) skips the probe, saying so."""
    def run(model, splits, profile):
        try:
            return probe(model, splits.test, profile)
        except NotImplementedError as error:
            raise ProbeNotApplicable(f"the NumPy engine cannot run this model ({error})") from None
    return run


def unswept_probes(profile: Profile) -> dict[str, str]:
    """Probe name -> the transform it needs, for the task's probes that ``profile``'s grid
    does not sweep; they are left out of :func:`probe_names` (nothing is stored, so a later
    run that sweeps the transform into the same folder computes them)."""
    return tasks.unswept_probes(profile.task, {name for name, _ in profile.grid})


#: Probe name -> f(model, splits, profile) -> records (stored in probes.jsonl).
PROBES = {
    MEAN_ONE: mean_one_shift_x,
    MEAN_ONE_BOOK: mean_one_book,
    spatial_probes.WORST_CASE: lambda model, splits, profile: spatial_probes.worst_case_probe(
        model, splits.test, profile),
    spatial_probes.INVARIANCE: _on_engine(spatial_probes.invariance_probe),
}


def probe_names(profile: Profile, augmentation: str) -> tuple[str, ...]:
    """The probes a model of ``profile`` trained with ``augmentation`` gets: its task's
    (less those needing a transform the grid does not sweep: :func:`unswept_probes`), then
    the worst case and the invariance errors when the profile sizes them
    (``worst_case_n``, ``invariance_n``) and probes that policy (``probed_augmentations``);
    a defended variant (``none+vote``) gets no invariance errors: its layers are its base
    model's."""
    unswept = unswept_probes(profile)
    own = tuple(name for name in TASKS[profile.task].probes if name not in unswept)
    probed = profile.probed_augmentations
    if probed is not None and augmentation not in probed:
        return own
    # a test-time defence changes the inputs, not the layers: a defended model's layer-by-layer
    # invariance is its base model's, stored with that model
    defended = POLICIES[augmentation].defended is not None
    sized = ((spatial_probes.WORST_CASE, profile.worst_case_n),
             (spatial_probes.INVARIANCE, 0 if defended else profile.invariance_n))
    return own + tuple(name for name, n in sized if n)
