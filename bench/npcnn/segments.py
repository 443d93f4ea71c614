"""How many images each layer of a network runs on at a time.

``Network.predict`` bounds its working memory by running the layers on chunks of images
whose largest intermediate output fills about a fixed budget. One chunk size for the
whole network is set by its largest output (the first convolution's, in a CNN), so the
later layers, whose outputs are many times smaller, would run on the same few images:
thin matrix products that reload their (often largest) weights from memory for every
few images. Cutting the layers into segments lets each segment take as many images as
the budget allows for its own outputs; a segment's input is gathered from several
passes of the segment before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

CUT_FACTOR = 4
"""A new segment starts where the layers from there on fit at least this many times more
images in the budget than the current segment: smaller gains do not pay for gathering
the boundary output and the extra Python calls of more, smaller passes."""


@dataclass(frozen=True)
class Segment:
    """Layers ``first``..``last - 1`` (indices into the layer list), run on
    ``chunk_size`` images at a time."""

    first: int
    last: int
    chunk_size: int


def plan_segments(sizes: Sequence[int], chunk_size: int) -> tuple[Segment, ...]:
    """Segments for layers whose inputs or outputs hold at most ``sizes[i]`` float32
    values per image (the larger of the two), when the largest may run on ``chunk_size``
    images: every segment's chunk keeps each of its layers within that same budget,
    ``chunk_size * max(sizes)`` values, so a segment's chunk is at least ``chunk_size``
    and the peak working memory does not grow. Greedy, front to back: a segment ends
    before the first layer from which every later layer fits :data:`CUT_FACTOR` times
    its chunk, so chunks only grow from segment to segment."""
    if not sizes:
        raise ValueError("a network needs at least one layer to plan segments")
    if chunk_size < 1 or min(sizes) < 1:
        raise ValueError(f"chunk_size and sizes must be >= 1, got {chunk_size} and {sizes}")
    budget = chunk_size * max(sizes)
    fits = [budget // size for size in sizes]
    rest = [min(fits[index:]) for index in range(len(fits))]  # what every later layer fits
    segments: list[Segment] = []
    first, current = 0, fits[0]
    for index in range(1, len(sizes)):
        if rest[index] >= CUT_FACTOR * current:
            segments.append(Segment(first, index, current))
            first, current = index, fits[index]
        else:
            current = min(current, fits[index])
    segments.append(Segment(first, len(sizes), current))
    return tuple(segments)
