"""The cookbook's claims the bench tests: the only numbers in a report not measured here.

Source: V. Kishore Ayyadevara, *Neural Networks with Keras Cookbook* (Packt, 2019),
chapter 4, "Building a Deep Convolutional Neural Network"; its settings are read from the
chapter's published notebooks (github.com/PacktPublishing/Neural-Networks-with-Keras-
Cookbook, ``Chapter04/``). Each figure stands for a range: the printed value +- half a unit
of its last digit, widened to +-1 pp where the book says "about" (docs/metrics.md).
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
    is not the book's setting (None: not checked).
    """

    data: str
    n_train: int
    epochs: int
    augmentation: str | None
    words: str
    source: str | None = None
    runs: int = 1
    learning_rate: float | None = None


@dataclass(frozen=True)
class Figure:
    """One number of a claim: the statistic of one model, and the book's range for it.

    statistic: ``clean_accuracy`` (fraction) or ``mean_one_left_1px`` (probability of class
    1 for the mean "1" shifted 1 px left); family / augmentation: the model; low / high:
    the book's range in the statistic's units.
    """

    label: str
    statistic: str
    family: str
    augmentation: str
    low: float
    high: float
    setting: BookSetting


@dataclass(frozen=True)
class ClaimSpec:
    """One claim: its task, how the book states it, where, and the figures it rests on."""

    name: str
    task: str
    statement: str
    source: str
    figures: tuple[Figure, ...]


_MNIST_CNN = BookSetting(
    data="mnist", n_train=60_000, epochs=20, augmentation="none",
    words="MNIST, 60,000 training images, 20 epochs (batch 1,024), 1 run")
_MNIST_MLP = BookSetting(
    data="mnist", n_train=60_000, epochs=5, augmentation="none",
    words="MNIST, 60,000 training images, 5 epochs (batch 1,024), 1 run")
_CIFAR = "CIFAR-10, 50,000 training images, 10 epochs (batch 32, Adam lr {rate}), 1 run"

CLAIMS: Registry[ClaimSpec] = Registry("claim", [
    ClaimSpec(
        "mnist-accuracy", "mnist", "MNIST: the CNN's test accuracy is about 98%",
        "ch. 4, CNNs to improve accuracy in the case of image translation "
        f"({NOTEBOOKS}CNN_image_translation.ipynb)",
        (Figure("CNN", "clean_accuracy", "cnn", "none", 0.97, 0.99, _MNIST_CNN),)),
    ClaimSpec(
        "mean-one", "mnist",
        'the mean "1" shifted 1 px left: P(class 1) 0.63 from the MLP, 0.95 from the CNN',
        "ch. 4, Inaccuracy of traditional neural networks when images are translated, and "
        f"CNNs to improve accuracy in the case of image translation ({NOTEBOOKS}"
        "Issue_with_image_translation.ipynb, CNN_image_translation.ipynb)",
        (Figure("MLP", "mean_one_left_1px", "mlp", "none", 0.625, 0.635, _MNIST_MLP),
         Figure("CNN", "mean_one_left_1px", "cnn", "none", 0.945, 0.955, _MNIST_CNN))),
    ClaimSpec(
        "gender-accuracy", "gender", "face gender: the CNN's test accuracy is about 80%",
        f"ch. 4, Gender classification using CNNs ({NOTEBOOKS}Gender_classification.ipynb)",
        (Figure("CNN", "clean_accuracy", "cnn", "none", 0.79, 0.81, BookSetting(
            data="gender", source="a943287", n_train=1_575, epochs=50, augmentation="none",
            words="Figure Eight face CSV (a943287.csv): the first 1,000 rows per class, "
                  "300x300 photos kept (1,751), 90/10 split: 1,575 training images, "
                  "50 epochs (batch 32), 1 run")),)),
    ClaimSpec(
        "cifar10-plain", "cifar10", "CIFAR-10: the CNN's test accuracy is 66% without "
        "augmentation",
        f"ch. 4, Data augmentation to improve network accuracy ({NOTEBOOKS}"
        "Data_augmentation_to_improve_network_accuracy.ipynb)",
        (Figure("CNN", "clean_accuracy", "cnn", "none", 0.655, 0.665, BookSetting(
            data="cifar10", n_train=50_000, epochs=10, augmentation="none", learning_rate=0.01,
            words=_CIFAR.format(rate="0.01") + ", no augmentation")),)),
    ClaimSpec(
        "cifar10-augmented", "cifar10", "CIFAR-10: with data augmentation (random rotations, "
        "shifts and flips) the CNN's test accuracy is 80%",
        f"ch. 4, Data augmentation to improve network accuracy ({NOTEBOOKS}"
        "Data_augmentation_to_improve_network_accuracy.ipynb)",
        # The notebook builds Adam(lr=0.01) for this model too, but compiles it with
        # optimizer='adam', Keras' default Adam: learning rate 0.001.
        (Figure("CNN", "clean_accuracy", "cnn", "cookbook", 0.795, 0.805, BookSetting(
            data="cifar10", n_train=50_000, epochs=10, augmentation="cookbook",
            learning_rate=0.001,
            words=_CIFAR.format(rate="0.001: the notebook compiles this model with "
                                     "optimizer='adam', Keras' default, not its Adam(lr=0.01)")
            + "; its ImageDataGenerator rotates (<= 15 deg), shifts (<= 10%) and flips "
              "horizontally (our policy `cookbook`)")),)),
])
