"""Keras model builders, one per architecture; ``bench.catalog.families`` names them.

Every builder takes the input shape (height, width, channels) and the number of
classes and returns an *uncompiled* ``keras.Model`` that maps float32 images in
[0, 1] to class probabilities: softmax over ``n_classes`` columns, or, for a
two-class task built with a sigmoid head, one column holding P(class 1).
"""

from __future__ import annotations

import keras
from keras import layers, regularizers

from bench.run.antialias import anti_aliased
from bench.run.group_conv import P4Conv, P4Lift, P4Pool


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


def _gender_body() -> list[layers.Layer]:
    """The face CNN's four convolutions and three max-pools (50x50x1 -> 2x2x512)."""
    return [
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(5, 5)),
        layers.Conv2D(128, (3, 3), padding="same", activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(256, (3, 3), padding="same", activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(512, (3, 3), padding="same", activation="relu"),
    ]


def gender_cnn(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """The cookbook's face-gender CNN (50x50x1 input, four conv layers, sigmoid head).

    On 50x50x1 input and 2 classes it has 1,754,825 parameters.
    """
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            *_gender_body(),
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


def _cifar10_body() -> list[layers.Layer]:
    """Three blocks of twice [Conv 3x3 same, L2 1e-4, ReLU, BatchNorm], each closed by
    MaxPool 2 and Dropout 0.2 / 0.3 / 0.4 (32x32x3 -> 4x4x128)."""
    stack: list[layers.Layer] = []
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
    return stack


def cifar10_cnn(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """The cookbook's CIFAR-10 CNN: the three conv blocks, Flatten, Dense softmax.

    On 32x32x3 input and 10 classes it has 309,290 parameters (896 of them BatchNorm
    moving statistics, not trained).
    """
    return keras.Sequential(
        [keras.Input(shape=input_shape), *_cifar10_body(), layers.Flatten(), _head(n_classes)],
        name="cifar10_cnn",
    )


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


def _gap_head(n_classes: int) -> list[layers.Layer]:
    """Fully convolutional head: a 1x1 convolution to one map per class (one map for a
    two-class sigmoid), global average pooling over the map, softmax or sigmoid."""
    units = 1 if n_classes == 2 else n_classes
    return [
        layers.Conv2D(units, (1, 1)),
        layers.GlobalAveragePooling2D(),
        layers.Activation("sigmoid" if n_classes == 2 else "softmax"),
    ]


def mnist_cnn_gap(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """The MNIST CNN's Conv 10 + MaxPool 2, then five 3x3 valid ReLU convolutions
    (32, 64, 128, 256, 576 filters: 13x13 -> 3x3) and the global-average-pooling head.

    On 28x28x1 input and 10 classes: 1,723,982 parameters (the CNN: 1,701,110, +1.3%).
    """
    convs = [layers.Conv2D(f, (3, 3), activation="relu") for f in (32, 64, 128, 256, 576)]
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(10, (3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            *convs,
            *_gap_head(n_classes),
        ],
        name="mnist_cnn_gap",
    )


def gender_cnn_gap(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """The face CNN's four convolutions and pools, a 1x1 ReLU convolution of 400 filters
    in place of Dense 100 (2x2x512 -> 2x2x400), then the global-average-pooling head.

    On 50x50x1 input and 2 classes: 1,755,425 parameters (the CNN: 1,754,825, +0.03%).
    """
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            *_gender_body(),
            layers.Conv2D(400, (1, 1), activation="relu"),
            *_gap_head(n_classes),
        ],
        name="gender_cnn_gap",
    )


def cifar10_cnn_gap(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """The CIFAR-10 CNN's three conv blocks, a 1x1 ReLU convolution of 128 filters
    (4x4x128 -> 4x4x128), then the global-average-pooling head.

    On 32x32x3 input and 10 classes: 306,602 parameters (the CNN: 309,290, -0.9%).
    """
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            *_cifar10_body(),
            layers.Conv2D(128, (1, 1), activation="relu"),
            *_gap_head(n_classes),
        ],
        name="cifar10_cnn_gap",
    )


def mnist_cnn_aa(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """The MNIST CNN anti-aliased (``bench.run.antialias``): MaxPool 2 stride 1, blur 4x4
    stride 2. Trainable parameters as the CNN (1,701,110), plus 160 fixed blur weights."""
    return anti_aliased(mnist_cnn(input_shape, n_classes), "mnist_cnn_aa")


def gender_cnn_aa(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """The face CNN anti-aliased: its stride-5 pool gets a 7x7 blur, the stride-2 pools
    4x4 blurs. Trainable parameters as the CNN (1,754,825), plus 9,280 fixed blur weights."""
    return anti_aliased(gender_cnn(input_shape, n_classes), "gender_cnn_aa")


def cifar10_cnn_aa(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """The CIFAR-10 CNN anti-aliased: each MaxPool 2 becomes MaxPool 2 stride 1 + 4x4 blur
    stride 2. Parameters as the CNN (309,290), plus 3,584 fixed blur weights."""
    return anti_aliased(cifar10_cnn(input_shape, n_classes), "cifar10_cnn_aa")


#: Units of the p4 CNN's invariant Dense layer: the width that brings the network to the
#: MNIST CNN's parameter count (1,701,110) within 10 parameters.
P4_HIDDEN = 21_373


def mnist_p4_cnn(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """A p4 rotation-equivariant CNN (Cohen & Welling 2016; ``bench.run.group_conv``): a
    lifting convolution of 10 filters (3x3 valid, each in 4 rotations) and MaxPool 2 as the
    MNIST CNN's first block, three p4 group convolutions (16, 32, 64 filters, 3x3 valid:
    13x13 -> 7x7), the maximum over the 4 rotations, global average pooling (64 features a
    quarter turn leaves unchanged), Dense 21,373 ReLU and the head. On 28x28x1 input and 10
    classes: 1,701,117 parameters (the CNN: 1,701,110); the p4 body holds 98,132 of them and
    costs about 23 M multiply-adds an image (the CNN 1.75 M), the rest sits in the Dense
    layers."""
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            P4Lift(10, 3, activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            P4Conv(16, 3, activation="relu"),
            P4Conv(32, 3, activation="relu"),
            P4Conv(64, 3, activation="relu"),
            P4Pool(),
            layers.GlobalAveragePooling2D(),
            layers.Dense(P4_HIDDEN, activation="relu"),
            _head(n_classes),
        ],
        name="mnist_p4_cnn",
    )


def _sequential(name: str, input_shape: tuple[int, int, int], *stack: layers.Layer
                ) -> keras.Model:
    return keras.Sequential([keras.Input(shape=input_shape), *stack], name=name)


def advertorch_lenet5(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """AdverTorch's "LeNet5" (advertorch.test_utils): Conv 32 3x3 same ReLU, MaxPool 2,
    Conv 64 3x3 same ReLU, MaxPool 2, Dense 200 ReLU, head. On 28x28x1 input and 10 classes:
    648,226 parameters (the source states none; this is its layer list's count)."""
    return _sequential("advertorch_lenet5", input_shape,
                       layers.Conv2D(32, 3, padding="same", activation="relu"),
                       layers.MaxPooling2D(2),
                       layers.Conv2D(64, 3, padding="same", activation="relu"),
                       layers.MaxPooling2D(2), layers.Flatten(),
                       layers.Dense(200, activation="relu"), _head(n_classes))


def madry_cnn(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """The MNIST model of MadryLab/mnist_challenge (model.py): Conv 32 5x5 same ReLU,
    MaxPool 2, Conv 64 5x5 same ReLU, MaxPool 2, Dense 1024 ReLU, head. On 28x28x1 input
    and 10 classes: 3,274,634 parameters."""
    return _sequential("madry_cnn", input_shape,
                       layers.Conv2D(32, 5, padding="same", activation="relu"),
                       layers.MaxPooling2D(2, padding="same"),
                       layers.Conv2D(64, 5, padding="same", activation="relu"),
                       layers.MaxPooling2D(2, padding="same"), layers.Flatten(),
                       layers.Dense(1024, activation="relu"), _head(n_classes))


def stn_fcn(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """The Spatial Transformer paper's FCN baseline as far as it is described (three weight
    layers, about the CNN's parameters): Dense 32 ReLU, Dense 32 ReLU, head. On 42x42x1
    input and 10 classes: 57,866 parameters (stn_cnn: 58,474)."""
    return _sequential("stn_fcn", input_shape, layers.Flatten(),
                       layers.Dense(32, activation="relu"),
                       layers.Dense(32, activation="relu"), _head(n_classes))


def stn_cnn(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """The Spatial Transformer paper's CNN baseline as far as it is described (three weight
    layers, two max-pooling layers): Conv 32 5x5 same ReLU, MaxPool 2, Conv 32 5x5 same
    ReLU, MaxPool 2, head. On 42x42x1 input and 10 classes: 58,474 parameters."""
    return _sequential("stn_cnn", input_shape,
                       layers.Conv2D(32, 5, padding="same", activation="relu"),
                       layers.MaxPooling2D(2),
                       layers.Conv2D(32, 5, padding="same", activation="relu"),
                       layers.MaxPooling2D(2), layers.Flatten(), _head(n_classes))
