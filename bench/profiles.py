"""The concrete run profiles of every task: ``smoke`` (CI), ``quick`` (default), ``book``."""

from __future__ import annotations

import dataclasses

from bench.config import (
    Augmentation,
    AugmentRanges,
    ChoiceError,
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

#: 50x50 faces: shifts to +-8 px (16% of the side), like +-4 px on 28x28 digits.
FACE_GRID = (
    (TransformName.SHIFT_X, _steps(-8, 8, 2)),
    (TransformName.SHIFT_Y, _steps(-8, 8, 2)),
    (TransformName.ROTATE, _steps(-45, 45, 15)),
    (TransformName.SCALE, _steps(0.6, 1.4, 0.1)),
)

#: CIFAR-10: the book's rotation range (20 degrees) is on the grid.
CIFAR_GRID = (
    (TransformName.SHIFT_X, _steps(-4, 4, 1)),
    (TransformName.SHIFT_Y, _steps(-4, 4, 1)),
    (TransformName.ROTATE, (-45.0, -30.0, -20.0, -10.0, 0.0, 10.0, 20.0, 30.0, 45.0)),
    (TransformName.SCALE, _steps(0.6, 1.4, 0.1)),
)

#: The cookbook's gender recipe: 1,000 adult faces per class, 90/10 split, 50x50 gray,
#: batch 32, 50 epochs. Photos are shifted with the nearest border pixel as fill.
_GENDER_BOOK = Profile(
    name=ProfileName.BOOK,
    task=Task.GENDER,
    data=DataName.GENDER,
    n_train=None,
    n_test=None,
    subset_seed=0,
    train=TrainSettings(epochs=50, batch_size=32, learning_rate=0.001),
    seeds=(0, 1),
    families=BOTH_FAMILIES,
    augmentations=ALL_POLICIES,
    augment=AugmentRanges(shift_px=5.0, rotate_deg=20.0, scale_frac=0.2),
    grid=FACE_GRID,
    fill=Fill.NEAREST,
    clean_floor=0.6,
    data_options=(("size", 50), ("per_class", 1000), ("test_fraction", 0.1), ("seed", 0),
                  ("min_age", 18)),
)

#: The cookbook's CIFAR-10 recipe: Adam lr 0.01, batch 32, 10 epochs, rotation <= 20
#: degrees with nearest fill.
_CIFAR_BOOK = Profile(
    name=ProfileName.BOOK,
    task=Task.CIFAR10,
    data=DataName.CIFAR10,
    n_train=None,
    n_test=None,
    subset_seed=0,
    train=TrainSettings(epochs=10, batch_size=32, learning_rate=0.01),
    seeds=(0, 1),
    families=BOTH_FAMILIES,
    augmentations=ALL_POLICIES,
    augment=AugmentRanges(shift_px=4.0, rotate_deg=20.0, scale_frac=0.2),
    grid=CIFAR_GRID,
    fill=Fill.NEAREST,
    clean_floor=0.3,
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
    (Task.GENDER, ProfileName.BOOK): _GENDER_BOOK,
    # quick: children and adults (for the age breakdown), 1,500 per class, 80/20 split
    # (600 test faces), 10 epochs.
    (Task.GENDER, ProfileName.QUICK): dataclasses.replace(
        _GENDER_BOOK,
        name=ProfileName.QUICK,
        train=TrainSettings(epochs=10, batch_size=32, learning_rate=0.001),
        data_options=(("size", 50), ("per_class", 1500), ("test_fraction", 0.2), ("seed", 0)),
    ),
    (Task.GENDER, ProfileName.SMOKE): dataclasses.replace(
        _GENDER_BOOK,
        name=ProfileName.SMOKE,
        train=TrainSettings(epochs=5, batch_size=32, learning_rate=0.001),
        seeds=(0,),
        augmentations=(Augmentation.NONE, Augmentation.SHIFT),
        grid=SMOKE_GRID,
        clean_floor=0.55,
        data_options=(("size", 50), ("per_class", 300), ("test_fraction", 0.25), ("seed", 0)),
    ),
    (Task.CIFAR10, ProfileName.BOOK): _CIFAR_BOOK,
    # quick (about 15 minutes on 2 cores): all 10,000 training images of the shared copy,
    # 1,000 test images, 4 epochs at batch 64 and Adam lr 0.001; no augmentation against the
    # book's rotation only.
    (Task.CIFAR10, ProfileName.QUICK): dataclasses.replace(
        _CIFAR_BOOK,
        name=ProfileName.QUICK,
        n_test=1000,
        train=TrainSettings(epochs=4, batch_size=64, learning_rate=0.001),
        augmentations=(Augmentation.NONE, Augmentation.ROTATE),
    ),
    (Task.CIFAR10, ProfileName.SMOKE): dataclasses.replace(
        _CIFAR_BOOK,
        name=ProfileName.SMOKE,
        n_train=3000,
        n_test=500,
        # BatchNorm's moving statistics lag the weights early in training: with 282 steps
        # (batch 32) the CNN predicted one class at inference; batch 16 doubles the steps.
        train=TrainSettings(epochs=3, batch_size=16, learning_rate=0.001),
        seeds=(0,),
        augmentations=(Augmentation.NONE, Augmentation.ROTATE),
        grid=SMOKE_GRID,
        clean_floor=0.15,
    ),
}


#: The data sets each task's models can be trained and evaluated on.
TASK_DATA: dict[Task, tuple[DataName, ...]] = {
    Task.MNIST: (DataName.MNIST, DataName.MNIST_5K),
    Task.GENDER: (DataName.GENDER,),
    Task.CIFAR10: (DataName.CIFAR10,),
}


def get_profile(task: Task | str, name: ProfileName | str) -> Profile:
    """The profile ``name`` of ``task``; ChoiceError names the valid choices."""
    task = parse_choice(Task, task, "task")
    name = parse_choice(ProfileName, name, "profile")
    if (task, name) not in PROFILES:
        known = sorted(p.value for t, p in PROFILES if t == task)
        raise ChoiceError(f"task {task.value!r} has no profile {name.value!r}; valid: {known}")
    return PROFILES[(task, name)]


def with_data(profile: Profile, data: DataName | str) -> Profile:
    """``profile`` on another data set of the same task; ChoiceError if the task has no such
    data set."""
    data = parse_choice(DataName, data, "data set")
    allowed = TASK_DATA[profile.task]
    if data not in allowed:
        raise ChoiceError(
            f"task {profile.task.value!r} cannot use data set {data.value!r}; valid: "
            + ", ".join(d.value for d in allowed)
        )
    return dataclasses.replace(profile, data=data)
