"""Run one task under one profile: load, train (cached), sweep, store, resumable.

This is the glue between the pure steps; the CLI and the pytest suites call it. The
data, the model cache and the result store are arguments, so tests build their own.
Progress (models, epochs, sweep cells) is shown with tqdm bars.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
from tqdm.auto import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from bench import machine
from bench.catalog import DATASETS, TASKS
from bench.catalog.grids import describe as describe_grid
from bench.catalog.profiles import run_folder, run_name
from bench.config import Profile
from bench.data.paths import cache_dir
from bench.data.types import Dataset, Split, checksum
from bench.results.loading import SKIPPED
from bench.results.protocol import Store
from bench.results.run_info import run_info
from bench.results.schema import ModelTag, Row
from bench.results.store import ResultStore
from bench.run import probes, sweep
from bench.run.imported import find_trained, load_trained
from bench.run.train import ModelSpec, TrainRecord, fit, model_key

log = logging.getLogger(__name__)


@dataclass
class PreparedData:
    """The data a run trains and evaluates on, after the profile's subsetting."""

    dataset: Dataset
    train: Split
    test: Split

    @functools.cached_property
    def data_checksum(self) -> str:
        """Checksum of the training images and labels used (as model records store it)."""
        return checksum(self.train.x, self.train.y)

    @classmethod
    def from_dataset(cls, dataset: Dataset, profile: Profile) -> PreparedData:
        """The profile's stratified train and test subsets of ``dataset``."""
        return cls(
            dataset,
            dataset.train.subset(profile.n_train, profile.subset_seed),
            dataset.test.subset(profile.n_test, profile.subset_seed),
        )

    def describe(self, profile: Profile) -> dict:
        """Provenance plus the subsetting, as stored in dataset.json."""
        info = asdict(self.dataset.provenance)
        info.update(
            name=self.dataset.name,
            classes=list(self.dataset.classes),
            image_shape=list(self.dataset.image_shape),
            n_train_used=len(self.train.y),
            n_test_used=len(self.test.y),
            train_checksum=checksum(self.train.x, self.train.y),
            augment=asdict(profile.augment),
            grid=describe_grid(profile.grid),
            subset=(
                f"stratified subsets of {profile.n_train or 'all'} train / "
                f"{profile.n_test or 'all'} test images, seed {profile.subset_seed}"
            ),
        )
        return info


def prepare(profile: Profile, source: Path | None) -> PreparedData:
    """Load the profile's data set (with its loader options) and draw its subsets."""
    dataset = DATASETS[profile.data].load(source, **dict(profile.data_options))
    return PreparedData.from_dataset(dataset, profile)


def model_specs(profile: Profile, seeds: tuple[int, ...] | None) -> list[ModelSpec]:
    """Every (family, augmentation, seed) the profile trains."""
    return [
        ModelSpec(family, augmentation, seed)
        for seed in (seeds or profile.seeds)
        for family, augmentation in profile.pairs()
    ]


@dataclass
class _Loaded:
    """The model currently in memory, with its record and clean-test reference."""

    spec: ModelSpec
    model: keras.Model
    record: TrainRecord
    tag: ModelTag
    clean: sweep.CleanReference


