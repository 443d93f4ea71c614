"""Closed sets (str Enums) and frozen run configurations.

Every name a user can type (task, data set, model family, augmentation policy,
transform, profile) is a ``str`` Enum, normalised once at the boundary with
:func:`parse_choice`, which names the valid choices on a typo.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TypeVar


class Task(str, Enum):
    """A benchmark task: one problem, one model builder per family."""

    MNIST = "mnist"
    GENDER = "gender"
    CIFAR10 = "cifar10"


class DataName(str, Enum):
    """A data set a task can be trained and evaluated on."""

    MNIST = "mnist"
    MNIST_5K = "mnist-5k"
    GENDER = "gender"
    CIFAR10 = "cifar10"


class Family(str, Enum):
    """Model family."""

    MLP = "mlp"
    CNN = "cnn"


class Augmentation(str, Enum):
    """Training-time augmentation policy."""

    NONE = "none"
    SHIFT = "shift"
    ROTATE = "rotate"
    SCALE = "scale"
    ALL = "all"


class TransformName(str, Enum):
    """Evaluation-time transform swept over the test set."""

    SHIFT_X = "shift_x"
    SHIFT_Y = "shift_y"
    ROTATE = "rotate"
    SCALE = "scale"


class Fill(str, Enum):
    """What fills pixels that a transform brings in from outside the image."""

    ZERO = "zero"
    NEAREST = "nearest"


class ProfileName(str, Enum):
    """Size of a run: ``smoke`` (CI, < 1 min), ``quick`` (default), ``book`` (cookbook)."""

    SMOKE = "smoke"
    QUICK = "quick"
    BOOK = "book"


E = TypeVar("E", bound=Enum)


class ChoiceError(ValueError):
    """A name or value the user typed that is not one of the valid choices."""


def parse_choice(enum: type[E], value: str | E, what: str) -> E:
    """Return ``enum(value)``; on an unknown value raise ChoiceError naming the choices."""
    if isinstance(value, enum):
        return value
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise ChoiceError(f"unknown {what} {value!r}; valid choices: {choices}") from None


@dataclass(frozen=True)
class TrainSettings:
    """Optimiser settings: epochs, batch size (images) and Adam learning rate."""

    epochs: int
    batch_size: int
    learning_rate: float


@dataclass(frozen=True)
class AugmentRanges:
    """Ranges of the random training-time augmentation.

    shift_px: largest shift in pixels (each axis); rotate_deg: largest rotation in
    degrees; scale_frac: largest relative zoom (0.2 means factors 0.8..1.2).
    """

    shift_px: float
    rotate_deg: float
    scale_frac: float


@dataclass(frozen=True)
class Profile:
    """Everything that sizes one run of a task.

    n_train / n_test: how many images to use (None: the whole split), drawn
    stratified with ``subset_seed``. grid: magnitudes per transform, in pixels,
    degrees or scale factor. clean_floor: the clean accuracy below which a suite
    calls a trained model broken (a sanity floor, not a goal). data_options: keyword
    options for the data loader (e.g. image size, images per class).
    """

    name: ProfileName
    task: Task
    data: DataName
    n_train: int | None
    n_test: int | None
    subset_seed: int
    train: TrainSettings
    seeds: tuple[int, ...]
    families: tuple[Family, ...]
    augmentations: tuple[Augmentation, ...]
    augment: AugmentRanges
    grid: tuple[tuple[TransformName, tuple[float, ...]], ...]
    fill: Fill
    clean_floor: float
    data_options: tuple[tuple[str, object], ...] = ()

    def magnitudes(self, transform: TransformName) -> tuple[float, ...]:
        """The swept magnitudes of one transform."""
        return dict(self.grid)[transform]
