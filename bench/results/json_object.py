"""One JSON object file of a run folder (``dataset.json``, ``run.json``), read and checked:
migrated to the current schema, its fields checked for their kinds. No Keras here."""

from __future__ import annotations

import json
from pathlib import Path

from bench.results.schema import SchemaError, check_fields, migrate


def read_json_object(path: Path, remedy: str) -> dict:
    """The JSON object in ``path``, migrated to the current schema; SchemaError naming the
    file and ``remedy`` (what to do) when it is not valid JSON or not an object, or naming
    the field when one holds a value of the wrong kind (:func:`check_fields`)."""
    try:
        info = json.loads(path.read_bytes().decode("utf-8", errors="replace"))
    except json.JSONDecodeError as error:
        raise SchemaError(f"{path}: not valid JSON ({error}); {remedy}") from None
    if not isinstance(info, dict):
        raise SchemaError(f"{path}: expected a JSON object; {remedy}")
    info = migrate(info, path)
    check_fields(info, str(path), f"The file is damaged; {remedy}")
    return info