class TaskRun:
    """One task under one profile, with its store open: models on demand, cells on demand.

    Use as a context manager. ``rows(spec, transform, magnitude)`` returns the stored
    rows of a cell, computing and storing them first if needed; models are trained or
    loaded from ``model_cache`` when first needed, one in memory at a time.
    """

    def __init__(self, profile: Profile, prepared: PreparedData, store: Store,
                 model_cache: Path, verbose: int = 2, trained: Path | None = None) -> None:
        self.profile = profile
        self.verbose = verbose
        self.prepared = prepared
        self.model_cache = Path(model_cache)
        self.trained = trained
        task = TASKS[profile.task]
        self.masks = sweep.group_masks(prepared.test,
                                       task.groups(prepared.test, prepared.dataset.classes))
        self.store = store
        self.folder = store.folder
        self.environment = machine.environment()
        self._keys: dict[ModelSpec, str] = {}
        self._loaded: _Loaded | None = None
        self._described = False
        self._cell_index = {cell: i for i, cell in enumerate(sweep.cells(profile.grid))}

    def __enter__(self) -> TaskRun:
        self.store.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.store.__exit__(*exc_info)

    def load(self, spec: ModelSpec) -> _Loaded:
        """Train or load ``spec`` (kept in memory until another model is asked for)."""
        if self._loaded is not None and self._loaded.spec == spec:
            return self._loaded
        self._loaded = None
        n_classes = len(self.prepared.dataset.classes)
        if self.trained is not None:
            path, record = self._imported(spec)
            model, cached = load_trained(path), True
        else:
            model, record, cached = fit(spec, self.prepared.train, n_classes, self.profile,
                                        self.model_cache, self.verbose)
        log.info("%s %s (%.1f s training)", spec.label,
                 "loaded from cache" if cached else "trained", record.train_seconds)
        self.store.record_model(record, self.environment, trained_now=not cached)
        self.describe_data()
        tag = ModelTag(
            task=self.profile.task, data=self.profile.data,
            profile=self.profile.name.value, family=spec.family,
            augmentation=spec.augmentation, seed=spec.seed, model_key=record.key,
        )
        clean = sweep.CleanReference(sweep.predict_proba(model, self.prepared.test.x))
        self._loaded = _Loaded(spec, model, record, tag, clean)
        return self._loaded

    def rows(self, spec: ModelSpec, transform: str, magnitude: float) -> list[Row]:
        """The rows of one cell for one model: stored ones, else computed and stored."""
        loaded = self.load(spec)
        return sweep.cell_rows(self.store, loaded.model, loaded.tag, self.prepared.test,
                               loaded.clean, (transform, magnitude),
                               self._cell_index[(transform, magnitude)], self.profile.fill,
                               self.masks)

    def _imported(self, spec: ModelSpec) -> tuple[Path, TrainRecord]:
        """The model trained elsewhere for ``spec``, from the ``trained`` folder."""
        return find_trained(self.trained, spec, self.profile, self.prepared.data_checksum)

    def key(self, spec: ModelSpec) -> str:
        """The model's cache key (computed without training it)."""
        if spec not in self._keys:
            n_classes = len(self.prepared.dataset.classes)
            self._keys[spec] = (self._imported(spec)[1].key if self.trained is not None
                                else model_key(spec, self.prepared.train, n_classes,
                                               self.profile))
        return self._keys[spec]

    def complete(self, spec: ModelSpec) -> bool:
        """Whether every cell and probe of the model is stored (its model record too), so
        neither training nor loading is needed: a resumed run skips it."""
        key = self.key(spec)
        done = self.store.done_cells(key, len(self.masks))
        return (self.store.has_model(key) and all(cell in done for cell in self._cell_index)
                and all(self.store.probes_of(key, name)
                        for name in probes.probe_names(self.profile, spec.augmentation)))

    def describe_data(self) -> None:
        """Write dataset.json and run.json once a model of this data is stored, so a run that
        fails or is stopped before never leaves them naming data no stored model was trained
        on."""
        if not self._described:
            self.store.write_dataset(self.prepared.describe(self.profile))
            self.store.write_run_info(run_info(self.profile.task, run_name(self.profile),
                                               self.profile.name.value))
            self._described = True

    def sweep(self, spec: ModelSpec) -> None:
        """Every cell of the grid for one model, with a progress bar."""
        if self.complete(spec):
            self.describe_data()
            log.info("%s: every cell already stored in %s", spec.label, self.folder)
            return
        key = self.load(spec).record.key
        done = self.store.done_cells(key, len(self.masks))
        todo = [cell for cell in self._cell_index if cell not in done]
        for transform, magnitude in tqdm(todo, desc=f"sweep {spec.label}", unit="cell",
                                         position=1, leave=False,
                                         disable=self.verbose == 0):
            self.rows(spec, transform, magnitude)

    def probe(self, spec: ModelSpec) -> dict[str, list[dict]]:
        """The task's probes for one model (name -> records), each stored once per model; a
        probe the data cannot support is stored as one record saying why it was skipped."""
        found = {}
        for name in probes.probe_names(self.profile, spec.augmentation):
            stored = self.store.probes_of(self.key(spec), name)
            if not stored:
                loaded = self.load(spec)
                try:
                    points = probes.PROBES[name](loaded.model, self.prepared, self.profile)
                except probes.ProbeNotApplicable as error:
                    log.warning("%s: probe %s skipped: %s", spec.label, name, error)
                    points = [{SKIPPED: str(error)}]
                stored = [
                    {"probe": name, "model_key": loaded.record.key, "family": spec.family,
                     "augmentation": spec.augmentation, "seed": spec.seed, **point}
                    for point in points
                ]
                self.store.append_probes(stored)
            found[name] = stored
        return found


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Collect garbage once, then keep the objects alive now (TensorFlow's and Keras's
    modules, about 400,000) out of every later collection until the block ends.

    Keras' ``clear_session``, run before each model is built (twice per model), forces a
    full collection that otherwise walks them all: about 0.5 s a call on 2 busy cores, near
    0 once they are frozen. Nothing computed changes; only cycles among the frozen objects
    wait until the block ends to be collected."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def open_run(profile: Profile, results_dir: Path, source: Path | None = None,
             prepared: PreparedData | None = None, model_cache: Path | None = None,
             verbose: int = 2, trained: Path | None = None,
             extend: Path | None = None) -> TaskRun:
    """A TaskRun of ``profile`` storing under ``results_dir``: data loaded from ``source``
    unless ``prepared`` is given, models cached in ``model_cache`` (default: the bench
    cache's ``models`` folder), or taken from ``trained`` (models trained elsewhere). With
    ``extend`` (a published run folder), the run starts from that reference's models
    (:mod:`bench.run.extend`)."""
    run = TaskRun(
        profile,
        prepared if prepared is not None else prepare(profile, source),
        ResultStore(run_folder(profile, results_dir)),
        model_cache if model_cache is not None else cache_dir() / "models",
        verbose,
        trained,
    )
    if extend is not None:
        from bench.run.extend import copy_reference

        copy_reference(run, extend)
    return run


