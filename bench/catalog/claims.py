"""The cookbook's claims the bench tests: the only numbers in a report not measured here.

Source: V. Kishore Ayyadevara, *Neural Networks with Keras Cookbook* (Packt, 2019),
chapter 4, "Building a Deep Convolutional Neural Network". Each claim is tested in the
setting the chapter's text states (``BookSetting.origin == "book text"``); where its
published notebooks (github.com/PacktPublishing/Neural-Networks-with-Keras-Cookbook,
``Chapter04/``) differ (epochs, learning rate, the augmentation generator), theirs is a
labelled variant, never the claim's setting.

Each figure's tolerance comes from the way the book prints it, never from a result
(:func:`book_range`; docs/metrics.md, "The cookbook's claims"): a figure printed plainly
stands for every value that rounds to it (+- half a unit of its last printed digit); one
the book calls "about" (约) for every value within one unit of it (rounded either way, or
cut off). A difference of two printed figures spans the difference of their ranges. Each
figure also names its rival: the figure the book sets it against in the same passage (or
chance where it sets it against none).
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.catalog.registry import Registry
from bench.catalog.tasks import TASKS

NOTEBOOKS = "PacktPublishing/Neural-Networks-with-Keras-Cookbook, Chapter04/"

#: The word the book's text puts before a figure it rounds loosely (the translation's 约).
ABOUT = "about "


def book_range(printed: str) -> tuple[float, float]:
    """(low, high) a figure as the book prints it stands for, in the statistic's units
    (a percentage as a fraction): ``"98%"`` -> every value that rounds to it, 0.975 to 0.985;
    ``"about 66%"`` -> within one unit of its last digit, 0.65 to 0.67; ``"0.6335"`` ->
    0.63345 to 0.63355. A ValueError names a text that is not such a figure."""
    about = printed.startswith(ABOUT)
    number = printed.removeprefix(ABOUT).strip()
    scale = 0.01 if number.endswith("%") else 1.0
    digits = number.removesuffix("%")
    try:
        value = float(digits)
    except ValueError:
        raise ValueError(f"a book figure must be a number, a percentage or 'about' one: "
                         f"{printed!r}") from None
    unit = 10.0 ** -len(digits.partition(".")[2])
    width = unit if about else unit / 2.0
    return round((value - width) * scale, 12), round((value + width) * scale, 12)


def book_value(printed: str) -> float:
    """The figure as printed, in the statistic's units (``"about 66%"`` -> 0.66)."""
    low, high = book_range(printed)
    return round((low + high) / 2.0, 12)


def _chance(task: str) -> str:
    """Chance accuracy of ``task`` as a printed figure: the rival of a figure the book sets
    against nothing."""
    return f"{TASKS[task].chance * 100:g}%"


@dataclass(frozen=True)
class BookSetting:
    """How the book trained the model a figure comes from.

    data: the catalog data set that holds the book's images; source: a text the run's
    stored data source must contain to be the book's file (None: any source of ``data``);
    n_train: training images; epochs; runs: training runs behind the figure; augmentation:
    the bench policy that reproduces the book's (None: none does); words: the setting as
    the table prints it; batch_size, optimizer, learning_rate: the book's (a run that
    differs in any is not the book's setting); origin: where the setting is stated
    (``book text``, or ``notebook`` for a labelled variant). What a run cannot match and
    the verdict names as "with differences": backend (the book's code is Keras 2,
    ``from keras.optimizers import Adam``, ``fit_generator``, on its default TensorFlow
    backend) and lossless (the book's images are the original, losslessly stored ones).
    """

    data: str
    n_train: int
    epochs: int
    augmentation: str | None
    words: str
    batch_size: int
    learning_rate: float
    optimizer: str = "Adam"
    source: str | None = None
    runs: int = 1
    origin: str = "book text"
    keras: str = "2"
    backend: str = "tensorflow"
    lossless: bool = True


