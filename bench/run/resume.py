"""Epoch checkpoints: a training killed mid-way resumes from its last finished epoch.

``<key>.partial/`` in the model cache holds ``epoch-<n>.weights.h5`` (the weights with the
optimizer's state: Keras' ``save_weights`` writes both) and ``state.json`` (finished
epochs, history so far, seconds spent, the epochs where training resumed, the weights
file's name and the model's SeedGenerator states, such as Dropout's, which
``save_weights`` leaves out). Each file is written under a temporary name and moved into
place, state.json last, so state.json always names a complete weights file.

Keras' ``BackupAndRestore`` callback is not used: it saves the weights (optimizer
included) and the epoch only, not the history, the time or the seed states; it writes
them in place, not atomically; and it raises on a checkpoint it cannot read.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras
import numpy as np

from bench.os_faults import replaced_atomically

STATE = "state.json"
#: Seconds of training a checkpoint must save before one is written: an epoch checkpoint
#: costs about 50 ms (the MNIST CNN, 1.7 M parameters), a lot against the main job's
#: 1-second epochs, and those are cheap to train again.
EVERY_SECONDS = 20.0


class CheckpointError(ValueError):
    """A checkpoint whose content cannot be read or does not fit the model."""


@dataclass
class Progress:
    """Training so far: finished epochs, per-epoch history, seconds, resumed epochs."""

    epochs: int = 0
    history: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    resumed_at_epochs: list[int] = field(default_factory=list)


def seed_states(model: keras.Model) -> list:
    """The model's variables that ``save_weights`` leaves out: its SeedGenerator states."""
    weights = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def save(folder: Path, model: keras.Model, progress: Progress) -> None:
    """Write the checkpoint of ``model`` (compiled) after ``progress.epochs`` epochs."""
    folder.mkdir(parents=True, exist_ok=True)
    weights = f"epoch-{progress.epochs}.weights.h5"
    with replaced_atomically(folder / weights) as tmp:
        model.save_weights(tmp)
    state = {**asdict(progress), "weights": weights,
             "seeds": [np.asarray(v).tolist() for v in seed_states(model)]}
    with replaced_atomically(folder / STATE) as tmp:
        tmp.write_text(json.dumps(state))
    for old in folder.glob("epoch-*.weights.h5"):
        if old.name != weights:
            old.unlink()


def restore(folder: Path, model: keras.Model, epochs: int) -> Progress:
    """Load the checkpoint in ``folder`` into ``model`` (compiled) and return its progress;
    a fresh Progress when there is none. CheckpointError when it cannot be read (``model``
    may then hold part of it)."""
    path = folder / STATE
    if not path.is_file():
        return Progress()
    try:
        state = json.loads(path.read_text())
        seeds = state.pop("seeds")
        weights = folder / state.pop("weights")
        progress = Progress(**state)
        if not 0 < progress.epochs <= epochs:
            raise CheckpointError(f"{progress.epochs} finished epochs of {epochs}")
        variables = seed_states(model)
        if [list(v.shape) for v in variables] != [list(np.shape(s)) for s in seeds]:
            raise CheckpointError("its seed states do not fit the model")
        model.optimizer.build(model.trainable_variables)
        model.load_weights(weights)
        for variable, value in zip(variables, seeds, strict=True):
            variable.assign(np.asarray(value, dtype=variable.dtype))
    except Exception as error:  # noqa: BLE001 - any unreadable content: train from epoch 0
        raise CheckpointError(f"{path}: {type(error).__name__}: {error}") from error
    return progress


def discard(folder: Path) -> None:
    """Remove the checkpoint folder (once the finished model is cached, or unreadable)."""
    shutil.rmtree(folder, ignore_errors=True)


def fast_forward(data, epochs: int) -> None:
    """Draw from ``data`` (a tf.data.Dataset) what ``model.fit`` drew in ``epochs``
    finished epochs, without training, so its shuffle order and its augmentation layers'
    seeds continue as they would have.

    Each new iterator draws the next shuffle order, and each batch read advances the
    augmentation seeds. In every epoch Keras 3's epoch iterator
    (``keras/src/trainers/epoch_iterator.py``) reads one iterator to the end, then creates
    one more that it drops unread: two shuffle orders per epoch.
    """
    for _ in range(epochs):
        for _ in data:
            pass
        iter(data)  # created and dropped unread, as Keras does after each epoch


class EpochCheckpoint(keras.callbacks.Callback):
    """Saves a checkpoint in ``folder`` at the end of an epoch when at least
    :data:`EVERY_SECONDS` of training went by since the last one (never after the last
    epoch: the finished model is cached instead); ``progress`` accumulates the history and
    the seconds (since ``started``, a ``time.perf_counter()``, plus those spent before this
    process)."""

    def __init__(self, folder: Path, progress: Progress, started: float, epochs: int) -> None:
        super().__init__()
        self.folder, self.progress, self.started, self.epochs = folder, progress, started, epochs
        self.seconds_before = self.saved_at = progress.seconds

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for name, value in (logs or {}).items():
            self.progress.history.setdefault(name, []).append(float(value))
        self.progress.epochs = epoch + 1
        self.progress.seconds = self.seconds_before + time.perf_counter() - self.started
        due = self.progress.seconds - self.saved_at >= EVERY_SECONDS
        if due and self.progress.epochs < self.epochs:
            save(self.folder, self.model, self.progress)
            self.saved_at = self.progress.seconds
