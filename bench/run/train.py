"""Seeded, deterministic training with a content-addressed model cache.

Training is deterministic for a given seed, data, library versions and machine: TensorFlow
op determinism is on, the shuffle is seeded, the augmentation layers (seeded) run
sequentially in the tf.data input pipeline, so their random draws come in a fixed order,
and unseeded layers draw their seeds from a generator no other thread touches
(``bench.run.seeding``).
(``bench.run.portable`` trains the same models without TensorFlow, e.g. on a GPU host.)

The cache key is a sha256 over everything that determines the trained weights:
the model architecture (Keras config), training settings, augmentation policy and
ranges, the training data checksum, the seed, the library versions and the trainer. A
model whose key is in the cache is loaded instead of trained.

A training killed mid-way resumes from its last finished epoch (``bench.run.resume``
writes a checkpoint per epoch under ``<key>.partial/``) and ends with the same weights
as one trained in one go: the checkpoint restores the weights, the optimizer's state and
the model's seed generators (Dropout's), and the input pipeline is run through the
finished epochs without training, which advances its shuffle order and its augmentation
layers' seeds as those epochs did.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import keras
import numpy as np
from filelock import FileLock

from bench import machine
from bench.catalog import FAMILIES, POLICIES
from bench.catalog.policies import LayerContext
from bench.config import Profile
from bench.data.types import Split, checksum
from bench.os_faults import replaced_atomically
from bench.run import resume, seeding
from bench.run.epoch_bar import EpochBar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSpec:
    """Which model to train: family, augmentation policy and seed."""

    family: str
    augmentation: str
    seed: int

    @property
    def label(self) -> str:
        """Readable id, e.g. ``cnn-shift-s0``."""
        return f"{self.family}-{self.augmentation}-s{self.seed}"


@dataclass(frozen=True)
class TrainRecord:
    """What a training run did: sizes, settings, time (seconds) and per-epoch history.
    resumed_at_epochs: the finished epochs a killed training resumed after (empty for one
    trained in one go); train_seconds and history then cover every epoch. forward_passes:
    the network's forward passes per test image (a test-time defence's cost; 1 without)."""

    key: str
    task: str
    data: str
    family: str
    augmentation: str
    augmentation_ranges: str
    seed: int
    epochs: int
    batch_size: int
    learning_rate: float
    n_train: int
    data_checksum: str
    params: int
    train_seconds: float
    history: dict[str, list[float]] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)
    trainer: str = "tf.data"
    resumed_at_epochs: list[int] = field(default_factory=list)
    forward_passes: int = 1


#: Names the training procedure in the cache key; bump it when training changes in a way
#: the other key parts do not capture. 2: op determinism and a sequential augmentation map.
PIPELINE = 2
#: The trainer of ``fit``: a TensorFlow tf.data input pipeline.
TRAINER = "tf.data"


def library_versions() -> dict[str, str]:
    """Versions that can change trained weights or timings (Keras' backend included)."""
    backend = keras.backend.backend()
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend)
    return {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "numpy": np.__version__,
        backend: __import__(module).__version__ if module else "unknown",
    }


def compile_model(model: keras.Model, n_classes: int, learning_rate: float) -> None:
    """Adam at ``learning_rate``; cross-entropy for the head (binary for one sigmoid unit)."""
    loss = "binary_crossentropy" if n_classes == 2 else "sparse_categorical_crossentropy"
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=loss,
        metrics=["accuracy"],
    )


def policy_layers(spec: ModelSpec, profile: Profile, image_size: tuple[int, int]) -> list:
    """The random layers of the model's policy for images of ``image_size`` (H, W)."""
    context = LayerContext(*image_size, fill=profile.fill, seed=spec.seed)
    return POLICIES[spec.augmentation].layers(profile.augment, context)


