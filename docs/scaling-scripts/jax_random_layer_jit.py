"""Time Keras' fit on JAX with and without a RandomRotation layer, and with the layer's
``supports_jit`` flag as Keras sets it or lifted (``bench.run.portable.allow_jit_on_jax``).

Needs jax and keras (no TensorFlow): ``KERAS_BACKEND=jax python
docs/scaling-scripts/jax_random_layer_jit.py``. Prints the seconds of the second epoch of
100 steps (batch 32, 32x32x3 random images, a small CNN), so compilation is not counted.
"""

import os
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

keras.utils.set_random_seed(0)
x = np.random.default_rng(0).random((3200, 32, 32, 3), dtype=np.float32)
y = np.random.default_rng(1).integers(0, 10, 3200)


def network() -> keras.Model:
    return keras.Sequential([
        keras.Input((32, 32, 3)), keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(), keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax")])


for name, rotation, lifted in (("no augmentation", False, False),
                               ("RandomRotation, flag as Keras sets it", True, False),
                               ("RandomRotation, flag lifted", True, True)):
    augment = [keras.layers.RandomRotation(20 / 360, fill_mode="constant", seed=1)] * rotation
    for layer in augment:
        layer.supports_jit = layer.supports_jit or lifted
    model = keras.Sequential([keras.Input((32, 32, 3)), *augment, network()])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    started = time.perf_counter()
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    print(f"{name}: compiled {model.jit_compile}, {time.perf_counter() - started:.2f} s "
          "per 100 steps")
