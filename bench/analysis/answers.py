"""The front page's answer: at most five ranked takeaways in plain words, under rules the
code checks (tests/test_takeaways.py).

Per task (its front-page run) and transform kind (both shifts together, rotations, ...),
models are compared in raw accuracy, the mean of both directions. A takeaway

- quotes an augmentation's effect at the edge of the range its policy trains on (the run's
  stored ranges, else its profile's), and separately beyond it; never a distance beyond
  the trained range as if trained;
- names its task unless the effect holds (same sign, 95% interval excluding 0) on every
  task it covers, and then lists the tasks where it does not;
- states its denominator, split by seed count ("in 4 of 4 five-seed and 1 of 6 three-seed
  task and transform pairs");
- quotes the largest of several effects as selected ("the largest of 16 gaps").

A takeaway prints intervals and counts, never a verdict: what it selects and counts is
read from unadjusted 95% intervals (:func:`holds`), which join no page's Holm family.
Takeaways are ranked by the size of their effect, the cookbook's claims last.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bench.analysis import conditions
from bench.analysis.estimates import Condition, Model
from bench.analysis.resample import MIN_SEEDS, Estimate, difference
from bench.analysis.runs import RunView
from bench.catalog import TASKS, TRANSFORMS

MAX_TAKEAWAYS = 5
#: The cookbook's pair: the first family (the MLP) and the family others are variants of.
BASE, CNN = "mlp", "cnn"
#: Seed counts in words, for denominators ("five-seed pairs").
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
                8: "eight", 9: "nine", 10: "ten"}


@dataclass(frozen=True)
class KindResult:
    """One task x kind: the run, the kind's matching policy and the condition quoted (its
    headline distance, both directions)."""

    view: RunView
    kind: str
    policy: str
    condition: Condition


def kind_noun(kind: str) -> str:
    """The word for a transform kind in titles and sentences (``shifts``)."""
    return next(spec.kind_noun for spec in TRANSFORMS if spec.kind == kind)


def kind_policy(kind: str) -> str:
    """The augmentation policy that trains on a transform kind (``shift``)."""
    return next(spec.policy for spec in TRANSFORMS if spec.kind == kind)


def kinds(views: Sequence[RunView]) -> list[str]:
    """The transform kinds any run swept, in catalog order."""
    swept = {t for view in views for t in view.swept}
    return list(dict.fromkeys(spec.kind for spec in TRANSFORMS if spec.name in swept))


def kind_results(views: Sequence[RunView]) -> list[KindResult]:
    """Every task x kind that a run swept, at the kind's headline distance."""
    out = []
    for kind in kinds(views):
        for view in views:
            condition = conditions.kind_condition(kind, view.swept)
            if condition:
                out.append(KindResult(view, kind, kind_policy(kind), condition))
    return out


def distance_words(condition: Condition) -> str:
    """``±3 px``, ``0.6x/1.4x``: the distance of a condition's first transform."""
    spec = TRANSFORMS[condition[0][0]]
    distance = spec.distance(condition[0][1])
    return spec.extremes([spec.identity - distance, spec.identity + distance])


def where(result: KindResult) -> str:
    """``MNIST (`book`, ±3 px)``: the task, its run and the distance quoted."""
    return (f"{TASKS[result.view.run.task].in_sentence} (`{result.view.run.profile}`, "
            f"{distance_words(result.condition)})")


def holds(estimate: Estimate | None) -> bool:
    """True when a difference has at least MIN_SEEDS seeds and its unadjusted 95% interval
    excludes 0 (what a takeaway selects and counts; no verdict, no Holm family)."""
    return (estimate is not None and estimate.seeds >= MIN_SEEDS
            and estimate.excludes_zero())


def pp(estimate: Estimate) -> str:
    """``+33.7 pp (95% CI +31.5 to +35.2)``: a difference with its interval."""
    return (f"{estimate.value * 100:+.1f} pp (95% CI {estimate.low * 100:+.1f} to "
            f"{estimate.high * 100:+.1f})")


def short_pp(estimate: Estimate) -> str:
    """``+0.5 [-2.1, +3.1]``: a difference in pp with its interval, compact."""
    return (f"{estimate.value * 100:+.1f} [{estimate.low * 100:+.1f}, "
            f"{estimate.high * 100:+.1f}]")


def percent(estimate: Estimate) -> str:
    return f"{estimate.value * 100:.1f}%"


