"""Generated sentences that state a run's findings in numbers, each with its interval.

Every transform is quoted at one distance in both directions (the mean of -m and +m). A
difference gets a verdict only with at least three seeds (``resample.verdict``); its
interval covers seeds and test images (two-level bootstrap, docs/metrics.md).
"""

from __future__ import annotations

from collections.abc import Iterator

from bench.analysis import conditions
from bench.analysis.estimates import Condition, Model, RunEstimates
from bench.analysis.resample import Estimate, verdict
from bench.catalog import FAMILIES, TRANSFORMS

#: The families the sentences name first, in this order: the cookbook's comparison.
LEAD = ("cnn", "mlp")


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


def judged(estimate: Estimate) -> str:
    """A difference in pp with its interval and verdict."""
    return f"{estimate.value * 100:+.1f} pp, {interval(estimate, signed=True)}, {verdict(estimate)}"


def _falls(estimates: RunEstimates, model: Model, condition: Condition) -> str | None:
    """'the CNN's accuracy falls from A to B (95% CI ...; keeps R% of it, K% above chance)'."""
    seeds = estimates.common_seeds([model], condition)
    under = estimates.accuracy(model, condition, seeds=seeds) if seeds else None
    clean = estimates.clean(model, seeds=seeds) if seeds else None
    if under is None or clean is None:
        return None
    verb = "falls" if under.value < clean.value else "rises"
    kept = estimates.kept(model, condition)
    share = f"keeps {under.value / clean.value * 100:.0f}% of it"
    if kept is not None:
        share += f", {kept.value * 100:.0f}% of its margin above chance"
    return (f"the {FAMILIES[model[0]].label}'s accuracy {verb} from {pct(clean.value)} to "
            f"{pct(under.value)} ({interval(under)}; {share})")


def _sides(estimates: RunEstimates, a: Model, b: Model, condition: Condition) -> str:
    """Each direction's difference a - b in pp, e.g. ``-3 px: +50.1, +3 px: +54.3``."""
    if len(condition) < 2:
        return ""
    parts = []
    for cell in condition:
        side = estimates.compare(a, b, (cell,))
        spec = TRANSFORMS[cell[0]]
        parts.append(f"{spec.format_magnitude(cell[1])} {spec.unit}: {side.value * 100:+.1f}")
    return "; " + ", ".join(parts)


def _changes(estimates: RunEstimates, families: list[str], policy: str,
             condition: Condition) -> Iterator[tuple[str, Model, Model, Estimate]]:
    """(family, its model without augmentation, its model with ``policy``, the paired
    change in accuracy under ``condition``) for each family that holds both."""
    for family in families:
        plain, trained = (family, "none"), (family, policy)
        change = estimates.compare(trained, plain, condition)
        if change is not None:
            yield family, plain, trained, change


def _lifts(estimates: RunEstimates, families: list[str], policy: str,
           condition: Condition) -> list[str]:
    """Per family: 'the CNN to B% (+d pp, 95% CI ..., verdict; each side)'."""
    lifted = []
    for family, plain, trained, change in _changes(estimates, families, policy, condition):
        after = estimates.accuracy(trained, condition)
        lifted.append(f"the {FAMILIES[family].label} to {pct(after.value)} ({judged(change)}"
                      f"{_sides(estimates, trained, plain, condition)})")
    return lifted


def _clean_changes(estimates: RunEstimates, families: list[str]) -> list[str]:
    """Per policy: 'On clean test images, training with P augmentation changes the CNN's
    accuracy from A to B (d pp, 95% CI ..., verdict)', over the seeds both models hold."""
    clean = estimates.clean_condition
    out = []
    for policy in dict.fromkeys(a for _, a in estimates.models() if a != "none"):
        changes = []
        for family, plain, trained, change in _changes(estimates, families, policy, clean):
            seeds = estimates.common_seeds([plain, trained], clean)
            before, after = (estimates.clean(m, seeds=seeds) for m in (plain, trained))
            changes.append(f"the {FAMILIES[family].label}'s from {pct(before.value)} to "
                           f"{pct(after.value)} ({judged(change)})")
        if changes:
            out.append(f"On untransformed test images, training with {policy} augmentation "
                       "changes the accuracy: " + " and ".join(changes) + ".")
    return out


def _versus(estimates: RunEstimates, families: list[str], condition: Condition) -> list[str]:
    """Each family against the catalog's first (the MLP): difference of the share kept
    above chance, in pp."""
    if len(families) < 2:
        return []
    base = families[-1]
    out = []
    for family in families[:-1]:
        gap = estimates.compare((family, "none"), (base, "none"), condition, "kept")
        if gap is not None:
            more = "more" if gap.value >= 0 else "less"
            out.append(f"the {FAMILIES[family].label} keeps {abs(gap.value) * 100:.1f} pp "
                       f"{more} of its margin above chance than the {FAMILIES[base].label} "
                       f"({interval(gap, signed=True)}, {verdict(gap)})")
    return out


def sentences(estimates: RunEstimates, swept: dict[str, list[float]], task_name: str,
              trained_edges: dict[str, float] | None = None) -> list[str]:
    """What each augmentation does to clean accuracy, then two to four sentences per swept
    transform, generated from the numbers.

    swept: transform -> magnitudes in the rows. trained_edges: transform -> the magnitude
    at the edge of the range its matching policy trained on; where it is on the grid and
    not the quoted distance, the policy's effect there is stated too.
    """
    present = {family for family, _ in estimates.models()}
    # the book's pair leads (CNN, then MLP); other families follow in catalog order
    families = sorted(present, key=lambda name: (
        LEAD.index(name) if name in LEAD else len(LEAD), FAMILIES.order(name)))
    chance = pct(estimates.chance)
    out = _clean_changes(estimates, families)
    for spec in TRANSFORMS:
        if spec.name not in swept:
            continue
        distance = conditions.headline_distance(spec.name, swept[spec.name])
        if distance is None:
            continue
        condition = conditions.both_directions(spec.name, distance, swept[spec.name])
        both = " (mean of both directions)" if len(condition) == 2 else ""
        falls = [text for family in families
                 if (text := _falls(estimates, (family, "none"), condition))]
        if falls:
            out.append(f"On {task_name}, under {conditions.describe(condition)}{both}, "
                       + " and ".join(falls) + f"; chance is {chance}.")
        versus = _versus(estimates, families, condition)
        if versus:
            out.append("Without augmentation, " + " and ".join(versus) + ".")
        lifted = _lifts(estimates, families, spec.policy, condition)
        if lifted:
            out.append(f"Training with {spec.policy} augmentation moves "
                       + " and ".join(lifted) + ".")
        edge = (trained_edges or {}).get(spec.name)
        if edge is None or spec.distance(edge) == distance:
            continue
        at_edge = conditions.both_directions(spec.name, spec.distance(edge), swept[spec.name])
        lifted = _lifts(estimates, families, spec.policy, at_edge) if at_edge else []
        if lifted:
            out.append(f"At {conditions.describe(at_edge)}, the edge of the range "
                       f"{spec.policy} augmentation trains on, it moves "
                       + " and ".join(lifted) + ".")
    return out
