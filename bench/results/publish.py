"""``bench publish``: a run's stored results become the published reference, safely.

The target folder comes from the run's own record (``run.json``: task and run name, written
by ``bench run``), never from path names: it is exactly ``<results>/<task>/<run name>``.
Publishing holds the run's lock (a run still writing is refused), validates everything it
would publish (every line parses, no newer schema, every model's rows, a valid
``dataset.json``, the run complete against its profile unless ``partial``), and replaces
the reference atomically: the new copy is written and synced beside the old one, the old
one is renamed aside, the new one renamed into place, and only then the old one removed.
Anything refused leaves every file under the results folder as it was.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from bench.results.loading import (
    DATASET,
    MODELS,
    PROBE_FILES,
    PROBES,
    REQUIRED,
    ROWS,
    load_records,
    probe_paths,
    rows_files,
)
from bench.results.run_info import RUN_INFO, read_run_info
from bench.results.schema import (
    ALL,
    SCHEMA_VERSION,
    VERSION_KEY,
    IncompleteRecord,
    SchemaError,
    check_fields,
    row_from_record,
    unpack_bits,
)
from bench.results.store import lock_path

#: What a run folder holds that the reference keeps (reports are regenerated, not copied).
PUBLISHED = (ROWS, MODELS, PROBE_FILES, PROBES, DATASET, RUN_INFO)

log = logging.getLogger(__name__)

#: Fields a dataset.json must have for the reports to describe the data.
DATASET_FIELDS = ("name", "classes", "n_train_used", "n_test_used", "train_checksum")

#: A run name is one plain path component (``quick``, ``book-lr0.001``, ``quick-mnist``).
RUN_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")


class PublishError(ValueError):
    """A publish refused before anything under the results folder changed."""


@dataclass(frozen=True)
class Published:
    """What a publish did: the new reference folder and whether the run was partial."""

    target: Path
    missing: tuple[str, ...]


def publish(run_folder: Path, results_dir: Path, partial: bool = False,
            drop_models: bool = False) -> Published:
    """Make ``run_folder`` the reference ``<results_dir>/<task>/<run name>``.

    PublishError (nothing changed) when the run is not a finished, valid run folder, is
    being written, is incomplete against its profile without ``partial``, would drop models
    the reference holds (family, augmentation, seed) without ``drop_models``, or the target
    would not be exactly ``<results>/<task>/<run name>`` of a folder other than the run.
    """
    run = _resolved_run(run_folder)
    root = Path(results_dir).resolve()
    info = read_run_info(run)
    target = _target(root, info["task"], info["run_name"])
    if run == target or target in run.parents or run in target.parents or run in root.parents \
            or run == root:
        raise PublishError(f"{run_folder}: the run folder and the reference {target} overlap; "
                           "publish a run folder of your own (e.g. runs/<task>/<profile>)")
    lock = FileLock(str(lock_path(run)))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise PublishError(f"{run_folder}: a bench run is writing to it; publish once it has "
                           "finished") from None
    try:
        _validate_files(run, info["task"])
        missing = _missing(run, info)
        if missing and not partial:
            raise PublishError(
                f"{run_folder}: the run is incomplete against its profile ({'; '.join(missing)})"
                f"; finish it with the same `bench run` command, or publish it with --partial "
                "(its reports then say partial)")
        dropped = _dropped_models(run, target)
        if dropped and not drop_models:
            raise PublishError(
                f"{run_folder}: publishing would drop {len(dropped)} model(s) of the reference "
                f"{target} that the run does not hold ({', '.join(dropped[:DROPPED_NAMED])}"
                f"{', ...' if len(dropped) > DROPPED_NAMED else ''}); extend the reference "
                "with `bench run ... --extend-reference` (its log says how many models it "
                "kept), or pass --drop-models to replace them anyway")
        _replace(run, target)
    finally:
        lock.release()
    return Published(target, tuple(missing))


#: Dropped models named in the refusal (the rest are counted).
DROPPED_NAMED = 5


def _model_labels(folder: Path) -> set[str]:
    """``family/augmentation/s<seed>`` of every model record in ``folder`` (none: empty)."""
    return {f"{m['family']}/{m['augmentation']}/s{m['seed']}"
            for m in load_records(folder, MODELS)}


def _dropped_models(run: Path, target: Path) -> list[str]:
    """The reference's models (family/augmentation/s<seed>) the run does not hold, sorted."""
    return sorted(_model_labels(target) - _model_labels(run))


