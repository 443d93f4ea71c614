"""Frozen run configurations and the few closed sets that are not catalog items.

Tasks, data sets, model families, augmentation policies and transforms are catalog
items (``bench.catalog``), named by plain strings and validated there. What stays
here: the fill mode, profile names, the user-input error, and the frozen dataclasses
that size a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TypeVar


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
    degrees; scale_frac: largest relative scale (0.2 means factors 0.8..1.2, > 1 enlarges);
    shear_deg: largest horizontal shear angle in degrees; worst_of_k: random draws per
    training image of which the worst-of-k policy trains on the worst. Each defaults to 0
    (the policy that uses it leaves images unchanged), so a new range breaks no constructor
    call; a profile that trains a policy gives it its range (``tests/test_catalog.py`` checks).
    """

    shift_px: float = 0.0
    rotate_deg: float = 0.0
    scale_frac: float = 0.0
    shear_deg: float = 0.0
    worst_of_k: int = 0


#: A sweep grid: (transform name, magnitudes in the transform's unit) per transform.
Grid = tuple[tuple[str, tuple[float, ...]], ...]


def grid_cells(grid: Grid) -> list[tuple[str, float]]:
    """The (transform, magnitude) cells of a grid, in order."""
    return [(transform, float(magnitude)) for transform, magnitudes in grid
            for magnitude in magnitudes]


@dataclass(frozen=True)
class Profile:
    """Everything that sizes one run of a task.

    task, data, families, augmentations and the grid's transforms are catalog names.
    n_train / n_test: how many images to use (None: the whole split), drawn
    stratified with ``subset_seed``. grid: magnitudes per transform, in pixels,
    degrees or scale factor. clean_floor: the clean accuracy below which a suite
    calls a trained model broken (a sanity floor, not a goal). data_options: keyword
    options for the data loader (e.g. image size, images per class). worst_case_n /
    invariance_n: test images (a seeded subset) for the Engstrom worst-case search and
    the layer-by-layer invariance errors; 0 skips them. probed_augmentations: the policies
    whose models get those two probes (None: every model). family_policies: families that
    train with only some of the profile's augmentations, and which ones (every other
    family trains with all of them).
    """

    name: ProfileName
    task: str
    data: str
    n_train: int | None
    n_test: int | None
    subset_seed: int
    train: TrainSettings
    seeds: tuple[int, ...]
    families: tuple[str, ...]
    augmentations: tuple[str, ...]
    augment: AugmentRanges
    grid: Grid
    fill: Fill
    clean_floor: float
    data_options: tuple[tuple[str, object], ...] = ()
    worst_case_n: int = 0
    invariance_n: int = 0
    probed_augmentations: tuple[str, ...] | None = None
    family_policies: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def policies_of(self, family: str) -> tuple[str, ...]:
        """The augmentations ``family`` trains with, in the profile's order."""
        only = dict(self.family_policies).get(family)
        return tuple(name for name in self.augmentations if only is None or name in only)

    def pairs(self) -> tuple[tuple[str, str], ...]:
        """Every (family, augmentation) the profile trains, family by family."""
        return tuple((family, name) for family in self.families
                     for name in self.policies_of(family))

    def magnitudes(self, transform: str) -> tuple[float, ...]:
        """The swept magnitudes of one transform."""
        return dict(self.grid)[transform]
