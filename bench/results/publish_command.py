"""``bench publish RUN``: validate a run and make it the reference of its task and run name
(from its ``run.json``), then say what was published and what to do next."""

from __future__ import annotations

from pathlib import Path

from bench.results.publish import PublishError, publish
from bench.results.references import folder
from bench.results.reproductions import FOLDER, publish_reproductions
from bench.results.schema import SchemaError


def publish_run(run: Path, results: Path, partial: bool = False,
                drop_models: bool = False) -> str:
    """Publish ``run`` under ``results``; the line to print. PublishError (``nothing
    published: ...``) for a run that is broken, missing or lacks part of its profile
    without ``partial``, or would drop reference models without ``drop_models``. A
    ``reproductions`` folder (``bench reproduce``'s records) is
    checked and copied into ``<results>/reproductions/``."""
    folder(results, "--results")
    if Path(run).name == FOLDER and not (Path(run) / "rows").exists():
        written = publish_reproductions(run, results)
        return (f"published {len(written)} reproduction record file(s) into "
                f"{written[0].parent}; run `bench report` to regenerate the reports")
    try:
        published = publish(run, results, partial=partial, drop_models=drop_models)
    except (SchemaError, FileNotFoundError) as error:
        raise PublishError(f"nothing published: {error}") from None
    lacks = f" (partial: {'; '.join(published.missing)})" if published.missing else ""
    return (f"published {run} as {published.target}{lacks}; run `bench report` to "
            "regenerate the reports")
