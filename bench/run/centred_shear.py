"""A horizontal shear about the image centre, as a Keras 3 random layer.

Keras' ``RandomShear`` shears about the top row (input x = output x + s * y), so every
training shear also shifts the image by up to s * (H - 1) / 2 px at its centre row: shear
augmentation turned into shift augmentation too. This layer draws the same slopes but maps
input x = output x + s * (y - (H - 1) / 2): the centre row stays, as in
:func:`bench.geometry.shear` (a slope s here is ``geometry.shear`` by -atan(s) degrees).
"""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="bench")
class CentredShear(keras.layers.RandomShear):
    """``RandomShear`` along x about the image centre; same arguments, same random draws."""

    def _get_shear_matrix(self, shear_factors):
        """(N, 8) affine rows [1, s, -s * cy, 0, 1, 0, 0, 0] of slopes s = factors[:, 0]."""
        ops = self.backend.numpy
        slope = shear_factors[:, 0]
        height = self._input_height
        centre = (ops.cast(height, slope.dtype) - 1.0) / 2.0
        zeros, ones = ops.zeros_like(slope), ops.ones_like(slope)
        return ops.stack([ones, slope, -slope * centre, zeros, ones, zeros, zeros, zeros],
                         axis=1)

    def _transform_images(self, images, transformation, interpolation):
        shape = self.backend.shape(images)
        self._input_height = shape[-3] if self.data_format == "channels_last" else shape[-2]
        return super()._transform_images(images, transformation, interpolation)
