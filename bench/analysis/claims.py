"""The cookbook's claims against stored runs: measurement, setting and verdict.

The rule (docs/metrics.md, "The cookbook's claims"), fixed before any result, applied in
this order:

1. **untested** when no stored run of the claim's task holds the models it is about;
2. **not comparable** when the run's data, training images, epochs, augmentation, batch
   size, optimiser or learning rate differ from the book's (each difference is named);
3. **untested: too few seeds to judge (n)** with fewer than ``MIN_SEEDS`` seeds;
4. the book reports one training run, so each numeric figure's book range (its tolerance,
   from the way the book prints it: ``bench.catalog.claims.book_range``) is set against a
   95% *prediction* interval for one new run of our setting (:func:`one_new_run`; a
   probability's on the log-odds scale, so it stays inside 0 to 1): **inconsistent** when
   the book's range lies outside it (at any width), **inconclusive** when it meets the
   range but also reaches the figure's rival (the figure the book sets it against: our runs
   cannot tell the book's figure from its rival), **consistent** otherwise;
5. a categorical figure (the book's run predicted class c) is a :class:`Share` of our runs
   that predict c. The book presents its run's class as what the setting does, so the
   claim is read as "at least half of the runs predict c" and tested by an exact one-sided
   binomial test: **inconsistent** when P(hits or fewer | S runs, 1/2) < ``ALPHA``,
   else **consistent** when at least one run predicts c, **inconclusive** when none does
   (too few runs to reject: see :meth:`Share.power`).

A claim's verdict is **inconsistent** when any figure is, else **inconclusive** when any is,
else **consistent**. What no run of ours can match (backend and Keras version, JPEG-encoded
images where the book's were lossless) is named after the verdict: "with differences: ...".
A claim's variants (a companion notebook's setting, or the other reading of the book's
words; ``ClaimSpec.variants``) are checked by the same rule against the run that tests each
best and shown under the claim (``ClaimResult.variants``), never as its verdict.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np
from scipy import special, stats

from bench.analysis.estimates import RunEstimates
from bench.analysis.resample import MIN_SEEDS, Estimate, half_width, prediction_interval
from bench.analysis.sentences import counted
from bench.catalog.claims import CLAIMS, ClaimSpec, Figure
from bench.results.loading import RunData

#: Level of the categorical test (rule 5), one-sided.
ALPHA = 0.05
#: The share of runs the book's categorical outcome stands for (rule 5): the book presents
#: its run's class as what the setting does, so at least half of the runs.
BOOK_SHARE = 0.5
#: Probabilities are clipped to [EPS, 1 - EPS] before their log-odds (a float32 softmax can
#: round to exactly 1).
EPS = 1e-7

#: The probes behind the mean "1" figures: bench's shift grid (the -1 px point is the
#: operation ``shift_left_1px``) and the book's own operations.
MEAN_ONE_PROBE, MEAN_ONE_SHIFT, MEAN_ONE_BOOK = "mean_one_shift_x", -1.0, "mean_one_book"
#: Backends a model record's environment may name (the first present is the backend).
BACKENDS = ("tensorflow", "jax", "torch")


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

    @property
    def p_value(self) -> float:
        """Exact one-sided p-value of a share of at least ``BOOK_SHARE``: P(hits or fewer)."""
        return float(stats.binom.cdf(self.hits, self.seeds, BOOK_SHARE))

    def critical(self) -> int:
        """The most hits of ``seeds`` runs that reject a share of ``BOOK_SHARE`` (-1: no
        count can, e.g. with 3 or 4 runs)."""
        counts = np.arange(self.seeds + 1)
        rejecting = counts[stats.binom.cdf(counts, self.seeds, BOOK_SHARE) < ALPHA]
        return int(rejecting.max()) if len(rejecting) else -1

    def power(self, share: float) -> float:
        """Probability that ``seeds`` runs reject the book's share when the true share of
        runs that predict ``target`` is ``share``."""
        critical = self.critical()
        return float(stats.binom.cdf(critical, self.seeds, share)) if critical >= 0 else 0.0


@dataclass(frozen=True)
class Probability:
    """A class probability over seeds, on the log-odds scale: ``per_seed`` (S,) holds each
    run's probability for one fixed image (n = 1: no test-image sampling). value: the
    probability at the mean log-odds; low / high: its 95% interval (Student's t at S - 1
    degrees of freedom on the log-odds, mapped back, so it stays inside 0 to 1; the value
    itself with fewer than MIN_SEEDS seeds)."""

    per_seed: tuple[float, ...]
    n: int = 1

    @property
    def seeds(self) -> int:
        return len(self.per_seed)

    @property
    def _logits(self) -> np.ndarray:
        return special.logit(np.clip(np.asarray(self.per_seed, dtype=np.float64), EPS, 1 - EPS))

    @property
    def value(self) -> float:
        return float(special.expit(self._logits.mean()))

    def _interval(self, factor: float) -> tuple[float, float]:
        """expit(mean log-odds -+ t * s * sqrt(factor)), s the per-seed log-odds' sd."""
        if self.seeds < MIN_SEEDS:
            return self.value, self.value
        logits = self._logits
        width = half_width(float(np.var(logits, ddof=1)) * factor, self.seeds, 0.0)
        centre = logits.mean()
        return float(special.expit(centre - width)), float(special.expit(centre + width))

    @property
    def low(self) -> float:
        return self._interval(1.0 / self.seeds)[0]

    @property
    def high(self) -> float:
        return self._interval(1.0 / self.seeds)[1]

    def prediction(self) -> tuple[float, float]:
        """95% interval for one new run's probability: (1 + 1/S) times the seed variance."""
        return self._interval(1.0 + 1.0 / self.seeds)


