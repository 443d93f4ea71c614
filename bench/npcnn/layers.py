"""Inference-only layers of the NumPy engine; each maps a float32 batch to a new one.

Every layer is a frozen dataclass holding float32 NumPy weights and a ``name``
(the Keras layer's name, for diagnosis). ``layer(x)`` never modifies ``x``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.npcnn.activations import Activation
from bench.npcnn.conv import conv2d_naive, conv2d_vectorised
from bench.npcnn.depthwise import (
    depthwise_conv2d_banded,
    depthwise_conv2d_naive,
    depthwise_conv2d_separable,
    depthwise_conv2d_vectorised,
    global_average_pool2d,
)
from bench.npcnn.pooling import avg_pool2d, max_pool2d
from bench.npcnn.winograd import conv2d_winograd, winograd_kernel
from bench.npcnn.winograd_f3 import conv2d_winograd_f3, winograd_f3_kernel

CONV_METHODS = ("vectorised", "naive")
WINOGRAD_VARIANTS = {16: (conv2d_winograd, winograd_kernel),
                     25: (conv2d_winograd_f3, winograd_f3_kernel)}
"""(convolution, kernel transform) of each Winograd variant, by its products per tile:
F(2x2, 3x3) and F(3x3, 3x3). ``len(Conv2D.winograd)`` names the variant a layer runs."""


@dataclass(frozen=True)
class Conv2D:
    """Convolution + bias + fused activation; kernel (kh, kw, c, filters), NHWC in and out.

    ``chunk_size``: images per im2col block of the vectorised method (None: sized
    to :data:`bench.npcnn.conv.BLOCK_BYTES`). ``epilogue``: element-wise layers
    that follow in the model (e.g. ReLU then BatchNorm), applied to each block
    while it is in cache; :meth:`bench.npcnn.network.Network.predict` fills it in.
    ``winograd``: the kernel transformed by :func:`bench.npcnn.winograd.winograd_kernel`
    (16, c, filters) or :func:`bench.npcnn.winograd_f3.winograd_f3_kernel` (25, c, filters),
    set by the converter for 3x3 stride-1 kernels; the vectorised method then runs Winograd
    F(2x2, 3x3) or F(3x3, 3x3) instead of im2col. ``pad_value`` (c,): the fill of
    ``"same"`` padding per input channel instead of 0, set when a BatchNorm before it is
    folded in (:mod:`bench.npcnn.fold`).
    """

    name: str
    kernel: np.ndarray
    bias: np.ndarray | None
    strides: tuple[int, int]
    padding: str
    activation: Activation
    method: str = "vectorised"
    chunk_size: int | None = None
    epilogue: tuple[BatchNorm | Bias | ActivationLayer, ...] = ()
    winograd: np.ndarray | None = None
    pad_value: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.method not in CONV_METHODS:
            raise ValueError(f"conv method must be one of {CONV_METHODS}, got {self.method!r}")
        if self.winograd is not None and (self.kernel.shape[:2] != (3, 3)
                                          or self.strides != (1, 1)):
            raise ValueError(f"{self.name}: Winograd F(2x2, 3x3) needs a 3x3 stride-1 kernel, "
                             f"got {self.kernel.shape[:2]} stride {self.strides}")
        if self.pad_value is not None and self.method == "naive":
            raise ValueError(f"{self.name}: the naive loops pad with zeros only")

    def _finish(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Activation, then the epilogue layers, in place on ``out``."""
        self.activation(x, out=out)
        for layer in self.epilogue:
            layer(out, out=out)
        return out

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """(n, h, w, c) -> (n, out_h, out_w, filters)."""
        if self.method == "naive":
            out = conv2d_naive(x, self.kernel, self.bias, self.strides, self.padding)
            return self._finish(out, out)
        if self.winograd is not None:
            run = WINOGRAD_VARIANTS[len(self.winograd)][0]
            return run(x, self.winograd, self.bias, self.padding, self.chunk_size, self._finish,
                       self.pad_value)
        return conv2d_vectorised(x, self.kernel, self.bias, self.strides, self.padding,
                                 self.chunk_size, self._finish, self.pad_value)


