"""Sweep a user's model over the profile's grid into a run folder of the stored-row schema.

The cells are computed by ``bench.run.sweep.evaluate_cell``, the code ``bench run`` uses,
with the same per-cell bootstrap seeding (``default_rng([seed, cell index])``), so a model
that ``bench run`` trained gives its published rows again here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from bench import machine
from bench.catalog import TASKS
from bench.config import Profile
from bench.evaluate import grids, layers, worst
from bench.evaluate.contract import ContractModel, InputContract, ModelError
from bench.evaluate.function_source import outputs_sha256, probe_images
from bench.evaluate.loaded import KIND_PYTHON, LoadedModel
from bench.evaluate.sanity import CleanCheck, SanityStop, other_range, range_problem, stop_message
from bench.evaluate.testdata import TestData
from bench.results.schema import ModelTag, Row, unpack_bits
from bench.results.store import ResultStore
from bench.run import sweep
from bench.run.train import library_versions

log = logging.getLogger(__name__)

#: The family and augmentation of a user's model in stored rows (no catalog family).
USER_FAMILY, BASELINE_FAMILY, UNKNOWN_AUGMENTATION = "user", "baseline", "unknown"


@dataclass(frozen=True)
class EvalModelRecord:
    """models.jsonl record of an evaluated model: what it is (file SHA-256, kind, input
    shape, parameters; for a function also the hashes of the files it names and of its
    outputs on the probe batch), how it was fed (input range, outputs and how they were
    decided, repeated channels, notes such as a channel-first transpose), the grid swept and
    the environment. ``key`` names its rows file; ``seed`` seeds the per-cell bootstrap (and
    is the training seed where known)."""

    key: str
    task: str
    data: str
    family: str
    augmentation: str
    seed: int
    source: str
    kind: str
    sha256: str
    input_range: str
    outputs: str
    input_shape: list | None
    params: int | None
    grid: str
    clean_accuracy: float
    warnings: list[str] = field(default_factory=list)
    outputs_detection: str = ""
    repeat_channels: bool = False
    notes: list[str] = field(default_factory=list)
    named_files: dict[str, str] = field(default_factory=dict)
    probe_sha256: str | None = None
    defence: str | None = None
    forward_passes: int = 1
    versions: dict[str, str] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)


@dataclass
class Evaluated:
    """One model's result: its record, rows (group ``all`` and the task's groups) and
    per-cell correctness (transform, magnitude) -> (N,) bool."""

    record: EvalModelRecord
    rows: list[Row]
    correct: dict[tuple[str, float], np.ndarray]
    worst_case: dict | None = None
    invariance: list[dict] = field(default_factory=list)
    invariance_note: str = ""


def probe_sha256(adapter: ContractModel, image_shape: tuple[int, int, int]) -> str | None:
    """For a function model, the hash of its raw outputs on the fixed probe batch (images of
    the test images' (H, W, C), fed as the contract says); None for a file or folder, whose
    bytes are its identity."""
    if adapter.model.kind != KIND_PYTHON:
        return None
    from bench.run.inputs import to_inputs

    return outputs_sha256(adapter.raw(to_inputs(probe_images(image_shape))))


def model_key(model: LoadedModel, contract: InputContract, seed: int, outputs: str | None = None,
              probe: str | None = None, defence: str | None = None) -> str:
    """20 hex characters over the model's SHA-256, the contract (``outputs``: as read, where
    detected) and the seed, and for a function the hashes of the files it names and of its
    probe outputs: one rows file per way of feeding one model, a new one when a function
    computes something else."""
    parts = [model.sha256, contract.input_range, outputs or contract.outputs, seed]
    if contract.repeat_channels:
        parts.append("repeat-channels")
    if model.kind == KIND_PYTHON:
        parts += [sorted(model.named_files.items()), probe]
    if defence is not None:
        parts.append(f"defence:{defence}")
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:20]


def _other_range_accuracy(adapter: ContractModel, data: TestData) -> float:
    """Clean accuracy (share) of the same model fed the other input range."""
    contract = dataclasses.replace(adapter.contract,
                                   input_range=other_range(adapter.contract.input_range),
                                   outputs=adapter.outputs)
    other = ContractModel(adapter.model, contract)
    return float(np.mean(other.clean_probabilities(data.test.x).argmax(axis=1)
                         == data.test.y))


def clean_pass(adapter: ContractModel, data: TestData, force: bool) -> sweep.CleanReference:
    """Predictions on the untransformed images; ModelError when the model's outputs are not
    one per class, SanityStop when they look like a wrong input contract (unless
    ``force``)."""
    clean = sweep.CleanReference(adapter.clean_probabilities(data.test.x))
    if clean.proba.shape[1] != len(data.classes):
        raise ModelError(f"{adapter.model.source}: the model gives {clean.proba.shape[1]} "
                         f"class outputs but the data has {len(data.classes)} classes "
                         f"({', '.join(data.classes)}); with --data, name every class of the "
                         "model's outputs in order with --classes")
    check = CleanCheck.of(clean.predicted, data.test.y, data.classes)
    problems = check.problems()
    if not problems and not force:  # the other input range: one more clean pass
        problems = [p for p in [range_problem(check.accuracy,
                                              _other_range_accuracy(adapter, data),
                                              adapter.contract.input_range)] if p]
    if problems and not force:
        message = stop_message(problems, adapter.contract.input_range)
        raise SanityStop(f"{adapter.model.source}: {message}")
    if problems:
        log.warning("warning: %s (--force given: evaluating anyway)", "; ".join(problems))
    return clean


@dataclass(frozen=True)
class Checked:
    """A model behind its input contract, with its clean pass done and the sanity stop
    passed (:func:`check_model`). swept: what the sweep feeds (the adapter, or it under a
    test-time defence, ``bench.run.defences.DefendedModel``); clean: its clean pass."""

    model: LoadedModel
    adapter: ContractModel
    clean: sweep.CleanReference
    swept: object
    defence: str | None = None
    forward_passes: int = 1


def check_model(model: LoadedModel, contract: InputContract, data: TestData, force: bool,
                defence: str | None = None, profile: Profile | None = None) -> Checked:
    """The clean pass and the sanity stop (on the model itself), before anything is
    written; with ``defence`` (``tta``, ``vote``) the sweep then feeds the model under that
    test-time defence within ``profile``'s augmentation ranges."""
    adapter = ContractModel(model, contract)
    clean = clean_pass(adapter, data, force)
    if defence is None:
        return Checked(model, adapter, clean, adapter)
    from bench.run.defences import DefendedModel

    defended = DefendedModel(adapter, defence, profile.augment, profile.fill)
    return Checked(model, adapter,
                   sweep.CleanReference(sweep.predict_proba(defended, data.test.x)),
                   defended, defence, defended.forward_passes)


