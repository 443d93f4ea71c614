"""The NumPy engine's convolution and pooling: vectorised == naive loops, TF padding rules."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from bench.npcnn import (
    avg_pool2d,
    conv2d_naive,
    conv2d_vectorised,
    depthwise_conv2d_naive,
    depthwise_conv2d_vectorised,
    global_average_pool2d,
    max_pool2d,
)
from bench.npcnn.conv import FEW_CHANNELS, output_size, pad_amounts
from bench.npcnn.depthwise import (
    band_matrix,
    depthwise_conv2d_banded,
    depthwise_conv2d_separable,
    separable_taps,
    shared_taps,
)
from bench.npcnn.winograd import conv2d_winograd, winograd_kernel
from bench.npcnn.winograd_f3 import conv2d_winograd_f3, winograd_f3_kernel

CONV_CASES = [
    # (height, width, channels, filters, kernel (kh, kw), strides, padding)
    (5, 5, 1, 1, (3, 3), (1, 1), "valid"),
    (6, 7, 3, 4, (3, 3), (1, 1), "same"),
    (6, 6, 2, 3, (2, 2), (1, 1), "same"),
    (7, 6, 2, 3, (4, 2), (2, 1), "same"),
    (8, 8, 3, 2, (3, 3), (2, 2), "same"),
    (9, 8, 1, 5, (3, 3), (2, 3), "valid"),
    (5, 9, 4, 2, (1, 1), (1, 1), "valid"),
    (4, 4, 2, 2, (4, 4), (1, 1), "valid"),
    (5, 5, 1, 2, (5, 5), (3, 3), "same"),
    (6, 5, 2, 3, (2, 3), (3, 2), "valid"),
    # more than FEW_CHANNELS input channels: the (pixels, kh * kw * c) column layout
    (7, 6, 5, 3, (3, 3), (1, 1), "same"),
    (8, 7, 9, 4, (3, 2), (2, 2), "valid"),
]
assert {case[2] > FEW_CHANNELS for case in CONV_CASES} == {True, False}


def _case_id(case: tuple) -> str:
    h, w, c, f, (kh, kw), (sh, sw), padding = case
    return f"{h}x{w}x{c}-f{f}-k{kh}x{kw}-s{sh}x{sw}-{padding}"


@pytest.mark.parametrize("case", CONV_CASES, ids=_case_id)
@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "nobias"])
def test_vectorised_conv_matches_naive_loops(case: tuple, use_bias: bool) -> None:
    h, w, c, f, kernel_size, strides, padding = case
    rng = np.random.default_rng(CONV_CASES.index(case))
    x = rng.normal(size=(3, h, w, c)).astype(np.float32)
    kernel = rng.normal(size=(*kernel_size, c, f)).astype(np.float32)
    bias = rng.normal(size=f).astype(np.float32) if use_bias else None

    naive = conv2d_naive(x, kernel, bias, strides, padding)
    fast = conv2d_vectorised(x, kernel, bias, strides, padding, chunk_size=2)

    expected_shape = (
        3,
        output_size(h, kernel_size[0], strides[0], padding),
        output_size(w, kernel_size[1], strides[1], padding),
        f,
    )
    assert naive.shape == fast.shape == expected_shape
    assert fast.dtype == np.float32
    np.testing.assert_allclose(fast, naive, rtol=1e-5, atol=1e-5)


WINOGRAD_CASES = [
    # (images, height, width, channels, filters, padding, images per block): even and odd
    # output sizes, a last block smaller than the others, a 1x1 image
    (3, 7, 9, 4, 5, "same", 2),
    (3, 7, 9, 4, 5, "valid", 2),
    (5, 8, 8, 3, 2, "same", None),
    (4, 6, 5, 2, 3, "valid", 3),
    (1, 3, 3, 1, 1, "valid", None),
    (2, 1, 1, 2, 2, "same", 1),
    (7, 11, 11, 8, 6, "same", 3),
]


WINOGRAD_VARIANTS = {
    "F2x2": (conv2d_winograd, winograd_kernel),
    "F3x3": (conv2d_winograd_f3, winograd_f3_kernel),
}


@pytest.mark.parametrize("variant", WINOGRAD_VARIANTS)
@pytest.mark.parametrize("case", WINOGRAD_CASES, ids=str)
def test_winograd_matches_the_naive_loops(case: tuple, variant: str) -> None:
    """Both variants, on output sides that are and are not multiples of their tiles (tiles
    past the output are computed and cropped). F(3x3)'s transforms have larger coefficients,
    so its float32 error is held to 1e-5 of the outputs' largest magnitude rather than of
    each output."""
    n, h, w, c, f, padding, block = case
    rng = np.random.default_rng(WINOGRAD_CASES.index(case))
    x = rng.normal(size=(n, h, w, c)).astype(np.float32)
    kernel = rng.normal(size=(3, 3, c, f)).astype(np.float32)
    bias = rng.normal(size=f).astype(np.float32)
    convolve, transform = WINOGRAD_VARIANTS[variant]
    naive = conv2d_naive(x, kernel, bias, (1, 1), padding)
    fast = convolve(x, transform(kernel), bias, padding, block)
    assert fast.shape == naive.shape and fast.dtype == np.float32
    if variant == "F2x2":
        np.testing.assert_allclose(fast, naive, rtol=1e-5, atol=1e-5)
    else:
        assert np.abs(fast - naive).max() <= 1e-5 * max(1.0, np.abs(naive).max())


def test_winograd_f3_pads_with_the_given_value_per_channel() -> None:
    """'same' padding filled with pad_value equals 'valid' on the input padded by hand."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 5, 4, 3)).astype(np.float32)
    kernel = rng.normal(size=(3, 3, 3, 2)).astype(np.float32)
    fill = np.array([0.5, -2.0, 3.0], dtype=np.float32)
    by_hand = np.empty((2, 7, 6, 3), dtype=np.float32)
    by_hand[...] = fill
    by_hand[:, 1:-1, 1:-1] = x
    expected = conv2d_naive(by_hand, kernel, None, (1, 1), "valid")
    fast = conv2d_winograd_f3(x, winograd_f3_kernel(kernel), None, "same", pad_value=fill)
    assert np.abs(fast - expected).max() <= 1e-5 * max(1.0, np.abs(expected).max())


