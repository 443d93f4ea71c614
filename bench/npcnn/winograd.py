"""3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray,
"Fast Algorithms for Convolutional Neural Networks", CVPR 2016), on NHWC float32 batches.

Each 2x2 block of outputs comes from a 4x4 tile of input (tiles overlap by 2 pixels):
``Y = A^T [(G g G^T) * (B^T d B)] A``. The 16 products per tile and channel pair become 16
matrix products of (tiles, in_channels) by (in_channels, filters): 16 multiplications per
4 outputs instead of 36, 2.25x fewer. The transforms only add and subtract.

The input transform runs on column-de-interleaved copies of the padded input (even and
odd columns apart), so every NumPy operation reads long contiguous runs; the output
transform is one (4, 16) matrix product. Padding and output sizes are TensorFlow's
(:mod:`bench.npcnn.conv`); float32 results differ from the direct sum by about 1e-6
relative (the kernel transform is computed in float64).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bench.npcnn.conv import output_size, pad_amounts

BLOCK_BYTES = 4 * 2**20
"""Default size of one block's transformed tiles and products (bytes). Twice im2col's:
on the CIFAR-10 CNN, 2 MiB blocks (2 images) ran as fast on one thread but 14% slower on
two, where the Python calls of many small blocks contend for the GIL; 8 MiB ran 23%
slower on one thread."""

_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
_AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=np.float32)
_OUTPUT_TRANSFORM = np.kron(_AT, _AT)
"""(4, 16): the 2x2 outputs of a tile from its 16 products, ``A^T M A`` flattened."""


def winograd_kernel(kernel: np.ndarray) -> np.ndarray:
    """(3, 3, c, filters) kernel -> (16, c, filters) float32 ``G g G^T`` (tile position
    first), computed in float64."""
    if kernel.shape[:2] != (3, 3):
        raise ValueError(f"Winograd F(2x2, 3x3) needs a 3x3 kernel, got {kernel.shape[:2]}")
    transformed = np.einsum("ka,abcf,lb->klcf", _G, kernel.astype(np.float64), _G)
    return transformed.reshape(16, *kernel.shape[2:]).astype(np.float32)


def _deinterleave(block: np.ndarray, even: np.ndarray, odd: np.ndarray, top: int,
                  left: int) -> None:
    """Copy ``block`` (m, h, w, c) into the zero-padded even and odd columns of the
    padded image: padded column p = input column p - left goes to ``even[..., p // 2, :]``
    or ``odd[..., p // 2, :]``."""
    m, h, w, _ = block.shape
    for target, parity in ((even, 0), (odd, 1)):
        first = (parity - left) % 2  # first input column whose padded index has this parity
        columns = block[:, :, first::2]
        start = (first + left) // 2
        target[:m, top : top + h, start : start + columns.shape[2]] = columns


def _input_transform(even: np.ndarray, odd: np.ndarray, rows: np.ndarray,
                     tiles: np.ndarray) -> None:
    """``B^T d B`` for every tile: rows (2, 4, m, th, tw + 1, c) scratch -> tiles
    (4, 4, m, th, tw, c). B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]."""
    th, tw = tiles.shape[3:5]
    for half, padded in zip(rows, (even, odd), strict=True):
        d = [padded[:, a : a + 2 * th : 2] for a in range(4)]  # tile row a of every tile
        np.subtract(d[0], d[2], out=half[0])
        np.add(d[1], d[2], out=half[1])
        np.subtract(d[2], d[1], out=half[2])
        np.subtract(d[1], d[3], out=half[3])
    for k in range(4):  # tile columns 0..3 are even[j], odd[j], even[j + 1], odd[j + 1]
        c0, c1 = rows[0, k][:, :, :tw], rows[1, k][:, :, :tw]
        c2, c3 = rows[0, k][:, :, 1:], rows[1, k][:, :, 1:]
        np.subtract(c0, c2, out=tiles[k, 0])
        np.add(c1, c2, out=tiles[k, 1])
        np.subtract(c2, c1, out=tiles[k, 2])
        np.subtract(c1, c3, out=tiles[k, 3])


def _buffers(m: int, th: int, tw: int, c: int, filters: int,
             pad_value: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """Scratch arrays for ``m`` images of th x tw tiles: even and odd padded columns
    (filled with ``pad_value`` per channel, or 0), row-transformed halves, transformed
    tiles, products, output corners."""
    even = np.zeros((m, 2 * th + 2, tw + 1, c), dtype=np.float32)
    if pad_value is not None:
        even[...] = pad_value
    return (
        even,
        even.copy(),
        np.empty((2, 4, m, th, tw + 1, c), dtype=np.float32),
        np.empty((4, 4, m, th, tw, c), dtype=np.float32),
        np.empty((16, m * th * tw, filters), dtype=np.float32),
        np.empty((4, m * th * tw * filters), dtype=np.float32),
    )


def tiles_per_side(out_size: int, outputs: int) -> int:
    """Tiles of ``outputs`` results along one side of an output of ``out_size`` pixels."""
    return -(-out_size // outputs)


@dataclass(frozen=True)
class TilePlan:
    """How a 3x3 stride-1 convolution of an (n, h, w, c) batch splits into Winograd tiles of
    ``outputs`` x ``outputs`` results: output size, the padding before the image, tiles
    per side (th, tw) and images per block."""

    n: int
    h: int
    w: int
    c: int
    filters: int
    out_h: int
    out_w: int
    top: int
    left: int
    th: int
    tw: int
    block: int


def plan_tiles(x: np.ndarray, transformed: np.ndarray, padding: str, outputs: int,
               chunk_size: int | None, block_bytes: int) -> TilePlan:
    """Check that ``transformed`` ((outputs + 2)^2, c, filters) fits ``x`` and plan its
    tiles; ``chunk_size`` None: blocks whose products and tiles fill about
    ``block_bytes``."""
    products = (outputs + 2) ** 2
    if x.ndim != 4 or transformed.ndim != 3 or transformed.shape[:2] != (products, x.shape[3]):
        raise ValueError(f"Winograd F({outputs}x{outputs}, 3x3) kernel {transformed.shape} "
                         f"does not fit input {x.shape}; expected ({products}, in_channels, "
                         "filters) from its kernel transform")
    n, h, w, c = x.shape
    filters = transformed.shape[2]
    out_h, out_w = output_size(h, 3, 1, padding), output_size(w, 3, 1, padding)
    th, tw = tiles_per_side(out_h, outputs), tiles_per_side(out_w, outputs)
    if chunk_size is None:
        chunk_size = max(1, block_bytes // (4 * products * th * tw * (c + filters)))
    return TilePlan(n, h, w, c, filters, out_h, out_w, pad_amounts(h, 3, 1, padding)[0],
                    pad_amounts(w, 3, 1, padding)[0], th, tw, max(1, min(chunk_size, n)))


def finish_tiles(results: np.ndarray, target: np.ndarray, bias: np.ndarray | None,
                 activation: Callable[..., np.ndarray] | None) -> None:
    """Put ``results`` (m, m, images, th, tw, filters), each tile's m x m outputs, into
    ``target`` (images, out_h, out_w, filters), cropping what lies past its edge; then
    the bias and ``activation(target, out=target)`` (if given)."""
    outputs = results.shape[0]
    for i in range(outputs):
        for j in range(outputs):
            part = target[:, i::outputs, j::outputs]
            part[...] = results[i, j, :, : part.shape[1], : part.shape[2]]
    if bias is not None:
        target += bias.astype(np.float32, copy=False)
    if activation is not None:
        activation(target, out=target)


def conv2d_winograd(
    x: np.ndarray,
    transformed: np.ndarray,
    bias: np.ndarray | None,
    padding: str = "valid",
    chunk_size: int | None = None,
    activation: Callable[..., np.ndarray] | None = None,
    pad_value: np.ndarray | None = None,
) -> np.ndarray:
    """3x3 stride-1 convolution of ``x`` (n, h, w, c) with a :func:`winograd_kernel`
    ``transformed`` (16, c, filters) -> (n, out_h, out_w, filters) float32.

    Blocks of ``chunk_size`` images (None: their transformed tiles and products fill about
    :data:`BLOCK_BYTES`) go through input transform, products and output
    transform; bias and ``activation(out, out=out)`` (if given) follow per block.
    ``pad_value`` (c,): the fill of ``"same"`` padding per channel instead of 0.
    """
    plan = plan_tiles(x, transformed, padding, 2, chunk_size, BLOCK_BYTES)
    th, tw, c, filters, block = plan.th, plan.tw, plan.c, plan.filters, plan.block
    out = np.empty((plan.n, plan.out_h, plan.out_w, filters), dtype=np.float32)
    buffers = _buffers(block, th, tw, c, filters, pad_value)
    for start in range(0, plan.n, block):
        m = min(block, plan.n - start)
        if m < block:  # the last, smaller block
            buffers = _buffers(m, th, tw, c, filters, pad_value)
        even, odd, rows, tiles, products, corners = buffers
        _deinterleave(x[start : start + m], even, odd, plan.top, plan.left)
        _input_transform(even, odd, rows, tiles)
        np.matmul(tiles.reshape(16, m * th * tw, c), transformed, out=products)
        np.matmul(_OUTPUT_TRANSFORM, products.reshape(16, -1), out=corners)
        finish_tiles(corners.reshape(2, 2, m, th, tw, filters), out[start : start + m], bias,
                     activation)
    return out
