"""Keras model builders, one per architecture; ``bench.catalog.families`` names them.

Every builder takes the input shape (height, width, channels) and the number of
classes and returns an *uncompiled* ``keras.Model`` that maps float32 images in
[0, 1] to class probabilities: softmax over ``n_classes`` columns, or, for a
two-class task built with a sigmoid head, one column holding P(class 1).
"""

from __future__ import annotations

import keras
from keras import layers, regularizers


def _head(n_classes: int) -> layers.Layer:
    """Softmax over the classes, or a single sigmoid unit for two classes."""
    if n_classes == 2:
        return layers.Dense(1, activation="sigmoid")
    return layers.Dense(n_classes, activation="softmax")


def mnist_mlp(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """The cookbook's MLP: Flatten, Dense 1000 relu, softmax head."""
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Flatten(),
            layers.Dense(1000, activation="relu"),
            _head(n_classes),
        ],
        name="mnist_mlp",
    )


def mnist_cnn(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """The cookbook's CNN: Conv 10x3x3 relu, MaxPool 2, Dense 1000 relu, softmax.

    On 28x28x1 input and 10 classes it has 1,701,110 parameters.
    """
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(10, (3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dense(1000, activation="relu"),
            _head(n_classes),
        ],
        name="mnist_cnn",
    )


def gender_cnn(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """The cookbook's face-gender CNN (50x50x1 input, four conv layers, sigmoid head)."""
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(5, 5)),
            layers.Conv2D(128, (3, 3), padding="same", activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(256, (3, 3), padding="same", activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(512, (3, 3), padding="same", activation="relu"),
            layers.Flatten(),
            layers.Dense(100, activation="relu"),
            _head(n_classes),
        ],
        name="gender_cnn",
    )


def gender_mlp(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """MLP baseline for faces: Flatten, Dense 1000 relu, Dense 100 relu, head."""
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Flatten(),
            layers.Dense(1000, activation="relu"),
            layers.Dense(100, activation="relu"),
            _head(n_classes),
        ],
        name="gender_mlp",
    )


def cifar10_cnn(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """The cookbook's CIFAR-10 CNN.

    Three blocks of twice [Conv 3x3 same, L2 1e-4, ReLU, BatchNorm], each block
    closed by MaxPool 2 and Dropout 0.2 / 0.3 / 0.4; Flatten; Dense softmax.
    """
    stack: list[layers.Layer] = [keras.Input(shape=input_shape)]
    for filters, dropout in ((32, 0.2), (64, 0.3), (128, 0.4)):
        for _ in range(2):
            stack += [
                layers.Conv2D(
                    filters,
                    (3, 3),
                    padding="same",
                    kernel_regularizer=regularizers.l2(1e-4),
                ),
                layers.Activation("relu"),
                layers.BatchNormalization(),
            ]
        stack += [layers.MaxPooling2D(pool_size=(2, 2)), layers.Dropout(dropout)]
    stack += [layers.Flatten(), _head(n_classes)]
    return keras.Sequential(stack, name="cifar10_cnn")


def cifar10_mlp(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """MLP baseline for CIFAR-10: Flatten, Dense 1000 relu, Dense 500 relu, softmax."""
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Flatten(),
            layers.Dense(1000, activation="relu"),
            layers.Dense(500, activation="relu"),
            _head(n_classes),
        ],
        name="cifar10_mlp",
    )
