"""``reports/reproductions.md``: each published figure of ``bench.catalog.reproductions``
beside our number for the same architecture and protocol, with its interval and a verdict.

Our number is the mean over seeds of the statistic on the test images, with its 95%
interval (two levels: seeds, then test images; ``bench.analysis.resample``) and the 95%
prediction interval for one new training run; the verdict is the cookbook claims' rule
(:func:`bench.analysis.claims.verdict`, docs/metrics.md), applied to the published figure's
range as printed: *not comparable* where our training departs from what the source states,
*untested* below 3 seeds or without a stored run. Records: ``<results>/reproductions/
<name>.jsonl`` (``bench reproduce NAME`` writes them; no Keras here).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.analysis import claims
from bench.analysis.resample import MIN_SEEDS, Estimate, ImageBootstrap
from bench.catalog.claims import BookSetting, Figure
from bench.catalog.reproductions import REPRODUCTIONS, PublishedFigure, Reproduction
from bench.render.tables import table
from bench.results.reproductions import load_records
from bench.results.schema import unpack_bits

PAGE = "reproductions.md"
HEADERS = ["figure", "published", "our number [95% CI] (seeds, n)",
           "one new run (95% prediction interval)", "verdict"]


def estimate_of(records: list[dict], statistic: str) -> tuple[Estimate | None, dict | None]:
    """(mean over seeds with its interval, one record for the protocol) of ``statistic``
    in ``records`` (the last record of each seed counts); (None, None) when none."""
    by_seed = {r["seed"]: r for r in records if r["statistic"] == statistic}
    if not by_seed:
        return None, None
    chosen = [by_seed[seed] for seed in sorted(by_seed)]
    n = min(r["n"] for r in chosen)
    correct = np.array([unpack_bits(r["bits"], r["n"])[:n] for r in chosen])
    return ImageBootstrap().estimate(correct), chosen[0]


def differences(item: Reproduction, record: dict) -> tuple[str, ...]:
    """How our stored training departs from what the source states (what it does not
    state is no difference)."""
    stated = item.protocol
    out = []
    for field, words in (("n_train", "training images"), ("epochs", "epochs"),
                         ("batch_size", "batch"), ("optimizer", "optimiser"),
                         ("learning_rate", "learning rate")):
        theirs, ours = getattr(stated, field), record.get(field)
        if theirs is not None and ours != theirs:
            out.append(f"{words} {ours:,}, source {theirs:,}" if isinstance(theirs, int)
                       else f"{words} {ours}, source {theirs}")
    return tuple(out)


def _figure(item: Reproduction, published: PublishedFigure) -> Figure:
    """The published figure in the form the claims rule reads (its printed range, rival)."""
    stated = item.protocol
    setting = BookSetting(data=item.data, n_train=stated.n_train or 0,
                          epochs=stated.epochs or 0, augmentation="none",
                          words=stated.data, batch_size=stated.batch_size or 0,
                          learning_rate=stated.learning_rate or 0.0,
                          optimizer=stated.optimizer or "not stated")
    return Figure(label=published.label, statistic="clean_accuracy", family=item.family,
                  augmentation="none", printed=published.printed, setting=setting,
                  rival=published.rival, rival_words=published.rival_words)


def judged(item: Reproduction, published: PublishedFigure, records: list[dict]
           ) -> tuple[Estimate | None, str]:
    """(our estimate, the verdict) of one published figure against the stored records."""
    estimate, record = estimate_of(records, published.statistic)
    if estimate is None:
        return None, f"untested: no stored run (`bench reproduce {item.name}`)"
    setting = (f"{record['n_train']:,} training images, {record['epochs']} epochs, batch "
               f"{record['batch_size']}, {record['optimizer']} lr {record['learning_rate']:g}")
    if estimate.high == estimate.low:  # every seed right (or wrong) on every image
        return estimate, (f"inconclusive: every seed scored {_pct(estimate.value)} on all "
                          f"{estimate.n:,} images, so no interval can be formed; one image "
                          f"is {_pct(1 / estimate.n)} here")
    measured = claims.Measured(_figure(item, published), estimate,
                               differences(item, record), setting)
    # the claims rule speaks of the cookbook; here the figure is the source's
    return estimate, claims.verdict([measured]).replace("the book's", "the published")


def _pct(value: float) -> str:
    return f"{value * 100:.2f}%"


def _row(item: Reproduction, published: PublishedFigure, records: list[dict]) -> list[str]:
    estimate, verdict = judged(item, published, records)
    shown = published.printed + (f" ({published.derived})" if published.derived else "")
    if estimate is None:
        ours, new = "not run", ""
    else:
        ours = (f"{_pct(estimate.value)} [{_pct(estimate.low)}, {_pct(estimate.high)}] "
                f"({estimate.seeds} seeds, n = {estimate.n:,})")
        new = ("fewer than 3 seeds" if estimate.seeds < MIN_SEEDS else
               "{} to {}".format(*map(_pct, claims.one_new_run(estimate))))
    return [published.label, shown, ours, new, f"**{verdict.partition(':')[0]}**"]


def _reasons(item: Reproduction, records: list[dict]) -> list[str]:
    """One bullet per figure whose verdict gives reasons (kept out of the table's cells)."""
    found = []
    for published in item.figures:
        reasons = judged(item, published, records)[1].partition(":")[2].strip()
        if reasons:
            found.append(f"- {published.label}: {reasons}")
    return found


def section(item: Reproduction, records: list[dict]) -> list[str]:
    """One reproduction: its source, the protocol stated and ours, the figures' table."""
    source, stated = item.source, item.protocol
    ours = records[0] if records else None
    lines = [f"## {item.title}", "",
             f"- Source: {source.citation}; {source.place}. Read at: {source.read_at}."
             + (f" **Second-hand**: {source.second_hand}." if source.second_hand else ""),
             f"- Their protocol: {stated.architecture}; {stated.data}; test: {stated.attack}."
             f" Not stated: {stated.unstated}.",
             f"- Our protocol: family `{item.family}` on data `{item.data}`, "
             + (f"{ours['n_train']:,} training images, {ours['epochs']} epochs, batch "
                f"{ours['batch_size']}, {ours['optimizer']} lr {ours['learning_rate']:g}"
                if ours else f"{item.epochs} epochs, batch {item.batch_size}, Adam lr "
                             f"{item.learning_rate:g} (not run yet)")
             + f". Departures: {item.departures}.",
             *([f"- Not quoted: {item.not_quoted}."] if item.not_quoted else []), "",
             table([_row(item, f, records) for f in item.figures], HEADERS), ""]
    reasons = _reasons(item, records)
    return lines + (["Verdicts' reasons:", "", *reasons, ""] if reasons else [])


def render(results: Path) -> str:
    """The whole page from the records under ``results``."""
    lines = ["# Reproductions of published figures", "",
             "Each figure below is a published number for a named architecture, set beside our "
             "number for that architecture trained the way the source says (as far as it "
             "says), never beside the book's models. Our number: mean over seeds [95% "
             "interval over seeds and test images]; the verdict is the rule of the cookbook's "
             "claims (docs/metrics.md): a published figure stands for every value that rounds "
             "to it, set against a 95% prediction interval for one new training run of ours: "
             "*inconsistent* when it lies outside, *inconclusive* when the interval also "
             "reaches the figure the source sets it against, *consistent* otherwise; *not "
             "comparable* when our training departs from what the source states, *untested* "
             "below 3 seeds. Sources are `bench/catalog/reproductions.py`; runs are "
             "`bench reproduce NAME` (`bench reproduce --help` lists them).", ""]
    for item in REPRODUCTIONS:
        lines += section(item, load_records(results, item.name))
    return "\n".join(lines).rstrip() + "\n"


def write_page(results: Path, out: Path) -> Path:
    """Write ``<out>/reproductions.md``; its path."""
    path = Path(out) / PAGE
    path.write_text(render(results))
    return path
