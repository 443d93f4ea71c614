"""The concrete run profiles of every task: ``smoke`` (CI), ``quick`` (default), ``book``.

Every profile names the transforms it sweeps and the policies it trains: a transform or
policy added to the catalog joins no profile until it is named here (so it changes no
published report and no run's time by surprise). Magnitudes come from the transform
catalog (``grid("full", SWEPT)``, ``grid("smoke", SWEPT)``); a profile overrides only what
its images need.

Run folders are named here too, written and read in one place: ``<results>/<task>/<run
name>``, the run name being the profile's name plus the data set and the Adam learning rate
when they are not the profile's own (``quick``, ``quick-mnist``, ``book-lr0.001``):
:func:`run_name` writes it, :func:`parse_run_name` reads it back, :func:`profile_of_run`
recovers the profile and :func:`run_command` the command that writes it.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path

from bench.catalog.datasets import DATASETS
from bench.catalog.families import FAMILIES
from bench.catalog.policies import POLICIES, policies_for
from bench.catalog.tasks import TASKS
from bench.catalog.transforms import grid, steps
from bench.config import (
    AugmentRanges,
    ChoiceError,
    Fill,
    Profile,
    ProfileName,
    TrainSettings,
    parse_choice,
)

log = logging.getLogger(__name__)

#: The policies every book profile trains (CIFAR-10's adds the notebook's ``cookbook``).
BOOK_POLICIES = ("none", "shift", "rotate", "scale", "all", "shear")
#: The transforms every profile sweeps.
SWEPT = ("shift_x", "shift_y", "rotate", "scale", "shear")
BOTH_FAMILIES = ("mlp", "cnn")
#: The families every book profile trains.
BOOK_FAMILIES = ("mlp", "cnn", "cnn-gap", "cnn-aa")
SMOKE_GRID = grid("smoke", SWEPT)
#: quick and CIFAR-10's book train three seeds: a difference gets a verdict only with at
#: least three (``bench.analysis.resample.MIN_SEEDS``); the book profiles of the tasks
#: cheap to train on a CPU (MNIST, Fashion-MNIST, faces) train five, for narrower intervals.
THREE_SEEDS = (0, 1, 2)
FIVE_SEEDS = (0, 1, 2, 3, 4)

#: worst_of_k: Engstrom et al.'s k = 10 draws per training image in the book profile
#: (k + 1 = 11 forward passes per training image, about 4.3x an ordinary training's compute).
_MNIST_AUGMENT = AugmentRanges(shift_px=3.0, rotate_deg=30.0, scale_frac=0.3, shear_deg=20.0,
                               worst_of_k=10)
#: The quick profile searches k = 4 draws: (4 + 3) / 3 = 2.3x an ordinary training's compute
#: (a backward pass counted as two forward passes) instead of 4.3x, to keep the main job's
#: time; the smoke profile 2, enough to exercise the step.
_QUICK_WORST_OF_K, _SMOKE_WORST_OF_K = 4, 2
#: The MNIST remedies the book profile measures beyond BOOK_POLICIES: worst-of-k training,
#: and the test-time defences (TTA, Engstrom's majority vote) of the models without
#: augmentation, with all augmentations and with worst-of-k training (the majority vote also
#: with its draws narrowed to half the ranges, docs/metrics.md).
_MNIST_REMEDIES = ("worst-of-k", "none+tta", "none+vote", "all+tta", "all+vote",
                   "worst-of-k+vote", "worst-of-k+vote-narrow")
#: Who trains with what in MNIST's book profile. The CNN takes every remedy: Engstrom's
#: defences are measured on it, as in their paper. The MLP takes worst-of-k training and
#: TTA; the votes (8-14 minutes of evaluation per seed here) are left to the CNN. The
#: architecture variants (GAP, anti-aliasing) are compared under the book's policies. The
#: p4-CNN is itself the remedy and trains without augmentation only: at about 13 times the
#: CNN's multiply-adds it took 370-400 s a model here, so 5 seeds of 12 more policies would
#: take about 6.5 hours of CPU.
_MNIST_BOOK_MATRIX = (("mlp", (*BOOK_POLICIES, "worst-of-k", "none+tta")),
                      ("cnn-gap", BOOK_POLICIES), ("cnn-aa", BOOK_POLICIES),
                      ("p4-cnn", ("none",)))

_MNIST_BOOK = Profile(
    name=ProfileName.BOOK,
    task="mnist",
    data="mnist",
    n_train=None,
    n_test=None,
    subset_seed=0,
    train=TrainSettings(epochs=5, batch_size=1024, learning_rate=0.001),
    seeds=FIVE_SEEDS,
    families=BOTH_FAMILIES,
    augmentations=BOOK_POLICIES,
    augment=_MNIST_AUGMENT,
    grid=grid("full", SWEPT),
    fill=Fill.ZERO,
    clean_floor=0.95,
)

#: Fashion-MNIST: the MNIST models and settings on the clothing images.
_FASHION_BOOK = dataclasses.replace(_MNIST_BOOK, task="fashion-mnist", data="fashion-mnist",
                                    clean_floor=0.8)

#: 50x50 faces: shifts to +-8 px (16% of the side), like +-4 px on 28x28 digits.
FACE_GRID = grid("full", SWEPT, shift_x=steps(-8, 8, 2), shift_y=steps(-8, 8, 2))

#: CIFAR-10: the book's rotation range (20 degrees) is on the grid.
CIFAR_GRID = grid("full", SWEPT,
                  rotate=(-45.0, -30.0, -20.0, -10.0, 0.0, 10.0, 20.0, 30.0, 45.0))

#: The cookbook's gender recipe: 1,000 adult faces per class, 90/10 split, 50x50 gray,
#: batch 32, 50 epochs. Photos are shifted with the nearest border pixel as fill.
_GENDER_BOOK = Profile(
    name=ProfileName.BOOK,
    task="gender",
    data="gender",
    n_train=None,
    n_test=None,
    subset_seed=0,
    train=TrainSettings(epochs=50, batch_size=32, learning_rate=0.001),
    seeds=FIVE_SEEDS,
    families=BOTH_FAMILIES,
    augmentations=BOOK_POLICIES,
    augment=AugmentRanges(shift_px=5.0, rotate_deg=20.0, scale_frac=0.2, shear_deg=15.0),
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
    task="cifar10",
    data="cifar10",
    n_train=None,
    n_test=None,
    subset_seed=0,
    train=TrainSettings(epochs=10, batch_size=32, learning_rate=0.01),
    seeds=THREE_SEEDS,
    families=BOTH_FAMILIES,
    augmentations=(*BOOK_POLICIES, "cookbook"),
    augment=AugmentRanges(shift_px=4.0, rotate_deg=20.0, scale_frac=0.2, shear_deg=15.0),
    grid=CIFAR_GRID,
    fill=Fill.NEAREST,
    clean_floor=0.3,
)

def _book(profile: Profile, worst_case_n: int) -> Profile:
    """A book profile: the book's model families, the worst case on ``worst_case_n`` test images
    and the invariance errors on 200, for every model (the quick and smoke profiles derive
    from the profile before this, so they keep two families)."""
    return dataclasses.replace(profile, families=BOOK_FAMILIES, worst_case_n=worst_case_n,
                               invariance_n=200)


#: Test images of the quick profiles' worst case and invariance probes.
QUICK_PROBE_N = 100


def _quick_probes(profile: Profile, *augmentations: str) -> Profile:
    """A quick profile with both spatial probes on :data:`QUICK_PROBE_N` test images, for the
    models of ``augmentations`` only (about 2 s per MLP and 4 s per CNN on MNIST, 2 cores),
    so the main job keeps its time budget."""
    return dataclasses.replace(profile, worst_case_n=QUICK_PROBE_N, invariance_n=QUICK_PROBE_N,
                               probed_augmentations=augmentations)


PROFILES: dict[tuple[str, ProfileName], Profile] = {
    # MNIST book also trains the p4 rotation-equivariant CNN and measures the remedies
    ("mnist", ProfileName.BOOK): dataclasses.replace(
        _book(_MNIST_BOOK, 1000), families=(*BOOK_FAMILIES, "p4-cnn"),
        augmentations=(*BOOK_POLICIES, *_MNIST_REMEDIES), family_policies=_MNIST_BOOK_MATRIX),
    # quick, the main job: 3 seeds x 10 models on the 5,000-digit copy. With 3 seeds instead
    # of 2, training 6 epochs instead of 10 keeps the run under 5 minutes on 2 cores (289 s
    # on a fresh cache); the probes run on the models without augmentation only. The p4-CNN
    # is left to book: about 13 times the CNN's multiply-adds per image, it trained at 85-88
    # s per epoch of 60,000 digits here against the CNN's 5-10 s, so its 3 seeds alone would
    # take the main job past its budget.
    ("mnist", ProfileName.QUICK): _quick_probes(dataclasses.replace(
        _MNIST_BOOK,
        name=ProfileName.QUICK,
        data="mnist-5k",
        train=TrainSettings(epochs=6, batch_size=128, learning_rate=0.001),
        seeds=THREE_SEEDS,
        augmentations=("none", "shift", "rotate", "scale", "all", "worst-of-k", "none+tta",
                       "none+vote"),
        augment=dataclasses.replace(_MNIST_AUGMENT, worst_of_k=_QUICK_WORST_OF_K),
        clean_floor=0.85,
    ), "none"),
    ("mnist", ProfileName.SMOKE): dataclasses.replace(
        _MNIST_BOOK,
        name=ProfileName.SMOKE,
        data="mnist-5k",
        n_train=2000,
        n_test=500,
        train=TrainSettings(epochs=1, batch_size=128, learning_rate=0.001),
        seeds=(0,),
        augmentations=("none", "shift"),
        augment=dataclasses.replace(_MNIST_AUGMENT, worst_of_k=_SMOKE_WORST_OF_K),
        grid=SMOKE_GRID,
        clean_floor=0.5,
    ),
    ("fashion-mnist", ProfileName.BOOK): _book(_FASHION_BOOK, 1000),
    # quick: 6,000 training and 1,000 test images, 10 epochs, the shear policy against none
    ("fashion-mnist", ProfileName.QUICK): _quick_probes(dataclasses.replace(
        _FASHION_BOOK,
        name=ProfileName.QUICK,
        n_train=6000,
        n_test=1000,
        train=TrainSettings(epochs=10, batch_size=128, learning_rate=0.001),
        seeds=THREE_SEEDS,
        augmentations=("none", "shift", "shear"),
        clean_floor=0.7,
    ), "none", "shift"),
    ("fashion-mnist", ProfileName.SMOKE): dataclasses.replace(
        _FASHION_BOOK,
        name=ProfileName.SMOKE,
        n_train=2000,
        n_test=500,
        train=TrainSettings(epochs=2, batch_size=128, learning_rate=0.001),
        seeds=(0,),
        augmentations=("none", "shear"),
        grid=SMOKE_GRID,
        clean_floor=0.4,
    ),
    ("gender", ProfileName.BOOK): _book(_GENDER_BOOK, 200),  # 200 faces: the whole test split
    # quick: children and adults (for the age breakdown), 1,500 per class, 80/20 split
    # (600 test faces), 10 epochs.
    ("gender", ProfileName.QUICK): _quick_probes(dataclasses.replace(
        _GENDER_BOOK,
        name=ProfileName.QUICK,
        train=TrainSettings(epochs=10, batch_size=32, learning_rate=0.001),
        seeds=THREE_SEEDS,
        augmentations=("none", "shift", "rotate", "scale", "all"),
        data_options=(("size", 50), ("per_class", 1500), ("test_fraction", 0.2), ("seed", 0)),
    ), "none", "all"),
    ("gender", ProfileName.SMOKE): dataclasses.replace(
        _GENDER_BOOK,
        name=ProfileName.SMOKE,
        train=TrainSettings(epochs=5, batch_size=32, learning_rate=0.001),
        seeds=(0,),
        augmentations=("none", "shift"),
        grid=SMOKE_GRID,
        clean_floor=0.55,
        data_options=(("size", 50), ("per_class", 300), ("test_fraction", 0.25), ("seed", 0)),
    ),
    ("cifar10", ProfileName.BOOK): _book(_CIFAR_BOOK, 500),
    # quick (about 45 minutes on 2 cores): 10,000 training images, 1,000 test images,
    # 4 epochs at batch 64 and Adam lr 0.001; every policy of the book profile but the
    # cookbook's own generator.
    ("cifar10", ProfileName.QUICK): _quick_probes(dataclasses.replace(
        _CIFAR_BOOK,
        name=ProfileName.QUICK,
        n_train=10_000,
        n_test=1000,
        train=TrainSettings(epochs=4, batch_size=64, learning_rate=0.001),
        augmentations=BOOK_POLICIES,
    ), "none", "rotate"),
    ("cifar10", ProfileName.SMOKE): dataclasses.replace(
        _CIFAR_BOOK,
        name=ProfileName.SMOKE,
        n_train=3000,
        n_test=500,
        # BatchNorm's moving statistics lag the weights early in training: with 282 steps
        # (batch 32) the CNN predicted one class at inference; batch 16 doubles the steps.
        train=TrainSettings(epochs=3, batch_size=16, learning_rate=0.001),
        seeds=(0,),
        augmentations=("none", "rotate"),
        grid=SMOKE_GRID,
        clean_floor=0.15,
    ),
}


def get_profile(task: str, name: ProfileName | str) -> Profile:
    """The profile ``name`` of ``task``; ChoiceError names the valid choices."""
    task = TASKS.parse(task)
    name = parse_choice(ProfileName, name, "profile")
    if (task, name) not in PROFILES:
        known = sorted(p.value for t, p in PROFILES if t == task)
        raise ChoiceError(f"task {task!r} has no profile {name.value!r}; valid: {known}")
    return PROFILES[(task, name)]


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
    for (profile_task, profile_name), profile in PROFILES.items():
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


def with_data(profile: Profile, data: str) -> Profile:
    """``profile`` on another data set of the same task; ChoiceError if the task has no such
    data set."""
    data = DATASETS.parse(data)
    allowed = TASKS[profile.task].datasets
    if data not in allowed:
        raise ChoiceError(f"task {profile.task!r} cannot use data set {data!r}; valid: "
                          + ", ".join(allowed))
    return dataclasses.replace(profile, data=data)


def data_for_source(profile: Profile) -> Profile:
    """The profile on the task's data set that reads ``--source`` when its own does not
    (``mnist`` for the quick profile's ``mnist-5k``); ChoiceError when none or several do."""
    if DATASETS[profile.data].takes_source:
        return profile
    readers = [name for name in TASKS[profile.task].datasets if DATASETS[name].takes_source]
    if len(readers) != 1:
        raise ChoiceError(f"--source does not apply to data set {profile.data!r}; add "
                          f"--data with one of: {', '.join(readers) or '(none)'}")
    log.info("--source given: using data set %r instead of %r", readers[0], profile.data)
    return with_data(profile, readers[0])


def with_choices(profile: Profile, families: tuple[str, ...] | None = None,
                 augmentations: tuple[str, ...] | None = None,
                 worst_case_n: int | None = None, invariance_n: int | None = None) -> Profile:
    """``profile`` restricted to (or extended by) the given families and policies, each
    name checked against the catalog, and with other probe sizes (test images, 0: skip).
    Policies given here apply to every family (the profile's ``family_policies`` are
    dropped)."""
    changes: dict[str, object] = {}
    if families:
        changes["families"] = tuple(FAMILIES.parse(name) for name in families)
    if augmentations:
        changes["augmentations"] = tuple(POLICIES.parse(name) for name in augmentations)
        meant = policies_for(profile.task)
        other = [name for name in changes["augmentations"] if name not in meant]
        if other:
            raise ChoiceError(f"augmentation {other[0]!r} is meant for "
                              f"{', '.join(POLICIES[other[0]].tasks)} only, not "
                              f"{profile.task!r}; valid: {', '.join(meant)}")
        changes["family_policies"] = ()
    for name, n in (("worst_case_n", worst_case_n), ("invariance_n", invariance_n)):
        if n is not None:
            if n < 0:
                raise ChoiceError(f"--{name.replace('_', '-')} must be >= 0, got {n}")
            changes[name] = n
    return dataclasses.replace(profile, **changes)


def with_learning_rate(profile: Profile, learning_rate: float) -> Profile:
    """``profile`` trained with Adam at ``learning_rate``; ChoiceError unless 0 < rate < 1."""
    if not 0 < learning_rate < 1:
        raise ChoiceError(f"--learning-rate must be between 0 and 1, got {learning_rate:g}")
    settings = dataclasses.replace(profile.train, learning_rate=learning_rate)
    return dataclasses.replace(profile, train=settings)