@dataclass(frozen=True)
class Takeaway:
    """A sentence and the size of its difference (fraction) that ranks it."""

    effect: float
    text: str


def task_words(result: KindResult) -> str:
    """``MNIST (book)``: a result's task and run."""
    return f"{TASKS[result.view.run.task].in_sentence} ({result.view.run.profile})"


def denominator(found: Sequence[Estimate], positive: bool = True,
                skip_none: bool = False) -> str:
    """``in 4 of 4 five-seed and 1 of 6 three-seed``: how many of the differences hold
    (:func:`holds`) with the sign asked for, per seed count, most seeds first (``skip_none``:
    leaving out the seed counts where none does)."""
    by_seeds = Counter(e.seeds for e in found)
    parts = []
    for seeds in sorted(by_seeds, reverse=True):
        held = sum(1 for e in found if e.seeds == seeds and holds(e)
                   and (e.value > 0) == positive)
        word = NUMBER_WORDS.get(seeds, str(seeds))
        if skip_none and not held:
            continue
        parts.append(f"{held} of {by_seeds[seeds]} {word}-seed")
    return "in " + " and ".join(parts)


def trained_condition(result: KindResult) -> Condition | None:
    """The kind's transforms at the largest swept distance within the range their policy
    trained on (both directions); None where a transform's range is not stored or no
    moved cell lies inside it."""
    cells: list = []
    for transform in dict.fromkeys(t for t, _ in result.condition):
        spec = TRANSFORMS[transform]
        edge = result.view.edges.get(transform)
        if edge is None:
            return None
        inside = [d for d in conditions.distances(transform, result.view.swept[transform])
                  if 0 < d <= spec.distance(edge) + 1e-9]
        if not inside:
            return None
        cells += conditions.both_directions(transform, inside[-1],
                                            result.view.swept[transform])
    return tuple(cells)


def trained_words(result: KindResult) -> str:
    """``±30°``: the range a kind's policy trains on (its first transform's edge)."""
    transform = result.condition[0][0]
    spec, edge = TRANSFORMS[transform], result.view.edges[transform]
    distance = spec.distance(edge)
    return spec.extremes([spec.identity - distance, spec.identity + distance])


def beyond(result: KindResult, inside: Condition) -> bool:
    """True when the headline distance lies beyond the distance quoted inside the range."""
    spec = TRANSFORMS[result.condition[0][0]]
    return spec.distance(result.condition[0][1]) > spec.distance(inside[0][1]) + 1e-9


def largest_of(top: Estimate, found: Sequence[Estimate], noun: str) -> str:
    """How a quoted effect was selected: ``the largest of 16 gaps (one per task and
    transform)``, or, where a larger one has an interval reaching 0, the largest of those
    whose interval lies above 0."""
    held = [e for e in found if holds(e) and e.value > 0]
    if top.value >= max(e.value for e in found):
        return f"the largest of {len(found)} {noun} (one per task and transform)"
    return (f"the largest of the {len(held)} of {len(found)} {noun} (one per task and "
            "transform) whose interval lies above 0")


@dataclass(frozen=True)
class Gain:
    """One task x kind: the CNN's gain from its matching augmentation inside the trained
    range (``inside``, at condition ``at``), and at the headline distance beyond it."""

    result: KindResult
    at: Condition
    inside: Estimate
    outside: Estimate | None


def gains(results: Sequence[KindResult]) -> list[Gain]:
    """The CNN's matching-augmentation gain per task x kind whose trained range is known."""
    found = []
    for result in results:
        inside = trained_condition(result)
        if inside is None:
            continue
        estimates = result.view.estimates
        models = (CNN, result.policy), (CNN, "none")
        change = estimates.compare(*models, inside)
        if change is None:
            continue
        outside = (estimates.compare(*models, result.condition)
                   if beyond(result, inside) else None)
        found.append(Gain(result, inside, change, outside))
    return found


def _before_after(result: KindResult, condition: Condition) -> str:
    """``from 60.1% to 95.0%``: the plain and the augmented CNN over their common seeds."""
    estimates = result.view.estimates
    models = [(CNN, "none"), (CNN, result.policy)]
    seeds = estimates.common_seeds(models, condition)
    before, after = (estimates.accuracy(m, condition, seeds=seeds) for m in models)
    return f"from {percent(before)} to {percent(after)}"


