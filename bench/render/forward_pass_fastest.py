"""Which implementation is fastest, one generated sentence per batch size and thread count.

For a (batch, threads) the contenders are the implementations timed on every architecture
timed there (the naive loops, skipped on large cells and on MLPs, and LiteRT, batch 1 only,
drop out where they miss one); they are ranked by the geometric mean over the architectures of
their median round times, and the sentence names the first with its ratio to the second (how
many times faster), then how many architectures each implementation was fastest on.
"""

from __future__ import annotations

import math
from collections import Counter

from bench.render.forward_pass_data import (
    IMPLEMENTATIONS,
    LABELS,
    architectures,
    shown,
    thread_counts,
)


def _geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def fastest_sentence(found: dict, batch: int, threads: int | None) -> str | None:
    """The sentence for one batch size and thread count, or None with fewer than two
    contenders."""
    archs = [a for a in architectures(found) if (a, batch, threads) in
             {(k[0], k[1], k[3]) for k in found}]
    contenders = [impl for impl in IMPLEMENTATIONS
                  if archs and all((a, batch, impl, threads) in found for a in archs)]
    if len(contenders) < 2:
        return None
    means = {impl: _geometric_mean([found[(a, batch, impl, threads)].median_s for a in archs])
             for impl in contenders}
    first, second = sorted(contenders, key=means.__getitem__)[:2]
    wins = Counter(min(contenders, key=lambda impl, a=a: found[(a, batch, impl, threads)].median_s)
                   for a in archs)
    tally = ", ".join(f"{LABELS[impl]} on {count}" for impl, count in wins.most_common())
    return (f"- Batch {batch:,}, {shown(threads)} thread(s): **{LABELS[first]}** is the fastest "
            f"over the {_plural(len(archs), 'architecture')}, "
            f"{means[second] / means[first]:.2f}x the next, {LABELS[second]} (geometric means "
            f"of the median round times of the {len(contenders)} implementations timed on "
            f"every architecture); fastest per architecture: {tally}.")


def fastest_sentences(found: dict) -> list[str]:
    """One sentence per (batch, threads) of ``found``, thread counts in turn, batches
    ascending."""
    lines = []
    for threads in thread_counts(found):
        for batch in sorted({k[1] for k in found if k[3] == threads}):
            sentence = fastest_sentence(found, batch, threads)
            if sentence:
                lines.append(sentence)
    return lines
