"""Max and average pooling on NHWC float32 batches, with Keras/TensorFlow semantics.

Output sizes and ``"same"`` padding follow :mod:`bench.npcnn.conv`. Padded cells
never win a max (they are -inf) and are not counted in an average (TensorFlow
divides by the number of real pixels under each window).
"""

from __future__ import annotations

import numpy as np

from bench.npcnn.conv import output_size, pad_amounts


def _windows_offsets(
    shape: tuple[int, ...], pool: tuple[int, int], strides: tuple[int, int], padding: str
):
    """Return output size, (top, bottom), (left, right) pads and per-offset slices."""
    (h, w), (ph, pw), (sh, sw) = shape[1:3], pool, strides
    out_h, out_w = output_size(h, ph, sh, padding), output_size(w, pw, sw, padding)
    rows, cols = pad_amounts(h, ph, sh, padding), pad_amounts(w, pw, sw, padding)
    slices = [
        (slice(i, i + sh * (out_h - 1) + 1, sh), slice(j, j + sw * (out_w - 1) + 1, sw))
        for i in range(ph)
        for j in range(pw)
    ]
    return (out_h, out_w), rows, cols, slices


def _check(x: np.ndarray, pool: tuple[int, int], strides: tuple[int, int]) -> None:
    if x.ndim != 4:
        raise ValueError(f"pooling expects an NHWC batch (4 axes), got shape {x.shape}")
    if min(pool) < 1 or min(strides) < 1:
        raise ValueError(f"pool size and strides must be >= 1, got {pool} and {strides}")


def _sliding_max(x: np.ndarray, axis: int, window: int) -> np.ndarray:
    """Maximum over every ``window`` consecutive values along ``axis`` (stride 1), by
    doubling: maxima over 2, 4, ... values, then two overlapping windows of the largest
    power of two p <= window cover it (log2(p) + 1 passes instead of window - 1)."""
    def part(a: np.ndarray, start: int, size: int) -> np.ndarray:
        index = [slice(None)] * a.ndim
        index[axis] = slice(start, start + size)
        return a[tuple(index)]

    length = x.shape[axis]
    out_size = length - window + 1
    span, current = 1, x
    while 2 * span <= window:
        size = current.shape[axis] - span
        current = np.maximum(part(current, 0, size), part(current, span, size))
        span *= 2
    if span == window:
        return part(current, 0, out_size) if current is not x else current.copy()
    return np.maximum(part(current, 0, out_size), part(current, window - span, out_size))


def max_pool2d(
    x: np.ndarray, pool: tuple[int, int], strides: tuple[int, int], padding: str = "valid"
) -> np.ndarray:
    """Maximum over each window: (n, h, w, c) -> (n, out_h, out_w, c).

    The maximum over a rectangle is the maximum of its rows' maxima, so the window is
    reduced in two passes: pool_h strided slices down the rows, then pool_w across the
    columns (pool_h + pool_w element-wise maxima instead of pool_h * pool_w). With stride 1
    (the anti-aliased networks' pools) each pass doubles its window instead
    (:func:`_sliding_max`: 3 maxima for a 5-pixel window instead of 4 and a copy).
    """
    _check(x, pool, strides)
    (out_h, out_w), rows, cols, _ = _windows_offsets(x.shape, pool, strides, padding)
    if rows != (0, 0) or cols != (0, 0):
        x = np.pad(x, ((0, 0), rows, cols, (0, 0)), constant_values=-np.inf)
    (ph, pw), (sh, sw) = pool, strides
    if (sh, sw) == (1, 1):
        return _sliding_max(_sliding_max(x, 1, ph), 2, pw)
    tall = x[:, 0 : sh * (out_h - 1) + 1 : sh].copy()
    for i in range(1, ph):
        np.maximum(tall, x[:, i : i + sh * (out_h - 1) + 1 : sh], out=tall)
    out = tall[:, :, 0 : sw * (out_w - 1) + 1 : sw].copy()
    for j in range(1, pw):
        np.maximum(out, tall[:, :, j : j + sw * (out_w - 1) + 1 : sw], out=out)
    return out


def avg_pool2d(
    x: np.ndarray, pool: tuple[int, int], strides: tuple[int, int], padding: str = "valid"
) -> np.ndarray:
    """Mean over the real (unpadded) pixels of each window: (n, h, w, c) -> (n, oh, ow, c)."""
    _check(x, pool, strides)
    (out_h, out_w), rows, cols, slices = _windows_offsets(x.shape, pool, strides, padding)
    n, h, w, c = x.shape
    padded = np.pad(x, ((0, 0), rows, cols, (0, 0)))
    real = np.pad(np.ones((h, w), dtype=np.float32), (rows, cols))
    total = np.zeros((n, out_h, out_w, c), dtype=np.float32)
    count = np.zeros((out_h, out_w), dtype=np.float32)
    for row_slice, col_slice in slices:
        total += padded[:, row_slice, col_slice]
        count += real[row_slice, col_slice]
    total /= count[None, :, :, None]
    return total
