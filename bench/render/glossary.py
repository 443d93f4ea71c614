"""The profiles in words: one table generated from ``bench.catalog.profiles.PROFILES``."""

from __future__ import annotations

from bench.catalog import DATASETS, FAMILIES, TASKS
from bench.catalog.profiles import PROFILES
from bench.config import ProfileName
from bench.render.tables import table


def _images(n: int | None, full: int | None) -> str:
    if n is not None:
        return f"{n:,}"
    return f"all ({full:,})" if full else "all"


def profile_glossary() -> str:
    """One line per task and profile: data, training and test images, epochs, batch,
    seeds, models."""
    lines = []
    sizes = list(ProfileName)  # smoke, quick, book
    for (task, name), profile in sorted(PROFILES.items(),
                                        key=lambda item: (TASKS.order(item[0][0]),
                                                          sizes.index(item[0][1]))):
        options = ", ".join(f"{k} {v}" for k, v in profile.data_options)
        lines.append([
            TASKS[task].title, f"`{name.value}`",
            f"`{profile.data}`" + (f" ({options})" if options else ""),
            _images(profile.n_train, DATASETS[profile.data].full_train),
            _images(profile.n_test, None),
            str(profile.train.epochs), str(profile.train.batch_size),
            str(len(profile.seeds)),
            " and ".join(FAMILIES[f].label for f in profile.families) + " x "
            + ", ".join(profile.augmentations),
        ])
    return table(lines, ["task", "profile", "data", "training images", "test images",
                         "epochs", "batch", "seeds", "models (family x augmentation)"])
