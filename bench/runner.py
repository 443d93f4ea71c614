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
from bench.profiles import get_profile
from bench.results import ResultStore
from bench.sweep import Row
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
            augment=asdict(profile.augment),
            subset=(
                f"stratified subsets of {profile.n_train or 'all'} train / "
                f"{profile.n_test or 'all'} test images, seed {profile.subset_seed}"
            ),
        )
        return info


def prepare(profile: Profile, source: Path | None) -> PreparedData:
    """Load the profile's data set (with its loader options) and draw its subsets."""
    dataset = data.load(profile.data, source, **dict(profile.data_options))
    return PreparedData(
        dataset,
        subset(dataset.train, profile.n_train, profile.subset_seed),
        subset(dataset.test, profile.n_test, profile.subset_seed),
    )


GroupFn = Callable[[PreparedData], dict[str, np.ndarray]]


def no_groups(prepared: PreparedData) -> dict[str, np.ndarray]:
    """No breakdown beyond ``all``."""
    return {}


def class_groups(prepared: PreparedData) -> dict[str, np.ndarray]:
    """One group per class: ``class:<name>``."""
    return {
        f"class:{name}": prepared.test.y == label
        for label, name in enumerate(prepared.dataset.classes)
    }


AGE_BANDS = (("age:<13", 0, 13), ("age:13-59", 13, 60), ("age:60+", 60, 1_000))


def face_groups(prepared: PreparedData) -> dict[str, np.ndarray]:
    """Age bands (under 13, 13-59, 60 and over) and race, where the data records them."""
    meta = prepared.test.meta
    groups: dict[str, np.ndarray] = {}
    if meta is None:
        return groups
    if "age" in meta:
        age = meta["age"].astype("float64").to_numpy()  # missing ages become NaN
        for name, low, high in AGE_BANDS:
            groups[name] = (age >= low) & (age < high)
    if "race" in meta:
        race = meta["race"].astype("string")
        for value in sorted(race.dropna().unique()):
            groups[f"race:{value}"] = (race == value).fillna(False).to_numpy(dtype=bool)
    return groups


#: Image groups each task breaks its results down by (besides ``all``).
GROUPS: dict[Task, GroupFn] = {
    Task.MNIST: no_groups,
    Task.GENDER: face_groups,
    Task.CIFAR10: class_groups,
}


def run_name(profile: Profile) -> str:
    """The result folder of a run: the profile's name, plus the data set when it is not the
    profile's own (so runs on different data never mix)."""
    name = profile.name.value
    own = get_profile(profile.task, profile.name).data
    return name if profile.data == own else f"{name}-{profile.data.value}"


def model_specs(profile: Profile, seeds: tuple[int, ...] | None) -> list[ModelSpec]:
    """Every (family, augmentation, seed) the profile trains."""
    return [
        ModelSpec(family, augmentation, seed)
        for seed in (seeds or profile.seeds)
        for family in profile.families
        for augmentation in profile.augmentations
    ]


@dataclass
class _Loaded:
    """The model currently in memory, with its record and clean-test reference."""

    spec: ModelSpec
    model: keras.Model
    record: TrainRecord
    tag: sweep.ModelTag
    clean: sweep.CleanReference


