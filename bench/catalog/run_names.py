"""Run folders' names, written and read in one place: ``<results>/<task>/<run name>``.

A run name is the profile's name, plus the data set and the Adam learning rate when they
are not the profile's own: ``quick``, ``quick-mnist``, ``book-lr0.001``. :func:`run_name`
writes it, :func:`parse_run_name` reads it back, :func:`profile_of_run` recovers the profile
and :func:`run_command` the ``bench run`` command that writes it.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from bench.catalog import profiles
from bench.catalog.datasets import DATASETS
from bench.catalog.profiles import get_profile, with_learning_rate
from bench.config import Profile


def run_name(profile: Profile) -> str:
    """The result folder of a run: the profile's name, plus the data set and the learning
    rate when they are not the profile's own (so runs of other data or settings never mix)."""
    own = get_profile(profile.task, profile.name)
    name = profile.name.value
    if profile.data != own.data:
        name += f"-{profile.data}"
    if profile.train.learning_rate != own.train.learning_rate:
        name += f"-lr{profile.train.learning_rate:g}"
    return name


def run_folder(profile: Profile, results_dir: Path) -> Path:
    """``<results_dir>/<task>/<run name>``: where a run of ``profile`` stores its rows."""
    return Path(results_dir) / profile.task / run_name(profile)


def parse_run_name(run_name: str) -> tuple[str, str | None, float | None]:
    """(profile name, data set or None, Adam rate or None) of a run folder's name, as
    :func:`run_name` writes it: ``quick``, ``quick-mnist``, ``book-lr0.001``."""
    rate = None
    match = re.fullmatch(r"(.+)-lr([0-9.e+-]+)", run_name)
    if match:
        run_name, rate = match.group(1), float(match.group(2))
    name, _, data = run_name.partition("-")
    return name, data or None, rate


def profile_of_run(task: str, run_name: str) -> Profile | None:
    """The profile a stored run folder (``quick``, ``quick-mnist`` on another data set,
    ``book-lr0.001`` at another learning rate) was run with; None for a name that is no
    profile of the task."""
    name, data, rate = parse_run_name(run_name)
    for (profile_task, profile_name), profile in profiles.PROFILES.items():
        if profile_task == task and profile_name.value == name:
            if data in DATASETS:
                profile = dataclasses.replace(profile, data=data)
            return with_learning_rate(profile, rate) if rate is not None else profile
    return None


def run_command(task: str, run_name: str) -> str:
    """The ``bench run`` command that writes the run folder ``run_name`` of ``task``."""
    name, data, rate = parse_run_name(run_name)
    return (f"bench run {task} --profile {name}" + (f" --data {data}" if data else "")
            + (f" --learning-rate {rate:g}" if rate is not None else ""))
