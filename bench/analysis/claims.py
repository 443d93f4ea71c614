"""The cookbook's claims against stored runs: measurement, setting and verdict.

The rule (docs/metrics.md, "The cookbook's claims"), applied in this order:

1. **untested** when no stored run of the claim's task holds the models it is about;
2. **not comparable** when the run's data, training images, epochs, augmentation or (where
   the book states it) learning rate differ from the book's (each difference is named);
3. **untested: too few seeds to judge (n)** with fewer than ``MIN_SEEDS`` seeds;
4. the book reports one training run, so each figure's book range is set against a 95%
   *prediction* interval for one new run of our setting (seed spread, Student's t at
   S - 1 degrees of freedom, times sqrt(1 + 1/S), with the test-image variance added):
   **inconclusive** when that interval is wider than +-``TOLERANCE``, else
   **inconsistent** when a book range lies outside it, **consistent** when every one lies
   inside or overlaps it.

Runs that differ from the chosen one only in the learning rate are checked too and shown
beside it (``ClaimResult.at_other_rates``): a sensitivity arm, never the verdict.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np

from bench.analysis.estimates import RunEstimates
from bench.analysis.resample import MIN_SEEDS, Estimate, prediction_interval
from bench.catalog.claims import CLAIMS, ClaimSpec, Figure
from bench.results.loading import RunData

#: Widest prediction interval (half-width, in the statistic's units) that can judge a claim.
TOLERANCE = 0.05

#: The probe and shift behind ``mean_one_left_1px``.
MEAN_ONE_PROBE, MEAN_ONE_SHIFT = "mean_one_shift_x", -1.0


@dataclass(frozen=True)
class Measured:
    """One figure of a claim in one run: our estimate (None: not measured) and how the
    run's setting differs from the book's."""

    figure: Figure
    estimate: Estimate | None
    differences: tuple[str, ...]
    setting: str
    learning_rate: float | None = None


@dataclass(frozen=True)
class ClaimResult:
    """A claim checked against one run (None: no run of its task); at_other_rates: the same
    claim in runs that differ from this one only in the learning rate."""

    claim: ClaimSpec
    run: RunData | None
    measured: tuple[Measured, ...]
    verdict: str
    at_other_rates: tuple[ClaimResult, ...] = ()


def _model_record(run: RunData, figure: Figure) -> dict | None:
    for record in run.models:
        if (record["family"], record["augmentation"]) == (figure.family, figure.augmentation):
            return record
    return None


def _differences(run: RunData, figure: Figure, record: dict) -> tuple[str, ...]:
    """How the run's setting of one figure's model differs from the book's, in words."""
    book, data = figure.setting, run.dataset
    out = []
    if data.get("name") != book.data:
        out.append(f"data {data.get('name')}, book {book.data}")
    elif book.source and book.source not in str(data.get("source", "")):
        out.append(f"other images ({PurePath(str(data.get('source'))).name}; book "
                   f"{book.source})")
    if record["n_train"] != book.n_train:
        out.append(f"{record['n_train']:,} training images, book {book.n_train:,}")
    if record["epochs"] != book.epochs:
        out.append(f"{record['epochs']} epochs, book {book.epochs}")
    if book.augmentation is None:
        out.append("no bench policy reproduces the book's augmentation")
    rate = record.get("learning_rate")
    if book.learning_rate is not None and rate != book.learning_rate:
        out.append(f"{RATE_DIFFERENCE}{rate:g}, book {book.learning_rate:g}")
    return tuple(out)


#: How a difference in the learning rate begins (the only one a sensitivity arm may have).
RATE_DIFFERENCE = "Adam lr "


def _estimate(run: RunData, estimates: RunEstimates, figure: Figure) -> Estimate | None:
    model = (figure.family, figure.augmentation)
    if figure.statistic == "clean_accuracy":
        return estimates.clean(model)
    if figure.statistic == "clean_gain":
        return estimates.compare(model, (figure.family, figure.baseline),
                                 estimates.clean_condition)
    values = [p["probability"] for p in run.probes
              if p["probe"] == MEAN_ONE_PROBE and p["shift_px"] == MEAN_ONE_SHIFT
              and (p["family"], p["augmentation"]) == model]
    if not values:
        return None
    return estimates.bootstrap.estimate(np.asarray(values, dtype=np.float64)[:, None])