def build_augmenter(spec: ModelSpec, profile: Profile, image_size: tuple[int, int]):
    """The random layers of the model's policy for images of ``image_size`` (H, W), as a
    keras.Sequential run in the input pipeline, or None for a policy without layers or a
    worst-of-k policy (whose training step draws through its layers: :func:`robust_step`)."""
    if POLICIES[spec.augmentation].worst_of is not None:
        return None
    stack = policy_layers(spec, profile, image_size)
    return keras.Sequential(stack, name=f"augment_{spec.augmentation}") if stack else None


def robust_step(model: keras.Model, spec: ModelSpec, profile: Profile,
                image_size: tuple[int, int]) -> None:
    """For a worst-of-k policy, bind its training step to the compiled ``model``
    (``bench.run.worst_of_k``: k from the profile's ranges, draws seeded by the model's
    seed); nothing for an ordinary policy."""
    worst_of = POLICIES[spec.augmentation].worst_of
    if worst_of is not None:
        from bench.run import worst_of_k

        worst_of_k.install(model, policy_layers(spec, profile, image_size),
                           worst_of(profile.augment), spec.seed)


def _pipeline(train: Split, n_classes: int, spec: ModelSpec, profile: Profile):
    """Shuffled, batched, augmented (inside the graph), prefetched training batches
    (a tf.data.Dataset)."""
    import tensorflow as tf

    augmenter = build_augmenter(spec, profile, train.x.shape[1:3])
    labels = train.y.astype(np.float32) if n_classes == 2 else train.y  # sigmoid head
    data = tf.data.Dataset.from_tensor_slices((train.x, labels))
    data = data.shuffle(len(train.x), seed=spec.seed, reshuffle_each_iteration=True)
    data = data.batch(profile.train.batch_size)
    data = data.map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, y),
                    num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if augmenter is not None:
        # sequential: the layers' seed generators advance in batch order, run after run
        data = data.map(lambda x, y: (augmenter(x, training=True), y))
    return data.prefetch(tf.data.AUTOTUNE)


def _without_names(config: object) -> object:
    """A Keras config without layer and model names (Keras numbers them per session).

    Only the ``name`` of a layer or model config (one that has ``trainable``) goes;
    other names, such as a dtype policy's ``float32``, stay in the key.
    """
    if isinstance(config, dict):
        is_layer = "trainable" in config
        return {k: _without_names(v) for k, v in config.items()
                if not (is_layer and k == "name")}
    if isinstance(config, list):
        return [_without_names(v) for v in config]
    return config