def evaluate_model(checked: Checked, data: TestData, profile: Profile, store: ResultStore,
                   family: str = USER_FAMILY, seed: int = 0,
                   verbose: bool = True) -> Evaluated:
    """Every cell of ``profile.grid`` for a checked model (stored cells reused), the worst
    case and the layer-by-layer invariance where the profile sizes them; stored in ``store``
    with the model record and dataset.json."""
    model, adapter, clean = checked.model, checked.adapter, checked.clean
    contract = adapter.contract
    probe = probe_sha256(adapter, data.test.x.shape[1:])
    key = model_key(model, contract, seed, adapter.outputs, probe, checked.defence)
    augmentation = UNKNOWN_AUGMENTATION + (f"+{checked.defence}" if checked.defence else "")
    tag = ModelTag(task=profile.task, data=data.info["name"], profile=profile.name.value,
                   family=family, augmentation=augmentation, seed=seed, model_key=key)
    masks = sweep.group_masks(data.test, TASKS[profile.task].groups(data.test, data.classes))
    record = EvalModelRecord(
        key=key, task=profile.task, data=tag.data, family=family,
        augmentation=augmentation, seed=seed, source=model.source, kind=model.kind,
        sha256=model.sha256, input_range=contract.input_range, outputs=adapter.outputs,
        input_shape=None if model.input_shape is None else list(model.input_shape),
        params=None if model.keras_model is None else int(model.keras_model.count_params()),
        grid=grids.describe(profile.grid),
        clean_accuracy=float(np.mean(clean.predicted == data.test.y)),
        warnings=list(adapter.warnings), outputs_detection=adapter.detection,
        repeat_channels=contract.repeat_channels, notes=list(model.notes),
        named_files=dict(model.named_files), probe_sha256=probe, defence=checked.defence,
        forward_passes=checked.forward_passes, versions=library_versions(),
        environment=machine.environment(),
    )
    for note in record.notes:
        log.info("%s: %s", model.source, note)
    store.record_model(record, record.environment, trained_now=False)
    store.write_dataset({**data.info, "grid": record.grid})
    rows, correct = [], {}
    cells = sweep.cells(profile.grid)
    for index, (transform, magnitude) in enumerate(
            tqdm(cells, desc=f"sweep {model.stem}", unit="cell", disable=not verbose)):
        cell_rows = sweep.cell_rows(store, checked.swept, tag, data.test, clean,
                                    (transform, magnitude), index, profile.fill, masks)
        rows += cell_rows
        correct[(transform, float(magnitude))] = next(
            r for r in cell_rows if r.correct_bits).correct_bits
    n = len(data.test.y)
    correct = {cell: unpack_bits(bits, n) for cell, bits in correct.items()}
    stored = store.probes_of(key, worst.PROBE)
    worst_case = stored[0] if stored else worst.worst_case_record(checked.swept, data, profile,
                                                                  tag)
    if worst_case is not None and not stored:
        store.append_probes([worst_case])
    invariance, note = store.probes_of(key, layers.PROBE), ""
    if checked.defence is not None:
        note = (f"Not measured: the layers of a model under a test-time defence "
                f"({checked.defence}) see each image several times.")
    elif not invariance:
        invariance, note = layers.invariance_records(model, contract, data, profile, tag)
        if invariance:
            store.append_probes(invariance)
    return Evaluated(record, rows, correct, worst_case, invariance, note)
