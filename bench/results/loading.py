"""Reading a run folder: rows, model and probe records, and the data provenance.

Layout of ``<results>/<task>/<profile>/``: ``rows/<model key>.jsonl``, ``models.jsonl``,
``probes/<model key>.jsonl`` and ``dataset.json`` (see :mod:`bench.results.store`); a
folder written before probes were stored per model holds them in one ``probes.jsonl``,
which is still read. Every record is migrated to the current schema as it is read.

Every reader (``bench report``, ``compare``, ``check``, ``export``, ``publish``, a run
resuming into its folder, ``--extend-reference``) goes through this module, and so through
one validation: a line a crash can leave (cut short, not JSON, not an object, lacking its
identifying fields) is skipped with a warning naming file and line, and its cell is computed
again by the next run; a complete record holding a value of the wrong kind (a non-number or
NaN accuracy or magnitude, packed bits that are not base64: damage no crash writes) is a
SchemaError naming file, line, field and value (:func:`bench.results.schema.check_fields`).
"""

from __future__ import annotations

import errno
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from bench.results.json_object import read_json_object
from bench.results.run_info import RUN_INFO, read_run_info
from bench.results.schema import (
    IncompleteRecord,
    Row,
    check_fields,
    migrate,
    row_from_record,
)
from bench.results.trained_on import split_by_data

log = logging.getLogger(__name__)

ROWS, MODELS, PROBES, DATASET = "rows", "models.jsonl", "probes.jsonl", "dataset.json"
#: The folder of per-model probe files, ``probes/<model key>.jsonl``. ``PROBES`` names the
#: probe records as a whole (``load_records(folder, PROBES)``) and the one file that held
#: them all before.
PROBE_FILES = "probes"
#: The field of a probe record that did not run, saying why (``bench.run.probes.SKIPPED``).
SKIPPED = "skipped"


def numbered_records(path: Path) -> list[tuple[int, dict]]:
    """(line number, record) for every JSON-object line of a JSON Lines file ([] if it does
    not exist), unmigrated. A broken line anywhere (cut short by a crash, damaged, not an
    object) is skipped with a warning naming the file and line, never an error."""
    if not path.is_file():
        return []
    text = path.read_bytes().decode("utf-8", errors="replace")
    records = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            log.warning("%s: line %d is not valid JSON (%s); skipped", path, number, error)
            continue
        if not isinstance(record, dict):
            log.warning("%s: line %d is not a JSON object; skipped", path, number)
            continue
        records.append((number, record))
    return records


def probe_paths(folder: Path) -> list[Path]:
    """The files that may hold a run folder's probe records: the one ``probes.jsonl`` of
    older runs, then ``probes/<model key>.jsonl`` in name order (absent ones included)."""
    folder = Path(folder)
    return [folder / PROBES, *sorted((folder / PROBE_FILES).glob("*.jsonl"))]


def split_lines(path: Path, wanted) -> tuple[list[bytes], list[bytes]]:
    """(the lines of a JSON Lines file whose record ``wanted(record)`` accepts, every other
    line, a damaged one included), each line as stored and ending in a newline; ([], []) when
    the file does not exist."""
    if not path.is_file():
        return [], []
    ours, others = [], []
    for line in path.read_bytes().splitlines():
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            record = None
        (ours if isinstance(record, dict) and wanted(record) else others).append(line + b"\n")
    return ours, others


def read_jsonl(path: Path) -> list[dict]:
    """The records of a JSON Lines file, unmigrated; broken lines skipped with a warning."""
    return [record for _, record in numbered_records(path)]


def rows_files(folder: Path) -> list[Path]:
    """The ``rows/<model key>.jsonl`` files of a run folder, in name order ([] without a
    rows folder); the OSError of a ``rows`` entry that cannot be opened (a symbolic link
    loop, a dangling link, no permission) is raised, so a run never vanishes in silence."""
    rows = Path(folder) / ROWS
    if not os.path.lexists(rows):
        return []
    os.stat(rows)  # ELOOP, ENOENT of a dangling link, EACCES: one line from the CLI
    if not rows.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(rows))
    os.listdir(rows)
    return sorted(rows.glob("*.jsonl"))


def load_rows(folder: Path) -> list[Row]:
    """Every stored row of a run folder, as Row objects (model files in name order). A row
    that lacks fields is skipped with a warning; the next run computes its cell again."""
    rows = []
    for path in rows_files(folder):
        for number, record in numbered_records(path):
            try:
                row = row_from_record(record, path)
            except IncompleteRecord as error:
                log.warning("%s (line %d); skipped", error, number)
                continue
            check_fields(record, f"{path}: line {number}")
            rows.append(row)
    return rows


