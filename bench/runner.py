"""Run one task under one profile: load, train (cached), sweep, store, resumable.

This is the glue between the pure steps; the CLI and the pytest suites call it.
Progress (epochs, sweep cells) is shown with Keras' epoch lines and tqdm bars.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import numpy as np
from sklearn.model_selection import train_test_split
from tqdm.auto import tqdm

from bench import data, machine, probes, sweep
from bench.config import Profile, Task, TransformName
from bench.data.paths import cache_dir
from bench.data.types import Dataset, Split
from bench.results import ResultStore
from bench.train import ModelSpec, TrainRecord, fit

log = logging.getLogger(__name__)


def subset(split: Split, n: int | None, seed: int) -> Split:
    """``n`` images drawn stratified by class with ``seed`` (the whole split if n is None)."""
    if n is None or n >= len(split.y):
        return split
    index, _ = train_test_split(
        np.arange(len(split.y)), train_size=n, stratify=split.y, random_state=seed
    )
    return split.take(np.sort(index))


@dataclass(frozen=True)
class PreparedData:
    """The data a run trains and evaluates on, after the profile's subsetting."""

    dataset: Dataset
    train: Split
    test: Split

    def describe(self, profile: Profile) -> dict:
        """Provenance plus the subsetting, as stored in dataset.json."""
        info = asdict(self.dataset.provenance)
        info.update(
            name=self.dataset.name,
            classes=list(self.dataset.classes),
            image_shape=list(self.dataset.image_shape),
            n_train_used=len(self.train.y),
            n_test_used=len(self.test.y),
            environment=machine.environment(),
            subset=(
                f"stratified subsets of {profile.n_train or 'all'} train / "
                f"{profile.n_test or 'all'} test images, seed {profile.subset_seed}"
            ),
        )
        return info


def prepare(profile: Profile, source: Path | None, options: dict | None = None) -> PreparedData:
    """Load the profile's data set and draw its subsets."""
    dataset = data.load(profile.data, source, **(options or {}))
    return PreparedData(
        dataset,
        subset(dataset.train, profile.n_train, profile.subset_seed),
        subset(dataset.test, profile.n_test, profile.subset_seed),
    )


GroupFn = Callable[[PreparedData], dict[str, np.ndarray]]


def no_groups(prepared: PreparedData) -> dict[str, np.ndarray]:
    return {}


def class_groups(prepared: PreparedData) -> dict[str, np.ndarray]:
    """One group per class: ``class:<name>``."""
    return {
        f"class:{name}": prepared.test.y == label
        for label, name in enumerate(prepared.dataset.classes)
    }


#: Image groups each task breaks its results down by (besides ``all``).
GROUPS: dict[Task, GroupFn] = {Task.MNIST: no_groups}


def model_specs(profile: Profile, seeds: tuple[int, ...] | None) -> list[ModelSpec]:
    """Every (family, augmentation, seed) the profile trains."""
    return [
        ModelSpec(family, augmentation, seed)
        for seed in (seeds or profile.seeds)
        for family in profile.families
        for augmentation in profile.augmentations
    ]


def _probe(store: ResultStore, model: keras.Model, record: TrainRecord, profile: Profile,
           prepared: PreparedData) -> None:
    """The MNIST mean-"1" demonstration, once per model."""
    if profile.task != Task.MNIST or store.probed(record.key, probes.MEAN_ONE):
        return
    points = probes.mean_digit_shift(
        model, prepared.test, 1, profile.magnitudes(TransformName.SHIFT_X), profile.fill
    )
    store.append_probes(
        {"probe": probes.MEAN_ONE, "model_key": record.key, "family": record.family,
         "augmentation": record.augmentation, "seed": record.seed, **point}
        for point in points
    )


def run_task(
    profile: Profile,
    results_dir: Path,
    source: Path | None = None,
    seeds: tuple[int, ...] | None = None,
    options: dict | None = None,
    verbose: int = 2,
) -> Path:
    """Train and sweep every model of ``profile``; returns the run's result folder.

    Finished cells are stored as they complete; a rerun skips them and reuses
    cached models, so an interrupted run continues where it stopped.
    """
    prepared = prepare(profile, source, options)
    n_classes = len(prepared.dataset.classes)
    groups = GROUPS[profile.task](prepared)
    folder = Path(results_dir) / profile.task.value / profile.name.value
    specs = model_specs(profile, seeds)
    n_cells = len(sweep.cells(profile.grid))
    with ResultStore(folder) as store:
        store.write_dataset(prepared.describe(profile))
        for number, spec in enumerate(specs, start=1):
            log.info("model %d/%d: %s %s", number, len(specs), profile.task.value, spec.label)
            model, record, cached = fit(
                spec, prepared.train, n_classes, profile, cache_dir() / "models", verbose
            )
            log.info("%s %s (%.1f s training)", spec.label,
                     "loaded from cache" if cached else "trained", record.train_seconds)
            store.append_model(record)
            tag = sweep.ModelTag(
                task=profile.task.value, data=profile.data.value, profile=profile.name.value,
                family=spec.family.value, augmentation=spec.augmentation.value,
                seed=spec.seed, model_key=record.key,
            )
            done = store.done_cells(record.key)
            bar = tqdm(total=n_cells, initial=len(done), desc=f"sweep {spec.label}", unit="cell",
                       disable=verbose == 0)
            for rows in sweep.run(model, tag, prepared.test, profile.grid, profile.fill,
                                  groups, skip=done):
                store.append_rows(rows)
                bar.update(1)
            bar.close()
            _probe(store, model, record, profile, prepared)
            keras.backend.clear_session()
    return folder