def cache_key(model: keras.Model, spec: ModelSpec, profile: Profile, data_checksum: str,
              trainer: str = TRAINER) -> str:
    """sha256 (hex, 20 chars) of everything that determines the trained weights."""
    content = {
        "architecture": _without_names(model.get_config()),
        "train": asdict(profile.train),
        "augmentation": spec.augmentation,
        "ranges": POLICIES[spec.augmentation].describe(profile.augment),
        "fill": profile.fill.value,
        "data": data_checksum,
        "seed": spec.seed,
        "versions": library_versions(),
        "pipeline": PIPELINE,
        **({} if trainer == TRAINER else {"trainer": trainer}),
    }
    blob = json.dumps(content, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


def fresh_model(spec: ModelSpec, train: Split, n_classes: int, profile: Profile,
                trainer: str = TRAINER):
    """The untrained model of ``spec`` (seeded), its cache key and the data checksum.
    On TensorFlow, op determinism is switched on."""
    keras.backend.clear_session()  # fresh layer names and graph for every model
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    with seeding.seeded(spec.seed):  # no other thread can move the seeds of unseeded layers
        model = FAMILIES[spec.family].build(profile.task, tuple(train.x.shape[1:]), n_classes)
    data_sum = checksum(train.x, train.y)
    return model, cache_key(model, spec, profile, data_sum, trainer), data_sum


def model_key(spec: ModelSpec, train: Split, n_classes: int, profile: Profile) -> str:
    """The cache key ``fit`` gives this model, without training or loading it."""
    return fresh_model(spec, train, n_classes, profile)[1]


def fit(
    spec: ModelSpec,
    train: Split,
    n_classes: int,
    profile: Profile,
    cache: Path,
    verbose: int = 2,
) -> tuple[keras.Model, TrainRecord, bool]:
    """Train (or load from ``cache``) one model, with an epoch bar unless ``verbose`` is 0.
    Returns (model, record, came_from_cache)."""
    if POLICIES[spec.augmentation].defended is not None:
        return fit_defended(spec, train, n_classes, profile, cache, verbose)
    model, key, data_sum = fresh_model(spec, train, n_classes, profile)
    cache.mkdir(parents=True, exist_ok=True)
    model_path, record_path = cache / f"{key}.keras", cache / f"{key}.json"
    partial = cache / f"{key}.partial"
    with FileLock(str(cache / f"{key}.lock")):
        if model_path.is_file() and record_path.is_file():
            cached = load_cached(model_path, record_path, key)
            if cached is not None:
                return (*cached, True)
        compile_model(model, n_classes, profile.train.learning_rate)
        try:
            progress = resume.restore(partial, model, profile.train.epochs)
        except resume.CheckpointError as error:
            log.warning("%s; training %s from epoch 0", error, spec.label)
            resume.discard(partial)
            model = fresh_model(spec, train, n_classes, profile)[0]
            compile_model(model, n_classes, profile.train.learning_rate)
            progress = resume.Progress()
        robust_step(model, spec, profile, train.x.shape[1:3])
        started = time.perf_counter()
        data = _pipeline(train, n_classes, spec, profile)
        if progress.epochs:
            log.info("%s: resuming after epoch %d of %d from %s", spec.label,
                     progress.epochs, profile.train.epochs, partial)
            progress.resumed_at_epochs.append(progress.epochs)
            resume.fast_forward(data, progress.epochs)
        callbacks = [resume.EpochCheckpoint(partial, progress, started, profile.train.epochs)]
        if verbose:
            callbacks.append(EpochBar(spec.label, profile.train.epochs, progress.epochs))
        model.fit(
            data,
            epochs=profile.train.epochs,
            initial_epoch=progress.epochs,
            verbose=0,  # EpochBar shows the epochs
            shuffle=False,  # the pipeline shuffles, seeded
            callbacks=callbacks,
        )
        record = make_record(key, spec, profile, model, train, data_sum,
                             progress.seconds, progress.history, TRAINER,
                             progress.resumed_at_epochs)
        save_atomically(model, record, model_path, record_path)
        resume.discard(partial)
    return model, record, False


def fit_defended(spec: ModelSpec, train: Split, n_classes: int, profile: Profile, cache: Path,
                 verbose: int = 2):
    """A defended variant (``none+tta``): the base policy's model, trained or loaded by
    :func:`fit`, wrapped in its test-time defence (``bench.run.defences.DefendedModel``).
    Its record is the base model's with the variant's own key (``cache_key`` of the variant,
    so its rows never mix with the base model's), augmentation, words and forward passes.
    Returns (defended model, record, came_from_cache)."""
    from bench.run.defences import DefendedModel

    base, defence = POLICIES[spec.augmentation].defended
    key = fresh_model(spec, train, n_classes, profile)[1]
    model, record, cached = fit(ModelSpec(spec.family, base, spec.seed), train, n_classes,
                                profile, cache, verbose)
    defended = DefendedModel(model, defence, profile.augment, profile.fill)
    record = replace(record, key=key, augmentation=spec.augmentation,
                     augmentation_ranges=POLICIES[spec.augmentation].describe(profile.augment),
                     forward_passes=defended.forward_passes)
    return defended, record, cached


#: Where damaged cache entries are moved, inside the model cache.
DAMAGED = "damaged"


def load_cached(model_path: Path, record_path: Path,
                key: str) -> tuple[keras.Model, TrainRecord] | None:
    """The cached (model, record) of ``key``; None, with a warning naming the file, after
    moving a damaged pair (a cut ``.keras``, a record of bad JSON, of unknown fields or of
    another key) aside to ``damaged/``, so the caller trains the model again."""
    try:
        data = json.loads(record_path.read_text())
        record = TrainRecord(**data)
        if record.key != key:
            raise ValueError(f"the record is of model {record.key}")
        for name in ("train_seconds", "params", "epochs", "n_train"):
            value = getattr(record, name, 0)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"its {name} is {value!r}, not a number")
    except (ValueError, TypeError) as error:  # bad JSON or bytes, unknown fields, not a dict
        set_aside(model_path, record_path, record_path, error)
        return None
    digest = digest_path(model_path)
    if digest.is_file() and digest.read_text().strip() != file_digest(model_path):
        set_aside(model_path, record_path, model_path, ValueError(
            "its bytes are not those saved for this record (another file put in its place)"))
        digest.unlink(missing_ok=True)
        return None
    try:
        model = keras.models.load_model(model_path, compile=False)
    except Exception as error:  # noqa: BLE001 - Keras raises many types for a damaged file
        set_aside(model_path, record_path, model_path, error)
        return None
    return model, record