def one_new_run(estimate: Estimate | Probability) -> tuple[float, float]:
    """95% prediction interval for the figure of one new training run of our setting."""
    if isinstance(estimate, Probability):
        return estimate.prediction()
    return prediction_interval(estimate)


@dataclass(frozen=True)
class Measured:
    """One figure of a claim in one run: our estimate (None: not measured), how the run's
    setting differs from the book's (``differences``: not comparable) and what no run of
    ours can match (``caveats``: named after the verdict)."""

    figure: Figure
    estimate: Estimate | Probability | Share | None
    differences: tuple[str, ...]
    setting: str
    learning_rate: float | None = None
    caveats: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClaimResult:
    """A claim checked against one run (None: no run of its task); variants: the claim's
    variants, each checked against the run that tests it best."""

    claim: ClaimSpec
    run: RunData | None
    measured: tuple[Measured, ...]
    verdict: str
    variants: tuple[ClaimResult, ...] = ()

    @property
    def word(self) -> str:
        """The verdict's first word(s): ``consistent``, ``not comparable``, ..."""
        return self.verdict.split(":")[0]


def _model_records(run: RunData, figure: Figure) -> list[dict]:
    return [record for record in run.models
            if (record["family"], record["augmentation"]) == (figure.family,
                                                               figure.augmentation)]


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
    batch = record.get("batch_size")
    if batch != book.batch_size:
        out.append(f"batch {batch}, book {book.batch_size}" if batch is not None
                   else f"batch size not recorded, book {book.batch_size}")
    # bench trains with Adam only (bench.run.train); a record may name another optimiser
    optimizer = record.get("optimizer", "Adam")
    if optimizer != book.optimizer:
        out.append(f"optimiser {optimizer}, book {book.optimizer}")
    rate = record.get("learning_rate")
    if rate != book.learning_rate:
        out.append(f"{optimizer} lr {rate:g}, book {book.learning_rate:g}" if rate is not None
                   else f"learning rate not recorded, book {book.learning_rate:g}")
    return tuple(out)


def _backend(record: dict) -> str:
    """``Keras 3.15.1 on jax`` from a model record's training environment."""
    environment = record.get("environment") or {}
    backend = next((name for name in BACKENDS if name in environment), "an unrecorded backend")
    return f"Keras {environment.get('keras', '(version not recorded)')} on {backend}"


def _caveats(run: RunData, figure: Figure, records: Sequence[dict]) -> tuple[str, ...]:
    """What no run of ours matches: the backend and Keras version (of every seed's model),
    and JPEG re-encoded images where the book's were stored losslessly."""
    book, out = figure.setting, []
    backends = sorted({_backend(record) for record in records})
    if any(not (b.startswith(f"Keras {book.keras}.") and b.endswith(f" on {book.backend}"))
           for b in backends):
        out.append(f"{', '.join(backends)}, book Keras {book.keras} on {book.backend}")
    # bench.data.cifar10 notes an image tree of JPEG files this way in dataset.json
    if book.lossless and any("JPEG re-encoding" in str(note)
                             for note in run.dataset.get("notes", ())):
        out.append("JPEG re-encoded images, book the losslessly stored originals")
    return tuple(out)


