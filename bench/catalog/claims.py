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
    minus that of the same family trained with ``baseline``, paired by seed),
    ``mean_one_probability`` (probability of ``target_class`` for the mean "1" of the
    ``mean_of`` split moved by ``operation``) or ``mean_one_predicts`` (whether a run's
    most probable class for that image is ``target_class``: categorical, judged by how many
    runs do); operation: ``shift_left_1px`` (bench's whole-image shift, probe
    ``mean_one_shift_x``) or a name of ``bench.run.book_shifts.OPERATIONS`` (the book's own
    column loops, probe ``mean_one_book``); family / augmentation: the model; low / high:
    the book's range in the statistic's units.
    """

    label: str
    statistic: str
    family: str
    augmentation: str
    low: float
    high: float
    setting: BookSetting
    baseline: str | None = None
    operation: str | None = None
    mean_of: str = "test"
    target_class: int = 1


@dataclass(frozen=True)
class ClaimSpec:
    """One claim: its task, how the book states it, where, and the figures it rests on.

    variants: the same claim in another setting (a companion notebook's, or bench's own
    measurement of the same idea), each a ClaimSpec of its own whose statement names it;
    shown under the claim, never its verdict."""

    name: str
    task: str
    statement: str
    source: str
    figures: tuple[Figure, ...]
    variants: tuple[ClaimSpec, ...] = ()


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

_BOOK_MEAN_ONE = "ch. 4, Inaccuracy of traditional neural networks when images are translated"
_NOTEBOOK_RATE = "the notebook's rate: Adam lr 0.001 (its `optimizer='adam'`)"
_COOKBOOK = ("the notebook's generator (rotation 15 deg, shifts 10%, horizontal flips: our "
             "policy `cookbook`), Adam lr 0.001; ReLU throughout (the notebook's augmented "
             "model uses ELU: not run)")


def _at_notebook_rate(setting: BookSetting, augmentation: str, words: str) -> BookSetting:
    """``setting`` as the CIFAR-10 notebook runs it: Adam lr 0.001 and ``augmentation``."""
    return BookSetting(data=setting.data, n_train=setting.n_train, epochs=setting.epochs,
                       augmentation=augmentation, learning_rate=0.001, origin="notebook",
                       words=_CIFAR.format(rate="0.001") + "; " + words)


def _variant(claim: str, statement: str, source: str, *figures: Figure) -> ClaimSpec:
    return ClaimSpec(claim, figures[0].setting.data, statement, source, figures)


_CIFAR_PLAIN = BookSetting(
    data="cifar10", n_train=50_000, epochs=10, augmentation="none", learning_rate=0.01,
    words=_CIFAR.format(rate="0.01") + ", no augmentation")
_PLAIN_SLOW = _at_notebook_rate(_CIFAR_PLAIN, "none", "no augmentation")
_ROTATE_SLOW = _at_notebook_rate(_CIFAR_ROTATE, "rotate",
                                 "the book's generator (our policy `rotate`)")
_COOKBOOK_SLOW = _at_notebook_rate(_CIFAR_ROTATE, "cookbook", _COOKBOOK)
_CIFAR_NOTEBOOK = f"{NOTEBOOKS}Data_augmentation_to_improve_network_accuracy.ipynb"
#: The MNIST MLP's mean "1" comes from the training images, the CNN's from the test images.
_MLP_MEAN = dict(family="mlp", augmentation="none", setting=_MNIST_MLP, mean_of="train")
_CNN_MEAN = dict(family="cnn", augmentation="none", setting=_MNIST_CNN, mean_of="test")

CLAIMS: Registry[ClaimSpec] = Registry("claim", [
    ClaimSpec(
        "mnist-accuracy", "mnist", "MNIST: the CNN's test accuracy is about 98%",
        "ch. 4, CNNs to improve accuracy in the case of image translation (book text)",
        (Figure("CNN", "clean_accuracy", "cnn", "none", 0.97, 0.99, _MNIST_CNN),)),
    ClaimSpec(
        "mean-one", "mnist",
        'the mean "1" moved 1 px left: P(class 1) 0.6335 from the MLP, 0.9541 from the CNN',
        f"{_BOOK_MEAN_ONE}, and CNNs to improve accuracy in the case of image translation "
        "(book text; its loop moves columns 1-20 one pixel left, the MLP's mean from the "
        "training images, the CNN's from the test images)",
        (Figure("MLP", "mean_one_probability", low=0.63345, high=0.63355,
                operation="book_left_1px", **_MLP_MEAN),
         Figure("CNN", "mean_one_probability", low=0.95405, high=0.95415,
                operation="book_left_1px", **_CNN_MEAN)),
        variants=(_variant(
            "mean-one", 'bench\'s whole-image shift: the test set\'s mean "1" 1 px left, zero '
            "fill", "bench's `mean_one_shift_x` probe",
            Figure("MLP", "mean_one_probability", "mlp", "none", 0.63345, 0.63355, _MNIST_MLP,
                   operation="shift_left_1px"),
            Figure("CNN", "mean_one_probability", "cnn", "none", 0.95405, 0.95415, _MNIST_CNN,
                   operation="shift_left_1px")),)),
    ClaimSpec(
        "mean-one-right", "mnist",
        'the MLP predicts the mean "1" moved right as a 3',
        f"{_BOOK_MEAN_ONE} (book text: \"2 pixels\"; its loop moves columns 6-24 one pixel "
        "right; the mean of the training images)",
        (Figure("MLP, the book's loop (1 px)", "mean_one_predicts", low=1.0, high=1.0,
                operation="book_right_1px", target_class=3, **_MLP_MEAN),
         Figure("MLP, 2 px (the text)", "mean_one_predicts", low=1.0, high=1.0,
                operation="shift_right_2px", target_class=3, **_MLP_MEAN))),
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
        (Figure("CNN", "clean_accuracy", "cnn", "none", 0.65, 0.67, _CIFAR_PLAIN),),
        variants=(_variant("cifar10-plain", _NOTEBOOK_RATE, _CIFAR_NOTEBOOK,
                           Figure("CNN", "clean_accuracy", "cnn", "none", 0.65, 0.67,
                                  _PLAIN_SLOW)),)),
    ClaimSpec(
        "cifar10-augmented", "cifar10", "CIFAR-10: with random rotations of up to 20 degrees "
        "the CNN's test accuracy is about 80%",
        "ch. 4, Data augmentation to improve network accuracy (book text)",
        (Figure("CNN", "clean_accuracy", "cnn", "rotate", 0.79, 0.81, _CIFAR_ROTATE),),
        variants=(
            _variant("cifar10-augmented", _NOTEBOOK_RATE, _CIFAR_NOTEBOOK,
                     Figure("CNN", "clean_accuracy", "cnn", "rotate", 0.79, 0.81,
                            _ROTATE_SLOW)),
            _variant("cifar10-augmented", _COOKBOOK, _CIFAR_NOTEBOOK,
                     Figure("CNN", "clean_accuracy", "cnn", "cookbook", 0.79, 0.81,
                            _COOKBOOK_SLOW)))),
    ClaimSpec(
        "cifar10-lift", "cifar10", "CIFAR-10: rotation augmentation lifts the CNN from about "
        "66% to about 80% (+14 pp)",
        "ch. 4, Data augmentation to improve network accuracy (book text)",
        (Figure("CNN + rotate minus CNN", "clean_gain", "cnn", "rotate", 0.13, 0.15,
                _CIFAR_ROTATE, baseline="none"),),
        variants=(
            _variant("cifar10-lift", _NOTEBOOK_RATE, _CIFAR_NOTEBOOK,
                     Figure("CNN + rotate minus CNN", "clean_gain", "cnn", "rotate", 0.13,
                            0.15, _ROTATE_SLOW, baseline="none")),
            _variant("cifar10-lift", _COOKBOOK, _CIFAR_NOTEBOOK,
                     Figure("CNN + cookbook minus CNN", "clean_gain", "cnn", "cookbook", 0.13,
                            0.15, _COOKBOOK_SLOW, baseline="none")))),
])
