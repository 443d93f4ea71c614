"""Where inside a network invariance is lost: per-layer invariance and equivariance errors.

For a transform g of the input and the output F_l of layer l on test images x_i:

- invariance error   I_l(g) = sqrt(sum_i ||F_l(g x_i) - F_l(x_i)||^2 / sum_i ||F_l(x_i)||^2)
- equivariance error E_l(g) = sqrt(sum_i ||F_l(g x_i) - g_l F_l(x_i)||^2 / sum_i ||F_l(x_i)||^2)

for feature maps (N, H, W, C) only, where g_l is g on the map's grid: a shift of t px
becomes t / stride map pixels (the layer's cumulative stride), a rotation rotates the map
by the same angle about its centre, both by bilinear interpolation with the run's fill.
0 means perfectly invariant (equivariant); both are unitless. Definitions and sources:
docs/metrics.md (Lenc & Vedaldi, CVPR 2015; Azulay & Weiss, JMLR 2019).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from bench.config import Fill
from bench.geometry import affine_matrix, rotate_shift

#: The probe's name in probes.jsonl.
PROBE = "invariance"
#: The probed transforms: (transform name, magnitude in its unit), shifts of 1 to 3 px in
#: either direction on either axis and rotations of 10 to 30 degrees either way.
TRANSFORMS: tuple[tuple[str, float], ...] = tuple(
    [(axis, sign * m) for axis in ("shift_x", "shift_y") for m in (1.0, 2.0, 3.0)
     for sign in (1, -1)]
    + [("rotate", sign * m) for m in (10.0, 20.0, 30.0) for sign in (1, -1)]
)
#: Images per forward pass (every stage's output of a batch is held at once).
BATCH = 50

Outputs = Callable[[np.ndarray], list[np.ndarray]]
"""uint8 images (N, H, W, C) -> the output of every stage, in order."""


def as_rigid(transform: str, magnitude: float) -> tuple[float, float, float]:
    """(degrees, dx px, dy px) of a probed transform; ValueError for any other."""
    if transform == "shift_x":
        return 0.0, magnitude, 0.0
    if transform == "shift_y":
        return 0.0, 0.0, magnitude
    if transform == "rotate":
        return magnitude, 0.0, 0.0
    raise ValueError(f"invariance errors probe shift_x, shift_y and rotate, not {transform!r}")


def warp_maps(maps: np.ndarray, matrix: np.ndarray, fill: Fill) -> np.ndarray:
    """Feature maps (N, H, W, C) float32 moved by a 2x3 affine ``matrix`` (output = matrix @
    input coordinates, x right and y down), bilinear; outside pixels are 0 (``Fill.ZERO``)
    or the nearest border pixel (``Fill.NEAREST``)."""
    n, height, width, channels = maps.shape
    inverse = np.linalg.inv(np.vstack([matrix, [0.0, 0.0, 1.0]]))[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    src_x = inverse[0, 0] * xs + inverse[0, 1] * ys + inverse[0, 2]
    src_y = inverse[1, 0] * xs + inverse[1, 1] * ys + inverse[1, 2]
    x0, y0 = np.floor(src_x), np.floor(src_y)
    out = np.zeros_like(maps)
    for dy, dx in ((0, 0), (0, 1), (1, 0), (1, 1)):
        col, row = x0 + dx, y0 + dy
        weight = (1 - np.abs(src_x - col)) * (1 - np.abs(src_y - row))
        if Fill(fill) == Fill.NEAREST:
            inside = np.ones_like(weight, dtype=bool)
        else:
            inside = (col >= 0) & (col < width) & (row >= 0) & (row < height)
        col = np.clip(col, 0, width - 1).astype(int)
        row = np.clip(row, 0, height - 1).astype(int)
        out += (weight * inside)[None, :, :, None].astype(np.float32) * maps[:, row, col]
    return out


def _map_transform(output: np.ndarray, stride: tuple[int, int], rigid, fill) -> np.ndarray:
    """A clean feature map moved as the input was: shifts divided by the stride."""
    degrees, dx, dy = rigid
    height, width = output.shape[1:3]
    return warp_maps(output, affine_matrix(height, width, degrees, dx / stride[1],
                                           dy / stride[0]), fill)


def layer_errors(outputs: Outputs, strides: Sequence[tuple[int, int]], images: np.ndarray,
                 fill: Fill, transforms: Sequence[tuple[str, float]] = TRANSFORMS,
                 batch: int = BATCH) -> list[dict]:
    """One record per (stage, transform): ``stage`` index, ``transform``, ``magnitude``,
    ``invariance`` and ``equivariance`` (None for outputs without a spatial grid).

    ``strides``: each stage's cumulative (rows, columns) stride; ``images``: uint8
    (N, H, W, C). Sums run over all images (ratio of sums, not mean of ratios).
    """
    shape = (len(transforms), len(strides))
    diff_inv, diff_eqv, norm = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    spatial = [True] * len(strides)
    for start in range(0, len(images), batch):
        part = images[start:start + batch]
        clean = outputs(part)
        for t, (transform, magnitude) in enumerate(transforms):
            rigid = as_rigid(transform, magnitude)
            moved = outputs(rotate_shift(part, *rigid, fill=fill))
            for s, (ref, out) in enumerate(zip(clean, moved, strict=True)):
                norm[t, s] += float(np.sum(np.square(ref, dtype=np.float64)))
                diff_inv[t, s] += float(np.sum(np.square(out - ref, dtype=np.float64)))
                spatial[s] = ref.ndim == 4
                if spatial[s]:
                    target = _map_transform(ref, strides[s], rigid, fill)
                    diff_eqv[t, s] += float(np.sum(np.square(out - target, dtype=np.float64)))
    norm = np.maximum(norm, np.finfo(np.float64).tiny)
    return [
        {"stage": s, "transform": transform, "magnitude": float(magnitude),
         "invariance": float(np.sqrt(diff_inv[t, s] / norm[t, s])),
         "equivariance": float(np.sqrt(diff_eqv[t, s] / norm[t, s])) if spatial[s] else None}
        for t, (transform, magnitude) in enumerate(transforms)
        for s in range(len(strides))
    ]
