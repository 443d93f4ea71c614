"""The table of the cookbook's claims: the book's figure and setting, ours, and a verdict."""

from __future__ import annotations

from collections.abc import Sequence

from bench.analysis.claims import ClaimResult, Measured, Share, one_new_run
from bench.analysis.resample import MIN_SEEDS
from bench.analysis.sentences import counted
from bench.catalog.claims import OPERATION_WORDS
from bench.render.provenance import MARK, flags_by_model
from bench.render.tables import table

RULE = ("Verdicts follow the rule in docs/metrics.md, fixed before any result: *untested* "
        "without a run that measures the claim, *not comparable* when our data, training "
        "images, epochs, augmentation, batch size, optimiser or learning rate differ from the "
        "book's, *untested* with fewer than 3 seeds. Each book figure stands for the values "
        "its printing allows (a plain figure: all that round to it; \"about\": within one unit "
        "of its last digit). Since the book reports one training run, that range is set "
        "against a 95% prediction interval for one new run of our setting (seed spread and "
        "test images; a probability's on the log-odds scale): *inconsistent* when the range "
        "lies outside it, *inconclusive* when the interval also reaches the figure the book "
        "sets against it (its rival), else *consistent*. Where the book names the class its "
        "run predicted (on the operation that printed it), the claim is read as \"at least "
        "half of the runs predict it\": *inconsistent* when an exact one-sided binomial test "
        "rejects that at 5% (possible from 5 runs: 0 of 5), else *consistent* when a run "
        "predicts it, *inconclusive* when none does. What no run of ours matches (backend, "
        "Keras version, JPEG-encoded images) follows the verdict as \"with differences\". A "
        "claim's variants (the companion notebook's setting, the other reading of the book's "
        "words, or bench's own measurement) are judged by the same rule and listed under it, "
        "never as its verdict.")


def _units(figure) -> tuple[int, int, str, str]:
    """(scale, digits, unit, sign flag) of a claim figure's statistic as printed."""
    return {"clean_accuracy": (100, 1, "%", ""),  # else a probability: 3 decimals
            "clean_gain": (100, 1, " pp", "+")}.get(figure.statistic, (1, 3, "", ""))


def _share(label: str, share: Share) -> str:
    """``MLP: class 3 in 2 of 3 runs (by seed: 3, 3, 8)``."""
    return (f"{label}: class {share.target} in {share.hits} of {share.seeds} runs (by seed: "
            + ", ".join(str(c) for c in share.predicted) + ")")


def _measurement(measured: Measured) -> str:
    estimate, figure = measured.estimate, measured.figure
    if estimate is None:
        return f"{figure.label}: not measured"
    if isinstance(estimate, Share):
        return _share(figure.label, estimate)
    scale, digits, unit, sign = _units(figure)
    text = (f"{figure.label} {estimate.value * scale:{sign}.{digits}f}{unit} "
            f"[{estimate.low * scale:{sign}.{digits}f}, {estimate.high * scale:{sign}.{digits}f}] "
            f"({counted(estimate.seeds, 'seed')}, n = {estimate.n:,})")
    if estimate.seeds >= MIN_SEEDS:
        low, high = one_new_run(estimate)
        text += (f", one new run {low * scale:{sign}.{digits}f} to "
                 f"{high * scale:{sign}.{digits}f}")
    return text


#: The columns of :func:`claims_table`.
HEADERS = ["claim (cookbook, ch. 4)", "book's setting", "our setting",
           "our measurement [95% CI of the mean], one new run (95% prediction interval)",
           "verdict"]


def _cells(result: ClaimResult, variants: bool = True) -> list[str]:
    """One claim's cells: statement, the book's setting, ours, our measurement (with its
    variants unless ``variants`` is False), verdict."""
    book = "; ".join(dict.fromkeys(
        f"{f.label}: {f.setting.words}" if len(result.claim.figures) > 1
        else f.setting.words for f in result.claim.figures))
    ours = "; ".join(dict.fromkeys(m.setting for m in result.measured if m.setting))
    measurement = "; ".join(_measurement(m) for m in result.measured)
    if variants:
        measurement += "".join(f"; {_variant(variant)}" for variant in result.variants)
    return [result.claim.statement, book, ours or "no run", measurement, _verdict(result)]


