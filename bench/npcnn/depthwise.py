"""Depthwise 2-D convolution and global average pooling on NHWC float32 batches.

Depthwise convolution filters every input channel on its own (no sum over channels),
as ``keras.layers.DepthwiseConv2D``: the kernel has shape (kh, kw, channels,
multiplier) and output channel ``c * multiplier + m`` is channel ``c`` filtered by
``kernel[:, :, c, m]``. Output sizes and ``"same"`` padding follow
:mod:`bench.npcnn.conv` (TensorFlow's rules); the result is cross-correlation.
"""

from __future__ import annotations

import numpy as np

from bench.npcnn.conv import output_size, pad_amounts


def _check(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None) -> None:
    if x.ndim != 4:
        raise ValueError(f"depthwise conv expects an NHWC batch (4 axes), got shape {x.shape}")
    if kernel.ndim != 4 or kernel.shape[2] != x.shape[3]:
        raise ValueError(
            f"depthwise kernel shape {kernel.shape} does not fit input channels {x.shape[3]}; "
            "expected (kh, kw, channels, multiplier)"
        )
    outputs = kernel.shape[2] * kernel.shape[3]
    if bias is not None and bias.shape != (outputs,):
        raise ValueError(f"bias shape {bias.shape} != (channels * multiplier,) = ({outputs},)")


def _padded(x: np.ndarray, kernel: np.ndarray, strides: tuple[int, int], padding: str):
    """The zero-padded batch and the output (height, width)."""
    (kh, kw), (sh, sw), (h, w) = kernel.shape[:2], strides, x.shape[1:3]
    out = (output_size(h, kh, sh, padding), output_size(w, kw, sw, padding))
    rows, cols = pad_amounts(h, kh, sh, padding), pad_amounts(w, kw, sw, padding)
    padded = np.pad(x.astype(np.float32, copy=False), ((0, 0), rows, cols, (0, 0)))
    return padded, out


def depthwise_conv2d_naive(
    x: np.ndarray,
    kernel: np.ndarray,
    bias: np.ndarray | None,
    strides: tuple[int, int] = (1, 1),
    padding: str = "valid",
) -> np.ndarray:
    """Reference loops: for every image, channel, multiplier and output pixel,
    sum(window of that channel * its filter) + bias. (n, h, w, c) -> (n, oh, ow, c * m)."""
    _check(x, kernel, bias)
    padded, (out_h, out_w) = _padded(x, kernel, strides, padding)
    kh, kw, channels, multiplier = kernel.shape
    sh, sw = strides
    out = np.zeros((x.shape[0], out_h, out_w, channels * multiplier), dtype=np.float32)
    for image in range(x.shape[0]):
        for c in range(channels):
            for m in range(multiplier):
                k = c * multiplier + m
                for r in range(out_h):
                    for col in range(out_w):
                        window = padded[image, r * sh : r * sh + kh, col * sw : col * sw + kw, c]
                        out[image, r, col, k] = np.sum(window * kernel[:, :, c, m])
                if bias is not None:
                    out[image, :, :, k] += bias[k]
    return out


def depthwise_conv2d_vectorised(
    x: np.ndarray,
    kernel: np.ndarray,
    bias: np.ndarray | None,
    strides: tuple[int, int] = (1, 1),
    padding: str = "valid",
) -> np.ndarray:
    """One strided multiply-add over the whole batch per kernel offset (kh * kw of them)
    and multiplier, like :mod:`bench.npcnn.pooling`; no im2col copy, since channels are
    not mixed. (n, h, w, c) -> (n, oh, ow, c * m) float32."""
    _check(x, kernel, bias)
    padded, (out_h, out_w) = _padded(x, kernel, strides, padding)
    kh, kw, channels, multiplier = kernel.shape
    sh, sw = strides
    kernel = kernel.astype(np.float32, copy=False)
    out = np.empty((x.shape[0], out_h, out_w, channels, multiplier), dtype=np.float32)
    total = np.empty((x.shape[0], out_h, out_w, channels), dtype=np.float32)
    product = np.empty_like(total)
    for m in range(multiplier):  # (..., channels) arrays: the inner loops run over channels
        total.fill(0.0)
        for i in range(kh):
            for j in range(kw):
                window = padded[:, i : i + sh * (out_h - 1) + 1 : sh,
                                j : j + sw * (out_w - 1) + 1 : sw]
                np.multiply(window, kernel[i, j, :, m], out=product)
                total += product
        out[..., m] = total
    out = out.reshape(x.shape[0], out_h, out_w, channels * multiplier)
    if bias is not None:
        out += bias.astype(np.float32, copy=False)
    return out


def separable_taps(kernel: np.ndarray, rtol: float = 1e-6) -> tuple[np.ndarray, np.ndarray] | None:
    """(column taps (kh, c), row taps (kw, c)) whose outer product is every channel's filter
    of a multiplier-1 depthwise ``kernel`` (kh, kw, c, 1), within ``rtol`` of its largest
    weight; None if some filter is not rank 1 (the binomial blurs of the anti-aliased CNNs
    are). Computed per channel by SVD in float64."""
    if kernel.ndim != 4 or kernel.shape[3] != 1:
        return None
    columns, rows = [], []
    for channel in np.moveaxis(kernel[..., 0].astype(np.float64), 2, 0):
        u, sigma, vt = np.linalg.svd(channel)
        column, row = u[:, 0] * sigma[0], vt[0]
        if np.abs(np.outer(column, row) - channel).max() > rtol * max(np.abs(channel).max(),
                                                                      1e-30):
            return None
        columns.append(column)
        rows.append(row)
    return (np.stack(columns, axis=1).astype(np.float32),
            np.stack(rows, axis=1).astype(np.float32))


