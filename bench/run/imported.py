"""Models trained elsewhere (``bench.run.device_train``), found for a run's model specs.

A model is taken only if its record matches the spec and the profile exactly: task,
family, policy, seed, epochs, batch size, learning rate, augmentation ranges, and the
checksum of this run's training data, so rows are never computed for a model trained on
other images or settings.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.catalog import POLICIES
from bench.config import Profile
from bench.data.types import DataError
from bench.run.train import ModelSpec, TrainRecord


class TrainedModelMissing(FileNotFoundError):
    """No model (or more than one) in the folder matches a spec of the run."""


class TrainedModelRefused(DataError):
    """A model file of ``--trained`` that Keras cannot load, or loads only unsafely (code in
    a Lambda layer, a damaged archive)."""


def load_trained(path: Path):
    """The Keras model in ``path`` (safe mode: no code from the file runs);
    TrainedModelRefused in one line when it cannot be loaded."""
    import keras

    try:
        return keras.models.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # noqa: BLE001 - Keras raises many types for a bad file
        reason = f"{type(error).__name__}: {error}".splitlines()[0][:200]
        raise TrainedModelRefused(
            f"{path}: refused, Keras cannot load it in safe mode ({reason}); train it again "
            "with python -m bench.run.device_train, or remove it from the --trained folder"
        ) from None


def _wanted(spec: ModelSpec, profile: Profile, data_checksum: str) -> dict:
    return {
        "task": profile.task, "family": spec.family, "augmentation": spec.augmentation,
        "seed": spec.seed, "epochs": profile.train.epochs,
        "batch_size": profile.train.batch_size, "learning_rate": profile.train.learning_rate,
        "augmentation_ranges": POLICIES[spec.augmentation].describe(profile.augment),
        "data_checksum": data_checksum,
    }


def _read_record(path: Path) -> dict:
    """One model record (a JSON object); TrainedModelMissing names a damaged file."""
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TrainedModelMissing(f"{path}: not a readable model record ({error}); remove it "
                                  "or copy the trained models again") from None
    if not isinstance(record, dict):
        raise TrainedModelMissing(f"{path}: not a model record (a JSON object); remove it")
    return record


def find_trained(folder: Path, spec: ModelSpec, profile: Profile,
                 data_checksum: str) -> tuple[Path, TrainRecord]:
    """The (model file, record) in ``folder`` trained for ``spec`` under ``profile`` on data
    with ``data_checksum``; TrainedModelMissing names what the folder holds otherwise."""
    wanted = _wanted(spec, profile, data_checksum)
    records = [(path, _read_record(path)) for path in sorted(Path(folder).glob("*.json"))]
    matches = [(path, data) for path, data in records
               if all(data.get(key) == value for key, value in wanted.items())
               and path.with_suffix(".keras").is_file()]
    if len(matches) != 1:
        held = "; ".join(
            f"{d.get('family')}-{d.get('augmentation')}-s{d.get('seed')} "
            f"lr {d.get('learning_rate')} data {d.get('data_checksum', '?')[:12]}"
            for _, d in records) or "nothing"
        raise TrainedModelMissing(
            f"{folder}: {len(matches)} trained models match {spec.label} at learning rate "
            f"{profile.train.learning_rate:g} on this training data (checksum "
            f"{data_checksum[:12]}); it holds: {held}")
    path, data = matches[0]
    try:
        return path.with_suffix(".keras"), TrainRecord(**data)
    except TypeError as error:
        raise TrainedModelMissing(f"{path}: a model record with other fields ({error}); "
                                  "train it again with this version of bench") from None
