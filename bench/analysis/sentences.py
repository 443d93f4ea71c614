"""Generated findings that state a run's results in numbers, ranked by effect size.

Every transform is quoted at one distance in both directions (the mean of -m and +m), in
raw accuracy. A difference carries its interval and verdict (``resample.verdict``) only
with at least ``MIN_SEEDS`` seeds; with fewer, its value alone, and where the whole run has
fewer, the report says so once. At most ``MAX_FINDINGS`` findings, the largest difference
first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bench.analysis import conditions
from bench.analysis.estimates import Condition, Model, RunEstimates
from bench.analysis.resample import MIN_SEEDS, Estimate, verdict
from bench.catalog import FAMILIES, TRANSFORMS

#: The families the sentences name first, in this order: the cookbook's comparison.
LEAD = ("cnn", "mlp")
#: Findings a report lists; the rest are in its tables.
MAX_FINDINGS = 8
#: Smallest clean margin above chance (fraction) for which a share above chance is shown.
RATIO_MIN_MARGIN = 0.30


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``1 seed``, ``3 seeds``: a count with its noun in the right number."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def pct(value: float) -> str:
    """A fraction as a percentage with one decimal, e.g. ``38.1%``."""
    return f"{value * 100:.1f}%"


def interval(estimate: Estimate, scale: float = 100.0, signed: bool = False) -> str:
    """``95% CI a to b`` of an estimate (x scale), signed for differences."""
    fmt = "+.1f" if signed else ".1f"
    return f"95% CI {estimate.low * scale:{fmt}} to {estimate.high * scale:{fmt}}"


def judged(estimate: Estimate, quiet: bool = False) -> str:
    """A difference in pp with its interval and verdict; with fewer than MIN_SEEDS seeds its
    value alone, plus ``, 1 seed: no interval, no verdict`` unless ``quiet``."""
    if estimate.seeds >= MIN_SEEDS:
        return (f"{estimate.value * 100:+.1f} pp, {interval(estimate, signed=True)}, "
                f"{verdict(estimate)}")
    note = "" if quiet else f", {counted(estimate.seeds, 'seed')}: no interval, no verdict"
    return f"{estimate.value * 100:+.1f} pp{note}"


def accuracy_words(estimate: Estimate, quiet: bool = False) -> str:
    """``62.2% (95% CI 60.7 to 64.4)``, or with fewer than MIN_SEEDS seeds ``62.2%``."""
    if estimate.seeds >= MIN_SEEDS:
        return f"{pct(estimate.value)} ({interval(estimate)})"
    return pct(estimate.value) if quiet else f"{pct(estimate.value)} " \
        f"({counted(estimate.seeds, 'seed')})"


def ratio_shown(estimates: RunEstimates, model: Model) -> bool:
    """Whether a share above chance of ``model`` means something: its clean accuracy is at
    least RATIO_MIN_MARGIN above chance."""
    clean = estimates.clean(model)
    return clean is not None and clean.value - estimates.chance >= RATIO_MIN_MARGIN


@dataclass(frozen=True)
class Finding:
    """The size (fraction, absolute) of the difference that ranks a sentence, and the
    sentence, written only when asked for (:attr:`text`): a verdict joins the page's Holm
    family only when the report prints it, never for a finding ranked out."""

    effect: float
    make: Callable[[], str] = field(repr=False)

    @property
    def text(self) -> str:
        return self.make()


def _falls(estimates: RunEstimates, families: list[str], condition: Condition,
           quiet: bool) -> Finding | None:
    """Each family's accuracy from clean to under the condition (no augmentation)."""
    parts, drops = [], []
    for family in families:  # the first in full, the others "the MLP's from A to B"
        model = (family, "none")
        seeds = estimates.common_seeds([model], condition)
        under = estimates.accuracy(model, condition, seeds=seeds) if seeds else None
        clean = estimates.clean(model, seeds=seeds) if seeds else None
        if under is None or clean is None:
            continue
        verb = "falls" if under.value < clean.value else "rises"
        lead = f"accuracy {verb} " if not parts else ""
        parts.append(f"the {FAMILIES[family].label}'s {lead}from {pct(clean.value)} "
                     f"to {accuracy_words(under, quiet)}")
        drops.append(abs(clean.value - under.value))
    if not parts:
        return None
    both = conditions.averaging_note([condition])
    text = (f"Under {conditions.describe(condition)}{both}, without augmentation, "
            + ", ".join(parts) + ".")
    return Finding(max(drops), lambda: text)


def _changes(estimates: RunEstimates, families: list[str], policy: str,
             condition: Condition) -> Iterator[tuple[str, Model, Model, Estimate]]:
    """(family, its model without augmentation, its model with ``policy``, the paired
    change in accuracy under ``condition``) for each family that holds both."""
    for family in families:
        plain, trained = (family, "none"), (family, policy)
        change = estimates.compare(trained, plain, condition)
        if change is not None:
            yield family, plain, trained, change


def _lifts(estimates: RunEstimates, families: list[str], policy: str, condition: Condition,
           quiet: bool) -> tuple[Callable[[], list[str]], float]:
    """Per family: 'the CNN to B% (+d pp, 95% CI ..., verdict)' (written when called), and
    the largest |d| (0 with no family)."""
    found = [(family, estimates.accuracy(trained, condition), change)
             for family, _, trained, change in _changes(estimates, families, policy, condition)]

    def lifted() -> list[str]:
        return [f"the {FAMILIES[family].label} to {pct(after.value)} "
                f"({judged(change, quiet)})" for family, after, change in found]
    return lifted, max((abs(change.value) for *_, change in found), default=-1.0)


