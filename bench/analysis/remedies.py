"""Every remedy against the plain CNN on the same axes: what buys spatial robustness?

A *remedy* is a model of a run built on the plain CNN (``cnn`` / ``none``): an augmentation
policy, worst-of-k training, a test-time defence of either (``none+vote``), or an
architecture variant without augmentation (``variant_of == "cnn"``: CNN-GAP, CNN-AA,
p4-CNN). Each is measured in raw accuracy, every figure a 95% interval over seeds and test
images (:mod:`bench.analysis.resample`):

- *clean*: the untransformed test images;
- *at the trained edge*: shifts along each axis and rotations at the largest swept distance
  inside the run's augmentation ranges, both directions, mean of the cells (the attack
  space of Engstrom et al.);
- *beyond it*: the same transforms at the largest swept distance;
- *grid worst case*: Engstrom's 5 x 5 x 31 grid (``bench.analysis.worst_case``), an image
  right only when right under all 775 transforms, on the worst-case probe's test subset.

Each remedy's grid worst case and beyond-range accuracy are set against the plain CNN's,
paired by seed and image; its cost is the network's forward passes per test image and its
measured training time against the plain CNN's (median over seeds, as stored).

Stated before any defence was measured with both (docs/metrics.md, "Every remedy, ranked"):
each test-time defence is also set against the model it defends (``worst-of-k+vote`` minus
``worst-of-k``), and the narrow vote against the full vote of the same model
(:func:`defence_contrasts`), in grid worst case, paired, with verdicts in the page's family.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

import numpy as np

from bench.analysis import conditions
from bench.analysis.answers import Takeaway, holds
from bench.analysis.estimates import Condition, Model
from bench.analysis.resample import MIN_SEEDS, Estimate, difference, named
from bench.analysis.runs import RunView
from bench.analysis.sentences import accuracy_words
from bench.analysis.worst_case import PROBE as WORST_CASE
from bench.catalog import FAMILIES, POLICIES, TASKS, TRANSFORMS
from bench.catalog.defences import DEFENCES
from bench.results.completeness import pair_label
from bench.results.schema import unpack_bits

#: The model every remedy is set against.
PLAIN = ("cnn", "none")
#: Remedies besides the plain CNN with a grid worst case a run needs to be ranked.
MIN_RANKED = 4
#: The transforms of the edge and beyond-range axes: Engstrom's attack space.
ATTACK_TRANSFORMS = ("shift_x", "shift_y", "rotate")
#: bench's goal for a remedy on GOAL_TASK, a measured figure, never a test: the grid worst
#: case at least GOAL_GRID while clean accuracy stays at least GOAL_CLEAN.
GOAL_TASK, GOAL_GRID, GOAL_CLEAN = "mnist", 0.90, 0.99


@dataclass(frozen=True)
class Remedy:
    """One model of a run on the four axes (None: not measured), the differences of its grid
    worst case and beyond-range accuracy to the plain CNN's, and its cost."""

    model: Model
    clean: Estimate
    edge: Estimate | None
    beyond: Estimate | None
    grid: Estimate | None
    grid_gain: Estimate | None
    beyond_gain: Estimate | None
    forward_passes: int
    training_time: float | None

    @property
    def label(self) -> str:
        """``CNN / worst-of-k``."""
        return pair_label(*self.model)


@dataclass(frozen=True)
class Ranking:
    """One run's remedies, the plain CNN among them, and the conditions of the axes."""

    view: RunView
    remedies: list[Remedy]
    edge: Condition
    beyond: Condition
    grids: dict[Model, dict[int, np.ndarray]]

    @property
    def plain(self) -> Remedy:
        return next(r for r in self.remedies if r.model == PLAIN)

    def by_grid(self) -> list[Remedy]:
        """Remedies with a grid worst case, the highest first (ties: the catalog order)."""
        return sorted((r for r in self.remedies if r.grid is not None),
                      key=lambda r: -r.grid.value)

    def best(self) -> Remedy | None:
        """The remedy (not the plain CNN) with the highest grid worst case, if any."""
        return next((r for r in self.by_grid() if r.model != PLAIN), None)