def run_folders(results_dir: Path) -> list[Path]:
    """Every run folder (``<task>/<profile>``) under ``results_dir`` that holds rows, of a
    task bench knows; a folder of another name is left out with a warning. Hidden folders
    (``.book.publishing-PID`` of a killed ``bench publish``) are never runs; a ``rows``
    entry that cannot be opened is an OSError (:func:`rows_files`)."""
    from bench.catalog import TASKS

    candidates = [folder for folder in Path(results_dir).glob("*/*")
                  if not folder.name.startswith(".") and not folder.parent.name.startswith(".")]
    found = sorted(folder for folder in candidates if rows_files(folder))
    for task in sorted({folder.parent for folder in found}):
        if task.name not in TASKS.names():
            log.warning("%s: not a task bench knows (%s); its %d run folder(s) are left out",
                        task, ", ".join(TASKS.names()),
                        sum(folder.parent == task for folder in found))
    return [folder for folder in found if folder.parent.name in TASKS.names()]


#: Fields without which a models.jsonl or probes.jsonl record cannot be used.
REQUIRED = {MODELS: ("key", "family", "augmentation", "seed"), PROBES: ("probe", "model_key")}


def load_records(folder: Path, name: str) -> list[dict]:
    """The records of ``models.jsonl`` or of the probes (``PROBES``: every file of
    :func:`probe_paths`) in a run folder, migrated; one that lacks an identifying field is
    skipped with a warning naming file and line."""
    paths = probe_paths(folder) if name == PROBES else [Path(folder) / name]
    records = []
    for path in paths:
        for number, record in numbered_records(path):
            missing = [key for key in REQUIRED.get(name, ()) if key not in record]
            if missing:
                log.warning("%s: line %d lacks %s; skipped", path, number, missing)
                continue
            record = migrate(record, path)
            check_fields(record, f"{path}: line {number}")
            records.append(record)
    return records


def load_dataset_info(folder: Path) -> dict:
    """The run's dataset.json, migrated; FileNotFoundError (with what to do) when missing,
    SchemaError when it is not a JSON object."""
    path = Path(folder) / DATASET
    again = "run the same `bench run` again (it reuses stored cells and cached models)"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: the report needs the data provenance; {again} to rewrite it"
        )
    return read_json_object(path, f"{again} to rewrite it")


def _identity(folder: Path) -> tuple[str, str, str]:
    """(task, run name, profile) of a run folder: from its run.json (what the run recorded),
    else, for a folder written before run.json, from its resolved path (``<task>/<run
    name>``; profile "": not recorded)."""
    if (folder / RUN_INFO).is_file():
        info = read_run_info(folder)
        return info["task"], info["run_name"], info["profile"]
    folder = folder.resolve()
    return folder.parent.name, folder.name, ""


@dataclass(frozen=True)
class RunData:
    """Everything a report needs, as stored by one run. other_data_models: model records of
    the folder trained on other data than ``dataset`` describes (left out, with their rows);
    skipped_probes: records of probes the data could not support (``skipped``: why).
    ``profile`` is the run name (``book-lr0.001``), ``run_profile`` the profile run.json
    records (``book``; "" for a folder written before run.json)."""

    task: str
    profile: str
    rows: list[Row]
    models: list[dict]
    probes: list[dict]
    dataset: dict
    other_data_models: list[dict] = field(default_factory=list)
    skipped_probes: list[dict] = field(default_factory=list)
    run_profile: str = ""

    @classmethod
    def load(cls, folder: Path) -> RunData:
        """Read a run folder (its task and run name from run.json where it has one), keeping
        only models trained on the data dataset.json describes
        (see :mod:`bench.results.trained_on`) and, of those, the latest model of each (family,
        augmentation, seed): rows of a model retrained later (new library versions, say)
        are left out."""
        folder = Path(folder)
        dataset = load_dataset_info(folder)
        models, other = split_by_data(folder, load_records(folder, MODELS), dataset)
        if other:
            log.warning("%s: %d model record(s) trained on other data than its dataset.json "
                        "describes are left out of the report", folder, len(other))
        latest = {(m["family"], m["augmentation"], m["seed"]): m for m in models}
        keys = {m["key"] for m in latest.values()}
        probes = [p for p in load_records(folder, PROBES) if p["model_key"] in keys]
        task, run_name, profile = _identity(folder)
        return cls(
            task=task,
            profile=run_name,
            rows=[r for r in load_rows(folder) if r.model_key in keys],
            models=list(latest.values()),
            probes=[p for p in probes if SKIPPED not in p],
            dataset=dataset,
            other_data_models=other,
            skipped_probes=[p for p in probes if SKIPPED in p],
            run_profile=profile,
        )
