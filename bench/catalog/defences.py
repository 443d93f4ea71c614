"""Test-time defences: model wrappers measured like any model (one spec each).

A defence wraps a predict function (uint8 images (N, H, W, C) -> class probabilities
(N, K)) into another of the same kind (``bench.run.defences``, named here as a string, so
reading the catalog never imports the run layer). Each trained model of a profile is also
measured under each defence its profile names, as the augmentation ``<policy>+<defence>``
(``none+tta``): a policy of its own in ``bench.catalog.policies`` whose model is the base
policy's, so its rows, tables and plots are those of any model. ``forward_passes``: the
network's forward passes per test image, the defence's cost (stored in the model record and
printed in its ranges' words beside its clean accuracy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.catalog.registry import Registry
from bench.config import AugmentRanges

#: TTA's fixed transforms: (degrees counter-clockwise, dx px right, dy px down), applied
#: with ``bench.geometry.rotate_shift``: the identity, shifts of 1 px along each axis both
#: ways, and rotations of 10 degrees both ways.
TTA_TRANSFORMS: tuple[tuple[float, float, float], ...] = (
    (0.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, -1.0, 0.0), (0.0, 0.0, 1.0), (0.0, 0.0, -1.0),
    (10.0, 0.0, 0.0), (-10.0, 0.0, 0.0),
)
#: Engstrom et al. 2019 (arXiv 1712.02779), the majority vote: 10 random transforms per
#: image, drawn uniformly within the profile's shift and rotation ranges (the worst-of-k
#: attack space), from a generator seeded with VOTE_SEED at every call.
VOTE_DRAWS, VOTE_SEED = 10, 0
#: The narrow vote's draws reach this share of the profile's ranges. Under attack the
#: vote's transform composes with the attacker's, so the full-range vote shows the network
#: up to twice the trained range; the half-range vote (+-1.5 px, +-15 deg in the MNIST
#: profiles) tests whether that, not the vote itself, costs the worst case.
NARROW_VOTE_REACH = 0.5


@dataclass(frozen=True)
class DefenceSpec:
    """One test-time defence.

    wrap: ``module:function`` in the run layer taking (predict, ranges, fill) and returning
    the defended predict function; describe(ranges) -> the defence in words, its cost
    included; forward_passes: forward passes of the network per test image; colour: its
    plot colour (the defended variants of every policy share it)."""

    name: str
    wrap: str
    describe: Callable[[AugmentRanges], str]
    forward_passes: int
    colour: str


DEFENCES: Registry[DefenceSpec] = Registry("defence", [
    DefenceSpec(
        "tta", wrap="bench.run.defences:tta",
        describe=lambda ranges: (f"TTA: mean probabilities over {len(TTA_TRANSFORMS)} fixed "
                                 "transforms (identity, shifts of +-1 px, rotations of +-10 "
                                 f"deg), {len(TTA_TRANSFORMS)} forward passes per image"),
        forward_passes=len(TTA_TRANSFORMS), colour="tab:cyan"),
    DefenceSpec(
        "vote", wrap="bench.run.defences:vote",
        describe=lambda ranges: (f"majority vote over {VOTE_DRAWS} random transforms per "
                                 f"image (shift <= {ranges.shift_px:g} px, rotation <= "
                                 f"{ranges.rotate_deg:g} deg, seed {VOTE_SEED}), "
                                 f"{VOTE_DRAWS} forward passes per image"),
        forward_passes=VOTE_DRAWS, colour="tab:pink"),
    DefenceSpec(
        "vote-narrow", wrap="bench.run.defences:narrow_vote",
        describe=lambda ranges: (f"majority vote over {VOTE_DRAWS} random transforms per "
                                 "image within half the ranges (shift <= "
                                 f"{NARROW_VOTE_REACH * ranges.shift_px:g} px, rotation <= "
                                 f"{NARROW_VOTE_REACH * ranges.rotate_deg:g} deg, seed "
                                 f"{VOTE_SEED}), {VOTE_DRAWS} forward passes per image"),
        forward_passes=VOTE_DRAWS, colour="tab:olive"),
])


def defended_name(policy: str, defence: str) -> str:
    """The augmentation name of ``policy``'s models measured under ``defence``."""
    return f"{policy}+{defence}"