class TaskRun:
    """One task under one profile, with its store open: models on demand, cells on demand.

    Use as a context manager. ``rows(spec, transform, magnitude)`` returns the stored
    rows of a cell, computing and storing them first if needed; models are trained or
    loaded from the cache when first needed, one in memory at a time.
    """

    def __init__(self, profile: Profile, results_dir: Path, source: Path | None = None,
                 verbose: int = 2) -> None:
        self.profile = profile
        self.verbose = verbose
        self.prepared = prepare(profile, source)
        self.masks = sweep.group_masks(self.prepared.test, GROUPS[profile.task](self.prepared))
        self.folder = Path(results_dir) / profile.task.value / run_name(profile)
        self.store = ResultStore(self.folder)
        self._loaded: _Loaded | None = None
        self._cell_index = {cell: i for i, cell in enumerate(sweep.cells(profile.grid))}

    def __enter__(self) -> TaskRun:
        self.store.__enter__()
        self.store.write_dataset(self.prepared.describe(self.profile))
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.store.__exit__(*exc_info)

    def load(self, spec: ModelSpec) -> _Loaded:
        """Train or load ``spec`` (kept in memory until another model is asked for)."""
        if self._loaded is not None and self._loaded.spec == spec:
            return self._loaded
        self._loaded = None
        n_classes = len(self.prepared.dataset.classes)
        model, record, cached = fit(spec, self.prepared.train, n_classes, self.profile,
                                    cache_dir() / "models", self.verbose)
        log.info("%s %s (%.1f s training)", spec.label,
                 "loaded from cache" if cached else "trained", record.train_seconds)
        self.store.append_model(record)
        tag = sweep.ModelTag(
            task=self.profile.task.value, data=self.profile.data.value,
            profile=self.profile.name.value, family=spec.family.value,
            augmentation=spec.augmentation.value, seed=spec.seed, model_key=record.key,
        )
        clean = sweep.CleanReference(sweep.predict_proba(model, self.prepared.test.x))
        self._loaded = _Loaded(spec, model, record, tag, clean)
        return self._loaded

    def rows(self, spec: ModelSpec, transform: TransformName, magnitude: float) -> list[Row]:
        """The rows of one cell for one model: stored ones, else computed and stored."""
        loaded = self.load(spec)
        stored = self.store.rows_of(loaded.record.key, transform.value, magnitude)
        if len(stored) == len(self.masks):
            return stored  # a cell cut short by a crash (fewer groups) is computed again
        index = self._cell_index[(transform, magnitude)]
        rows = sweep.evaluate_cell(
            loaded.model, loaded.tag, self.prepared.test, loaded.clean, transform, magnitude,
            self.profile.fill, self.masks, np.random.default_rng([spec.seed, index]),
        )
        self.store.append_rows(rows)
        return rows

    def sweep(self, spec: ModelSpec) -> None:
        """Every cell of the grid for one model, with a progress bar."""
        key = self.load(spec).record.key
        done = self.store.done_cells(key, len(self.masks))
        todo = [cell for cell in self._cell_index if (cell[0].value, cell[1]) not in done]
        for transform, magnitude in tqdm(todo, desc=f"sweep {spec.label}", unit="cell",
                                         disable=self.verbose == 0):
            self.rows(spec, transform, magnitude)

    def probe(self, spec: ModelSpec) -> list[dict]:
        """The MNIST mean-"1" demonstration, stored once per model ([] for other tasks)."""
        if self.profile.task != Task.MNIST:
            return []
        loaded = self.load(spec)
        stored = self.store.probes_of(loaded.record.key, probes.MEAN_ONE)
        if stored:
            return stored
        points = [
            {"probe": probes.MEAN_ONE, "model_key": loaded.record.key,
             "family": spec.family.value, "augmentation": spec.augmentation.value,
             "seed": spec.seed, **point}
            for point in probes.mean_digit_shift(
                loaded.model, self.prepared.test, 1,
                self.profile.magnitudes(TransformName.SHIFT_X), self.profile.fill)
        ]
        self.store.append_probes(points)
        return points


def run_task(
    profile: Profile,
    results_dir: Path,
    source: Path | None = None,
    seeds: tuple[int, ...] | None = None,
    verbose: int = 2,
) -> Path:
    """Train and sweep every model of ``profile``; returns the run's result folder.

    Finished cells are stored as they complete; a rerun skips them and reuses
    cached models, so an interrupted run continues where it stopped.
    """
    specs = model_specs(profile, seeds)
    with TaskRun(profile, results_dir, source, verbose) as run:
        for number, spec in enumerate(specs, start=1):
            log.info("model %d/%d: %s %s", number, len(specs), profile.task.value, spec.label)
            run.sweep(spec)
            run.probe(spec)
    return run.folder
