"""The concrete run profiles of every task: ``smoke`` (CI), ``quick`` (default), ``book``."""

from __future__ import annotations

import dataclasses

from bench.config import (
    Augmentation,
    AugmentRanges,
    DataName,
    Family,
    Fill,
    Profile,
    ProfileName,
    Task,
    TrainSettings,
    TransformName,
    parse_choice,
)

ALL_POLICIES = tuple(Augmentation)
BOTH_FAMILIES = (Family.MLP, Family.CNN)


def _steps(start: float, stop: float, step: float) -> tuple[float, ...]:
    """start, start+step, ..., stop (inclusive), rounded to avoid float noise."""
    count = int(round((stop - start) / step)) + 1
    return tuple(round(start + i * step, 6) for i in range(count))


FULL_GRID = (
    (TransformName.SHIFT_X, _steps(-4, 4, 1)),
    (TransformName.SHIFT_Y, _steps(-4, 4, 1)),
    (TransformName.ROTATE, _steps(-45, 45, 15)),
    (TransformName.SCALE, _steps(0.6, 1.4, 0.1)),
)

SMOKE_GRID = (
    (TransformName.SHIFT_X, (-2.0, 0.0, 2.0)),
    (TransformName.SHIFT_Y, (-2.0, 0.0, 2.0)),
    (TransformName.ROTATE, (-30.0, 0.0, 30.0)),
    (TransformName.SCALE, (0.8, 1.0, 1.2)),
)

_MNIST_AUGMENT = AugmentRanges(shift_px=3.0, rotate_deg=30.0, scale_frac=0.3)

_MNIST_BOOK = Profile(
    name=ProfileName.BOOK,
    task=Task.MNIST,
    data=DataName.MNIST,
    n_train=None,
    n_test=None,
    subset_seed=0,
    train=TrainSettings(epochs=5, batch_size=1024, learning_rate=0.001),
    seeds=(0, 1),
    families=BOTH_FAMILIES,
    augmentations=ALL_POLICIES,
    augment=_MNIST_AUGMENT,
    grid=FULL_GRID,
    fill=Fill.ZERO,
    clean_floor=0.95,
)

PROFILES: dict[tuple[Task, ProfileName], Profile] = {
    (Task.MNIST, ProfileName.BOOK): _MNIST_BOOK,
    (Task.MNIST, ProfileName.QUICK): dataclasses.replace(
        _MNIST_BOOK,
        name=ProfileName.QUICK,
        data=DataName.MNIST_5K,
        train=TrainSettings(epochs=10, batch_size=128, learning_rate=0.001),
        seeds=(0, 1),
        clean_floor=0.85,
    ),
    (Task.MNIST, ProfileName.SMOKE): dataclasses.replace(
        _MNIST_BOOK,
        name=ProfileName.SMOKE,
        data=DataName.MNIST_5K,
        n_train=2000,
        n_test=500,
        train=TrainSettings(epochs=1, batch_size=128, learning_rate=0.001),
        seeds=(0,),
        augmentations=(Augmentation.NONE, Augmentation.SHIFT),
        grid=SMOKE_GRID,
        clean_floor=0.5,
    ),
}


def get_profile(task: Task | str, name: ProfileName | str) -> Profile:
    """The profile ``name`` of ``task``; ValueError names the valid choices."""
    task = parse_choice(Task, task, "task")
    name = parse_choice(ProfileName, name, "profile")
    if (task, name) not in PROFILES:
        known = sorted(p.value for t, p in PROFILES if t == task)
        raise ValueError(f"task {task.value!r} has no profile {name.value!r}; valid: {known}")
    return PROFILES[(task, name)]
