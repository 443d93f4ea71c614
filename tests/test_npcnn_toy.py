"""The cookbook's toy CNN, recomputed step by step in NumPy from Keras' trained weights.

Two 4x4 images (one positive, one negative), one 3x3 filter with ReLU, a 2x2
max-pool, flatten and one sigmoid unit. After a brief Keras training, the loops
below, written out as in the book, reproduce Keras' prediction for the first image;
``from_keras`` gives the same number.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from bench.npcnn import from_keras

ATOL = 1e-6  # one sigmoid of a handful of float32 products: rounding is ~1e-7


def _toy_data() -> tuple[np.ndarray, np.ndarray]:
    """The book's two images, scaled by 1/8, as (2, 4, 4, 1) float32, and labels (0, 1)."""
    images = np.array(
        [
            [[1, 2, 3, 4], [2, 3, 4, 5], [5, 6, 7, 8], [1, 3, 4, 5]],
            [[-1, 2, 3, -4], [2, -3, 4, 5], [-5, 6, -7, 8], [-1, -3, -4, -5]],
        ],
        dtype=np.float32,
    )
    return (images / 8).reshape(2, 4, 4, 1), np.array([0, 1], dtype=np.float32)


def _trained_toy_model(x: np.ndarray, y: np.ndarray) -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape=(4, 4, 1)),
            layers.Conv2D(1, (3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy",
                  run_eagerly=True)  # fmt: skip
    model.fit(x, y, epochs=5, verbose=0)
    return model


def test_numpy_steps_reproduce_the_keras_prediction_for_image_one() -> None:
    x, y = _toy_data()
    model = _trained_toy_model(x, y)
    conv_kernel, conv_bias = model.layers[0].get_weights()  # (3, 3, 1, 1), (1,)
    dense_kernel, dense_bias = model.layers[3].get_weights()  # (1, 1), (1,)
    image = x[0, :, :, 0]

    # Convolution: slide the 3x3 filter over the 4x4 image -> 2x2 map, plus bias.
    conv = np.zeros((2, 2), dtype=np.float32)
    for row in range(2):
        for col in range(2):
            window = image[row : row + 3, col : col + 3]
            conv[row, col] = np.sum(window * conv_kernel[:, :, 0, 0]) + conv_bias[0]
    relu = np.maximum(conv, 0)
    pooled = relu.max()  # the 2x2 max-pool of a 2x2 map is its maximum
    assert pooled > 0, "the ReLU is active on image 1, so the filter's weights matter"
    flat = np.array([pooled], dtype=np.float32)  # flatten -> one value
    logit = flat @ dense_kernel[:, 0] + dense_bias[0]
    probability = 1 / (1 + np.exp(-logit))

    keras_probability = float(model.predict(x, verbose=0)[0, 0])
    assert abs(probability - keras_probability) <= ATOL
    assert abs(from_keras(model).predict(x)[0, 0] - keras_probability) <= ATOL
    # The brief training did move the prediction towards the first image's label (0).
    assert keras_probability < 0.5