@dataclass(frozen=True)
class DepthwiseConv2D:
    """Depthwise convolution + bias + fused activation; kernel (kh, kw, c, multiplier).

    ``method``: ``"vectorised"`` (one multiply-add per kernel offset) or ``"naive"``
    (the reference loops), like :class:`Conv2D`. ``separable``: (column, row) taps from
    :func:`bench.npcnn.depthwise.separable_taps`, set by the converter for rank-1 filters
    (the blurs); the vectorised method then filters columns and rows in two passes.
    ``bands``: (rows (oh, h), cols (ow, w)) :func:`bench.npcnn.depthwise.band_matrix`
    results, set by the converter when every channel shares one rank-1 filter; the
    vectorised method then runs two matrix products instead (it takes precedence).
    """

    name: str
    kernel: np.ndarray
    bias: np.ndarray | None
    strides: tuple[int, int]
    padding: str
    activation: Activation
    method: str = "vectorised"
    separable: tuple[np.ndarray, np.ndarray] | None = None
    bands: tuple[np.ndarray, np.ndarray] | None = None

    def __post_init__(self) -> None:
        if self.method not in CONV_METHODS:
            raise ValueError(f"conv method must be one of {CONV_METHODS}, got {self.method!r}")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """(n, h, w, c) -> (n, out_h, out_w, c * multiplier)."""
        if self.method == "naive":
            out = depthwise_conv2d_naive(x, self.kernel, self.bias, self.strides, self.padding)
        elif self.bands is not None:
            out = depthwise_conv2d_banded(x, self.bands, self.bias)
        elif self.separable is not None:
            out = depthwise_conv2d_separable(x, self.separable, self.bias, self.strides,
                                             self.padding)
        else:
            out = depthwise_conv2d_vectorised(x, self.kernel, self.bias, self.strides,
                                              self.padding)
        return self.activation(out, out=out)


@dataclass(frozen=True)
class GlobalAveragePool2D:
    """Mean over height and width: (n, h, w, c) -> (n, c), or (n, 1, 1, c) with keepdims."""

    name: str
    keepdims: bool = False

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return global_average_pool2d(x, self.keepdims)


@dataclass(frozen=True)
class Pool2D:
    """Max or average pooling (``kind`` is ``"max"`` or ``"average"``), NHWC."""

    name: str
    kind: str
    pool_size: tuple[int, int]
    strides: tuple[int, int]
    padding: str

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """(n, h, w, c) -> (n, out_h, out_w, c)."""
        pool = max_pool2d if self.kind == "max" else avg_pool2d
        return pool(x, self.pool_size, self.strides, self.padding)


@dataclass(frozen=True)
class Dense:
    """``activation(x @ kernel + bias)`` over the last axis; kernel (in, units)."""

    name: str
    kernel: np.ndarray
    bias: np.ndarray | None
    activation: Activation

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """(..., in) -> (..., units)."""
        out = np.matmul(x, self.kernel)
        if self.bias is not None:
            out += self.bias
        return self.activation(out, out=out)


@dataclass(frozen=True)
class Flatten:
    """(n, ...) -> (n, prod(...)) in C order, which is Keras' channels_last order."""

    name: str

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(x.shape[0], -1)


@dataclass(frozen=True)
class Identity:
    """A layer that does nothing at inference (Dropout): returns ``x`` itself."""

    name: str

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x


@dataclass(frozen=True)
class BatchNorm:
    """Inference batch normalisation over the last axis, folded to ``x * scale + offset``.

    ``scale = gamma / sqrt(moving_variance + epsilon)`` and
    ``offset = beta - moving_mean * scale``, the same arithmetic as TensorFlow. ``offset``
    is (c,), or an (h, w, c) map once moved after a blur (:mod:`bench.npcnn.norm_after_blur`).
    """

    name: str
    scale: np.ndarray
    offset: np.ndarray

    @classmethod
    def from_statistics(
        cls,
        name: str,
        mean: np.ndarray,
        variance: np.ndarray,
        epsilon: float,
        gamma: np.ndarray | None,
        beta: np.ndarray | None,
    ) -> BatchNorm:
        """Fold moving statistics and the optional gamma (scale) and beta (center)."""
        scale = 1.0 / np.sqrt(variance.astype(np.float32) + np.float32(epsilon))
        if gamma is not None:
            scale = scale * gamma
        offset = -mean * scale
        if beta is not None:
            offset = offset + beta
        return cls(name, scale.astype(np.float32), offset.astype(np.float32))

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Any shape whose last axis is the channel axis; same shape out (``out=x``: in place)."""
        out = np.multiply(x, self.scale, out=out)
        out += self.offset
        return out


@dataclass(frozen=True)
class Bias:
    """Adds a per-channel bias over the last axis (a convolution's bias moved after a
    max-pool, :mod:`bench.npcnn.pool_first`)."""

    name: str
    bias: np.ndarray

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Same shape out (``out=x``: in place)."""
        return np.add(x, self.bias, out=out)


@dataclass(frozen=True)
class ActivationLayer:
    """A stand-alone activation layer (``keras.layers.Activation``, ``ReLU``, ...)."""

    name: str
    activation: Activation

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Same shape out; ``out=x`` works in place."""
        return self.activation(x, out=out)


Layer = (Conv2D | DepthwiseConv2D | Pool2D | GlobalAveragePool2D | Dense | Flatten | Identity
         | BatchNorm | Bias | ActivationLayer)
ELEMENTWISE = (BatchNorm, Bias, ActivationLayer)
"""Layers that accept ``out=`` and can overwrite an input the network owns."""
PASS_THROUGH = (Flatten, Identity)
"""Layers that return their input or a view of it (no new buffer)."""