@dataclass(frozen=True)
class Figure:
    """One number of a claim: the statistic of one model, and the book's figure for it.

    statistic: ``clean_accuracy`` (fraction), ``clean_gain`` (clean accuracy of the model
    minus that of the same family trained with ``baseline``, paired by seed),
    ``mean_one_probability`` (probability of ``target_class`` for the mean "1" of the
    ``mean_of`` split moved by ``operation``) or ``mean_one_predicts`` (whether a run's
    most probable class for that image is ``target_class``: categorical, judged on the share
    of runs that do); operation: ``shift_left_1px`` (bench's whole-image shift, probe
    ``mean_one_shift_x``) or a name of ``bench.run.book_shifts.OPERATIONS`` (the book's own
    operations, probe ``mean_one_book``); family / augmentation: the model.

    printed: the figure as the book prints it (``"98%"``, ``"about 66%"``, ``"0.6335"``;
    for a categorical figure the class's words); minus: for a ``clean_gain``, the printed
    figure of the baseline (the book prints the two accuracies, not their difference);
    rival / rival_words: the printed figure the book sets this one against in the same
    passage, and what it is (chance where the book sets it against nothing). low / high:
    the book's range, derived from ``printed`` and ``minus`` only (:func:`book_range`).
    """

    label: str
    statistic: str
    family: str
    augmentation: str
    printed: str
    setting: BookSetting
    rival: str = ""
    rival_words: str = ""
    minus: str | None = None
    baseline: str | None = None
    operation: str | None = None
    mean_of: str = "test"
    target_class: int = 1

    @property
    def categorical(self) -> bool:
        return self.statistic == "mean_one_predicts"

    @property
    def low(self) -> float:
        return self._range()[0]

    @property
    def high(self) -> float:
        return self._range()[1]

    def _range(self) -> tuple[float, float]:
        if self.categorical:
            raise ValueError(f"{self.label}: a categorical figure has no numeric range")
        low, high = book_range(self.printed)
        if self.minus is None:
            return low, high
        base_low, base_high = book_range(self.minus)
        return round(low - base_high, 12), round(high - base_low, 12)

    @property
    def rival_value(self) -> float:
        """The rival in the statistic's units."""
        return book_value(self.rival)


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


#: The book's optimiser for every model: ``optimizer='adam'`` (Keras 2's default rate 0.001)
#: for MNIST and faces, ``Adam(lr = 0.01)`` for CIFAR-10.
_KERAS_DEFAULT_RATE = 0.001
_MNIST_CNN = BookSetting(
    data="mnist", n_train=60_000, epochs=5, augmentation="none", batch_size=1024,
    learning_rate=_KERAS_DEFAULT_RATE,
    words="MNIST, 60,000 training images, 5 epochs (batch 1,024, Adam lr 0.001), 1 run (the "
          "book's text: \"98% within 5 epochs\"; its notebook trains 20)")
_MNIST_MLP = BookSetting(
    data="mnist", n_train=60_000, epochs=5, augmentation="none", batch_size=1024,
    learning_rate=_KERAS_DEFAULT_RATE,
    words="MNIST, 60,000 training images, 5 epochs (batch 1,024, Adam lr 0.001), 1 run")
_CIFAR = "CIFAR-10, 50,000 training images, 10 epochs (batch 32, Adam lr {rate}), 1 run"
#: The book text's CIFAR-10 augmentation: ImageDataGenerator(rotation_range=20, no shifts,
#: fill_mode='nearest'), the model compiled with Adam(lr=0.01): our policy ``rotate``.
_CIFAR_ROTATE = BookSetting(
    data="cifar10", n_train=50_000, epochs=10, augmentation="rotate", learning_rate=0.01,
    batch_size=32,
    words=_CIFAR.format(rate="0.01") + "; ImageDataGenerator(rotation_range=20, no shifts, "
          "nearest fill): our policy `rotate` (the notebook's generator, its rate 0.001 "
          "and ELU are a variant)")

_BOOK_MEAN_ONE = "ch. 4, Inaccuracy of traditional neural networks when images are translated"
_NOTEBOOK_RATE = "the notebook's rate: Adam lr 0.001 (its `optimizer='adam'`)"
_COOKBOOK = ("the notebook's generator (rotation 15 deg, shifts 10%, horizontal flips: our "
             "policy `cookbook`), Adam lr 0.001; ReLU throughout (the notebook's augmented "
             "model uses ELU: not run)")

#: What each mean-"1" operation does, as the claims box names the one a verdict judges.
OPERATION_WORDS = {
    "book_left_1px": "the book's loop, columns 1-20 copied one pixel left",
    "book_right_1px": "the book's loop, columns 6-24 copied one pixel right",
    "shift_right_2px": "the whole image moved 2 px right (the text's words)",
    "shift_left_1px": "bench's whole-image shift, 1 px left",
}