def digest_path(model_path: Path) -> Path:
    """``<key>.keras.sha256``: the SHA-256 of a cached model file as it was saved."""
    return model_path.with_name(model_path.name + ".sha256")


def file_digest(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def set_aside(model_path: Path, record_path: Path, damaged: Path, error: Exception) -> None:
    """Move a cache entry (model and record) to ``damaged/<time>-<name>``, with a warning
    naming the ``damaged`` file and what is wrong with it."""
    folder = model_path.parent / DAMAGED
    folder.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    moved = []
    for path in (model_path, record_path):
        target = folder / f"{stamp}-{os.getpid()}-{path.name}"
        os.replace(path, target)
        moved.append(target)
    reason = f"{type(error).__name__}: {error}".splitlines()[0][:200]
    log.warning("%s: damaged model cache entry (%s); moved aside to %s; the model is trained "
                "again", damaged, reason, " and ".join(str(path) for path in moved))


def make_record(key: str, spec: ModelSpec, profile: Profile, model: keras.Model, train: Split,
                data_sum: str, seconds: float, history: dict, trainer: str,
                resumed_at_epochs: list[int] | None = None) -> TrainRecord:
    """The TrainRecord of a model just trained in this process (its environment included)."""
    return TrainRecord(
        key=key,
        task=profile.task,
        data=profile.data,
        family=spec.family,
        augmentation=spec.augmentation,
        augmentation_ranges=POLICIES[spec.augmentation].describe(profile.augment),
        seed=spec.seed,
        epochs=profile.train.epochs,
        batch_size=profile.train.batch_size,
        learning_rate=profile.train.learning_rate,
        n_train=len(train.x),
        data_checksum=data_sum,
        params=model.count_params(),
        train_seconds=round(seconds, 3),
        history={name: [float(v) for v in values] for name, values in history.items()},
        versions=library_versions(),
        environment=machine.environment(),
        trainer=trainer,
        resumed_at_epochs=list(resumed_at_epochs or []),
    )


def save_atomically(
    model: keras.Model, record: TrainRecord, model_path: Path, record_path: Path
) -> None:
    """Write model then record via temporary names, so a crash never leaves half a pair
    (nor a temporary file: a full disk or Ctrl-C removes it)."""
    with replaced_atomically(model_path) as tmp_model:
        model.save(tmp_model)
    with replaced_atomically(digest_path(model_path)) as tmp_digest:
        tmp_digest.write_text(file_digest(model_path) + "\n")
    with replaced_atomically(record_path) as tmp_record:
        tmp_record.write_text(json.dumps(asdict(record), indent=1))
