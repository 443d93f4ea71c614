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
   inside or overlaps it;
5. a categorical figure (the book's run predicted class c) is a :class:`Share` of our runs
   that predict c: **consistent** when at least one does (the book's outcome is one our
   setting produces), **inconsistent** when none does and the exact (Clopper-Pearson) 95%
   upper bound on the share of runs that would is under ``RARE`` (2.5%, the tail a 95%
   prediction interval leaves out), **inconclusive** otherwise (too few runs to rule it out).

A claim's variants (a companion notebook's setting, or bench's own way of measuring the same
idea; ``ClaimSpec.variants``) are checked by the same rule against the run that tests each best
and shown under the claim (``ClaimResult.variants``), never as its verdict.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np
from scipy import stats

from bench.analysis.estimates import RunEstimates
from bench.analysis.resample import MIN_SEEDS, Estimate, prediction_interval
from bench.analysis.sentences import counted
from bench.catalog.claims import CLAIMS, ClaimSpec, Figure
from bench.results.loading import RunData

#: Widest prediction interval (half-width, in the statistic's units) that can judge a claim.
TOLERANCE = 0.05

#: Below this share of runs, an outcome our runs never produced is ruled out (rule 5).
RARE = 0.025

#: The probes behind the mean "1" figures: bench's shift grid (the -1 px point is the
#: operation ``shift_left_1px``) and the book's own operations.
MEAN_ONE_PROBE, MEAN_ONE_SHIFT, MEAN_ONE_BOOK = "mean_one_shift_x", -1.0, "mean_one_book"


@dataclass(frozen=True)
class Share:
    """A categorical figure over seeds: ``predicted`` holds each run's predicted class (by
    seed), ``target`` the book's; hits / seeds the share of runs that predict it."""

    predicted: tuple[int, ...]
    target: int

    @property
    def seeds(self) -> int:
        return len(self.predicted)

    @property
    def hits(self) -> int:
        return sum(p == self.target for p in self.predicted)

    @property
    def value(self) -> float:
        return self.hits / self.seeds

    def upper(self) -> float:
        """Exact one-sided 95% upper bound on the share of runs that predict ``target``."""
        if self.hits == self.seeds:
            return 1.0
        return float(stats.beta.ppf(0.95, self.hits + 1, self.seeds - self.hits))


@dataclass(frozen=True)
class Measured:
    """One figure of a claim in one run: our estimate (None: not measured) and how the
    run's setting differs from the book's."""

    figure: Figure
    estimate: Estimate | Share | None
    differences: tuple[str, ...]
    setting: str
    learning_rate: float | None = None


@dataclass(frozen=True)
class ClaimResult:
    """A claim checked against one run (None: no run of its task); variants: the claim's
    variants, each checked against the run that tests it best."""

    claim: ClaimSpec
    run: RunData | None
    measured: tuple[Measured, ...]
    verdict: str
    variants: tuple[ClaimResult, ...] = ()


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
        out.append(f"Adam lr {rate:g}, book {book.learning_rate:g}")
    return tuple(out)


def _estimate(run: RunData, estimates: RunEstimates, figure: Figure
              ) -> Estimate | Share | None:
    model = (figure.family, figure.augmentation)
    if figure.statistic == "clean_accuracy":
        return estimates.clean(model)
    if figure.statistic == "clean_gain":
        return estimates.compare(model, (figure.family, figure.baseline),
                                 estimates.clean_condition)
    records = sorted(_mean_one_records(run, figure), key=lambda p: p["seed"])
    if not records:
        return None
    if figure.statistic == "mean_one_predicts":
        return Share(tuple(p["predicted"] for p in records), figure.target_class)
    values = [p["probability"] if "probability" in p else p["probabilities"][
        figure.target_class] for p in records]
    return estimates.bootstrap.estimate(np.asarray(values, dtype=np.float64)[:, None])


def _mean_one_records(run: RunData, figure: Figure) -> list[dict]:
    """The probe records (one per seed) of a mean "1" figure's model and operation."""
    model = (figure.family, figure.augmentation)
    mine = [p for p in run.probes if (p["family"], p["augmentation"]) == model]
    if figure.operation == "shift_left_1px":
        return [p for p in mine
                if p["probe"] == MEAN_ONE_PROBE and p.get("shift_px") == MEAN_ONE_SHIFT]
    return [p for p in mine if p["probe"] == MEAN_ONE_BOOK
            and p.get("operation") == figure.operation and p.get("mean_of") == figure.mean_of]


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
               + (f", Adam lr {rate:g}" if rate is not None else "")
               + f", {counted(seeds, 'seed')}")
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
    shares = [m for m in measured if isinstance(m.estimate, Share)]
    numbers = [m for m in measured if not isinstance(m.estimate, Share)]
    wide = [m for m in numbers if _half_width(m.estimate) > TOLERANCE]
    unsettled = [m for m in shares if m.estimate.hits == 0 and m.estimate.upper() >= RARE]
    if wide or unsettled:
        return "inconclusive: " + "; ".join(
            [f"{m.figure.label}: one new run would fall within +-{_half_width(m.estimate):.3g},"
             f" wider than +-{TOLERANCE:g}" for m in wide]
            + [f"{m.figure.label}: no run of {m.estimate.seeds} predicts "
               f"{m.estimate.target}, but up to {m.estimate.upper():.0%} of runs might"
               for m in unsettled])
    outside = []
    for m in numbers:
        low, high = prediction_interval(m.estimate)
        if high < m.figure.low or low > m.figure.high:
            outside.append(f"{m.figure.label} {m.estimate.value:.3g}, one new run 95% "
                           f"{low:.3g} to {high:.3g}, the book's {m.figure.low:g} to "
                           f"{m.figure.high:g} outside")
    outside += [f"{m.figure.label}: no run of {m.estimate.seeds} predicts "
                f"{m.estimate.target} (95% upper bound {m.estimate.upper():.1%})"
                for m in shares if m.estimate.hits == 0]
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


def best_check(claim: ClaimSpec, runs: Sequence[tuple[RunData, RunEstimates]]
               ) -> ClaimResult:
    """The claim against the stored run of its task that tests it best."""
    candidates = [check(claim, run, est) for run, est in runs if run.task == claim.task]
    if not candidates:
        return ClaimResult(claim, None, (), f"untested: no run of the {claim.task} task")
    return min(candidates, key=_rank)


def check_all(runs: Sequence[tuple[RunData, RunEstimates]]) -> list[ClaimResult]:
    """Every claim, and each of its variants, against the run that tests it best."""
    return [dataclasses.replace(best_check(claim, runs), variants=tuple(
        best_check(variant, runs) for variant in claim.variants)) for claim in CLAIMS]
