"""``bench publish``: a run's stored results become the published reference.

The reference folder of the run's task and profile is replaced as a whole (rows, models,
probes, dataset.json), so reference rows never mix two runs. Git keeps the previous one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.results.loading import DATASET, MODELS, ROWS

#: What a run folder holds that the reference keeps (reports are regenerated, not copied).
PUBLISHED = (ROWS, MODELS, "probes.jsonl", DATASET)


def publish(run_folder: Path, results_dir: Path) -> Path:
    """Copy ``run_folder`` (``<runs>/<task>/<profile>``) to ``<results_dir>/<task>/<profile>``
    replacing what was there; returns the new reference folder."""
    run_folder = Path(run_folder)
    if not any(run_folder.glob(f"{ROWS}/*.jsonl")) or not (run_folder / DATASET).is_file():
        raise FileNotFoundError(f"{run_folder}: not a finished run folder (needs {ROWS}/*.jsonl "
                                f"and {DATASET}); give one such as runs/mnist/quick")
    target = Path(results_dir) / run_folder.parent.name / run_folder.name
    staging = target.with_name(f".{target.name}.publishing")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in PUBLISHED:
        source = run_folder / name
        if source.is_dir():
            shutil.copytree(source, staging / name)
        elif source.is_file():
            shutil.copy2(source, staging / name)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target
