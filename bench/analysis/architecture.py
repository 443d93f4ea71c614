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

from bench.analysis.answers import KindResult, kind_noun, where
from bench.analysis.resample import Estimate, verdict
from bench.analysis.sentences import interval
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


def _winner(tradeoff: Tradeoff, name: str) -> str:
    """Which buys more, augmentation or the variant, by the head-to-head difference."""
    gap = tradeoff.head_to_head.get(name)
    if gap is None:
        return "–"
    judged = verdict(gap)
    if judged != "significant":
        return judged
    return "augmentation" if gap.value > 0 else FAMILIES[name].label


def table(found: Sequence[Tradeoff]) -> list[str]:
    """Markdown lines: one row per task x kind x variant, differences in pp with 95%
    intervals, and which buys more."""
    lines = ["| run (distance) | transform | " + "base, no augmentation | + matching "
             "augmentation | variant, no augmentation | augmentation - variant | buys more |",
             "|---|---|---|---|---|---|---|"]
    for t in found:
        base = FAMILIES[t.base].label
        for name, gap in t.variants.items():
            head = t.head_to_head.get(name)
            lines.append(
                f"| {where(t.result)} | {kind_noun(t.result.kind)} | {base} "
                f"{t.plain.value * 100:.1f}% ({interval(t.plain)}) | {t.result.policy}: "
                f"{_gap(t.augmented)} pp | {FAMILIES[name].label}: {_gap(gap)} pp | "
                f"{'–' if head is None else _gap(head) + ' pp'} | {_winner(t, name)} |")
    return lines


def sentence(found: Sequence[Tradeoff]) -> str | None:
    """One sentence: for each task x kind, the accuracy augmentation and each variant add
    to the base family, and which buys more against each variant."""
    parts = []
    for t in found:
        base = FAMILIES[t.base].label
        gains = ", ".join(f"{FAMILIES[n].label} {g.value * 100:+.1f} pp"
                          for n, g in t.variants.items())
        more = ", ".join(f"against {FAMILIES[n].label}: {_winner(t, n)}" for n in t.variants)
        parts.append(f"under {kind_noun(t.result.kind)} on {where(t.result)}, "
                     f"{t.result.policy} augmentation adds {t.augmented.value * 100:+.1f} pp "
                     f"to the {base}, {gains} (which buys more {more})")
    if not parts:
        return None
    return "Architecture or augmentation: " + "; ".join(parts) + "."
