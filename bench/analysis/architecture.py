"""Architecture or augmentation: what buys a CNN more accuracy under a transform?

Per task (its preferred run) and transform kind, at the kind's headline distance in both
directions (``bench.analysis.answers``): the accuracy the base family (the CNN) gains from
its matching augmentation, and from each architecture variant of it (``variant_of`` in the
catalog: CNN-GAP, CNN-AA) trained without augmentation, both against the plain CNN; then
the augmented CNN against each variant head to head. Every difference is paired by seed
and test image, with the two-level bootstrap interval and the verdict rule of
docs/metrics.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.analysis.answers import (
    KindResult,
    Takeaway,
    distance_words,
    holds,
    kind_noun,
    pp,
    task_words,
    where,
)
from bench.analysis.resample import Estimate, significant, verdict
from bench.catalog import FAMILIES


@dataclass(frozen=True)
class Tradeoff:
    """One task x kind: the base family, its accuracy there without augmentation, and the
    differences (fractions): augmentation - plain, variant - plain, augmentation - variant."""

    result: KindResult
    base: str
    plain: Estimate
    augmented: Estimate
    variants: dict[str, Estimate]
    head_to_head: dict[str, Estimate]


def tradeoffs(results: Sequence[KindResult]) -> list[Tradeoff]:
    """Every task x kind whose run holds the base family with and without the matching
    augmentation and at least one architecture variant without augmentation."""
    found = []
    for result in results:
        estimates, condition, policy = result.view.estimates, result.condition, result.policy
        for base in dict.fromkeys(spec.variant_of for spec in FAMILIES if spec.variant_of):
            plain = estimates.accuracy((base, "none"), condition)
            augmented = estimates.compare((base, policy), (base, "none"), condition)
            variants = {spec.name: estimates.compare((spec.name, "none"), (base, "none"),
                                                     condition)
                        for spec in FAMILIES if spec.variant_of == base}
            variants = {name: gap for name, gap in variants.items() if gap is not None}
            if plain is None or augmented is None or not variants:
                continue
            head = {name: estimates.compare((base, policy), (name, "none"), condition)
                    for name in variants}
            found.append(Tradeoff(result, base, plain, augmented, variants,
                                  {n: g for n, g in head.items() if g is not None}))
    return found


def _gap(estimate: Estimate) -> str:
    return f"{estimate.value * 100:+.1f} [{estimate.low * 100:+.1f}, {estimate.high * 100:+.1f}]"


def _winner(tradeoff: Tradeoff, name: str, compact: bool = False) -> str:
    """Which buys more, augmentation or the variant, by the head-to-head difference
    (``compact``: a table cell, without the page's test and seed counts)."""
    gap = tradeoff.head_to_head.get(name)
    if gap is None:
        return "–"
    judged = verdict(gap, compact)  # "significant (Holm, adjusted p = ...)" or "not shown ..."
    if not significant(gap):
        return judged
    winner = "augmentation" if gap.value > 0 else FAMILIES[name].label
    return judged.replace("significant", winner, 1)


def table(found: Sequence[Tradeoff]) -> tuple[list[str], list[list[str]]]:
    """(headers, rows): one row per task x kind x variant, differences in pp with 95%
    intervals, and which buys more; the first two columns name the row."""
    headers = ["where", "variant", "CNN, no aug. (%)", "+ matching aug. (pp)",
               "+ variant, no aug. (pp)", "aug. - variant (pp)", "buys more"]
    rows = []
    for t in found:
        for name, gap in t.variants.items():
            head = t.head_to_head.get(name)
            rows.append([
                f"{kind_noun(t.result.kind)}, {where(t.result)}", FAMILIES[name].label,
                f"{t.plain.value * 100:.1f} [{t.plain.low * 100:.1f}, {t.plain.high * 100:.1f}]",
                f"{t.result.policy}: {_gap(t.augmented)}", _gap(gap),
                "–" if head is None else _gap(head), _winner(t, name, compact=True)])
    return headers, rows


def sentence(found: Sequence[Tradeoff]) -> str | None:
    """One sentence: for each task x kind, the accuracy the matching augmentation adds to
    the base family, what each variant (without augmentation) adds, and which buys more."""
    parts = []
    for t in found:
        base = FAMILIES[t.base].label
        gains = " and ".join(f"the {FAMILIES[n].label} without augmentation adds "
                             f"{g.value * 100:+.1f} pp (buys more: {_winner(t, n)})"
                             for n, g in t.variants.items())
        parts.append(f"under {kind_noun(t.result.kind)} on {where(t.result)}, "
                     f"{t.result.policy} augmentation adds {t.augmented.value * 100:+.1f} pp "
                     f"to the {base}, while {gains}")
    if not parts:
        return None
    return "Architecture or augmentation: " + "; ".join(parts) + "."


def takeaway(results: Sequence[KindResult]) -> Takeaway | None:
    """The architecture variant (no augmentation) with the largest significant gain over
    the plain CNN, set against the CNN's matching augmentation there."""
    found = [(t, name, gain) for t in tradeoffs(results) for name, gain in t.variants.items()
             if holds(gain) and gain.value > 0]
    if not found:
        return None
    tradeoff, name, gain = max(found, key=lambda item: item[2].value)
    result = tradeoff.result
    head = tradeoff.head_to_head.get(name)
    if head is not None and significant(head):  # the table's (Holm) verdict on it
        than = "less than" if head.value > 0 else "more than"
        versus = (f", {than} {result.policy} augmentation's "
                  f"{tradeoff.augmented.value * 100:+.1f} pp")
    else:
        versus = ""
    return Takeaway(gain.value, (
        f"**On {task_words(result)}, of the architecture changes, {FAMILIES[name].label} helps "
        f"most**: under {kind_noun(result.kind)} at {distance_words(result.condition)}, it "
        f"adds {pp(gain)} to the plain "
        f"CNN, the largest of {len(found)} variant gains with an interval above 0{versus}."))
