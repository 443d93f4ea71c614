"""3x3 stride-1 convolution by Winograd's F(3x3, 3x3), for small maps with many channels.

Each 3x3 block of outputs comes from a 5x5 tile of input (tiles overlap by 2 pixels):
``Y = A^T [(G g G^T) * (B^T d B)] A``, 25 products per 9 outputs instead of 81 (3.24x
fewer; F(2x2, 3x3) in :mod:`bench.npcnn.winograd` saves 2.25x). Here the transforms are
matrix products (``kron(B^T, B^T)`` on the 25 values of every tile, ``kron(A^T, A^T)`` on
its 25 products). The engine runs it where its tiles fit the output well enough to need
far fewer products than F(2x2) (``bench.npcnn.convert.F3_MAX_PRODUCTS``): outputs of 3x3,
5x5, 9x9, 11x11 and 32x32 in the bench's CNNs.

The matrices come from the Toom-Cook construction on the points 0, 1, -1, 1/2 and
infinity: ``A^T`` evaluates at the points, ``G`` divides by the Lagrange denominators, and
``B^T`` is the one matrix that makes ``A^T [(G g) * (B^T d)]`` the correlation of ``d``
with ``g`` (solved in float64 at import, to 1e-12). Float32 results differ from the
direct sum by about 4e-6 of the output's largest magnitude (F(2x2): about 1e-6).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bench.npcnn.winograd import finish_tiles, plan_tiles

OUTPUTS = 3
"""Outputs per tile side (m); tiles are m + 2 = 5 pixels a side."""
TILE = OUTPUTS + 2
POINTS = (0.0, 1.0, -1.0, 0.5)
"""The finite interpolation points (with infinity): the most accurate of the sets tried
on the 576-filter layer (0, +-1 with 2, -2, 0.5 or -0.5; 0, +-0.5 with 1 or 2)."""
BLOCK_BYTES = 4 * 2**20
"""Default size of one block's tiles and products (bytes), as for F(2x2, 3x3)."""


def _toom_cook() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(A^T (3, 5), G (5, 3), B^T (5, 5)) float64 for F(3, 3) on :data:`POINTS`."""
    points = np.array(POINTS)
    at, g = np.zeros((OUTPUTS, TILE)), np.zeros((TILE, 3))
    for j, point in enumerate(points):
        at[:, j] = point ** np.arange(OUTPUTS)
        g[j] = point ** np.arange(3) / np.prod([point - other for other in points
                                                 if other != point])
    at[-1, -1] = g[-1, -1] = 1.0  # the point at infinity
    # B^T solves sum_j A^T[i, j] G[j, k] B^T[j, a] = [a == i + k] for all i, k, a
    equations, targets = [], []
    for i in range(OUTPUTS):
        for k in range(3):
            for a in range(TILE):
                row = np.zeros((TILE, TILE))
                row[:, a] = at[i] * g[:, k]
                equations.append(row.ravel())
                targets.append(float(a == i + k))
    solution = np.linalg.lstsq(np.array(equations), np.array(targets), rcond=None)[0]
    if np.abs(np.array(equations) @ solution - targets).max() > 1e-12:
        raise ArithmeticError(f"no exact F(3, 3) input transform for the points {POINTS}")
    return at, g, solution.reshape(TILE, TILE)


_AT, _G, _BT = _toom_cook()
_INPUT_TRANSFORM = np.kron(_BT, _BT).astype(np.float32)
"""(25, 25): a tile's 25 transformed values from its 25 pixels, ``B^T d B`` flattened."""
_OUTPUT_TRANSFORM = np.kron(_AT, _AT).astype(np.float32)
"""(9, 25): a tile's 3x3 outputs from its 25 products, ``A^T M A`` flattened."""


def winograd_f3_kernel(kernel: np.ndarray) -> np.ndarray:
    """(3, 3, c, filters) kernel -> (25, c, filters) float32 ``G g G^T`` (tile position
    first), computed in float64."""
    if kernel.shape[:2] != (3, 3):
        raise ValueError(f"Winograd F(3x3, 3x3) needs a 3x3 kernel, got {kernel.shape[:2]}")
    transformed = np.einsum("ka,abcf,lb->klcf", _G, kernel.astype(np.float64), _G)
    return transformed.reshape(TILE * TILE, *kernel.shape[2:]).astype(np.float32)


def conv2d_winograd_f3(
    x: np.ndarray,
    transformed: np.ndarray,
    bias: np.ndarray | None,
    padding: str = "valid",
    chunk_size: int | None = None,
    activation: Callable[..., np.ndarray] | None = None,
    pad_value: np.ndarray | None = None,
) -> np.ndarray:
    """3x3 stride-1 convolution of ``x`` (n, h, w, c) with a :func:`winograd_f3_kernel`
    ``transformed`` (25, c, filters) -> (n, out_h, out_w, filters) float32.

    Blocks of ``chunk_size`` images (None: tiles and products fill about
    :data:`BLOCK_BYTES`): the padded block (``pad_value`` per channel, or 0; tiles past the
    output are padded the same and cropped), its 25 tile views copied out, input
    transform, 25 products, output transform, then each of the 9 output positions of the
    tiles put into place, bias and ``activation(out, out=out)`` (if given) per block.
    """
    plan = plan_tiles(x, transformed, padding, OUTPUTS, chunk_size, BLOCK_BYTES)
    th, tw, c, filters, block = plan.th, plan.tw, plan.c, plan.filters, plan.block
    out = np.empty((plan.n, plan.out_h, plan.out_w, filters), dtype=np.float32)
    padded = np.zeros((block, OUTPUTS * th + 2, OUTPUTS * tw + 2, c), dtype=np.float32)
    if pad_value is not None:
        padded[...] = pad_value
    for start in range(0, plan.n, block):
        m = min(block, plan.n - start)
        padded[:m, plan.top : plan.top + plan.h, plan.left : plan.left + plan.w] = \
            x[start : start + m]
        tiles = np.empty((TILE, TILE, m, th, tw, c), dtype=np.float32)
        for a in range(TILE):
            for b in range(TILE):
                tiles[a, b] = padded[:m, a : a + OUTPUTS * th : OUTPUTS,
                                     b : b + OUTPUTS * tw : OUTPUTS]
        values = np.matmul(_INPUT_TRANSFORM, tiles.reshape(TILE * TILE, -1))
        products = np.matmul(values.reshape(TILE * TILE, m * th * tw, c), transformed)
        results = np.matmul(_OUTPUT_TRANSFORM, products.reshape(TILE * TILE, -1))
        finish_tiles(results.reshape(OUTPUTS, OUTPUTS, m, th, tw, filters),
                     out[start : start + m], bias, activation)
    return out
