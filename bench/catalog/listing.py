"""``bench list``: the catalog in words: tasks, every profile's sizes, data sets, families,
augmentations, and each transform's grid per profile. Reads the catalog only (no data, no
Keras)."""

from __future__ import annotations

from bench.catalog.datasets import DATASETS
from bench.catalog.families import FAMILIES
from bench.catalog.policies import POLICIES
from bench.catalog.profiles import PROFILES
from bench.catalog.tasks import TASKS
from bench.catalog.transforms import TRANSFORMS
from bench.config import Profile


def aligned(table: list[list[str]]) -> list[str]:
    """Rows of cells as lines of left-aligned columns, a rule of dashes under the first (a
    plain formatter: tabulate would double ``bench list``'s start-up time)."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    rule = ["-" * width for width in widths]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            .rstrip() for row in (table[0], rule, *table[1:])]


def _images(n: int | None, full: int | None) -> str:
    """``2,000``, or the whole split: ``all 60,000`` (``all`` when its size is unknown)."""
    if n is not None:
        return f"{n:,}"
    return f"all {full:,}" if full else "all"


def profile_sizes(profile: Profile) -> list[str]:
    """One table line: task, profile, data, training images, epochs, seeds, test images,
    models (families x augmentations x seeds, or family-augmentation pairs x seeds where
    some families train with fewer augmentations)."""
    seeds = f"{len(profile.seeds)} seed{'s' if len(profile.seeds) > 1 else ''}"
    pairs = len(profile.pairs())
    shape = (f"{pairs} family-augmentation pairs" if profile.family_policies
             else f"{len(profile.families)} families x {len(profile.augmentations)} "
                  "augmentations")
    return [
        profile.task, profile.name.value, profile.data,
        _images(profile.n_train, DATASETS[profile.data].full_train),
        str(profile.train.epochs), ",".join(str(seed) for seed in profile.seeds),
        _images(profile.n_test, None),
        f"{pairs * len(profile.seeds)} ({shape} x {seeds})",
    ]


def grid_lines(transform: str) -> list[str]:
    """The transform's magnitudes, one line per distinct grid, with the profiles that sweep
    it (``-2, +0, +2 px (3): mnist smoke, gender smoke``)."""
    spec = TRANSFORMS[transform]
    users: dict[tuple[float, ...], list[str]] = {}
    for (task, name), profile in PROFILES.items():
        magnitudes = dict(profile.grid).get(transform)
        if magnitudes is not None:
            users.setdefault(tuple(magnitudes), []).append(f"{task} {name.value}")
    return [f"    {', '.join(spec.format_magnitude(m) for m in magnitudes)} {spec.unit} "
            f"({len(magnitudes)}): {', '.join(names)}"
            for magnitudes, names in users.items()]


def listing() -> str:
    """Everything ``bench run`` takes, with the sizes and grids of every profile."""
    out = ["tasks (data sets; profiles):"]
    for task in TASKS:
        names = [p.value for t, p in PROFILES if t == task.name]
        out.append(f"  {task.name}: {task.title} (data: {', '.join(task.datasets)}; "
                   f"profiles: {', '.join(names) if names else 'none yet'})")
    out += ["", "profiles (bench run TASK --profile NAME):"]
    table = [profile_sizes(profile) for profile in PROFILES.values()]
    headers = ["task", "profile", "data", "train images", "epochs", "seeds", "test images",
               "models"]
    out += ["  " + line for line in aligned([headers, *table])]
    options = [f"  {profile.task} {profile.name.value}: "
               + ", ".join(f"{key}={value}" for key, value in profile.data_options)
               for profile in PROFILES.values() if profile.data_options]
    if options:
        out += ["", "data loader options (images per class, test share, image size):", *options]
    out += ["", "data sets:"]
    out += [f"  {data.name}: {data.origin}" for data in DATASETS]
    out += ["", f"model families: {', '.join(FAMILIES.names())}",
            f"augmentations: {', '.join(POLICIES.names())}",
            "", "transforms (magnitudes swept, per profile):"]
    for spec in TRANSFORMS:
        out.append(f"  {spec.name}: {spec.title}; identity {spec.identity:g}, trained for "
                   f"by the {spec.policy} policy")
        out += grid_lines(spec.name)
    return "\n".join(out)
