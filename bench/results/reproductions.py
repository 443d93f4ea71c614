"""Stored reproduction records (``bench reproduce``): one JSON line per (seed, statistic) in
``<folder>/reproductions/<name>.jsonl``, read with their fields checked, and published into
``<results>/reproductions/`` by ``bench publish``. No Keras here."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.results.schema import SchemaError, unpack_bits

#: The folder of reproduction records inside a run's ``--out`` or the results folder.
FOLDER = "reproductions"


def read_records(path: Path) -> list[dict]:
    """The records of one ``<name>.jsonl`` ([] when the file is missing); SchemaError naming
    the file and line of a record that is not a JSON object with its seed, statistic, n and
    decodable per-image bits."""
    path = Path(path)
    if not path.is_file():
        return []
    records = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            unpack_bits(record["bits"], int(record["n"]))
            record["seed"], record["statistic"]  # noqa: B018
        except (ValueError, TypeError, KeyError) as error:
            raise SchemaError(f"{path}:{number}: not a reproduction record ({error}); run "
                              f"`bench reproduce {path.stem}` again") from error
        records.append(record)
    return records


def load_records(results: Path, name: str) -> list[dict]:
    """The stored records of reproduction ``name`` under ``results`` ([] when none)."""
    return read_records(Path(results) / FOLDER / f"{name}.jsonl")


def publish_reproductions(folder: Path, results: Path) -> list[Path]:
    """Copy every checked ``<name>.jsonl`` of ``folder`` (a ``reproductions`` folder that
    ``bench reproduce`` wrote) into ``<results>/reproductions/``, each replaced whole (a
    temporary file renamed over it); SchemaError, before anything is copied, for a damaged
    record. Returns the written paths."""
    sources = sorted(Path(folder).glob("*.jsonl"))
    if not sources:
        raise FileNotFoundError(f"{folder}: no reproduction records (*.jsonl); run `bench "
                                "reproduce NAME --out DIR` and publish DIR/reproductions")
    for source in sources:
        read_records(source)
    target = Path(results) / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources:
        temporary = target / f".{source.name}.publishing-{os.getpid()}"
        temporary.write_bytes(source.read_bytes())
        os.replace(temporary, target / source.name)
        written.append(target / source.name)
    return written