def test_winograd_f3_error_on_many_channels_stays_near_float32() -> None:
    """MNIST CNN-GAP's last 3x3 layer in small (5x5x256 -> 3x3x64, weights scaled as Keras
    initialises them): within 1e-5 of the outputs' largest magnitude of the float64 sum."""
    rng = np.random.default_rng(8)
    x = rng.random((6, 5, 5, 256)).astype(np.float32)
    kernel = (rng.normal(size=(3, 3, 256, 64)) / np.sqrt(9 * 256)).astype(np.float32)
    exact = conv2d_naive(x.astype(np.float64), kernel.astype(np.float64), None, (1, 1), "valid")
    fast = conv2d_winograd_f3(x, winograd_f3_kernel(kernel), None, "valid")
    assert np.abs(fast - exact).max() <= 1e-5 * np.abs(exact).max()


def test_winograd_refuses_a_kernel_that_does_not_fit() -> None:
    with pytest.raises(ValueError, match="needs a 3x3 kernel"):
        winograd_kernel(np.zeros((5, 5, 1, 1), dtype=np.float32))
    with pytest.raises(ValueError, match="does not fit input"):
        conv2d_winograd(np.zeros((1, 4, 4, 2), dtype=np.float32),
                        winograd_kernel(np.zeros((3, 3, 3, 1), dtype=np.float32)), None)
    with pytest.raises(ValueError, match="needs a 3x3 kernel"):
        winograd_f3_kernel(np.zeros((5, 5, 1, 1), dtype=np.float32))
    with pytest.raises(ValueError, match="does not fit input"):
        conv2d_winograd_f3(np.zeros((1, 4, 4, 2), dtype=np.float32),
                           winograd_f3_kernel(np.zeros((3, 3, 3, 1), dtype=np.float32)), None)


def test_naive_conv_is_the_sum_of_window_times_filter() -> None:
    """One 3x3 window of a 4x4 image by hand: out[0, 1, 1] = sum(x[1:4, 1:4] * k) + b."""
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    kernel = np.arange(9, dtype=np.float32).reshape(3, 3, 1, 1) - 4
    bias = np.array([0.5], dtype=np.float32)
    out = conv2d_naive(x, kernel, bias, (1, 1), "valid")
    assert out.shape == (1, 2, 2, 1)
    assert out[0, 1, 1, 0] == np.sum(x[0, 1:4, 1:4, 0] * kernel[:, :, 0, 0]) + 0.5


DEPTHWISE_CASES = [
    # (height, width, channels, multiplier, kernel (kh, kw), strides, padding)
    (5, 5, 1, 1, (3, 3), (1, 1), "valid"),
    (13, 13, 3, 1, (4, 4), (2, 2), "same"),
    (12, 11, 2, 2, (4, 4), (2, 2), "same"),
    (44, 44, 2, 1, (7, 7), (5, 5), "same"),
    (7, 6, 3, 3, (3, 2), (2, 1), "valid"),
    (6, 6, 4, 1, (1, 1), (1, 1), "valid"),
]