def _weighted_sum(views: list[np.ndarray], taps: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out = sum_i taps[i] * views[i], taps (k, c): scalars when every channel shares the
    tap (NumPy then streams whole rows instead of looping over channels)."""
    shared = bool(np.all(taps == taps[:, :1]))
    product = np.empty_like(out)
    for i, view in enumerate(views):
        weight = taps[i, 0] if shared else taps[i]
        np.multiply(view, weight, out=out if i == 0 else product)
        if i:
            out += product
    return out


def depthwise_conv2d_separable(
    x: np.ndarray,
    taps: tuple[np.ndarray, np.ndarray],
    bias: np.ndarray | None,
    strides: tuple[int, int] = (1, 1),
    padding: str = "valid",
) -> np.ndarray:
    """A multiplier-1 depthwise convolution whose filters are rank 1 (``separable_taps``):
    a strided pass down the columns, then across the rows, kh + kw multiply-adds per output
    instead of kh * kw. (n, h, w, c) -> (n, oh, ow, c) float32."""
    column, row = taps
    kh, kw, channels = column.shape[0], row.shape[0], column.shape[1]
    kernel_shape = np.empty((kh, kw, channels, 1), dtype=np.float32)  # for the shape checks
    _check(x, kernel_shape, bias)
    padded, (out_h, out_w) = _padded(x, kernel_shape, strides, padding)
    sh, sw = strides
    tall = np.empty((x.shape[0], out_h, padded.shape[2], channels), dtype=np.float32)
    _weighted_sum([padded[:, i : i + sh * (out_h - 1) + 1 : sh] for i in range(kh)], column,
                  tall)
    out = np.empty((x.shape[0], out_h, out_w, channels), dtype=np.float32)
    _weighted_sum([tall[:, :, j : j + sw * (out_w - 1) + 1 : sw] for j in range(kw)], row, out)
    if bias is not None:
        out += bias.astype(np.float32, copy=False)
    return out


def band_matrix(size: int, taps: np.ndarray, stride: int, padding: str) -> np.ndarray:
    """(out, size) float32 matrix ``M`` whose product with a signal of ``size`` samples is
    its 1-D cross-correlation with ``taps`` (k,) at ``stride`` with ``padding``'s zeros:
    ``M[r, r * stride - pad_before + i] = taps[i]``, taps that land on padding dropped."""
    taps = np.asarray(taps, dtype=np.float32)
    out = output_size(size, len(taps), stride, padding)
    before = pad_amounts(size, len(taps), stride, padding)[0]
    matrix = np.zeros((out, size), dtype=np.float32)
    for r in range(out):
        for i, tap in enumerate(taps):
            column = r * stride - before + i
            if 0 <= column < size:
                matrix[r, column] = tap
    return matrix


def shared_taps(taps: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """The (column, row) taps (kh,), (kw,) that every channel of :func:`separable_taps`'
    result shares, or None if channels differ."""
    column, row = taps
    if np.all(column == column[:, :1]) and np.all(row == row[:, :1]):
        return column[:, 0], row[:, 0]
    return None


def depthwise_conv2d_banded(
    x: np.ndarray,
    bands: tuple[np.ndarray, np.ndarray],
    bias: np.ndarray | None,
) -> np.ndarray:
    """A multiplier-1 depthwise convolution whose channels all share one rank-1 filter
    (the anti-aliased CNNs' blurs), as two matrix products with :func:`band_matrix`
    results: ``rows`` (oh, h) down the columns of every image, then ``cols`` (ow, w)
    across the rows. Strides and padding live in the bands, so nothing is padded or
    sliced; the products multiply the bands' zeros too (about h / kh times the work of
    :func:`depthwise_conv2d_separable`), but in BLAS, several times faster per
    multiply-add than NumPy's element-wise passes. (n, h, w, c) -> (n, oh, ow, c) float32."""
    rows, cols = bands
    n, h, w, c = x.shape
    if rows.shape[1] != h or cols.shape[1] != w:
        raise ValueError(f"bands {rows.shape} and {cols.shape} are for {rows.shape[1]} x "
                         f"{cols.shape[1]} inputs, got {h} x {w}")
    tall = np.matmul(rows, x.astype(np.float32, copy=False).reshape(n, h, w * c))
    out = np.matmul(cols, tall.reshape(n, rows.shape[0], w, c))
    if bias is not None:
        out += bias.astype(np.float32, copy=False)
    return out


def global_average_pool2d(x: np.ndarray, keepdims: bool = False) -> np.ndarray:
    """Mean over height and width: (n, h, w, c) -> (n, c), or (n, 1, 1, c) with keepdims."""
    if x.ndim != 4:
        raise ValueError(f"global pooling expects an NHWC batch (4 axes), got shape {x.shape}")
    return x.mean(axis=(1, 2), dtype=np.float32, keepdims=keepdims)
