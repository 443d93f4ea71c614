"""``run.json``: what a run folder is a run of (task, run name, profile), recorded by the run.

``bench publish`` takes its target from this record, never from the folder's path.
"""

from __future__ import annotations

from pathlib import Path

from bench.results.json_object import read_json_object
from bench.results.schema import SchemaError

RUN_INFO = "run.json"


def run_info(task: str, run_name: str, profile: str) -> dict:
    """The record of a run of ``profile`` (e.g. ``book``) of ``task`` stored as ``run_name``
    (e.g. ``book-lr0.001``)."""
    return {"task": task, "run_name": run_name, "profile": profile}


def read_run_info(folder: Path) -> dict:
    """A run folder's run.json (migrated); FileNotFoundError when missing, SchemaError when it
    is damaged or lacks its task or run name. Both say what to do."""
    path = Path(folder) / RUN_INFO
    again = ("run the same `bench run` command again (it reuses every stored cell and cached "
             "model) to write it")
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: it records which task and profile the run "
                                f"is of; {again}")
    info = read_json_object(path, again)
    if not all(isinstance(info.get(key), str) for key in ("task", "run_name", "profile")):
        raise SchemaError(f"{path}: needs task, run_name and profile as text; {again}")
    return info
