"""The front page's answer: at most five ranked takeaways in plain words, one number each.

Per task (its front-page run) and transform kind (both shifts together, rotations, ...),
models are compared in raw accuracy at the kind's headline distance, the mean of both
directions. A takeaway is written only where its difference gets the verdict
"significant" (``resample.verdict``, over at least ``MIN_SEEDS`` seeds); takeaways are
ranked by the size of that difference, the cookbook's claims last.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bench.analysis import conditions
from bench.analysis.estimates import Condition, Model
from bench.analysis.resample import MIN_SEEDS, Estimate, difference, verdict
from bench.analysis.runs import RunView
from bench.catalog import TASKS, TRANSFORMS

MAX_TAKEAWAYS = 5
#: The cookbook's pair: the first family (the MLP) and the family others are variants of.
BASE, CNN = "mlp", "cnn"
#: The verdict that lets a takeaway be written.
HOLDS = "significant"


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
    """True when a difference gets the verdict that lets a takeaway state it."""
    return (estimate is not None and estimate.seeds >= MIN_SEEDS
            and verdict(estimate) == HOLDS)


def pp(estimate: Estimate) -> str:
    """``+33.7 pp (95% CI +31.5 to +35.2)``: a difference with its interval."""
    return (f"{estimate.value * 100:+.1f} pp (95% CI {estimate.low * 100:+.1f} to "
            f"{estimate.high * 100:+.1f})")


def percent(estimate: Estimate) -> str:
    return f"{estimate.value * 100:.0f}%"


@dataclass(frozen=True)
class Takeaway:
    """A sentence and the size of its difference (fraction) that ranks it."""

    effect: float
    text: str


def on_words(result: KindResult) -> str:
    return (f"{TASKS[result.view.run.task].in_sentence} ({result.view.run.profile}) "
            f"at {distance_words(result.condition)}")


def augmentation_takeaway(results: Sequence[KindResult]) -> Takeaway | None:
    """The largest significant gain of the CNN from the augmentation matching the
    transform, and in how many task x kind pairs it holds."""
    found = []
    for result in results:
        change = result.view.estimates.compare((CNN, result.policy), (CNN, "none"),
                                               result.condition)
        if change is not None:
            found.append((result, change))
    helped = [(r, c) for r, c in found if holds(c) and c.value > 0]
    if not helped:
        return None
    result, change = max(helped, key=lambda item: item[1].value)
    estimates = result.view.estimates
    seeds = estimates.common_seeds([(CNN, "none"), (CNN, result.policy)], result.condition)
    before = estimates.accuracy((CNN, "none"), result.condition, seeds=seeds)
    after = estimates.accuracy((CNN, result.policy), result.condition, seeds=seeds)
    return Takeaway(change.value, (
        f"**Augmentation fixes what it trains on**: under {kind_noun(result.kind)} on "
        f"{on_words(result)}, {result.policy} augmentation takes the CNN from {percent(before)} to "
        f"{percent(after)}, {pp(change)}; it helps significantly in {len(helped)} of "
        f"{len(found)} task and transform pairs."))


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
    """The kind where the CNN beats the MLP by most (significantly), and whether the CNN
    still loses accuracy there (significantly)."""
    found = []
    for result in results:
        gap = result.view.estimates.compare((CNN, "none"), (BASE, "none"), result.condition)
        if holds(gap) and gap.value > 0:
            found.append((result, gap))
    if not found:
        return None
    result, gap = max(found, key=lambda item: item[1].value)
    noun = kind_noun(result.kind)
    loss = _loss(result, (CNN, "none"))
    if loss is not None and holds(loss[2]) and loss[2].value > 0:
        clean, under, _ = loss
        return Takeaway(gap.value, (
            f"**A CNN tolerates {noun} better than an MLP but is far from invariant**: on "
            f"{on_words(result)}, the CNN scores {pp(gap)} above the MLP, yet {percent(under)} "
            f"against {percent(clean)} on unmoved images."))
    return Takeaway(gap.value, (f"**A CNN tolerates {noun} better than an MLP**: on "
                                f"{on_words(result)}, the CNN scores {pp(gap)} above the MLP."))


def claims_takeaway(verdicts: Sequence[str]) -> Takeaway | None:
    """How the cookbook's claims came out: a count per verdict (first word of each)."""
    if not verdicts:
        return None
    counts = Counter(v.split(":")[0].strip() for v in verdicts)
    words = ", ".join(f"{count} {word}" for word, count in counts.most_common())
    return Takeaway(-1.0, f"**The cookbook's claims**: of {len(verdicts)} checked, {words} "
                          "(the claims box below).")