def is_remedy(model: Model) -> bool:
    """True for the plain CNN and every model built on it (module docstring)."""
    family, augmentation = model
    spec = FAMILIES[family]
    if family == PLAIN[0]:
        return True
    return spec.variant_of == PLAIN[0] and augmentation == "none"


def attack_conditions(view: RunView) -> tuple[Condition, Condition] | None:
    """(at the trained edge, beyond it): the attack transforms at the largest swept distance
    within the run's stored ranges and at the largest swept distance, both directions; None
    where a range is not stored or nothing is swept beyond it."""
    edge: list = []
    beyond: list = []
    for transform in ATTACK_TRANSFORMS:
        if transform not in view.swept or transform not in view.edges:
            return None
        swept = view.swept[transform]
        distances = conditions.distances(transform, swept)
        limit = TRANSFORMS[transform].distance(view.edges[transform])
        inside = [d for d in distances if 0 < d <= limit + 1e-9]
        if not inside or distances[-1] <= inside[-1] + 1e-9:
            return None
        edge += conditions.both_directions(transform, inside[-1], swept)
        beyond += conditions.both_directions(transform, distances[-1], swept)
    return tuple(edge), tuple(beyond)


def grid_correct(view: RunView) -> dict[Model, dict[int, np.ndarray]]:
    """model -> seed -> (N,) bool: the images right under every transform of Engstrom's
    grid, from the run's worst-case probe records (one pass over them)."""
    found: dict[Model, dict[int, np.ndarray]] = {}
    for record in view.run.probes:
        if record.get("probe") == WORST_CASE and record.get("grid_bits"):
            found.setdefault((record["family"], record["augmentation"]), {})[
                int(record["seed"])] = unpack_bits(record["grid_bits"], int(record["n_images"]))
    return found


def _grid(view: RunView, model: Model, correct: dict[int, np.ndarray],
          seeds: Sequence[int]) -> Estimate | None:
    """The grid worst case over ``seeds`` of ``model``'s seed -> correctness."""
    if not seeds or any(s not in correct for s in seeds):
        return None
    if len({correct[s].size for s in seeds}) != 1:
        return None
    return named(view.estimates.bootstrap.estimate(np.stack([correct[s] for s in seeds])),
                 ("grid worst case", *view.estimates.run_id, model, tuple(seeds)))


def _grid_difference(view: RunView, grids: dict[Model, dict[int, np.ndarray]], model: Model,
                     other: Model) -> Estimate | None:
    """``model`` minus ``other`` in grid worst case, over the seeds both hold, paired."""
    mine, theirs = grids.get(model, {}), grids.get(other, {})
    seeds = sorted(set(mine) & set(theirs))
    a, b = _grid(view, model, mine, seeds), _grid(view, other, theirs, seeds)
    if a is None or b is None or a.n != b.n:
        return None
    return difference(a, b)


def forward_passes(augmentation: str) -> int:
    """The network's forward passes per test image under the policy's defence (1: none)."""
    defended = POLICIES[augmentation].defended
    return DEFENCES[defended[1]].forward_passes if defended else 1


def training_time(view: RunView, model: Model) -> float | None:
    """The model's median stored training time (s) over its seeds divided by the plain
    CNN's; a defended variant's is its base model's. None where either lacks a time."""
    def seconds(of: Model) -> float | None:
        family, augmentation = of
        defended = POLICIES[augmentation].defended
        base = defended[0] if defended else augmentation
        times = [m["train_seconds"] for m in view.run.models
                 if (m["family"], m["augmentation"]) == (family, base)
                 and m.get("train_seconds")]
        return median(times) if times else None
    mine, plain = seconds(model), seconds(PLAIN)
    return mine / plain if mine and plain else None