def _clean_changes(estimates: RunEstimates, families: list[str], quiet: bool) -> list[Finding]:
    """Per policy: what training with it does to accuracy on untransformed images."""
    clean = estimates.clean_condition
    out = []
    for policy in dict.fromkeys(a for _, a in estimates.models() if a != "none"):
        changes = []
        for family, plain, trained, change in _changes(estimates, families, policy, clean):
            seeds = estimates.common_seeds([plain, trained], clean)
            before, after = (estimates.clean(m, seeds=seeds) for m in (plain, trained))
            changes.append((family, before, after, change))
        if changes:
            out.append(Finding(max(abs(c[3].value) for c in changes),
                               functools.partial(_clean_text, policy, changes, quiet)))
    return out


def _clean_text(policy: str, changes: list, quiet: bool) -> str:
    """The sentence of :func:`_clean_changes` for one policy."""
    return (f"On untransformed test images, training with {policy} augmentation changes the "
            "accuracy: " + " and ".join(
                f"the {FAMILIES[family].label}'s from {pct(before.value)} to "
                f"{pct(after.value)} ({judged(change, quiet)})"
                for family, before, after, change in changes) + ".")


def _versus(estimates: RunEstimates, families: list[str], condition: Condition,
            quiet: bool) -> Finding | None:
    """Each family against the catalog's first (the MLP), both without augmentation: the
    difference in accuracy under the condition."""
    if len(families) < 2:
        return None
    base = min(families, key=FAMILIES.order)
    gaps = [(family, gap) for family in families if family != base
            if (gap := estimates.compare((family, "none"), (base, "none"), condition))]
    if not gaps:
        return None

    def text() -> str:
        parts = []
        for family, gap in gaps:
            value, _, detail = judged(gap, quiet).partition(", ")
            parts.append(f"the {FAMILIES[family].label} scores {value} against the "
                         f"{FAMILIES[base].label}" + (f" ({detail})" if detail else ""))
        return (f"Without augmentation, under {conditions.describe(condition)}, "
                + " and ".join(parts) + ".")
    return Finding(max(abs(gap.value) for _, gap in gaps), text)


def few_seeds_note(estimates: RunEstimates) -> str | None:
    """One line when no model of the run has MIN_SEEDS seeds (None otherwise)."""
    seeds = max((len(estimates.seeds(m, estimates.clean_condition)) for m in estimates.models()),
                default=0)
    if seeds >= MIN_SEEDS:
        return None
    return (f"With {counted(seeds, 'seed')} per model, no difference gets an interval or a "
            f"verdict (that needs {MIN_SEEDS} seeds): the values below are single readings.")


def findings(estimates: RunEstimates, swept: dict[str, list[float]],
             trained_edges: dict[str, float] | None = None) -> list[Finding]:
    """Every finding of a run, largest difference first: what each augmentation does to
    clean accuracy, and per swept transform the fall without augmentation, the CNN against
    the MLP, and what the matching augmentation adds (at the headline distance, and at the
    edge of its trained range where that differs).

    swept: transform -> magnitudes in the rows. trained_edges: transform -> the magnitude
    at the edge of the range its matching policy trained on.
    """
    present = {family for family, _ in estimates.models()}
    # the book's pair leads (CNN, then MLP); other families follow in catalog order
    families = sorted(present, key=lambda name: (
        LEAD.index(name) if name in LEAD else len(LEAD), FAMILIES.order(name)))
    quiet = few_seeds_note(estimates) is not None
    out = _clean_changes(estimates, families, quiet)
    for spec in TRANSFORMS:
        if spec.name not in swept:
            continue
        distance = conditions.headline_distance(spec.name, swept[spec.name])
        if distance is None:
            continue
        condition = conditions.both_directions(spec.name, distance, swept[spec.name])
        out += [f for f in (_falls(estimates, families, condition, quiet),
                            _versus(estimates, families, condition, quiet)) if f]
        edge = (trained_edges or {}).get(spec.name)
        outside = edge is not None and distance > spec.distance(edge) + 1e-9
        lifted, largest = _lifts(estimates, families, spec.policy, condition, quiet)
        if largest >= 0:
            reach = spec.distance(edge) if outside else 0.0
            scope = (f", beyond the {spec.extremes([spec.identity - reach, spec.identity + reach])}"
                     f" that {spec.policy} augmentation trains on" if outside else "")
            out.append(Finding(largest, functools.partial(
                _lift_text, f"Under {conditions.describe(condition)}{scope}, training with "
                f"{spec.policy} augmentation moves ", lifted)))
        if edge is None or spec.distance(edge) == distance:
            continue
        at_edge = conditions.both_directions(spec.name, spec.distance(edge), swept[spec.name])
        if not at_edge:
            continue
        lifted, largest = _lifts(estimates, families, spec.policy, at_edge, quiet)
        if largest >= 0:
            out.append(Finding(largest, functools.partial(
                _lift_text, f"At {conditions.describe(at_edge)}, the edge of the range "
                f"{spec.policy} augmentation trains on, it moves ", lifted)))
    return sorted(out, key=lambda f: -f.effect)


def _lift_text(opening: str, lifted: Callable[[], list[str]]) -> str:
    return opening + " and ".join(lifted()) + "."


def sentences(estimates: RunEstimates, swept: dict[str, list[float]],
              trained_edges: dict[str, float] | None = None) -> list[str]:
    """The report's findings: at most MAX_FINDINGS sentences, the largest difference first
    (see :func:`findings`)."""
    return [f.text for f in findings(estimates, swept, trained_edges)[:MAX_FINDINGS]]