def _at_notebook_rate(setting: BookSetting, augmentation: str, words: str) -> BookSetting:
    """``setting`` as the CIFAR-10 notebook runs it: Adam lr 0.001 and ``augmentation``."""
    return BookSetting(data=setting.data, n_train=setting.n_train, epochs=setting.epochs,
                       augmentation=augmentation, learning_rate=0.001, origin="notebook",
                       batch_size=setting.batch_size,
                       words=_CIFAR.format(rate="0.001") + "; " + words)


def _variant(claim: str, statement: str, source: str, *figures: Figure) -> ClaimSpec:
    return ClaimSpec(claim, figures[0].setting.data, statement, source, figures)


_CIFAR_PLAIN = BookSetting(
    data="cifar10", n_train=50_000, epochs=10, augmentation="none", learning_rate=0.01,
    batch_size=32, words=_CIFAR.format(rate="0.01") + ", no augmentation")
_PLAIN_SLOW = _at_notebook_rate(_CIFAR_PLAIN, "none", "no augmentation")
_ROTATE_SLOW = _at_notebook_rate(_CIFAR_ROTATE, "rotate",
                                 "the book's generator (our policy `rotate`)")
_COOKBOOK_SLOW = _at_notebook_rate(_CIFAR_ROTATE, "cookbook", _COOKBOOK)
_CIFAR_NOTEBOOK = f"{NOTEBOOKS}Data_augmentation_to_improve_network_accuracy.ipynb"
#: The MNIST MLP's mean "1" comes from the training images, the CNN's from the test images.
_MLP_MEAN = dict(family="mlp", augmentation="none", setting=_MNIST_MLP, mean_of="train")
_CNN_MEAN = dict(family="cnn", augmentation="none", setting=_MNIST_CNN, mean_of="test")
#: The book's two mean-"1" probabilities, each the other's rival ("a larger probability
#: (0.9541) ... than (0.6335)").
_MLP_P1 = dict(printed="0.6335", rival="0.9541", rival_words="the book's CNN, 0.9541")
_CNN_P1 = dict(printed="0.9541", rival="0.6335", rival_words="the book's MLP, 0.6335")
#: "about 80%, better than the 66% without augmentation": each CIFAR-10 figure the other's
#: rival, and no lift (0) the rival of the lift.
_PLAIN = dict(printed="about 66%", rival="about 80%",
              rival_words="the book's augmented CNN, about 80%")
_ROTATED = dict(printed="about 80%", rival="about 66%",
                rival_words="the book's CNN without augmentation, about 66%")
_LIFT = dict(printed="about 80%", minus="about 66%", rival="0",
             rival_words="no lift (the book: \"better than\")", baseline="none")
_RIGHT_3 = dict(printed="predicted as a 3", target_class=3, **_MLP_MEAN)