def _resolved_run(run_folder: Path) -> Path:
    """The run folder, resolved; PublishError unless it holds rows and dataset.json."""
    try:
        run = Path(run_folder).resolve(strict=True)
    except (OSError, RuntimeError) as error:
        raise PublishError(f"{run_folder}: cannot open it ({error}); give a run folder such as "
                           "runs/mnist/quick") from None
    if not any(run.glob(f"{ROWS}/*.jsonl")) or not (run / DATASET).is_file():
        raise PublishError(f"{run_folder}: not a finished run folder (needs {ROWS}/*.jsonl "
                           f"and {DATASET}); give one such as runs/mnist/quick")
    return run


def _target(root: Path, task: str, run_name: str) -> Path:
    """``root/task/run_name``, checked to be exactly two plain levels below ``root``."""
    from bench.catalog import TASKS
    from bench.catalog.profiles import profile_of_run

    if task not in TASKS.names():
        raise PublishError(f"{RUN_INFO}: unknown task {task!r}; valid: "
                           f"{', '.join(TASKS.names())}")
    if not RUN_NAME.fullmatch(run_name) or profile_of_run(task, run_name) is None:
        raise PublishError(f"{RUN_INFO}: run name {run_name!r} is no run of a {task} profile")
    target = root / task / run_name
    if target.parent.parent != root:
        raise PublishError(f"{RUN_INFO}: {target} is not a reference folder under {root}")
    return target


def _validate_files(run: Path, task: str) -> None:
    """PublishError naming the file and line of the first record that cannot be published."""
    from bench.results.loading import load_dataset_info

    model_keys = set()
    for number, record in _strict_records(run / MODELS):
        _require(record, REQUIRED[MODELS], run / MODELS, number)
        if record.get("task") != task:
            raise PublishError(f"{run / MODELS}: line {number} is a model of task "
                               f"{record.get('task')!r}, not {task!r}")
        model_keys.add(record["key"])
    for path in probe_paths(run):
        for number, record in _strict_records(path):
            _require(record, REQUIRED[PROBES], path, number)
            if path.parent.name == PROBE_FILES and record["model_key"] != path.stem:
                raise PublishError(f"{path}: line {number} is a probe of model "
                                   f"{record['model_key']!r}, not of this file's model")
    for path in rows_files(run):
        for number, record in _strict_records(path):
            try:
                row = row_from_record(record, f"{path}: line {number}")
            except IncompleteRecord as error:
                raise PublishError(str(error)) from None
            if row.model_key != path.stem or row.model_key not in model_keys:
                raise PublishError(f"{path}: line {number} is a row of model {row.model_key!r}, "
                                   f"which is not this file's model or not in {MODELS}")
            _check_row(row, task, path, number)
    try:
        dataset = load_dataset_info(run)
    except (SchemaError, FileNotFoundError) as error:
        raise PublishError(str(error)) from None
    absent = [name for name in DATASET_FIELDS if name not in dataset]
    if absent:
        raise PublishError(f"{run / DATASET}: lacks {', '.join(absent)}; run the same "
                           "`bench run` again to rewrite it")


def _check_row(row, task: str, path: Path, number: int) -> None:
    """PublishError unless the row is of ``task`` (run.json's) and, for the ``all`` group
    with per-image bits, its accuracy is the share of its bits that are set (to within
    half an image)."""
    if row.task != task:
        raise PublishError(f"{path}: line {number} is a row of task {row.task!r}, not "
                           f"{task!r} as {RUN_INFO} records; publish each task's own run")
    if row.group != ALL or not row.correct_bits or not row.n:
        return
    share = float(unpack_bits(row.correct_bits, row.n).mean())
    if abs(share - row.accuracy) > 0.5 / row.n:
        raise PublishError(f"{path}: line {number} has accuracy {row.accuracy:g} but its "
                           f"per-image bits give {share:g} ({row.n} images); the row is "
                           "damaged: delete that line and rerun the same `bench run`")


