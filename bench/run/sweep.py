"""Evaluate a trained model on a grid of transformed test sets into rows.

A *cell* is one (transform, magnitude). For every cell the whole test split is
transformed and classified, and one :class:`Row` is produced per image group
(``all``, plus any groups the task defines, such as ``class:cat`` or ``age:60+``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import keras
import numpy as np

from bench.analysis import metrics
from bench.catalog import TRANSFORMS
from bench.config import Fill, Grid, grid_cells
from bench.data.types import Split
from bench.results.protocol import Store
from bench.results.schema import ALL, ModelTag, Row, pack_bits
from bench.run.inputs import to_inputs

PREDICT_BATCH = 1024


def predict_proba(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """Class probabilities (N, K) for uint8 images (N, H, W, C); sigmoid heads give K=2.

    The images go through ``predict_on_batch`` in the batches of ``PREDICT_BATCH`` that
    ``model.predict(batch_size=PREDICT_BATCH)`` forms, so the outputs are the same bit for
    bit (``tests/test_sweep_predict.py``) without ``predict``'s input pipeline, built anew
    for every call: on 2 cores 1,000 MNIST images took 0.44 s through ``predict`` and 0.06 s
    this way (MLP; CNN 0.80 s and 0.18 s)."""
    inputs = to_inputs(images)
    batches = [model.predict_on_batch(inputs[start:start + PREDICT_BATCH])
               for start in range(0, max(len(inputs), 1), PREDICT_BATCH)]
    return metrics.as_class_probabilities(np.concatenate(batches))


@dataclass(frozen=True)
class CleanReference:
    """The model's output on the untransformed test split: probabilities (N, K)."""

    proba: np.ndarray

    @property
    def predicted(self) -> np.ndarray:
        return self.proba.argmax(axis=1)


def group_masks(test: Split, groups: Mapping[str, np.ndarray] | None) -> dict[str, np.ndarray]:
    """``all`` plus the task's non-empty groups, as boolean masks over the test images."""
    masks = {ALL: np.ones(len(test.y), dtype=bool)}
    masks.update({name: mask for name, mask in (groups or {}).items() if mask.any()})
    return masks


def evaluate_cell(
    model: keras.Model,
    tag: ModelTag,
    test: Split,
    clean: CleanReference,
    transform: str,
    magnitude: float,
    fill: Fill,
    masks: Mapping[str, np.ndarray],
    rng: np.random.Generator,
) -> list[Row]:
    """Rows (one per group) for the test split transformed by ``transform`` at ``magnitude``."""
    images = TRANSFORMS[transform].apply(test.x, magnitude, fill=fill)
    proba = predict_proba(model, images)
    predicted = proba.argmax(axis=1)
    correct = predicted == test.y
    clean_correct = clean.predicted == test.y
    rows = []
    for group, mask in masks.items():
        low, high = metrics.bootstrap_interval(correct[mask], rng)
        accuracy = float(correct[mask].mean())
        clean_accuracy = float(clean_correct[mask].mean())
        rows.append(
            Row(
                **vars(tag),
                transform=transform,
                magnitude=float(magnitude),
                group=group,
                n=int(mask.sum()),
                accuracy=accuracy,
                clean_accuracy=clean_accuracy,
                delta_pp=metrics.delta_pp(accuracy, clean_accuracy),
                consistency=metrics.consistency(clean.predicted[mask], predicted[mask]),
                mean_abs_change=metrics.mean_absolute_change(clean.proba[mask], proba[mask]),
                ci_low=low,
                ci_high=high,
                correct_bits=pack_bits(correct) if group == ALL else "",
            )
        )
    return rows


def cell_rows(store: Store, model, tag: ModelTag, test: Split, clean: CleanReference,
              cell: tuple[str, float], index: int, fill: Fill,
              masks: Mapping[str, np.ndarray]) -> list[Row]:
    """The rows of one cell of one model, whatever the model's source (a family trained by
    bench, a model trained elsewhere, a user's file or function): the stored ones when every
    group is stored, else computed (the bootstrap seeded by the model's seed and the cell's
    index in the grid, ``default_rng([tag.seed, index])``, so a model gives the same rows
    wherever it is swept) and stored. A cell cut short by a crash is computed again."""
    stored = store.rows_of(tag.model_key, *cell)
    if len(stored) == len(masks):
        return stored
    rows = evaluate_cell(model, tag, test, clean, *cell, fill, masks,
                         np.random.default_rng([tag.seed, index]))
    store.append_rows(rows)
    return rows


def cells(grid: Grid) -> list[tuple[str, float]]:
    """The (transform, magnitude) cells of a profile grid, in order (``grid_cells``, which
    reports use without importing Keras)."""
    return grid_cells(grid)
