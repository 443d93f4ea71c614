"""Reading a run folder: rows, model and probe records, and the data provenance.

Layout of ``<results>/<task>/<profile>/``: ``rows/<model key>.jsonl``, ``models.jsonl``,
``probes.jsonl`` and ``dataset.json`` (see :mod:`bench.results.store`). Every record is
migrated to the current schema as it is read.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from bench.results.schema import Row, migrate, row_from_record

log = logging.getLogger(__name__)

ROWS, MODELS, PROBES, DATASET = "rows", "models.jsonl", "probes.jsonl", "dataset.json"


def read_jsonl(path: Path) -> list[dict]:
    """All complete records of a JSON Lines file ([] if it does not exist), unmigrated.

    A last line cut short by a crash is reported and ignored; a broken line
    anywhere else is an error naming the file and line.
    """
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            if number == len(lines):
                log.warning("%s: ignoring line %d, cut short by an interrupted run", path, number)
                continue
            raise ValueError(f"{path}: line {number} is not valid JSON ({error})") from error
    return records


def load_rows(folder: Path) -> list[Row]:
    """Every stored row of a run folder, as Row objects (model files in name order)."""
    return [
        row_from_record(record, path)
        for path in sorted((Path(folder) / ROWS).glob("*.jsonl"))
        for record in read_jsonl(path)
    ]


def run_folders(results_dir: Path) -> list[Path]:
    """Every run folder (``<task>/<profile>``) under ``results_dir`` that holds rows."""
    return sorted({p.parent.parent for p in Path(results_dir).glob(f"*/*/{ROWS}/*.jsonl")})


def load_records(folder: Path, name: str) -> list[dict]:
    """The records of ``models.jsonl`` or ``probes.jsonl`` in a run folder, migrated."""
    path = Path(folder) / name
    return [migrate(record, path) for record in read_jsonl(path)]


def load_dataset_info(folder: Path) -> dict:
    """The run's dataset.json, migrated; FileNotFoundError (with what to do) when missing."""
    path = Path(folder) / DATASET
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: the report needs the data provenance; run the same "
            "`bench run` again (it reuses stored cells and cached models) to rewrite it"
        )
    return migrate(json.loads(path.read_text()), path)


@dataclass(frozen=True)
class RunData:
    """Everything a report needs, as stored by one run."""

    task: str
    profile: str
    rows: list[Row]
    models: list[dict]
    probes: list[dict]
    dataset: dict

    @classmethod
    def load(cls, folder: Path) -> RunData:
        """Read a run folder, keeping only the latest model of each (family, augmentation,
        seed): rows of a model retrained later (new library versions, say) are left out."""
        folder = Path(folder)
        models = load_records(folder, MODELS)
        latest = {(m["family"], m["augmentation"], m["seed"]): m for m in models}
        keys = {m["key"] for m in latest.values()}
        return cls(
            task=folder.parent.name,
            profile=folder.name,
            rows=[r for r in load_rows(folder) if r.model_key in keys],
            models=list(latest.values()),
            probes=[p for p in load_records(folder, PROBES) if p["model_key"] in keys],
            dataset=load_dataset_info(folder),
        )
