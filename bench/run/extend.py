"""A run that starts from its published reference: ``bench run --extend-reference``.

To add seeds or policies to a published reference without computing it again, the run
folder is first given the reference's records (model record, rows, probe records) of every
model this bench would train to the same model key now; the run then trains and sweeps only
what is missing, and ``bench publish`` makes the result the new reference. A model of the
reference whose key this bench no longer computes (its data, code or libraries changed) is
left behind, named in a warning, and trained again by the run if the run trains it. A model
trained elsewhere (``bench run --trained``) is kept as it is: its key cannot be computed here.

A reference trained on other data (its dataset.json's training-data checksum differs from
the data loaded now: another copy of the data set, or a decoder that gives other bits) is
refused before anything is copied or trained, as extending it would train every model again.

Copying is idempotent, so the same command continues after Ctrl-C: a file the run folder
already has is kept, and a model record is added only when the folder lacks it, after its
rows and probe records are in place.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from bench.catalog import FAMILIES, POLICIES
from bench.data.types import DataError, checksum
from bench.os_faults import replaced_atomically
from bench.results.loading import (
    MODELS,
    PROBE_FILES,
    PROBES,
    ROWS,
    load_dataset_info,
    load_records,
    split_lines,
)
from bench.results.store import acquire_lock
from bench.results.trained_on import TRAIN_CHECKSUM
from bench.run.train import TRAINER, ModelSpec, model_key

log = logging.getLogger(__name__)


def copy_reference(run, reference: Path) -> list[str]:
    """Copy into ``run.folder`` (a TaskRun's, before its store is opened) the records of the
    models of ``reference`` (a published run folder) that :func:`_kept` keeps; returns their
    model keys. DataError, before anything is copied, when ``reference`` was trained on
    other data than the run's."""
    check_same_data(run, reference)
    records = load_records(reference, MODELS)
    keys = _keys_now(run, {_spec(m) for m in records if m.get("trainer", TRAINER) == TRAINER})
    kept = {m["key"] for m in records if _kept(m, keys)}
    behind = sorted({_spec(m).label for m in records if m["key"] not in kept})
    if behind:
        log.warning("%s: %d model(s) left behind, as this bench now trains them to another "
                    "key (a run that includes them trains them again): %s", reference,
                    len(behind), ", ".join(behind))
    folder = Path(run.folder)
    folder.mkdir(parents=True, exist_ok=True)
    lock = acquire_lock(folder)
    try:
        present = {m["key"] for m in load_records(folder, MODELS)}
        new = kept - present
        for key in sorted(new):
            _copy_if_absent(reference / ROWS / f"{key}.jsonl", folder / ROWS / f"{key}.jsonl")
            _write_if_absent(folder / PROBE_FILES / f"{key}.jsonl", _probe_lines(reference, key))
        _append(folder / MODELS,
                b"".join(split_lines(reference / MODELS, lambda m: m.get("key") in new)[0]))
    finally:
        lock.release()
    log.info("%s: started from %d of the %d models of the reference %s", folder, len(kept),
             len({m["key"] for m in records}), reference)
    return sorted(kept)


def check_same_data(run, reference: Path) -> None:
    """DataError naming both checksums when the training data of ``run`` (after subsetting)
    is not the data ``reference``'s dataset.json says its models were trained on."""
    expected = load_dataset_info(reference).get(TRAIN_CHECKSUM)
    here = checksum(run.prepared.train.x, run.prepared.train.y)
    if expected is not None and expected != here:
        raise DataError(
            f"{reference}: its models were trained on data of training-data checksum "
            f"{expected}, but the data loaded here gives {here} (another copy of the data set, "
            "or a decoder that gives other pixels); extending it would keep none of its "
            "models and train them all again on other data. Load the data the reference "
            "names in its dataset.json (--source or BENCH_DATA_DIR), or run without "
            "--extend-reference to start a new reference."
        )


def _spec(model: dict) -> ModelSpec:
    return ModelSpec(model["family"], model["augmentation"], model["seed"])


def _keys_now(run, specs: set[ModelSpec]) -> dict[ModelSpec, str]:
    """The key this bench's own trainer gives each of ``specs`` now, for the family and
    policy the catalog still holds (each model built once)."""
    n_classes = len(run.prepared.dataset.classes)
    return {spec: model_key(spec, run.prepared.train, n_classes, run.profile)
            for spec in specs
            if spec.family in FAMILIES.names() and spec.augmentation in POLICIES.names()}


def _kept(model: dict, keys: dict[ModelSpec, str]) -> bool:
    """Whether the reference ``model`` (a models.jsonl record) comes into the run: one trained
    by another trainer (imported with ``bench run --trained``) always, as its key cannot be
    computed here; one of this bench's trainer when ``keys`` (:func:`_keys_now`) gives it
    that key now."""
    return model.get("trainer", TRAINER) != TRAINER or keys.get(_spec(model)) == model["key"]


def _probe_lines(reference: Path, key: str) -> bytes:
    """The probe lines of model ``key`` in ``reference``, as stored: its lines of an older
    run's single probes.jsonl, then its own file."""
    return b"".join(line for path in (reference / PROBES, reference / PROBE_FILES / f"{key}.jsonl")
                    for line in split_lines(path, lambda record: record.get("model_key") == key)[0])


def _append(path: Path, content: bytes) -> None:
    """Append ``content`` to ``path`` on a line of its own (after a last line cut short by a
    crash), forced to disk."""
    if not content:
        return
    cut = path.is_file() and path.stat().st_size and not path.read_bytes().endswith(b"\n")
    with open(path, "ab") as handle:
        handle.write((b"\n" if cut else b"") + content)
        handle.flush()
        os.fsync(handle.fileno())


def _copy_if_absent(source: Path, target: Path) -> None:
    if source.is_file() and not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with replaced_atomically(target) as partial:
            shutil.copyfile(source, partial)


def _write_if_absent(target: Path, content: bytes) -> None:
    if content and not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with replaced_atomically(target) as partial:
            partial.write_bytes(content)