def _verdict(result: ClaimResult) -> str:
    """The verdict, its first word in bold."""
    word, _, reasons = result.verdict.partition(":")
    return f"**{word}**" + (f":{reasons}" if reasons else "")


def _variant(result: ClaimResult) -> str:
    """``variant, <its setting> (`run` run): <measurement>: <verdict>``."""
    where = f" (`{result.run.profile}` run)" if result.run is not None else ""
    measured = "; ".join(_measurement(m) for m in result.measured) or "no run"
    return f"variant, {result.claim.statement}{where}: {measured}: {_verdict(result)}"


def claims_table(results: Sequence[ClaimResult]) -> str:
    """One line per claim: statement, the book's setting, ours, our measurement, verdict."""
    return table([_cells(result) for result in results], HEADERS)


def claims_details(results: Sequence[ClaimResult]) -> list[str]:
    """:func:`claims_table` as one bullet per claim (its cells as labelled sub-bullets), for
    pages whose lines stay short."""
    out = []
    for result in results:
        statement, *rest = _cells(result, variants=False)
        out += [f"- **{statement}**",
                *(f"  - {header}: {cell}" for header, cell in zip(HEADERS[1:], rest,
                                                                   strict=True)),
                *(f"  - {_variant(variant)}" for variant in result.variants)]
    return out


def sources(results: Sequence[ClaimResult]) -> list[str]:
    """One Markdown bullet per claim naming its source."""
    return [f"- {r.claim.statement}: {r.claim.source}." for r in results]


def _short(measured: Measured, flags: dict) -> str:
    """``CNN 98.9% [98.8, 99.0]``: our figure, its interval only over MIN_SEEDS seeds or
    more, and the provenance mark where the model was trained differently."""
    estimate, figure = measured.estimate, measured.figure
    if estimate is None:
        return f"{figure.label}: not measured"
    flag = MARK if (figure.family, figure.augmentation) in flags else ""
    if isinstance(estimate, Share):
        return (f"{figure.label}: class {estimate.target} in {estimate.hits} of "
                f"{counted(estimate.seeds, 'run')}{flag}")
    scale, digits, unit, sign = _units(figure)
    text = f"{figure.label} {estimate.value * scale:{sign}.{digits}f}{unit}"
    if estimate.seeds >= MIN_SEEDS:
        text += (f" [{estimate.low * scale:{sign}.{digits}f}, "
                 f"{estimate.high * scale:{sign}.{digits}f}]")
    else:
        text += f" ({counted(estimate.seeds, 'seed')}, no interval)"
    return text + flag


#: The verdicts that judge a measurement (the others say why none was judged).
JUDGED = ("consistent", "inconsistent", "inconclusive")


def judged_on(result: ClaimResult) -> str:
    """`` (judged on the book's loop, ...)``: the operations a claim's mean-"1" figures are
    measured on ("" for a claim without one, or a verdict that judged nothing)."""
    if result.word not in JUDGED:
        return ""
    operations = dict.fromkeys(OPERATION_WORDS[m.figure.operation] for m in result.measured
                               if m.figure.operation in OPERATION_WORDS)
    return f" (judged on {'; '.join(operations)})" if operations else ""


def claims_box(results: Sequence[ClaimResult]) -> list[str]:
    """One bullet per claim: the claim, our figure, the verdict's first word, the operation
    a mean-"1" verdict judges and whether the run differs in what no run can match (details
    in :func:`claims_table`)."""
    out = []
    for result in results:
        flags = flags_by_model(result.run) if result.run is not None else {}
        ours = "; ".join(_short(m, flags) for m in result.measured) or "no run"
        caveats = ", with differences" if "with differences: " in result.verdict else ""
        out.append(f"- {result.claim.statement} — ours: {ours} — "
                   f"**{result.word}**{caveats}{judged_on(result)}")
    return out