def _estimate(run: RunData, estimates: RunEstimates, figure: Figure
              ) -> Estimate | Probability | Share | None:
    model = (figure.family, figure.augmentation)
    if figure.statistic == "clean_accuracy":
        return estimates.clean(model)
    if figure.statistic == "clean_gain":
        return estimates.compare(model, (figure.family, figure.baseline),
                                 estimates.clean_condition)
    records = sorted(_mean_one_records(run, figure), key=lambda p: p["seed"])
    if not records:
        return None
    if figure.categorical:
        return Share(tuple(p["predicted"] for p in records), figure.target_class)
    return Probability(tuple(float(p["probability"]) if "probability" in p
                             else float(p["probabilities"][figure.target_class])
                             for p in records))


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
    records = _model_records(run, figure)
    if not records:
        return Measured(figure, None, (), "")
    record = records[0]
    seeds = len({m["seed"] for m in records})
    rate = record.get("learning_rate")
    setting = (f"{run.dataset.get('name')} (`{run.profile}` run): {record['n_train']:,} "
               f"training images, {record['epochs']} epochs"
               + (f", batch {record['batch_size']:,}" if record.get("batch_size") else "")
               + (f", Adam lr {rate:g}" if rate is not None else "")
               + f", {counted(seeds, 'seed')}")
    return Measured(figure, _estimate(run, estimates, figure),
                    _differences(run, figure, record), setting, rate,
                    _caveats(run, figure, records))


def _judge(measured: Measured) -> tuple[str, str]:
    """(word, reason) for one measured figure by rules 4 and 5; reason "" when consistent."""
    m, figure = measured.estimate, measured.figure
    if isinstance(m, Share):
        test = (f"exact one-sided binomial p = {m.p_value:.3g} against a share of "
                f"{BOOK_SHARE:g}")
        if m.p_value < ALPHA:
            return "inconsistent", (f"{figure.label}: {m.hits} of {m.seeds} runs predict "
                                    f"{m.target} ({test})")
        if m.hits == 0:
            can = (f"only 0 of {m.seeds} would reject it" if m.critical() >= 0 else
                   f"no count of {m.seeds} runs can reject it")
            return "inconclusive", (f"{figure.label}: no run of {m.seeds} predicts {m.target}"
                                    f" ({test}; {can})")
        return "consistent", ""
    low, high = one_new_run(m)
    interval = f"one new run 95% {low:.3g} to {high:.3g}"
    if high < figure.low or low > figure.high:
        return "inconsistent", (f"{figure.label} {m.value:.3g}, {interval}, the book's "
                                f"{figure.low:g} to {figure.high:g} outside")
    if low <= figure.rival_value <= high:
        return "inconclusive", (f"{figure.label}: {interval} meets the book's {figure.low:g} "
                                f"to {figure.high:g} and its rival, {figure.rival_words}")
    return "consistent", ""


def verdict(measured: Sequence[Measured]) -> str:
    """The rule of the module docstring, for one claim's figures in one run."""
    missing = [m.figure.label for m in measured if m.estimate is None]
    if missing:
        return "untested: the run has no " + " or ".join(missing) + " measurement"
    differences = _joined([m.differences for m in measured], [m.figure.label for m in measured])
    if differences:
        return "not comparable: " + "; ".join(differences)
    seeds = min(m.estimate.seeds for m in measured)
    if seeds < MIN_SEEDS:
        return f"untested: too few seeds to judge ({seeds})"
    judged = [_judge(m) for m in measured]
    word = next((w for w in ("inconsistent", "inconclusive") if any(j[0] == w for j in judged)),
                "consistent")
    reasons = [reason for w, reason in judged if w == word and reason]
    caveats = _joined([m.caveats for m in measured], [m.figure.label for m in measured])
    if caveats:
        reasons.append("with differences: " + "; ".join(caveats))
    return word + (": " + "; ".join(reasons) if reasons else "")


def _joined(parts: Sequence[tuple[str, ...]], labels: Sequence[str]) -> list[str]:
    """Phrases of every figure, those all figures share once, the others with their label."""
    common = set.intersection(*(set(p) for p in parts)) if parts else set()
    out = [d for p in parts for d in p if d in common]
    out += [f"{label}: {d}" for p, label in zip(parts, labels, strict=True) for d in p
            if d not in common]
    return list(dict.fromkeys(out))


def check(claim: ClaimSpec, run: RunData, estimates: RunEstimates) -> ClaimResult:
    """One claim against one run."""
    measured = tuple(measure(run, estimates, figure) for figure in claim.figures)
    return ClaimResult(claim, run, measured, verdict(measured))


def _rank(result: ClaimResult) -> tuple[int, int, int, int]:
    """Runs that measure more, differ less and hold more seeds come first."""
    untested = sum(m.estimate is None for m in result.measured)
    differences = sum(len(m.differences) for m in result.measured)
    caveats = sum(len(m.caveats) for m in result.measured)
    seeds = min((m.estimate.seeds for m in result.measured if m.estimate), default=0)
    return untested, differences, caveats, -seeds


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
