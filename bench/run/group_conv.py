"""p4 group convolutions (Cohen & Welling 2016, "Group Equivariant Convolutional
Networks", arXiv 1602.07576) as Keras 3 layers: the group of the 4 rotations by 90 degrees.

A p4 feature map is stored as a plain (N, H, W, 4 * F) tensor, rotation-major: channel
``r * F + f`` is feature f at rotation r (r = 0..3, quarter turns counter-clockwise).

- :class:`P4Lift` (image -> p4): each of its F filters is used in its 4 rotated copies.
- :class:`P4Conv` (p4 -> p4): each filter (k, k, 4, C_in) is used at rotation r rotated by
  r quarter turns in space and with its rotation axis shifted cyclically by r.
- :class:`P4Pool` (p4 -> plain): the maximum over the 4 rotations of each feature.

Rotating the input by a quarter turn rotates every p4 map in space and shifts it by one
along its rotation axis; after :class:`P4Pool` the maps only rotate in space, so a global
spatial pooling after it gives features that a quarter turn leaves unchanged
(``tests/test_group_conv.py``). That holds with stride 1 and symmetric padding (``valid``,
or ``same`` with an odd kernel) and with 2 x 2 pooling of even-sized maps only.

Every filter and bias is shared by its 4 rotated copies, so a layer has the parameters of a
plain convolution with F filters (P4Lift: k*k*C*F + F; P4Conv: k*k*4*C_in*F + F) and the
compute of one with 4F filters (P4Conv: also 4 C_in input channels).
"""

from __future__ import annotations

import keras
from keras import ops

ROTATIONS = 4


def _rotated(kernel, turns: int):
    """A (k, k, ...) kernel turned by ``turns`` quarter turns counter-clockwise in space."""
    return ops.rot90(kernel, k=turns, axes=(0, 1)) if turns else kernel


class _P4Layer(keras.layers.Layer):
    """What both p4 convolutions share: the filters, kernel size, padding, activation."""

    def __init__(self, filters: int, kernel_size: int = 3, padding: str = "valid",
                 activation: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if padding == "same" and kernel_size % 2 == 0:
            raise ValueError("p4 convolutions with 'same' padding need an odd kernel size, "
                             f"got {kernel_size}")
        self.filters, self.kernel_size, self.padding = filters, kernel_size, padding
        self.activation = keras.activations.get(activation)

    def _weights(self, in_channels: int) -> None:
        self.kernel = self.add_weight(
            shape=(self.kernel_size, self.kernel_size, in_channels, self.filters),
            initializer="glorot_uniform", name="kernel")
        self.bias = self.add_weight(shape=(self.filters,), initializer="zeros", name="bias")

    def _convolve(self, inputs, bank):
        """``inputs`` through the filter bank (k, k, C, 4F), the bias shared by rotation."""
        out = ops.conv(inputs, bank, strides=1, padding=self.padding)
        out = out + ops.tile(self.bias, (ROTATIONS,))
        return self.activation(out) if self.activation is not None else out

    def compute_output_shape(self, input_shape):
        height, width = input_shape[1:3]
        if self.padding == "valid":
            trim = self.kernel_size - 1
            height = None if height is None else height - trim
            width = None if width is None else width - trim
        return (input_shape[0], height, width, ROTATIONS * self.filters)

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "padding": self.padding,
                "activation": keras.activations.serialize(self.activation)
                if self.activation is not None else None}


@keras.saving.register_keras_serializable(package="bench")
class P4Lift(_P4Layer):
    """Image (N, H, W, C) -> p4 map (N, H', W', 4F): F filters, each in 4 rotated copies."""

    def build(self, input_shape) -> None:
        self._weights(int(input_shape[-1]))

    def call(self, inputs):
        bank = ops.concatenate([_rotated(self.kernel, r) for r in range(ROTATIONS)], axis=-1)
        return self._convolve(inputs, bank)


@keras.saving.register_keras_serializable(package="bench")
class P4Conv(_P4Layer):
    """p4 map (N, H, W, 4 C_in) -> p4 map (N, H', W', 4F): the p4 group convolution."""

    def build(self, input_shape) -> None:
        channels = int(input_shape[-1])
        if channels % ROTATIONS:
            raise ValueError(f"P4Conv expects 4 x C input channels (a p4 map), got {channels}")
        self.in_features = channels // ROTATIONS
        self._weights(channels)  # (k, k, 4 * C_in, F): rotation-major input channels

    def call(self, inputs):
        k, c = self.kernel_size, self.in_features
        kernel = ops.reshape(self.kernel, (k, k, ROTATIONS, c, self.filters))
        copies = []
        for r in range(ROTATIONS):
            shifted = ops.roll(kernel, shift=r, axis=2)  # input rotation s meets (s - r)
            copies.append(ops.reshape(_rotated(shifted, r), (k, k, ROTATIONS * c,
                                                             self.filters)))
        return self._convolve(inputs, ops.concatenate(copies, axis=-1))


@keras.saving.register_keras_serializable(package="bench")
class P4Pool(keras.layers.Layer):
    """p4 map (N, H, W, 4F) -> (N, H, W, F): the maximum over the 4 rotations."""

    def call(self, inputs):
        shape = ops.shape(inputs)
        features = inputs.shape[-1] // ROTATIONS
        grouped = ops.reshape(inputs, (shape[0], shape[1], shape[2], ROTATIONS, features))
        return ops.max(grouped, axis=3)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:3], input_shape[-1] // ROTATIONS)
