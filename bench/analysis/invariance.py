"""Where inside a network invariance is lost: per-layer invariance and equivariance errors.

For a transform g of the input and the output F_l of layer l on test images x_i:

- invariance error   I_l(g) = sqrt(sum_i ||F_l(g x_i) - F_l(x_i)||^2 / sum_i ||F_l(x_i)||^2)
- equivariance error E_l(g) = sqrt(sum_i ||F_l(g x_i) - g_l F_l(x_i)||^2_V
                                   / sum_i ||g_l F_l(x_i)||^2_V)

the second for feature maps (N, H, W, C) only, where g_l is g on the map's grid (a shift
of t px becomes t / stride map pixels, the layer's cumulative stride; a rotation turns the
map by the same angle about its centre; bilinear) and ||.||_V sums over the positions V
whose source lies inside the map (what moves in from outside is unknown, so not compared).
0 means perfectly invariant (equivariant); both are unitless. Definitions and sources:
docs/metrics.md (Lenc & Vedaldi, CVPR 2015; Azulay & Weiss, JMLR 2019).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from bench.config import Fill
from bench.geometry import affine_matrix, rotate_shift

#: The probe's name in its stored records.
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


def warp_maps(maps: np.ndarray, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Feature maps (N, H, W, C) float32 moved by a 2x3 affine ``matrix`` (output = matrix @
    input coordinates, x right and y down), bilinear. Returns the moved maps and the (H, W)
    mask of positions whose source lies inside the map; elsewhere the moved map repeats
    the nearest border value, and the errors leave those positions out."""
    height, width = maps.shape[1:3]
    inverse = np.linalg.inv(np.vstack([matrix, [0.0, 0.0, 1.0]]))[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    src_x = inverse[0, 0] * xs + inverse[0, 1] * ys + inverse[0, 2]
    src_y = inverse[1, 0] * xs + inverse[1, 1] * ys + inverse[1, 2]
    eps = 1e-9  # a source exactly on the edge is inside
    inside = ((src_x > -eps) & (src_x < width - 1 + eps)
              & (src_y > -eps) & (src_y < height - 1 + eps))
    src_x, src_y = np.clip(src_x, 0, width - 1), np.clip(src_y, 0, height - 1)
    x0, y0 = np.floor(src_x), np.floor(src_y)
    out = np.zeros_like(maps)
    for dy, dx in ((0, 0), (0, 1), (1, 0), (1, 1)):
        col, row = x0 + dx, y0 + dy
        weight = (1 - np.abs(src_x - col)) * (1 - np.abs(src_y - row))
        col = np.minimum(col, width - 1).astype(int)
        row = np.minimum(row, height - 1).astype(int)
        out += weight[None, :, :, None].astype(np.float32) * maps[:, row, col]
    return out, inside


def _map_transform(output: np.ndarray, stride: tuple[int, int], rigid):
    """A clean feature map moved as the input was (shifts divided by the stride), and the
    mask of positions it covers."""
    degrees, dx, dy = rigid
    height, width = output.shape[1:3]
    return warp_maps(output, affine_matrix(height, width, degrees, dx / stride[1],
                                           dy / stride[0]))


def layer_errors(outputs: Outputs, strides: Sequence[tuple[int, int]], images: np.ndarray,
                 fill: Fill, transforms: Sequence[tuple[str, float]] = TRANSFORMS,
                 batch: int = BATCH) -> list[dict]:
    """One record per (stage, transform): ``stage`` index, ``transform``, ``magnitude``,
    ``invariance`` and ``equivariance`` (None for outputs without a spatial grid, or when
    no position of the moved map has its source inside the map).

    ``strides``: each stage's cumulative (rows, columns) stride; ``images``: uint8
    (N, H, W, C), transformed with ``fill``. Sums run over all images (a ratio of sums,
    not a mean of ratios).
    """
    shape = (len(transforms), len(strides))
    diff_inv, norm = np.zeros(shape), np.zeros(shape)
    diff_eqv, norm_eqv, covered = np.zeros(shape), np.zeros(shape), np.zeros(shape, bool)
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
                    target, inside = _map_transform(ref, strides[s], rigid)
                    covered[t, s] = inside.any()
                    diff_eqv[t, s] += float(np.sum(np.square(out - target, dtype=np.float64),
                                                   where=inside[None, :, :, None]))
                    norm_eqv[t, s] += float(np.sum(np.square(target, dtype=np.float64),
                                                   where=inside[None, :, :, None]))
    return [
        {"stage": s, "transform": transform, "magnitude": float(magnitude),
         "invariance": _ratio(diff_inv[t, s], norm[t, s]),
         "equivariance": _ratio(diff_eqv[t, s], norm_eqv[t, s])
         if spatial[s] and covered[t, s] else None}
        for t, (transform, magnitude) in enumerate(transforms)
        for s in range(len(strides))
    ]


def _ratio(difference: float, reference: float) -> float | None:
    """sqrt(difference / reference); 0 when both are 0 (an all-zero output that stays so),
    None when only the reference is 0 (a relative error is undefined)."""
    if reference == 0:
        return 0.0 if difference == 0 else None
    return float(np.sqrt(difference / reference))