def _strict_records(path: Path) -> list[tuple[int, dict]]:
    """(line number, record) of every line of a JSON Lines file ([] if absent); PublishError
    on a damaged line, a non-object or a schema version this bench does not read."""
    if not path.is_file():
        return []
    records = []
    for number, line in enumerate(path.read_bytes().split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise PublishError(
                f"{path}: line {number} is damaged (cut short by a crash, or edited); a rerun "
                "of the same `bench run` computes its cell again: then delete that line, and "
                "publish") from None
        if not isinstance(record, dict):
            raise PublishError(f"{path}: line {number} is not a JSON object")
        version = record.get(VERSION_KEY, 1)
        if not isinstance(version, int) or not 1 <= version <= SCHEMA_VERSION:
            raise PublishError(f"{path}: line {number} has schema_version {version!r}; this "
                               f"bench publishes versions 1 to {SCHEMA_VERSION} (upgrade bench)")
        try:
            check_fields(record, f"{path}: line {number}")
        except SchemaError as error:
            raise PublishError(str(error)) from None
        records.append((number, record))
    return records


def _require(record: dict, fields: tuple[str, ...], path: Path, number: int) -> None:
    missing = [name for name in fields if name not in record]
    if missing:
        raise PublishError(f"{path}: line {number} lacks {', '.join(missing)}")


def _missing(run: Path, info: dict) -> list[str]:
    """What the run lacks against its profile, in words: models, seeds, training images
    (:func:`bench.results.completeness.partial_notes`) and cells of the grid per model."""
    from bench.catalog.profiles import profile_of_run
    from bench.results.completeness import partial_notes
    from bench.results.loading import RunData

    data = RunData.load(run)
    data = RunData(info["task"], info["run_name"], data.rows, data.models, data.probes,
                   data.dataset, data.other_data_models)
    notes = partial_notes(data)
    profile = profile_of_run(info["task"], info["run_name"])
    expected = {(t, float(m)) for t, magnitudes in profile.grid for m in magnitudes}
    for model in data.models:
        groups: dict[tuple[str, float], set[str]] = {}
        for row in data.rows:
            if row.model_key == model["key"]:
                groups.setdefault((row.transform, float(row.magnitude)), set()).add(row.group)
        every_group = set().union(*groups.values()) if groups else set()
        absent = sorted(cell for cell in expected
                        if cell not in groups or groups[cell] != every_group)
        if absent:
            label = f"{model['family']}/{model['augmentation']}/seed {model['seed']}"
            shown = ", ".join(f"{t} {m:g}" for t, m in absent[:3])
            more = f" and {len(absent) - 3} more" if len(absent) > 3 else ""
            notes.append(f"{label}: {len(absent)} of {len(expected)} cells missing "
                         f"({shown}{more})")
    return notes


def _replace(run: Path, target: Path) -> None:
    """Copy the run's published files beside ``target``, sync them, then swap them in; the
    old reference is removed only once the new one is in place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target)
    staging = target.with_name(f".{target.name}.publishing-{os.getpid()}")
    previous = target.with_name(f".{target.name}.previous-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        for name in PUBLISHED:
            source = run / name
            if source.is_dir():
                shutil.copytree(source, staging / name)
            elif source.is_file():
                shutil.copy2(source, staging / name)
        _sync_tree(staging)
        if target.exists():
            os.rename(target, previous)
        try:
            os.rename(staging, target)
        except OSError:
            if previous.exists():
                os.rename(previous, target)
            raise
        _sync_folder(target.parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(previous, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (one of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(target: Path) -> list[Path]:
    """Remove the ``.<name>.publishing-PID`` and ``.<name>.previous-PID`` folders beside
    ``target`` that a killed ``bench publish`` left (its PID no longer runs), each with a
    warning; a ``previous`` copy whose swap was cut between its two renames (no ``target``)
    is renamed back into place instead. Returns the folders handled."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(publishing|previous)-(\d+)")
    handled = []
    for path in sorted(target.parent.iterdir()) if target.parent.is_dir() else []:
        match = pattern.fullmatch(path.name)
        if match is None or _alive(int(match[2])) and int(match[2]) != os.getpid():
            continue
        if match[1] == "previous" and not target.exists():
            os.rename(path, target)
            log.warning("%s: restored from %s, left by a bench publish that was stopped "
                        "mid-swap", target, path.name)
        else:
            shutil.rmtree(path)
            log.warning("%s: removed, left by a bench publish that was stopped (process %s)",
                        path, match[2])
        handled.append(path)
    return handled


def _sync_tree(folder: Path) -> None:
    """fsync every file and folder under ``folder`` (and itself)."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        else:
            _sync_folder(path)
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