CLAIMS: Registry[ClaimSpec] = Registry("claim", [
    ClaimSpec(
        "mnist-accuracy", "mnist", "MNIST: the CNN's test accuracy is 98%",
        "ch. 4, CNNs to improve accuracy in the case of image translation (book text: "
        "\"98% accuracy within 5 epochs\")",
        (Figure("CNN", "clean_accuracy", "cnn", "none", "98%", _MNIST_CNN,
                rival=_chance("mnist"), rival_words=f"chance, {_chance('mnist')}"),)),
    ClaimSpec(
        "mean-one", "mnist",
        'the mean "1" moved 1 px left: P(class 1) 0.6335 from the MLP, 0.9541 from the CNN',
        f"{_BOOK_MEAN_ONE}, and CNNs to improve accuracy in the case of image translation "
        "(book text; its loop moves columns 1-20 one pixel left, the MLP's mean from the "
        "training images, the CNN's from the test images)",
        (Figure("MLP", "mean_one_probability", operation="book_left_1px", **_MLP_P1,
                **_MLP_MEAN),
         Figure("CNN", "mean_one_probability", operation="book_left_1px", **_CNN_P1,
                **_CNN_MEAN)),
        variants=(_variant(
            "mean-one", 'bench\'s whole-image shift: the test set\'s mean "1" 1 px left, zero '
            "fill", "bench's `mean_one_shift_x` probe",
            Figure("MLP", "mean_one_probability", "mlp", "none", setting=_MNIST_MLP,
                   operation="shift_left_1px", **_MLP_P1),
            Figure("CNN", "mean_one_probability", "cnn", "none", setting=_MNIST_CNN,
                   operation="shift_left_1px", **_CNN_P1)),)),
    ClaimSpec(
        "mean-one-right", "mnist",
        'the MLP predicts the mean "1" moved right as a 3',
        f"{_BOOK_MEAN_ONE} (book text: \"2 pixels\"; the loop that printed its output moves "
        "columns 6-24 one pixel right; the mean of the training images)",
        (Figure("MLP, the book's loop (1 px)", "mean_one_predicts",
                operation="book_right_1px", **_RIGHT_3),),
        variants=(_variant(
            "mean-one-right", "the text's words: the whole mean \"1\" moved 2 px right",
            f"{_BOOK_MEAN_ONE} (book text: \"2 pixels\")",
            Figure("MLP, 2 px (the text)", "mean_one_predicts", operation="shift_right_2px",
                   **_RIGHT_3)),)),
    ClaimSpec(
        "gender-accuracy", "gender", "face gender: the CNN's test accuracy is about 80%",
        f"ch. 4, Gender classification using CNNs ({NOTEBOOKS}Gender_classification.ipynb)",
        (Figure("CNN", "clean_accuracy", "cnn", "none", "about 80%", BookSetting(
            data="gender", source="a943287", n_train=1_575, epochs=50, augmentation="none",
            batch_size=32, learning_rate=_KERAS_DEFAULT_RATE, lossless=False,
            words="Figure Eight face CSV (a943287.csv): the first 1,000 rows per class, "
                  "300x300 photos kept (1,751), 90/10 split: 1,575 training images, "
                  "50 epochs (batch 32, Adam lr 0.001), 1 run"),
            rival=_chance("gender"), rival_words=f"chance, {_chance('gender')}"),)),
    ClaimSpec(
        "cifar10-plain", "cifar10", "CIFAR-10: the CNN's test accuracy is about 66% without "
        "augmentation",
        "ch. 4, Data augmentation to improve network accuracy (book text)",
        (Figure("CNN", "clean_accuracy", "cnn", "none", setting=_CIFAR_PLAIN, **_PLAIN),),
        variants=(_variant("cifar10-plain", _NOTEBOOK_RATE, _CIFAR_NOTEBOOK,
                           Figure("CNN", "clean_accuracy", "cnn", "none", setting=_PLAIN_SLOW,
                                  **_PLAIN)),)),
    ClaimSpec(
        "cifar10-augmented", "cifar10", "CIFAR-10: with random rotations of up to 20 degrees "
        "the CNN's test accuracy is about 80%",
        "ch. 4, Data augmentation to improve network accuracy (book text)",
        (Figure("CNN", "clean_accuracy", "cnn", "rotate", setting=_CIFAR_ROTATE, **_ROTATED),),
        variants=(
            _variant("cifar10-augmented", _NOTEBOOK_RATE, _CIFAR_NOTEBOOK,
                     Figure("CNN", "clean_accuracy", "cnn", "rotate", setting=_ROTATE_SLOW,
                            **_ROTATED)),
            _variant("cifar10-augmented", _COOKBOOK, _CIFAR_NOTEBOOK,
                     Figure("CNN", "clean_accuracy", "cnn", "cookbook", setting=_COOKBOOK_SLOW,
                            **_ROTATED)))),
    ClaimSpec(
        "cifar10-lift", "cifar10", "CIFAR-10: rotation augmentation lifts the CNN from about "
        "66% to about 80%",
        "ch. 4, Data augmentation to improve network accuracy (book text)",
        (Figure("CNN + rotate minus CNN", "clean_gain", "cnn", "rotate", setting=_CIFAR_ROTATE,
                **_LIFT),),
        variants=(
            _variant("cifar10-lift", _NOTEBOOK_RATE, _CIFAR_NOTEBOOK,
                     Figure("CNN + rotate minus CNN", "clean_gain", "cnn", "rotate",
                            setting=_ROTATE_SLOW, **_LIFT)),
            _variant("cifar10-lift", _COOKBOOK, _CIFAR_NOTEBOOK,
                     Figure("CNN + cookbook minus CNN", "clean_gain", "cnn", "cookbook",
                            setting=_COOKBOOK_SLOW, **_LIFT)))),
])
