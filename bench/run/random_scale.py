"""A random scale about the image centre, in the test-time unit, as a Keras 3 random layer.

Keras' ``RandomZoom`` draws a zoom z in 1 + factor and reads the input at z times each
output pixel's distance from the centre, so content is scaled by 1 / z: ``height_factor=
(-0.3, 0.3)`` trains on scales 1/1.3 = 0.77x to 1/0.7 = 1.43x, not the 0.7x..1.3x of the
sweep's ``geometry.scale``. This layer makes the same draws and takes each as the scale
factor (> 1 enlarges, as ``geometry.scale``): it zooms by 1 / z, so the trained scales are
uniform over 1 +- factor.
"""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="bench")
class RandomScale(keras.layers.RandomZoom):
    """``RandomZoom`` whose drawn factor scales content (z = 1.3: 1.3x larger); same
    arguments, same random draws."""

    def get_random_transformation(self, data, training=True, seed=None):
        transformation = super().get_random_transformation(data, training, seed)
        if transformation is None:
            return None
        divide = self.backend.numpy.divide
        return {**transformation,
                "height_zoom": divide(1.0, transformation["height_zoom"]),
                "width_zoom": divide(1.0, transformation["width_zoom"])}