def ranking(view: RunView) -> Ranking | None:
    """The run's remedies with at least MIN_SEEDS seeds of clean accuracy, the plain CNN
    among them; None where it lacks the plain CNN, the axes' conditions or a remedy."""
    axes = attack_conditions(view)
    estimates = view.estimates
    models = [m for m in estimates.models() if is_remedy(m)]
    if axes is None or PLAIN not in models or len(models) < 2:
        return None
    edge, beyond = axes
    grids = grid_correct(view)
    found = []
    for model in models:
        clean = estimates.clean(model)
        if clean is None or clean.seeds < MIN_SEEDS:
            continue
        grid = grids.get(model, {})
        found.append(Remedy(
            model, clean, estimates.accuracy(model, edge), estimates.accuracy(model, beyond),
            _grid(view, model, grid, sorted(grid)),
            None if model == PLAIN else _grid_difference(view, grids, model, PLAIN),
            None if model == PLAIN else estimates.compare(model, PLAIN, beyond),
            forward_passes(model[1]), training_time(view, model)))
    if PLAIN not in {r.model for r in found} or len(found) < 2:
        return None
    return Ranking(view, found, edge, beyond, grids)


#: The narrow vote, set against the full one of the same model.
NARROW_VOTE, FULL_VOTE = "vote-narrow", "vote"


@dataclass(frozen=True)
class DefenceContrast:
    """A defended remedy minus another model of the same base, in grid worst case (pp as a
    fraction, paired by seed and image)."""

    defended: Remedy
    against: Remedy
    gain: Estimate


def defence_contrasts(ranking: Ranking) -> list[DefenceContrast]:
    """Each defended remedy with a grid worst case against its undefended base model (but
    the plain CNN, which the ranking's differences already give), and each narrow vote
    against the full vote of the same base, where both are ranked."""
    by_model = {r.model: r for r in ranking.remedies if r.grid is not None}
    found = []
    for remedy in by_model.values():
        defended = POLICIES[remedy.model[1]].defended
        if defended is None:
            continue
        base, defence = defended
        others = [] if (remedy.model[0], base) == PLAIN else [(remedy.model[0], base)]
        if defence == NARROW_VOTE:
            others.append((remedy.model[0], f"{base}+{FULL_VOTE}"))
        for other in others:
            gain = (_grid_difference(ranking.view, ranking.grids, remedy.model, other)
                    if other in by_model else None)
            if gain is not None:
                found.append(DefenceContrast(remedy, by_model[other], gain))
    return found


def rankings(views: Sequence[RunView]) -> list[Ranking]:
    """Per task, the ranking of the run with the most remedies measured on the grid (then the
    most remedies), kept where at least MIN_RANKED remedies besides the plain CNN have a grid
    worst case: a ranking of fewer says little that the task report does not."""
    best: dict[str, Ranking] = {}
    for view in views:
        found = ranking(view)
        if found is None:
            continue
        score = (len(found.by_grid()), len(found.remedies))
        held = best.get(view.run.task)
        if held is None or score > (len(held.by_grid()), len(held.remedies)):
            best[view.run.task] = found
    return [r for r in best.values() if len(r.by_grid()) - 1 >= MIN_RANKED]


def grid_words(estimate: Estimate) -> str:
    """A grid worst case in words: ``0 of 1,000 images on every seed`` where every seed got
    none right (no interval forms at that boundary), else its accuracy with its interval."""
    if estimate.per_seed.max() == 0.0:
        return f"0 of {estimate.n:,} images on every seed"
    return accuracy_words(estimate)


def takeaway(views: Sequence[RunView]) -> Takeaway | None:
    """The remedy with the highest grid worst case over every ranking whose gain over the
    plain CNN there has an interval above 0, against the plain CNN and bench's goal."""
    found = [(ranking, best) for ranking in rankings(views)
             if (best := ranking.best()) is not None and holds(best.grid_gain)
             and best.grid_gain.value > 0]
    if not found:
        return None
    ranking, best = max(found, key=lambda item: item[1].grid.value)
    run = ranking.view.run
    goal = f"; bench's goal: {GOAL_GRID:.0%}" if run.task == GOAL_TASK else ""
    return Takeaway(best.grid_gain.value, (
        f"**On {TASKS[run.task].in_sentence} ({run.profile}), {best.label} keeps most on "
        f"Engstrom's grid** of {len(ranking.remedies) - 1} CNN remedies: "
        f"{grid_words(best.grid)} of {best.grid.n:,} images right under all 775 shifts and "
        f"rotations, the plain CNN {ranking.plain.grid.value * 100:.1f}%{goal}."))