def _depthwise_id(case: tuple) -> str:
    h, w, c, m, (kh, kw), (sh, sw), padding = case
    return f"{h}x{w}x{c}-m{m}-k{kh}x{kw}-s{sh}x{sw}-{padding}"


@pytest.mark.parametrize("case", DEPTHWISE_CASES, ids=_depthwise_id)
@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "nobias"])
def test_vectorised_depthwise_conv_matches_naive_loops(case: tuple, use_bias: bool) -> None:
    h, w, c, m, kernel_size, strides, padding = case
    rng = np.random.default_rng(DEPTHWISE_CASES.index(case))
    x = rng.normal(size=(2, h, w, c)).astype(np.float32)
    kernel = rng.normal(size=(*kernel_size, c, m)).astype(np.float32)
    bias = rng.normal(size=c * m).astype(np.float32) if use_bias else None
    naive = depthwise_conv2d_naive(x, kernel, bias, strides, padding)
    fast = depthwise_conv2d_vectorised(x, kernel, bias, strides, padding)
    expected_shape = (2, output_size(h, kernel_size[0], strides[0], padding),
                      output_size(w, kernel_size[1], strides[1], padding), c * m)
    assert naive.shape == fast.shape == expected_shape
    assert fast.dtype == np.float32
    np.testing.assert_allclose(fast, naive, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", [c for c in DEPTHWISE_CASES if c[3] == 1], ids=_depthwise_id)
@pytest.mark.parametrize("shared", [True, False], ids=["same-taps", "own-taps"])
def test_separable_depthwise_matches_naive_loops(case: tuple, shared: bool) -> None:
    """Rank-1 filters (outer products, like the binomial blurs), the same for every channel
    or each channel its own, through the two-pass path."""
    h, w, c, _, (kh, kw), strides, padding = case
    rng = np.random.default_rng(DEPTHWISE_CASES.index(case))
    columns = rng.normal(size=(kh, 1 if shared else c)) * np.ones((1, c))
    rows = rng.normal(size=(kw, 1 if shared else c)) * np.ones((1, c))
    kernel = np.einsum("ic,jc->ijc", columns, rows)[..., None].astype(np.float32)
    taps = separable_taps(kernel)
    assert taps is not None
    x = rng.normal(size=(2, h, w, c)).astype(np.float32)
    bias = rng.normal(size=c).astype(np.float32)
    naive = depthwise_conv2d_naive(x, kernel, bias, strides, padding)
    fast = depthwise_conv2d_separable(x, taps, bias, strides, padding)
    assert fast.shape == naive.shape
    np.testing.assert_allclose(fast, naive, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", [c for c in DEPTHWISE_CASES if c[3] == 1], ids=_depthwise_id)
def test_banded_depthwise_matches_naive_loops(case: tuple) -> None:
    """One rank-1 filter shared by every channel (the blurs), as two band-matrix products."""
    h, w, c, _, (kh, kw), (sh, sw), padding = case
    rng = np.random.default_rng(DEPTHWISE_CASES.index(case))
    column, row = rng.normal(size=kh), rng.normal(size=kw)
    kernel = np.repeat(np.outer(column, row)[:, :, None, None], c, axis=2).astype(np.float32)
    shared = shared_taps(separable_taps(kernel))
    assert shared is not None
    bands = (band_matrix(h, shared[0], sh, padding), band_matrix(w, shared[1], sw, padding))
    x = rng.normal(size=(2, h, w, c)).astype(np.float32)
    bias = rng.normal(size=c).astype(np.float32)
    naive = depthwise_conv2d_naive(x, kernel, bias, (sh, sw), padding)
    fast = depthwise_conv2d_banded(x, bands, bias)
    assert fast.shape == naive.shape
    np.testing.assert_allclose(fast, naive, rtol=1e-5, atol=1e-5)


def test_band_matrix_places_taps_at_the_stride_and_drops_padding() -> None:
    """5 samples, taps [1, 2, 3], stride 2, 'same': 3 outputs, one zero padded on each
    side, so output 0 sees (pad, x0, x1) and output 2 sees (x3, x4, pad)."""
    expected = [[2, 3, 0, 0, 0], [0, 1, 2, 3, 0], [0, 0, 0, 1, 2]]
    np.testing.assert_array_equal(band_matrix(5, np.array([1, 2, 3]), 2, "same"), expected)


def test_channels_with_their_own_taps_get_no_bands() -> None:
    columns = np.array([[1.0, 1.0], [2.0, 3.0]])
    assert shared_taps((columns, np.ones((2, 2)))) is None
    assert shared_taps((np.ones((2, 2)), np.ones((3, 2)))) is not None


def test_a_banded_blur_refuses_an_input_of_another_size() -> None:
    bands = (band_matrix(6, np.ones(3), 2, "same"), band_matrix(6, np.ones(3), 2, "same"))
    with pytest.raises(ValueError, match="6 x 6 inputs, got 7 x 6"):
        depthwise_conv2d_banded(np.zeros((1, 7, 6, 2), dtype=np.float32), bands, None)


def test_filters_of_rank_two_or_multipliers_are_not_separable() -> None:
    rank_two = np.array([[1, 0], [0, 1]], dtype=np.float32)[:, :, None, None]
    assert separable_taps(rank_two) is None
    assert separable_taps(np.ones((2, 2, 1, 2), dtype=np.float32)) is None


def test_depthwise_conv_filters_each_channel_alone() -> None:
    """Channel c * m + k of the output is channel c convolved with kernel[:, :, c, k], the
    same as a plain convolution of that channel alone."""
    rng = np.random.default_rng(9)
    x = rng.normal(size=(1, 6, 6, 2)).astype(np.float32)
    kernel = rng.normal(size=(3, 3, 2, 2)).astype(np.float32)
    out = depthwise_conv2d_vectorised(x, kernel, None, (1, 1), "valid")
    for c in range(2):
        for k in range(2):
            alone = conv2d_naive(x[..., c : c + 1], kernel[:, :, c : c + 1, k : k + 1], None)
            np.testing.assert_allclose(out[..., 2 * c + k], alone[..., 0], rtol=1e-5, atol=1e-6)


def test_global_average_pool_is_the_mean_of_each_channel() -> None:
    x = np.arange(2 * 3 * 4 * 2, dtype=np.float32).reshape(2, 3, 4, 2)
    flat = global_average_pool2d(x)
    assert flat.shape == (2, 2) and global_average_pool2d(x, keepdims=True).shape == (2, 1, 1, 2)
    assert flat[1, 0] == np.mean(x[1, :, :, 0]) and flat[0, 1] == np.mean(x[0, :, :, 1])


@pytest.mark.parametrize("chunk_size", [1, 3, 5, 64])
def test_chunk_size_does_not_change_the_result(chunk_size: int) -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(5, 8, 8, 3)).astype(np.float32)
    kernel = rng.normal(size=(3, 3, 3, 4)).astype(np.float32)
    bias = rng.normal(size=4).astype(np.float32)
    whole = conv2d_vectorised(x, kernel, bias, (1, 1), "same", chunk_size=len(x))
    chunked = conv2d_vectorised(x, kernel, bias, (1, 1), "same", chunk_size=chunk_size)
    # Equal up to float32 rounding: BLAS may block a product differently for other sizes.
    np.testing.assert_allclose(chunked, whole, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("size", "window", "stride", "expected"),
    [
        # TensorFlow's rule: total = max((ceil(size / stride) - 1) * stride + window - size, 0),
        # split total // 2 before and the rest after.
        (5, 3, 1, (1, 1)),
        (6, 2, 1, (0, 1)),
        (6, 4, 1, (1, 2)),
        (6, 3, 2, (0, 1)),
        (7, 3, 2, (1, 1)),
        (5, 1, 1, (0, 0)),
        (4, 2, 2, (0, 0)),
        (5, 5, 3, (1, 2)),
    ],
)
def test_same_padding_puts_the_extra_zero_after(size, window, stride, expected) -> None:
    assert pad_amounts(size, window, stride, "same") == expected
    assert output_size(size, window, stride, "same") == -(-size // stride)
    assert pad_amounts(size, window, stride, "valid") == (0, 0)


def _pool_reference(x, pool, strides, padding, reduce):
    """Loop over output pixels, gathering the real (unpadded) pixels of each window."""
    n, h, w, c = x.shape
    (ph, pw), (sh, sw) = pool, strides
    top, left = pad_amounts(h, ph, sh, padding)[0], pad_amounts(w, pw, sw, padding)[0]
    out_h, out_w = output_size(h, ph, sh, padding), output_size(w, pw, sw, padding)
    out = np.empty((n, out_h, out_w, c), dtype=np.float32)
    for r, col in itertools.product(range(out_h), range(out_w)):
        r0, c0 = r * sh - top, col * sw - left
        window = x[:, max(r0, 0) : r0 + ph, max(c0, 0) : c0 + pw]
        out[:, r, col] = reduce(window, axis=(1, 2))
    return out


POOL_CASES = [
    # (height, width, pool, strides, padding)
    (4, 4, (2, 2), (2, 2), "valid"),
    (5, 5, (2, 2), (2, 2), "valid"),
    (12, 11, (5, 5), (5, 5), "valid"),
    (7, 7, (3, 3), (2, 2), "valid"),
    (5, 5, (2, 2), (2, 2), "same"),
    (6, 7, (3, 3), (1, 1), "same"),
    (6, 6, (3, 2), (2, 3), "same"),
    (5, 4, (1, 1), (2, 1), "valid"),
    (26, 26, (2, 2), (1, 1), "valid"),  # stride-1 max-pool of the anti-aliased CNN
    (9, 9, (5, 5), (1, 1), "valid"),
]


def _pool_id(case: tuple) -> str:
    h, w, (ph, pw), (sh, sw), padding = case
    return f"{h}x{w}-p{ph}x{pw}-s{sh}x{sw}-{padding}"


@pytest.mark.parametrize("case", POOL_CASES, ids=_pool_id)
@pytest.mark.parametrize(
    ("pool_fn", "reduce"), [(max_pool2d, np.max), (avg_pool2d, np.mean)], ids=["max", "avg"]
)
def test_pooling_matches_a_loop_over_windows(case, pool_fn, reduce) -> None:
    h, w, pool, strides, padding = case
    x = np.random.default_rng(3).normal(size=(2, h, w, 3)).astype(np.float32)
    got = pool_fn(x, pool, strides, padding)
    expected = _pool_reference(x, pool, strides, padding, reduce)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_max_pool_ignores_padding_even_when_all_values_are_negative() -> None:
    x = -np.ones((1, 3, 3, 1), dtype=np.float32)
    assert np.all(max_pool2d(x, (2, 2), (2, 2), "same") == -1.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x, k: conv2d_vectorised(x, k, None, (1, 1), "full"), "padding must be one of"),
        (lambda x, k: conv2d_vectorised(x[:, :2], k, None, (1, 1), "valid"), "input size >= "),
        (lambda x, k: conv2d_vectorised(x, k[:, :, :1], None), "does not fit input channels"),
        (lambda x, k: conv2d_vectorised(x, k, np.zeros(3, np.float32)), "bias shape"),
        (lambda x, k: conv2d_vectorised(x, k, None, chunk_size=0), "chunk_size must be"),
        (lambda x, k: conv2d_naive(x[0], k, None), "NHWC batch"),
        (lambda x, k: conv2d_vectorised(x, k, None, (0, 1)), "stride must be >= 1"),
        (lambda x, k: max_pool2d(x, (2, 2), (2, 2), "causal"), "padding must be one of"),
        (lambda x, k: avg_pool2d(x, (0, 2), (2, 2)), "pool size and strides"),
        (lambda x, k: depthwise_conv2d_vectorised(x, k[:, :, :1], None), "does not fit input"),
        (lambda x, k: depthwise_conv2d_naive(x, k[:, :, :, :1], np.zeros(3, np.float32)),
         "bias shape"),
        (lambda x, k: global_average_pool2d(x[0]), "NHWC batch"),
    ],
    ids=[
        "bad-padding",
        "window-too-big",
        "channels",
        "bias",
        "chunk",
        "not-nhwc",
        "stride",
        "pool-padding",
        "pool-size",
        "depthwise-channels",
        "depthwise-bias",
        "gap-not-nhwc",
    ],
)
def test_invalid_arguments_raise_a_clear_error(call, message) -> None:
    x = np.zeros((2, 5, 5, 2), dtype=np.float32)
    kernel = np.zeros((3, 3, 2, 4), dtype=np.float32)
    with pytest.raises(ValueError, match=message):
        call(x, kernel)


@pytest.mark.parametrize("pool", list(itertools.product(range(1, 8), repeat=2)), ids=str)
def test_stride_one_max_pool_by_doubling_is_the_window_maximum(pool: tuple[int, int]) -> None:
    """Every window size 1..7 of the doubling path against the maximum of each window."""
    x = np.random.default_rng(sum(pool)).normal(size=(2, 11, 10, 3)).astype(np.float32)
    (ph, pw), (h, w) = pool, x.shape[1:3]
    expected = np.stack([np.stack([x[:, r : r + ph, c : c + pw].max(axis=(1, 2))
                                   for c in range(w - pw + 1)], axis=1)
                         for r in range(h - ph + 1)], axis=1)
    got = max_pool2d(x, pool, (1, 1))
    assert not np.shares_memory(got, x)
    np.testing.assert_array_equal(got, expected)
