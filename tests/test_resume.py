"""A training killed after an epoch resumes from its checkpoint and ends with the weights
of one trained in one go; an unreadable checkpoint is reported and training restarts."""

import dataclasses
import json
import logging

import numpy as np
import pytest

from bench.catalog.profiles import get_profile
from bench.config import TrainSettings
from bench.data.types import Split
from bench.run import resume
from bench.run.train import ModelSpec, fit

pytestmark = pytest.mark.slow

#: The CIFAR-10 CNN (BatchNorm and Dropout) with shift, rotation and zoom augmentation.
SPEC = ModelSpec("cnn", "all", seed=1)
PROFILE = dataclasses.replace(get_profile("cifar10", "smoke"), n_train=None,
                              train=TrainSettings(epochs=3, batch_size=16, learning_rate=0.003))


@pytest.fixture(autouse=True)
def checkpoint_every_epoch(monkeypatch):
    monkeypatch.setattr(resume, "EVERY_SECONDS", 0.0)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return Split(rng.integers(0, 256, (64, 8, 8, 3), dtype=np.uint8),
                 np.arange(64, dtype=np.int64) % 10)


def train(data, cache):
    return fit(SPEC, data, 10, PROFILE, cache, verbose=0)


def state(model):
    """Every variable of the model (seed generator states included) and of its optimizer,
    as numpy arrays."""
    return [np.asarray(v) for v in [*model.variables, *model.optimizer.variables]]


@pytest.fixture(scope="module")
def in_one_go(data, tmp_path_factory):
    model, record, cached = train(data, tmp_path_factory.mktemp("cache"))
    assert not cached and record.resumed_at_epochs == []
    return state(model), record


def interrupt_after(monkeypatch, epochs: int) -> None:
    """Kill training (KeyboardInterrupt) right after the checkpoint of ``epochs``."""
    save = resume.EpochCheckpoint.on_epoch_end

    def on_epoch_end(self, epoch, logs=None):
        save(self, epoch, logs)
        if epoch + 1 == epochs:
            raise KeyboardInterrupt

    monkeypatch.setattr(resume.EpochCheckpoint, "on_epoch_end", on_epoch_end)


def killed(data, cache, monkeypatch, epochs: int):
    """Train until killed after ``epochs``; the checkpoint's folder."""
    with monkeypatch.context() as patch:
        interrupt_after(patch, epochs)
        with pytest.raises(KeyboardInterrupt):
            train(data, cache)
    [folder] = cache.glob("*.partial")
    assert json.loads((folder / resume.STATE).read_text())["epochs"] == epochs
    return folder


def test_resumed_training_ends_with_the_weights_of_one_trained_in_one_go(
        data, in_one_go, tmp_path, monkeypatch):
    killed(data, tmp_path, monkeypatch, 1)
    killed(data, tmp_path, monkeypatch, 2)  # resumes after epoch 1, killed after 2
    model, record, cached = train(data, tmp_path)
    weights, first = in_one_go
    assert not cached and record.resumed_at_epochs == [1, 2]
    assert record.history == first.history and len(record.history["loss"]) == 3
    assert record.key == first.key and record.train_seconds > 0
    for resumed, whole in zip(state(model), weights, strict=True):
        np.testing.assert_array_equal(resumed, whole)
    assert not list(tmp_path.glob("*.partial"))  # removed once the model is cached
    again, cached_record, cached = train(data, tmp_path)
    assert cached and cached_record == record


@pytest.mark.parametrize("damage", ["state", "weights"])
def test_an_unreadable_checkpoint_is_reported_and_training_starts_again(
        data, in_one_go, tmp_path, monkeypatch, caplog, damage):
    folder = killed(data, tmp_path, monkeypatch, 1)
    if damage == "state":
        damaged = folder / resume.STATE
        damaged.write_text('{"epochs": 1, "hist')
    else:
        [damaged] = folder.glob("epoch-*.weights.h5")
        damaged.write_bytes(damaged.read_bytes()[:200])
    with caplog.at_level(logging.WARNING, logger="bench.run.train"):
        model, record, cached = train(data, tmp_path)
    assert any(str(folder) in r.getMessage() and "from epoch 0" in r.getMessage()
               for r in caplog.records if r.levelno == logging.WARNING)
    assert not cached and record.resumed_at_epochs == []
    assert record.history == in_one_go[1].history
    for trained, whole in zip(state(model), in_one_go[0], strict=True):
        np.testing.assert_array_equal(trained, whole)


def test_short_epochs_write_no_checkpoint(data, in_one_go, tmp_path, monkeypatch):
    monkeypatch.setattr(resume, "EVERY_SECONDS", 3600.0)
    with monkeypatch.context() as patch:
        interrupt_after(patch, 2)
        with pytest.raises(KeyboardInterrupt):
            train(data, tmp_path)
    assert not list(tmp_path.glob("*.partial/*"))  # nothing saved: the epochs took < 1 h
    model, record, cached = train(data, tmp_path)
    assert not cached and record.resumed_at_epochs == []
    assert record.history == in_one_go[1].history
