"""The swept transforms: one spec each, with everything renderers and grids need.

A spec's ``apply(images, magnitude, fill=...)`` is a pure function of ``bench.geometry``;
magnitudes are in the spec's unit (pixels, degrees or a factor). Adding a transform is
one spec here (plus its function in ``bench.geometry``): grids, sentences, tables, plots
and the front page pick it up from this registry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bench import geometry
from bench.catalog.registry import Registry

#: The name of the untransformed condition (clean accuracy) where a transform name goes.
CLEAN = "clean"


def steps(start: float, stop: float, step: float) -> tuple[float, ...]:
    """start, start+step, ..., stop (inclusive), rounded to avoid float noise."""
    count = int(round((stop - start) / step)) + 1
    return tuple(round(start + i * step, 6) for i in range(count))


def symmetric_extremes(suffix: str) -> Callable[[Sequence[float]], str]:
    """Label of a grid symmetric about 0, e.g. ``±4 px`` for suffix `` px``."""
    return lambda magnitudes: f"±{max(abs(m) for m in magnitudes):g}{suffix}"


def factor_extremes(magnitudes: Sequence[float]) -> str:
    """Label of a grid of factors, e.g. ``0.6x/1.4x``."""
    return f"{min(magnitudes):g}x/{max(magnitudes):g}x"


@dataclass(frozen=True)
class TransformSpec:
    """One swept transform.

    apply: f(images (N, H, W, C) uint8, magnitude, *, fill) -> same shape.
    identity: the magnitude that leaves images unchanged. two_sided: whether it moves
    images in two directions about the identity (shifts left and right, smaller and larger);
    a one-sided transform (a blur's sigma >= 0) is quoted at one magnitude, never as "the
    mean of both directions", printed unsigned and shaded from its identity only.
    unit: short unit for table headers (``px``, ``deg``, ``x``). title: section heading;
    axis_label: plot x axis;
    phrase: sentence fragment with ``{m}`` for the magnitude; phrase_both: the same for
    both directions at distance ``{d}`` from the identity (``{low}``, ``{high}``: the two
    magnitudes; unused for a one-sided transform). policy: the augmentation
    policy that trains for this transform. grids: default magnitudes per grid size
    (``full``, ``smoke``). headline_distance: the |magnitude - identity| quoted in
    sentences when swept (None: the farthest swept). kind / kind_noun:
    transforms of one kind (both shifts) share a front-page column and a word in titles.
    worst_case_limit: the largest
    |magnitude - identity| in the worst-of-grid search (None: not searched).
    """

    name: str
    apply: Callable[..., np.ndarray]
    identity: float
    unit: str
    title: str
    axis_label: str
    phrase: str
    phrase_both: str
    policy: str
    grids: dict[str, tuple[float, ...]]
    kind: str
    kind_noun: str
    extremes: Callable[[Sequence[float]], str]
    two_sided: bool
    headline_distance: float | None = None
    worst_case_limit: float | None = None
    domain: tuple[float, float] = (-math.inf, math.inf)

    def in_domain(self, magnitude: float) -> bool:
        """Whether ``magnitude`` is a finite number inside the open interval ``domain``."""
        return math.isfinite(magnitude) and self.domain[0] < magnitude < self.domain[1]

    def domain_text(self) -> str:
        """The domain in words for an error line, e.g. ``a finite number > 0 x``."""
        low, high = self.domain
        if math.isinf(low) and math.isinf(high):
            return f"a finite number (unit: {self.unit})"
        if math.isinf(high):
            return f"a number > {low:g} (unit: {self.unit})"
        if math.isinf(low):
            return f"a number < {high:g} (unit: {self.unit})"
        return f"a number strictly between {low:g} and {high:g} (unit: {self.unit})"

    def distance(self, magnitude: float) -> float:
        """|magnitude - identity|, rounded to 6 decimals so that 0.6x and 1.4x count as
        equally far from 1.0x."""
        return round(abs(magnitude - self.identity), 6)

    def describe(self, magnitude: float) -> str:
        """The sentence fragment for one magnitude, e.g. ``a rotation of 30 degrees``."""
        return self.phrase.format(m=magnitude)

    def describe_both(self, distance: float) -> str:
        """The sentence fragment for both directions, e.g. ``rotations of ±30 degrees``."""
        return self.phrase_both.format(d=distance, low=round(self.identity - distance, 6),
                                       high=round(self.identity + distance, 6))

    def format_magnitude(self, magnitude: float) -> str:
        """Table label of a magnitude: signed for a two-sided transform about 0 (``+2``),
        plain for factors and one-sided transforms."""
        return f"{magnitude:+g}" if self.two_sided and self.identity == 0 else f"{magnitude:g}"

    def trained_span(self, edge: float) -> tuple[float, float]:
        """(low, high) magnitudes a policy whose range ends at ``edge`` trains on: both sides
        of the identity for a two-sided transform, identity to edge for a one-sided one."""
        reach = self.distance(edge)
        if self.two_sided:
            return self.identity - reach, self.identity + reach
        return min(self.identity, edge), max(self.identity, edge)


TRANSFORMS: Registry[TransformSpec] = Registry("transform", [
    TransformSpec(
        name="shift_x", apply=geometry.shift_x, identity=0.0, unit="px",
        title="Horizontal shift (px, + = right)",
        axis_label="horizontal shift (px, + = right)",
        phrase="a horizontal shift of {m:g} px",
        phrase_both="horizontal shifts of ±{d:g} px", policy="shift",
        grids={"full": steps(-4, 4, 1), "smoke": (-2.0, 0.0, 2.0)},
        kind="shift", kind_noun="shifts",
        extremes=symmetric_extremes(" px"), two_sided=True,
        headline_distance=3.0, worst_case_limit=3.0,
    ),
    TransformSpec(
        name="shift_y", apply=geometry.shift_y, identity=0.0, unit="px",
        title="Vertical shift (px, + = down)",
        axis_label="vertical shift (px, + = down)",
        phrase="a vertical shift of {m:g} px",
        phrase_both="vertical shifts of ±{d:g} px", policy="shift",
        grids={"full": steps(-4, 4, 1), "smoke": (-2.0, 0.0, 2.0)},
        kind="shift", kind_noun="shifts",
        extremes=symmetric_extremes(" px"), two_sided=True,
        headline_distance=3.0, worst_case_limit=3.0,
    ),
    TransformSpec(
        name="rotate", apply=geometry.rotate, identity=0.0, unit="deg",
        title="Rotation (degrees, + = counter-clockwise)",
        axis_label="rotation (degrees, + = counter-clockwise)",
        phrase="a rotation of {m:g} degrees",
        phrase_both="rotations of ±{d:g} degrees", policy="rotate",
        grids={"full": steps(-45, 45, 15), "smoke": (-30.0, 0.0, 30.0)},
        kind="rotate", kind_noun="rotations",
        extremes=symmetric_extremes("°"), two_sided=True,
        worst_case_limit=30.0,
    ),
    TransformSpec(
        name="scale", apply=geometry.scale, identity=1.0, unit="x",
        title="Scale (factor, > 1 = larger)",
        axis_label="scale factor (x)",
        phrase="scaling by {m:g}x",
        phrase_both="scaling by {low:g}x or {high:g}x", policy="scale",
        grids={"full": steps(0.6, 1.4, 0.1), "smoke": (0.8, 1.0, 1.2)},
        kind="scale", kind_noun="scaling",
        extremes=factor_extremes, two_sided=True, domain=(0.0, math.inf),
    ),
    TransformSpec(
        name="shear", apply=geometry.shear, identity=0.0, unit="deg",
        title="Shear (degrees, + = rows below the centre move right)",
        axis_label="horizontal shear (degrees, + = bottom moves right)",
        phrase="a shear of {m:g} degrees",
        phrase_both="shears of ±{d:g} degrees", policy="shear",
        grids={"full": steps(-30, 30, 10), "smoke": (-20.0, 0.0, 20.0)},
        kind="shear", kind_noun="shear",
        extremes=symmetric_extremes("° shear"), two_sided=True, domain=(-90.0, 90.0),
    ),
])


def grid(size: str, names: Sequence[str], **overrides: tuple[float, ...]
         ) -> tuple[tuple[str, tuple[float, ...]], ...]:
    """The transforms ``names`` (catalog order) with their default magnitudes of grid
    ``size`` (``full`` or ``smoke``), or the magnitudes given in ``overrides`` (transform
    name -> magnitudes). A profile names its transforms, so a new catalog transform joins
    no profile by itself; an unknown name is a ChoiceError."""
    chosen = {TRANSFORMS.parse(name) for name in names}
    unknown = set(overrides) - chosen
    if unknown:
        raise ValueError(f"grid overrides name transforms not in the grid: {sorted(unknown)}")
    return tuple((spec.name, overrides.get(spec.name, spec.grids[size]))
                 for spec in TRANSFORMS if spec.name in chosen)


def apply(name: str, images: np.ndarray, magnitude: float, *, fill) -> np.ndarray:
    """Apply the transform ``name`` at ``magnitude`` (in its unit) to an image batch."""
    return TRANSFORMS[name].apply(images, magnitude, fill=fill)


def kinds_in_words(names: set[str]) -> str:
    """The kinds of the given transforms for a title, in catalog order, e.g. ``shifts,
    rotations and scaling``."""
    for name in names:
        TRANSFORMS[name]  # an unknown transform is a ChoiceError, never left out
    nouns: list[str] = []
    for spec in TRANSFORMS:
        if spec.name in names and spec.kind_noun not in nouns:
            nouns.append(spec.kind_noun)
    return nouns[0] if len(nouns) == 1 else ", ".join(nouns[:-1]) + " and " + nouns[-1]
