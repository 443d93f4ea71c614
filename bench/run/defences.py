"""Test-time defences as wrappers of a predict function (``bench.catalog.defences`` names
them): a predict function maps uint8 images (N, H, W, C) to class probabilities (N, K);
each wrapper returns another, so a defence applies to any family and to a user's model.

- :func:`tta`: the mean of the probabilities over the fixed transforms of
  ``TTA_TRANSFORMS`` (7 forward passes per image).
- :func:`vote`: Engstrom et al. 2019's majority vote over ``VOTE_DRAWS`` random transforms
  per image within the profile's shift and rotation ranges, drawn from a generator seeded
  anew at every call (so an image at the same place of a call gets the same draws); the
  output is the share of the votes per class (ties go to the lower class index).
- :func:`narrow_vote`: the same vote with draws within ``NARROW_VOTE_REACH`` of the ranges.

Transforms go through ``bench.geometry.rotate_shift`` (rotation about the centre, then the
shift), the test-time geometry of the sweep. :class:`DefendedModel` gives a wrapped model
the ``predict_on_batch`` the sweep calls (``bench.run.sweep.predict_proba``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from bench import geometry
from bench.analysis import metrics
from bench.catalog.defences import (
    DEFENCES,
    NARROW_VOTE_REACH,
    TTA_TRANSFORMS,
    VOTE_DRAWS,
    VOTE_SEED,
)
from bench.catalog.policies import Named
from bench.config import AugmentRanges, Fill
from bench.run.sweep import predict_proba

Predict = Callable[[np.ndarray], np.ndarray]


def tta(predict: Predict, ranges: AugmentRanges, fill: Fill) -> Predict:
    """The mean of ``predict``'s probabilities over ``TTA_TRANSFORMS`` (ranges unused)."""
    def defended(images: np.ndarray) -> np.ndarray:
        total = None
        for degrees, dx, dy in TTA_TRANSFORMS:
            proba = predict(geometry.rotate_shift(images, degrees, dx, dy, fill=fill))
            total = proba if total is None else total + proba
        return total / len(TTA_TRANSFORMS)
    return defended


def vote_draws(n: int, ranges: AugmentRanges) -> np.ndarray:
    """(VOTE_DRAWS, 3, n) draws of (degrees, dx, dy), uniform within +-rotate_deg and
    +-shift_px, from ``default_rng(VOTE_SEED)``."""
    rng = np.random.default_rng(VOTE_SEED)
    reach = np.array([ranges.rotate_deg, ranges.shift_px, ranges.shift_px])[None, :, None]
    return rng.uniform(-1.0, 1.0, size=(VOTE_DRAWS, 3, n)) * reach


def vote(predict: Predict, ranges: AugmentRanges, fill: Fill) -> Predict:
    """The share of ``VOTE_DRAWS`` votes per class, each vote ``predict``'s class for one
    random transform of the image (:func:`vote_draws`)."""
    def defended(images: np.ndarray) -> np.ndarray:
        votes = None
        for degrees, dx, dy in vote_draws(len(images), ranges):
            proba = predict(geometry.rotate_shift(images, degrees, dx, dy, fill=fill))
            if votes is None:
                votes = np.zeros(proba.shape, np.float64)
            votes[np.arange(len(images)), proba.argmax(axis=1)] += 1.0
        return votes / VOTE_DRAWS
    return defended


def narrow_vote(predict: Predict, ranges: AugmentRanges, fill: Fill) -> Predict:
    """:func:`vote` with its draws within ``NARROW_VOTE_REACH`` of the shift and rotation
    ranges."""
    narrow = dataclasses.replace(ranges, shift_px=NARROW_VOTE_REACH * ranges.shift_px,
                                 rotate_deg=NARROW_VOTE_REACH * ranges.rotate_deg)
    return vote(predict, narrow, fill)


def wrap(defence: str, predict: Predict, ranges: AugmentRanges, fill: Fill) -> Predict:
    """``predict`` under the catalog's ``defence`` (ChoiceError naming the valid ones)."""
    return Named(DEFENCES[defence].wrap)(predict, ranges, fill)


class DefendedModel:
    """A Keras model under a defence, as the sweep uses a model: ``predict_on_batch``
    takes float32 inputs in [0, 1] (uint8 / 255, so * 255 gives the images back exactly)
    and returns probabilities (N, K). ``network``: the Keras model itself."""

    def __init__(self, network, defence: str, ranges: AugmentRanges, fill: Fill) -> None:
        self.network, self.defence = network, defence
        self.ranges, self.fill = ranges, fill
        self.forward_passes = DEFENCES[defence].forward_passes
        self._predict = self.defend(lambda images: predict_proba(network, images))

    def defend(self, predict: Predict) -> Predict:
        """``predict`` (uint8 images -> probabilities: the network itself, or the network
        on another engine) under this model's defence."""
        return wrap(self.defence, predict, self.ranges, self.fill)

    def predict_on_batch(self, inputs: np.ndarray) -> np.ndarray:
        images = np.rint(np.asarray(inputs) * 255.0).astype(np.uint8)
        return metrics.as_class_probabilities(self._predict(images))