def run_task(profile: Profile, results_dir: Path, source: Path | None = None,
             seeds: tuple[int, ...] | None = None, verbose: int = 2,
             prepared: PreparedData | None = None, model_cache: Path | None = None,
             trained: Path | None = None, extend: Path | None = None) -> Path:
    """Train and sweep every model of ``profile`` (starting from the published run folder
    ``extend``'s models, if given); returns the run's result folder.

    Finished cells are stored as they complete; a rerun skips them and reuses
    cached models, so an interrupted run continues where it stopped.
    """
    specs = model_specs(profile, seeds)
    for name, transform in probes.unswept_probes(profile).items():
        log.warning("probe %s skipped: it needs %s, which this run does not sweep (add it to "
                    "--transforms to get it)", name, transform)
    with frozen_heap(), open_run(profile, results_dir, source, prepared, model_cache, verbose,
                                 trained, extend) as run:
        done = sum(run.complete(spec) for spec in specs)
        # smoothing=0: the time left is estimated from the mean time of the models computed
        # in this process (models already stored count as done, not in the rate)
        overall = tqdm(total=len(specs), initial=done, desc=f"{profile.task} models",
                       unit="model", smoothing=0, position=0, disable=verbose == 0)
        with overall, logging_redirect_tqdm():
            for number, spec in enumerate(specs, start=1):
                log.info("model %d/%d: %s %s", number, len(specs), profile.task, spec.label)
                complete = run.complete(spec)
                run.sweep(spec)
                run.probe(spec)
                if not complete:
                    overall.update()
    return run.folder