def augmentation_takeaway(results: Sequence[KindResult]) -> Takeaway | None:
    """The CNN's gain from the augmentation matching a transform, inside the range it
    trains on: how often its interval lies above 0, the largest (stated as selected) at the
    trained edge and separately beyond it, and its task named unless every pair holds."""
    found = gains(results)
    helped = [g for g in found if holds(g.inside) and g.inside.value > 0]
    if not helped:
        return None
    top = max(helped, key=lambda g: g.inside.value)
    result = top.result
    everywhere = len(helped) == len(found)
    claim = "augmentation helps the CNN within its trained range"
    title = (f"**{claim[0].upper() + claim[1:]}**" if everywhere
             else f"**On {task_words(result)}, {claim}**")
    inside = [g.inside for g in found]
    text = (f"{title}: {result.policy} augmentation (trained on {trained_words(result)}) takes "
            f"it {_before_after(result, top.at)} under {kind_noun(result.kind)} at "
            f"{distance_words(top.at)}, {pp(top.inside)}, "
            f"{largest_of(top.inside, inside, 'gains')}")
    if top.outside is not None:
        text += (f"; beyond its range, at {distance_words(result.condition)}, "
                 f"{_before_after(result, result.condition)}, {short_pp(top.outside)} pp")
    text += f". The interval lies above 0 {denominator(inside)} pairs"
    if not everywhere:
        missed = sorted({task_words(g.result) for g in found if g not in helped})
        text += ", not in every pair of " + ", ".join(missed)
    return Takeaway(top.inside.value, text + ".")


def _loss(result: KindResult, model: Model) -> tuple[Estimate, Estimate, Estimate] | None:
    """(clean, under the condition, clean - under) of a model over the same seeds."""
    estimates = result.view.estimates
    seeds = estimates.common_seeds([model], result.condition)
    if not seeds:
        return None
    clean = estimates.clean(model, seeds=seeds)
    under = estimates.accuracy(model, result.condition, seeds=seeds)
    return clean, under, difference(clean, under)


def cnn_takeaway(results: Sequence[KindResult]) -> Takeaway | None:
    """The largest gap of the CNN over the MLP (both without augmentation, headline
    distance), stated as the largest of all gaps; its task named unless the gap holds
    (positive, interval above 0) on every task that swept its kind, and the other tasks'
    gaps under that kind quoted where it does not."""
    found = []
    for result in results:
        gap = result.view.estimates.compare((CNN, "none"), (BASE, "none"), result.condition)
        if gap is not None and gap.seeds >= MIN_SEEDS:
            found.append((result, gap))
    ahead = [(r, g) for r, g in found if holds(g) and g.value > 0]
    if not ahead:
        return None
    result, gap = max(ahead, key=lambda item: item[1].value)
    noun = kind_noun(result.kind)
    same_kind = [(r, g) for r, g in found if r.kind == result.kind]
    general = all(holds(g) and g.value > 0 for _, g in same_kind) and len(same_kind) > 1
    claim = f"a CNN tolerates {noun} better than an MLP"
    title = (f"**{claim[0].upper() + claim[1:]}**" if general
             else f"**On {task_words(result)}, {claim}**")
    loss = _loss(result, (CNN, "none"))
    gaps = [g for _, g in found]
    text = (f"{title}: the CNN scores {pp(gap)} above the MLP at "
            f"{distance_words(result.condition)}")
    if loss is not None and holds(loss[2]) and loss[2].value > 0:
        text += f", yet {percent(loss[1])} against {percent(loss[0])} unmoved"
    text += f", {largest_of(gap, gaps, 'gaps')}"
    others = [(r, g) for r, g in same_kind if r is not result]
    if others and not general:
        text += (f". Under {noun} elsewhere: " + ", ".join(
            f"{r.view.run.task} ({r.view.run.profile}) {short_pp(g)}" for r, g in others)
                 + " pp")
    text += f". The interval lies above 0 {denominator(gaps)} pairs"
    if any(holds(g) and g.value < 0 for g in gaps):
        text += f", below 0 {denominator(gaps, positive=False, skip_none=True)}"
    return Takeaway(gap.value, text + ".")


def claims_takeaway(verdicts: Sequence[str]) -> Takeaway | None:
    """How the cookbook's claims came out: a count per verdict (first word of each)."""
    if not verdicts:
        return None
    counts = Counter(v.split(":")[0].strip() for v in verdicts)
    words = ", ".join(f"{count} {word}" for word, count in counts.most_common())
    return Takeaway(-1.0, f"**The cookbook's claims**: of {len(verdicts)} checked, {words}.")
