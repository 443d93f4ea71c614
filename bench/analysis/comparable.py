"""Whether two runs may be compared: the settings in which they differ (profile, data,
training images, test images, epochs, learning rate, batch size), read from their
records (the profile from run.json, never from the folder's path). ``bench compare``
refuses runs that differ unless told otherwise."""

from __future__ import annotations

from bench.catalog.profiles import parse_run_name
from bench.results.loading import RunData


def _settings(run: RunData) -> dict[str, str]:
    """Setting -> its value(s) in the run, as text (several values: comma-separated)."""
    def models(field: str) -> str:
        return ", ".join(sorted({f"{m[field]:g}" if isinstance(m.get(field), float)
                                 else str(m.get(field)) for m in run.models}))

    info = run.dataset
    return {
        "profile": run.run_profile or parse_run_name(run.profile)[0],
        "data set": str(info.get("name")),
        "data checksum": str(info.get("checksum")),
        "training images": str(info.get("n_train_used")),
        "test images": str(info.get("n_test_used")),
        "epochs": models("epochs"),
        "learning rate": models("learning_rate"),
        "batch size": models("batch_size"),
    }


def setup_differences(run: RunData, other: RunData,
                      names: tuple[str, str] = ("A", "B")) -> list[str]:
    """``epochs: A 1, B 6`` for each setting the runs differ in ([]: comparable)."""
    mine, theirs = _settings(run), _settings(other)
    return [f"{setting}: {names[0]} {mine[setting]}, {names[1]} {theirs[setting]}"
            for setting in mine if mine[setting] != theirs[setting]]