def measure(run: RunData, estimates: RunEstimates, figure: Figure) -> Measured:
    """One figure in one run."""
    record = _model_record(run, figure)
    if record is None:
        return Measured(figure, None, (), "")
    seeds = len({m["seed"] for m in run.models
                 if (m["family"], m["augmentation"]) == (figure.family, figure.augmentation)})
    rate = record.get("learning_rate")
    setting = (f"{run.dataset.get('name')} (`{run.profile}` run): {record['n_train']:,} "
               f"training images, {record['epochs']} epochs"
               + (f", Adam lr {rate:g}" if rate is not None else "") + f", {seeds} seed(s)")
    return Measured(figure, _estimate(run, estimates, figure),
                    _differences(run, figure, record), setting, rate)


def verdict(measured: Sequence[Measured]) -> str:
    """The rule of the module docstring, for one claim's figures in one run."""
    missing = [m.figure.label for m in measured if m.estimate is None]
    if missing:
        return "untested: the run has no " + " or ".join(missing) + " measurement"
    common = set.intersection(*(set(m.differences) for m in measured))
    differences = [d for m in measured for d in m.differences if d in common]
    differences += [f"{m.figure.label}: {d}" for m in measured for d in m.differences
                    if d not in common]
    if differences:
        return "not comparable: " + "; ".join(dict.fromkeys(differences))
    seeds = min(m.estimate.seeds for m in measured)
    if seeds < MIN_SEEDS:
        return f"untested: too few seeds to judge ({seeds})"
    wide = [m for m in measured if _half_width(m.estimate) > TOLERANCE]
    if wide:
        return "inconclusive: " + "; ".join(
            f"{m.figure.label}: one new run would fall within +-{_half_width(m.estimate):.3g},"
            f" wider than +-{TOLERANCE:g}" for m in wide)
    outside = []
    for m in measured:
        low, high = prediction_interval(m.estimate)
        if high < m.figure.low or low > m.figure.high:
            outside.append(f"{m.figure.label} {m.estimate.value:.3g}, one new run 95% "
                           f"{low:.3g} to {high:.3g}, the book's {m.figure.low:g} to "
                           f"{m.figure.high:g} outside")
    return "inconsistent: " + "; ".join(outside) if outside else "consistent"


def _half_width(estimate: Estimate) -> float:
    low, high = prediction_interval(estimate)
    return (high - low) / 2.0


def check(claim: ClaimSpec, run: RunData, estimates: RunEstimates) -> ClaimResult:
    """One claim against one run."""
    measured = tuple(measure(run, estimates, figure) for figure in claim.figures)
    return ClaimResult(claim, run, measured, verdict(measured))


def _rank(result: ClaimResult) -> tuple[int, int, int]:
    """Runs that measure more, differ less and hold more seeds come first."""
    untested = sum(m.estimate is None for m in result.measured)
    differences = sum(len(m.differences) for m in result.measured)
    seeds = min((m.estimate.seeds for m in result.measured if m.estimate), default=0)
    return untested, differences, -seeds


def check_all(runs: Sequence[tuple[RunData, RunEstimates]]) -> list[ClaimResult]:
    """Every claim against the stored run of its task that tests it best."""
    results = []
    for claim in CLAIMS:
        candidates = [check(claim, run, est) for run, est in runs if run.task == claim.task]
        if not candidates:
            results.append(ClaimResult(claim, None, (), f"untested: no run of the "
                                                        f"{claim.task} task"))
            continue
        best = min(candidates, key=_rank)
        others = tuple(c for c in candidates if c is not best and _only_rate_differs(c, best))
        results.append(dataclasses.replace(best, at_other_rates=others))
    return results


def _only_rate_differs(other: ClaimResult, chosen: ClaimResult) -> bool:
    """True when ``other`` measures every figure and differs from ``chosen`` (itself at the
    book's rate) in the learning rate and nothing else."""
    def without_rate(measured: Measured) -> tuple[str, ...]:
        return tuple(d for d in measured.differences if not d.startswith(RATE_DIFFERENCE))

    pairs = list(zip(other.measured, chosen.measured, strict=True))
    return (all(o.estimate is not None for o, _ in pairs)
            and all(without_rate(c) == c.differences for _, c in pairs)
            and all(without_rate(o) == c.differences for o, c in pairs)
            and any(o.learning_rate != c.learning_rate for o, c in pairs))
