"""Every estimate a report of one run shows, each computed once with its interval.

``RunEstimates`` holds the per-image correctness of a run's rows and hands out
:class:`bench.analysis.resample.Estimate` objects, t-intervals over seeds and test images
(accuracy, share kept above chance, differences, worst-of-grid, relative robustness),
cached by what they measure, so a cell shown in three tables and a plot carries one
interval. A *condition* is a tuple of cells
(transform, magnitude) whose per-image correctness is averaged, e.g. +3 and -3 px.

Image groups other than ``all`` store no per-image bits, only accuracies. Their image level
is drawn as if every seed got the same images right as far as its accuracy allows (images
ranked alike in every seed): the most correlated case, which makes that level as wide as it
can be, so group intervals are conservative. Differences are only formed on ``all``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from bench.analysis import metrics
from bench.analysis.resample import Estimate, ImageBootstrap, combine, difference, named
from bench.catalog import FAMILIES, POLICIES, TASKS, TRANSFORMS
from bench.results.schema import ALL, Row, unpack_bits

Model = tuple[str, str]  # (family, augmentation)
Cell = tuple[str, float]  # (transform, magnitude)
Condition = tuple[Cell, ...]


def model_order(model: Model) -> tuple[int, int]:
    """Sort key of a (family, augmentation): catalog order of families, then of policies."""
    return FAMILIES.order(model[0]), POLICIES.order(model[1])


class RunEstimates:
    """Estimates of one run's rows (one task), cached; ``bootstrap`` draws the image
    resamples. Each estimate's source starts with ``task`` and ``run_name``, so the same
    model and cells of two runs on one page are two statements."""

    def __init__(self, rows: Sequence[Row], task: str,
                 bootstrap: ImageBootstrap | None = None, run_name: str = "") -> None:
        self.chance = TASKS[task].chance
        self.run_id = (task, run_name)
        self.bootstrap = bootstrap or ImageBootstrap()
        self._bits: dict[tuple[Model, Cell], dict[int, np.ndarray]] = {}
        self._groups: dict[tuple[Model, Cell, str], dict[int, float]] = {}
        self._n: dict[str, int] = {}
        for row in rows:
            model, cell = (row.family, row.augmentation), (row.transform, float(row.magnitude))
            self._n[row.group] = row.n
            self._groups.setdefault((model, cell, row.group), {})[row.seed] = row.accuracy
            if row.group == ALL and row.correct_bits:
                self._bits.setdefault((model, cell), {})[row.seed] = unpack_bits(
                    row.correct_bits, row.n)
        for transform in {row.transform for row in rows}:
            TRANSFORMS[transform]  # an unknown transform is a ChoiceError, never dropped
        self._cache: dict[tuple, Estimate | None] = {}
        self._draws: dict[tuple[Model, Cell, str, int], np.ndarray] = {}
        self.clean_condition: Condition = self._clean_condition()

    def _clean_condition(self) -> Condition:
        """The identity cell of the first swept catalog transform (every identity cell holds
        the same untransformed images)."""
        swept = {cell for (_, cell, _) in self._groups}
        for spec in TRANSFORMS:
            if (spec.name, spec.identity) in swept:
                return ((spec.name, spec.identity),)
        raise ValueError("the rows hold no untransformed (identity) cell")

    def _cached(self, key: tuple, compute: Callable[[], Estimate | None]) -> Estimate | None:
        if key not in self._cache:
            self._cache[key] = named(compute(), (*self.run_id, *key))
        return self._cache[key]

    def models(self) -> list[Model]:
        """Every (family, augmentation) of the run, in catalog order."""
        models = {model for (model, _, _) in self._groups}
        return sorted(models, key=model_order)

    def seeds(self, model: Model, condition: Condition, group: str = ALL) -> tuple[int, ...]:
        """The seeds of ``model`` that hold every cell of ``condition``."""
        sets = [set(self._groups.get((model, cell, group), {})) for cell in condition]
        return tuple(sorted(set.intersection(*sets))) if sets else ()

    def common_seeds(self, models: Sequence[Model], condition: Condition) -> tuple[int, ...]:
        """Seeds every model holds at every cell of ``condition`` and of clean."""
        sets = [set(self.seeds(m, condition + self.clean_condition)) for m in models]
        return tuple(sorted(set.intersection(*sets)))

    def _load_draws(self, model: Model, group: str) -> None:
        """Per-seed image draws of every cell of ``model`` in ``group``: from the stored bits
        (group ``all``, one matrix product for all cells and seeds), else from the
        accuracies with images ranked alike in every seed (see the module docstring)."""
        keys = [(cell, seed) for (mod, cell, g), seeds in self._groups.items()
                if mod == model and g == group for seed in seeds]
        if group == ALL and all(seed in self._bits.get((model, cell), {})
                                for cell, seed in keys):
            draws = self.bootstrap.image_draws(
                np.stack([self._bits[(model, cell)][seed] for cell, seed in keys]))
        else:
            n = self._n[group]
            counts = [round(self._groups[(model, cell, group)][seed] * n) for cell, seed in keys]
            draws = self.bootstrap.ranked_draws(np.asarray(counts), n)
        for (cell, seed), row in zip(keys, draws, strict=True):
            self._draws[(model, cell, group, seed)] = row

    def _per_image(self, model: Model, cell: Cell, group: str, seed: int) -> np.ndarray:
        """(N,) float: one seed's correctness per test image at a cell, from the stored bits
        (group ``all``), else its accuracy with images ranked alike in every seed (as
        :meth:`_load_draws`)."""
        bits = self._bits.get((model, cell), {}).get(seed) if group == ALL else None
        if bits is not None:
            return bits.astype(np.float64)
        n = self._n[group]
        return (np.arange(n) < round(self._groups[(model, cell, group)][seed] * n)).astype(
            np.float64)

    def accuracy(self, model: Model, condition: Condition, group: str = ALL,
                 seeds: tuple[int, ...] | None = None) -> Estimate | None:
        """Accuracy (fraction) averaged over the condition's cells, over ``seeds`` (default:
        every seed that holds them); None if no seed does."""
        seeds = self.seeds(model, condition, group) if seeds is None else seeds
        if not seeds:
            return None

        def compute() -> Estimate:
            if (model, condition[0], group, seeds[0]) not in self._draws:
                self._load_draws(model, group)
            draws = np.stack([np.mean([self._draws[(model, cell, group, seed)]
                                       for cell in condition], axis=0) for seed in seeds])
            values = [np.mean([self._groups[(model, cell, group)][seed] for cell in condition])
                      for seed in seeds]
            per_image = np.mean([self._per_image(model, cell, group, seed)
                                 for cell in condition for seed in seeds], axis=0)
            return self.bootstrap.from_draws(np.asarray(values), draws, self._n[group],
                                             per_image)
        return self._cached(("accuracy", model, condition, group, seeds), compute)

    def clean(self, model: Model, group: str = ALL,
              seeds: tuple[int, ...] | None = None) -> Estimate | None:
        """Accuracy on the untransformed test images."""
        return self.accuracy(model, self.clean_condition, group, seeds)

    def kept(self, model: Model, condition: Condition,
             seeds: tuple[int, ...] | None = None) -> Estimate | None:
        """Share of the clean accuracy's lead over chance kept under the condition
        (1 = no loss, 0 = chance); None without seeds or when clean is not above chance."""
        seeds = self.common_seeds([model], condition) if seeds is None else seeds
        under, clean = self.accuracy(model, condition, seeds=seeds), self.clean(model,
                                                                                  seeds=seeds)
        if under is None or clean is None or clean.value <= self.chance:
            return None
        return self._cached(("kept", model, condition, seeds), lambda: combine(
            lambda a, c: metrics.kept_above_chance(a, np.maximum(c, self.chance + 1e-9),
                                                   self.chance), under, clean))

    def compare(self, a: Model, b: Model, condition: Condition,
                statistic: str = "accuracy") -> Estimate | None:
        """a - b of ``statistic`` (``accuracy`` or ``kept``) over the seeds both hold,
        resampled jointly (paired by seed and by image); None without common seeds."""
        seeds = self.common_seeds([a, b], condition)
        if not seeds:
            return None
        measure = self.accuracy if statistic == "accuracy" else self.kept
        first, second = measure(a, condition, seeds=seeds), measure(b, condition, seeds=seeds)
        if first is None or second is None:
            return None
        return difference(first, second)

    def magnitudes(self, model: Model, transform: str) -> tuple[float, ...]:
        """The swept magnitudes of ``transform`` that ``model`` holds, sorted."""
        return tuple(sorted(m for (mod, (t, m), g) in self._groups
                            if mod == model and t == transform and g == ALL))

    def relative(self, model: Model, transform: str) -> Estimate | None:
        """Relative robustness above chance over the whole swept range of ``transform``
        (seeds that hold every magnitude the run swept); None if fewer than 2 magnitudes."""
        swept = {m for (_, (t, m), g) in self._groups if t == transform and g == ALL}
        magnitudes = tuple(sorted(swept))
        condition = tuple((transform, m) for m in magnitudes)
        seeds = self.common_seeds([model], condition)
        if len(magnitudes) < 2 or not seeds:
            return None

        def compute() -> Estimate | None:
            points = [self.accuracy(model, (cell,), seeds=seeds) for cell in condition]
            clean = self.clean(model, seeds=seeds)
            if clean.value <= self.chance:
                return None
            return combine(lambda c, *accs: metrics.relative_robustness(
                magnitudes, np.stack(accs), np.maximum(c, self.chance + 1e-9), self.chance),
                clean, *points)
        return self._cached(("relative", model, transform, seeds), compute)

    def grid(self, limits: dict[str, float]) -> Condition:
        """The swept cells within ``limits`` (transform -> largest |magnitude - identity|),
        the identity once: the grid of worst- and random-of-grid accuracy."""
        cells = {cell for (_, cell, g) in self._groups if g == ALL and cell[0] in limits
                 and TRANSFORMS[cell[0]].distance(cell[1]) <= limits[cell[0]]}
        moved = sorted((c for c in cells if TRANSFORMS[c[0]].distance(c[1]) > 0),
                       key=lambda c: (TRANSFORMS.order(c[0]), c[1]))
        return self.clean_condition + tuple(moved)

    def of_grid(self, model: Model, limits: dict[str, float],
                adversary: str = "worst") -> Estimate | None:
        """Worst-of-grid (an image counts if right in every cell of the grid) or
        random-of-grid (one cell drawn per image, seeded with the training seed) accuracy."""
        grid = self.grid(limits)
        seeds = self.seeds(model, grid)
        if not seeds or not all((model, cell) in self._bits for cell in grid):
            return None

        def compute() -> Estimate:
            per_seed = []
            for seed in seeds:
                correct = np.stack([self._bits[(model, cell)][seed] for cell in grid])
                per_seed.append(metrics.worst_of_grid(correct) if adversary == "worst" else
                                metrics.random_of_grid(correct, np.random.default_rng(seed)))
            return self.bootstrap.estimate(np.stack(per_seed))
        return self._cached((adversary, model, grid, seeds), compute)
