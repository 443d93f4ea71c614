"""The front page's answer: does a CNN, or augmentation, keep accuracy when images move?

Per task (its preferred run) and transform kind (both shifts together, rotations, ...),
each model is measured at the kind's headline distance in both directions: the share of
its clean accuracy's lead over chance that it keeps, and its accuracy. At most
``MAX_SENTENCES`` sentences: one per kind (the CNN against the MLP, both without
augmentation), then one on the matching augmentation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.analysis import conditions
from bench.analysis.estimates import Condition
from bench.analysis.resample import Estimate, verdict
from bench.analysis.runs import RunView
from bench.analysis.sentences import interval
from bench.catalog import FAMILIES, TASKS, TRANSFORMS

MAX_SENTENCES = 5


@dataclass(frozen=True)
class KindResult:
    """One task x kind: the condition quoted and, per (family, augmentation), the share
    kept above chance (None where the run lacks the model)."""

    view: RunView
    kind: str
    policy: str
    condition: Condition
    kept: dict[tuple[str, str], Estimate | None]


def kind_noun(kind: str) -> str:
    """The word for a transform kind in titles and sentences (``shifts``)."""
    return next(spec.kind_noun for spec in TRANSFORMS if spec.kind == kind)


def kinds(views: Sequence[RunView]) -> list[str]:
    """The transform kinds any run swept, in catalog order."""
    swept = {t for view in views for t in view.swept}
    return list(dict.fromkeys(spec.kind for spec in TRANSFORMS if spec.name in swept))


def kind_results(views: Sequence[RunView]) -> list[KindResult]:
    """Every task x kind with the kept share of each family, with and without the kind's
    matching augmentation."""
    out = []
    for kind in kinds(views):
        policy = next(spec.policy for spec in TRANSFORMS if spec.kind == kind)
        for view in views:
            condition = conditions.kind_condition(kind, view.swept)
            if not condition:
                continue
            kept = {(family.name, aug): view.estimates.kept((family.name, aug), condition)
                    for family in FAMILIES for aug in ("none", policy)}
            out.append(KindResult(view, kind, policy, condition, kept))
    return out


def where(result: KindResult) -> str:
    """``MNIST (`book`, ±3 px)``: the task, its run and the distance quoted."""
    spec = TRANSFORMS[result.condition[0][0]]
    distance = spec.distance(result.condition[0][1])
    mags = [spec.identity - distance, spec.identity + distance]
    return (f"{TASKS[result.view.run.task].in_sentence} (`{result.view.run.profile}`, "
            f"{spec.extremes(mags)})")


def _judged(parts: list[tuple[str, list[Estimate]]]) -> str:
    """Join (text with ``{}`` per difference, its differences): each difference as value and
    interval; the verdict once at the end when every difference shares it, else inline."""
    verdicts = {verdict(e) for _, estimates in parts for e in estimates}
    shared = len(verdicts) == 1 and sum(len(estimates) for _, estimates in parts) > 1

    def one(e: Estimate) -> str:
        text = f"{e.value * 100:+.1f} pp, {interval(e, signed=True)}"
        return text if shared else f"{text}, {verdict(e)}"
    joined = "; ".join(text.format(*map(one, estimates)) for text, estimates in parts)
    return joined + (f"; verdict for each: {verdicts.pop()}" if shared else "")


def _families() -> tuple[list[str], str]:
    """The later catalog families (the CNN) and the first (the MLP), by name."""
    base, *others = [spec.name for spec in FAMILIES]
    return others, base


def family_sentence(kind: str, results: Sequence[KindResult]) -> str | None:
    """The CNN (each later family) against the MLP (the first) under one kind, both
    without augmentation: shares of clean accuracy above chance kept, and their gap."""
    others, base = _families()
    found = []
    for result in results:
        for other in others:
            a, b = (other, "none"), (base, "none")
            gap = result.view.estimates.compare(a, b, result.condition, "kept")
            if gap is not None:
                found.append((other, f"{result.kept[a].value * 100:.0f}% and "
                                     f"{result.kept[b].value * 100:.0f}% on {where(result)}, "
                                     "a gap of {}", [gap]))
    if not found:
        return None
    used = list(dict.fromkeys(other for other, _, _ in found))  # the families with results
    several = len(used) > 1  # then each part names its family
    parts = [(f"{FAMILIES[other].label}: {text}" if several else text, gaps)
             for other, text, gaps in found]
    names = " and the ".join(FAMILIES[f].label for f in [*used, base])
    return (f"Under {kind_noun(kind)} without augmentation, the {names} keep these shares of "
            f"their clean accuracy above chance: {_judged(parts)}.")


def augmentation_sentence(results: Sequence[KindResult]) -> str | None:
    """The matching augmentation against none, per task, kind and family, in accuracy."""
    others, base = _families()
    order = [*others, base]
    parts = []
    for result in results:
        changes = [result.view.estimates.compare((f, result.policy), (f, "none"),
                                                 result.condition) for f in order]
        present = [(f, c) for f, c in zip(order, changes, strict=True) if c is not None]
        if present:
            labels = " and ".join(f"{{}} ({FAMILIES[f].label})" for f, _ in present)
            parts.append((f"{result.policy} for {kind_noun(result.kind)} on "
                          f"{where(result)}: {labels}", [c for _, c in present]))
    if not parts:
        return None
    return ("The matching augmentation changes accuracy at those distances by "
            f"{_judged(parts)}.")


def answer(views: Sequence[RunView]) -> list[str]:
    """At most MAX_SENTENCES sentences: one per kind (up to MAX_SENTENCES - 1), then the
    augmentation sentence."""
    results = kind_results(views)
    out = []
    for kind in kinds(views)[:MAX_SENTENCES - 1]:
        sentence = family_sentence(kind, [r for r in results if r.kind == kind])
        if sentence:
            out.append(sentence)
    closing = augmentation_sentence(results)
    if closing:
        out.append(closing)
    return out[:MAX_SENTENCES]
