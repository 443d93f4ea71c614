"""The cookbook's claims the bench tests: the only numbers in a report not measured here.

Source: V. Kishore Ayyadevara, *Neural Networks with Keras Cookbook* (Packt, 2019),
chapter 4, "Building a Deep Convolutional Neural Network". Each claim is tested in the
setting the chapter's text states (``BookSetting.origin == "book text"``); where its
published notebooks (github.com/PacktPublishing/Neural-Networks-with-Keras-Cookbook,
``Chapter04/``) differ (epochs, learning rate, the augmentation generator), theirs is a
labelled variant, never the claim's setting. Each figure stands for a range: the printed
value +- half a unit of its last digit, widened to +-1 pp where the book says "about"
(docs/metrics.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.catalog.registry import Registry

NOTEBOOKS = "PacktPublishing/Neural-Networks-with-Keras-Cookbook, Chapter04/"


@dataclass(frozen=True)
class BookSetting:
    """How the book trained the model a figure comes from.

    data: the catalog data set that holds the book's images; source: a text the run's
    stored data source must contain to be the book's file (None: any source of ``data``);
    n_train: training images; epochs; runs: training runs behind the figure; augmentation:
    the bench policy that reproduces the book's (None: none does); words: the setting as
    the table prints it; learning_rate: the book's Adam rate, where a run at another rate
    is not the book's setting (None: not checked); origin: where the setting is stated
    (``book text``, or ``notebook`` for a labelled variant).
    """

    data: str
    n_train: int
    epochs: int
    augmentation: str | None
    words: str
    source: str | None = None
    runs: int = 1
    learning_rate: float | None = None
    origin: str = "book text"


@dataclass(frozen=True)
class Figure:
    """One number of a claim: the statistic of one model, and the book's range for it.

    statistic: ``clean_accuracy`` (fraction), ``clean_gain`` (clean accuracy of the model
    minus that of the same family trained with ``baseline``, paired by seed) or
    ``mean_one_left_1px`` (probability of class 1 for the mean "1" shifted 1 px left);
    family / augmentation: the model; low / high: the book's range in the statistic's units.
    """

    label: str
    statistic: str
    family: str
    augmentation: str
    low: float
    high: float
    setting: BookSetting
    baseline: str | None = None


@dataclass(frozen=True)
class ClaimSpec:
    """One claim: its task, how the book states it, where, and the figures it rests on."""

    name: str
    task: str
    statement: str
    source: str
    figures: tuple[Figure, ...]


_MNIST_CNN = BookSetting(
    data="mnist", n_train=60_000, epochs=5, augmentation="none",
    words="MNIST, 60,000 training images, 5 epochs (batch 1,024), 1 run (the book's text: "
          "\"98% within 5 epochs\"; its notebook trains 20)")
_MNIST_MLP = BookSetting(
    data="mnist", n_train=60_000, epochs=5, augmentation="none",
    words="MNIST, 60,000 training images, 5 epochs (batch 1,024), 1 run")
_CIFAR = "CIFAR-10, 50,000 training images, 10 epochs (batch 32, Adam lr {rate}), 1 run"
#: The book text's CIFAR-10 augmentation: ImageDataGenerator(rotation_range=20, no shifts,
#: fill_mode='nearest'), the model compiled with Adam(lr=0.01): our policy ``rotate``.
_CIFAR_ROTATE = BookSetting(
    data="cifar10", n_train=50_000, epochs=10, augmentation="rotate", learning_rate=0.01,
    words=_CIFAR.format(rate="0.01") + "; ImageDataGenerator(rotation_range=20, no shifts, "
          "nearest fill): our policy `rotate` (the notebook's generator, its rate 0.001 "
          "and ELU are a variant)")

CLAIMS: Registry[ClaimSpec] = Registry("claim", [
    ClaimSpec(
        "mnist-accuracy", "mnist", "MNIST: the CNN's test accuracy is about 98%",
        "ch. 4, CNNs to improve accuracy in the case of image translation (book text)",
        (Figure("CNN", "clean_accuracy", "cnn", "none", 0.97, 0.99, _MNIST_CNN),)),
    ClaimSpec(
        "mean-one", "mnist",
        'the mean "1" shifted 1 px left: P(class 1) 0.6335 from the MLP, 0.9541 from the CNN',
        "ch. 4, Inaccuracy of traditional neural networks when images are translated, and "
        "CNNs to improve accuracy in the case of image translation (book text)",
        (Figure("MLP", "mean_one_left_1px", "mlp", "none", 0.63345, 0.63355, _MNIST_MLP),
         Figure("CNN", "mean_one_left_1px", "cnn", "none", 0.95405, 0.95415, _MNIST_CNN))),
    ClaimSpec(
        "gender-accuracy", "gender", "face gender: the CNN's test accuracy is about 80%",
        f"ch. 4, Gender classification using CNNs ({NOTEBOOKS}Gender_classification.ipynb)",
        (Figure("CNN", "clean_accuracy", "cnn", "none", 0.79, 0.81, BookSetting(
            data="gender", source="a943287", n_train=1_575, epochs=50, augmentation="none",
            words="Figure Eight face CSV (a943287.csv): the first 1,000 rows per class, "
                  "300x300 photos kept (1,751), 90/10 split: 1,575 training images, "
                  "50 epochs (batch 32), 1 run")),)),
    ClaimSpec(
        "cifar10-plain", "cifar10", "CIFAR-10: the CNN's test accuracy is about 66% without "
        "augmentation",
        "ch. 4, Data augmentation to improve network accuracy (book text)",
        (Figure("CNN", "clean_accuracy", "cnn", "none", 0.65, 0.67, BookSetting(
            data="cifar10", n_train=50_000, epochs=10, augmentation="none", learning_rate=0.01,
            words=_CIFAR.format(rate="0.01") + ", no augmentation")),)),
    ClaimSpec(
        "cifar10-augmented", "cifar10", "CIFAR-10: with random rotations of up to 20 degrees "
        "the CNN's test accuracy is about 80%",
        "ch. 4, Data augmentation to improve network accuracy (book text)",
        (Figure("CNN", "clean_accuracy", "cnn", "rotate", 0.79, 0.81, _CIFAR_ROTATE),)),
    ClaimSpec(
        "cifar10-lift", "cifar10", "CIFAR-10: rotation augmentation lifts the CNN from about "
        "66% to about 80% (+14 pp)",
        "ch. 4, Data augmentation to improve network accuracy (book text)",
        (Figure("CNN + rotate minus CNN", "clean_gain", "cnn", "rotate", 0.13, 0.15,
                _CIFAR_ROTATE, baseline="none"),)),
])
