"""Published figures the bench reproduces, each with its source and the protocol it states.

The one place these numbers live (docs/extending.md: "a claim"; the page is
``reports/reproductions.md``, written by :mod:`bench.render.reproductions`). Every figure was
read at the place ``Source.read_at`` names; where that is not the publication itself (a
figure quoted by someone else) ``Source.second_hand`` says so. A figure the publication holds
only in a table we could not read (an image, or a part of the page our copy lacks) is not
quoted here at all: ``Reproduction.not_quoted`` names it.

Each reproduction trains one model family (``bench.catalog.families``) on one data variant
(:data:`DATA_VARIANTS`, built from MNIST by ``bench.data.distorted``) and measures one or
more statistics on the test split: ``clean`` (accuracy on the variant's test images),
``random_worst`` / ``grid_worst`` (Engstrom's worst of 10 random rotation-translations and
the 5 x 5 x 31 grid, ``bench.analysis.worst_case``) and ``error`` (1 - clean accuracy, in
the paper's units). Shares in [0, 1]; figures printed as the source prints them
(``"24.6%"``), so their tolerance follows :func:`bench.catalog.claims.book_range`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.config import ChoiceError

#: The data variants a reproduction trains and tests on (name -> words).
DATA_VARIANTS = {
    "mnist": "MNIST as distributed (60,000 training, 10,000 test digits, 28 x 28)",
    "mnist-rts": "MNIST rotated, scaled and translated: each digit rotated uniformly in +-45 "
                 "deg, scaled by a factor uniform in 0.7 to 1.2 and placed at a uniform random "
                 "position of a 42 x 42 canvas, one draw per image, fixed by the data seed",
}
#: The statistics a figure can be about.
STATISTICS = ("clean", "random_worst", "grid_worst", "error")


@dataclass(frozen=True)
class Source:
    """Where figures come from: ``citation`` (authors, venue, identifier), ``place`` (table,
    section or file, and page where there is one), ``read_at`` (the address the figures were
    read at), ``second_hand`` (who quotes them, when ``read_at`` is not the publication)."""

    citation: str
    place: str
    read_at: str
    second_hand: str = ""


@dataclass(frozen=True)
class Protocol:
    """How the source trained and tested the model, as far as it states it (None: not
    stated), and what it does not state (``unstated``, words). ``architecture``: words;
    ``attack``: the test-time adversary or transform, words."""

    architecture: str
    data: str
    attack: str
    n_train: int | None
    epochs: int | None
    batch_size: int | None
    optimizer: str | None
    learning_rate: float | None
    unstated: str


@dataclass(frozen=True)
class PublishedFigure:
    """One published number: ``statistic`` (one of :data:`STATISTICS`), ``printed`` (as the
    source prints it, ``"24.6%"``), ``derived`` (how it follows from what is printed, when it
    is not printed itself: ``"100% - the printed 75.4% attack success rate"``), ``rival``
    (the printed figure the source sets it against, e.g. the clean accuracy; chance where
    none) and ``rival_words``."""

    label: str
    statistic: str
    printed: str
    rival: str
    rival_words: str
    derived: str = ""


@dataclass(frozen=True)
class Reproduction:
    """One reproduction: a model ``family`` trained on ``data`` (a :data:`DATA_VARIANTS`
    name) by our ``epochs`` (``departures``: how our protocol departs from the source's, in
    words), measured on ``n_test`` test images, against ``figures`` from ``source``."""

    name: str
    title: str
    source: Source
    protocol: Protocol
    family: str
    data: str
    epochs: int
    batch_size: int
    learning_rate: float
    n_test: int
    figures: tuple[PublishedFigure, ...]
    departures: str
    not_quoted: str = ""


_ADVERTORCH = Source(
    citation="AdverTorch (Ding, Wang and Jin, arXiv 1902.07623), benchmark of "
             "SpatialTransformAttack2, a port of Engstrom et al.'s attack by M. Yamada "
             "(github.com/BorealisAI/advertorch pull request 82)",
    place="advertorch_examples/attack_benchmarks/benchmark_spatial_transform.py, its "
          "printed report (model \"MNIST LeNet5 standard training\", 10,000 test images)",
    read_at="github.com/BorealisAI/advertorch, commit 368aee2c, that file; the model in "
            "advertorch/test_utils.py (LeNet5), its training in "
            "advertorch_examples/tutorial_train_mnist.py (mode cln)",
)

_ENGSTROM = Source(
    citation="Engstrom, Tran, Tsipras, Schmidt and Madry, Exploring the Landscape of Spatial "
             "Robustness (ICML 2019, arXiv 1712.02779)",
    place="the paper's MNIST results for its standard model (table not read here)",
    read_at="github.com/cleverhans-lab/cleverhans/pull/510 (yenchenlin, 2018-08-25): "
            "\"Results in [1]: 99.31% to 73.32%\" for the worst of 10 random draws",
    second_hand="quoted in cleverhans pull request 510; the paper's own table could not be "
                "read where this was written",
)

_STN = Source(
    citation="Jaderberg, Simonyan, Zisserman and Kavukcuoglu, Spatial Transformer Networks "
             "(NIPS 2015, arXiv 1506.02025)",
    place="section 4.1 (Distorted MNIST), its text",
    read_at="the English text of section 4.1 as copied into a public annotated translation "
            "(GitHub code index); Table 1 there is an image and Appendix A is cut off",
)

REPRODUCTIONS: tuple[Reproduction, ...] = (
    Reproduction(
        name="advertorch-lenet5",
        title="The AdverTorch port of Engstrom's attack on its LeNet5",
        source=_ADVERTORCH,
        protocol=Protocol(
            architecture="Conv 32 3x3 same ReLU, MaxPool 2, Conv 64 3x3 same ReLU, MaxPool 2, "
                         "Dense 200 ReLU, Dense 10 (advertorch.test_utils.LeNet5)",
            data="MNIST, 60,000 training and 10,000 test digits in [0, 1], no augmentation",
            attack="worst of 10 random draws and the 5 x 5 x 31 grid, rotation +-30 deg, "
                   "translation +-3/28 of the side (+-3 px)",
            n_train=60_000, epochs=10, batch_size=50, optimizer="Adam", learning_rate=1e-4,
            unstated="one training run (seed 0), no interval; the interpolation and fill of "
                     "its rotation (a PyTorch port of spatial-pytorch's transform)"),
        family="lenet5-port", data="mnist", epochs=10, batch_size=50, learning_rate=1e-4,
        n_test=1000,
        figures=(
            PublishedFigure("clean accuracy", "clean", "98.89%", "10%", "chance"),
            PublishedFigure("worst of 10 random", "random_worst", "24.6%", "98.89%",
                            "its clean accuracy", derived="100% - the printed 75.4% attack "
                            "success rate (the share of test images misclassified)"),
            PublishedFigure("grid worst case", "grid_worst", "0.02%", "10%", "chance",
                            derived="100% - the printed 99.98% attack success rate"),
        ),
        departures="1,000 of the 10,000 test images (seeded subset) for the attacks; "
                   "Keras on TensorFlow with OpenCV's bilinear warp, zero fill",
    ),
    Reproduction(
        name="engstrom-mnist",
        title="Engstrom et al.'s standard MNIST CNN",
        source=_ENGSTROM,
        protocol=Protocol(
            architecture="not read at the source; we build the MNIST model of the same lab's "
                         "mnist_challenge (MadryLab/mnist_challenge, model.py): Conv 32 5x5 "
                         "same ReLU, MaxPool 2, Conv 64 5x5 same ReLU, MaxPool 2, Dense 1024 "
                         "ReLU, Dense 10, which we take the paper's 'standard' model to be",
            data="MNIST (training and test split sizes as read: not stated)",
            attack="worst of 10 random rotation-translations, +-30 deg and +-3 px",
            n_train=None, epochs=None, batch_size=None, optimizer=None, learning_rate=None,
            unstated="the architecture, training images, epochs, batch, optimiser and "
                     "learning rate (the paper's text was not read); the grid figure for this "
                     "model"),
        family="madry-cnn", data="mnist", epochs=10, batch_size=50, learning_rate=1e-4,
        n_test=1000,
        figures=(
            PublishedFigure("clean accuracy", "clean", "99.31%", "10%", "chance"),
            PublishedFigure("worst of 10 random", "random_worst", "73.32%", "99.31%",
                            "its clean accuracy"),
        ),
        departures="10 epochs at batch 50, Adam lr 1e-4 (mnist_challenge trains 100,000 "
                   "steps of 50, about 83 epochs); 1,000 test images for the attack",
        not_quoted="the paper's grid (5 x 5 x 31) figure and its defended MNIST models: "
                   "its table was not read",
    ),
    Reproduction(
        name="stn-rts",
        title="The Spatial Transformer paper's CNN baseline on rotated, scaled and translated "
              "MNIST",
        source=_STN,
        protocol=Protocol(
            architecture="a CNN with two max-pooling layers and three weight layers in the "
                         "classification network, about as many parameters as the FCN "
                         "(exact layers not stated in section 4.1)",
            data="MNIST rotated, scaled and translated (RTS); the distortions are given in "
                 "the paper's Appendix A, which was not read",
            attack="none: error on the distorted test set",
            n_train=None, epochs=None, batch_size=None, optimizer="SGD", learning_rate=None,
            unstated="the layers and widths, the distortions' ranges (Appendix A), training "
                     "images, epochs, batch and the learning-rate schedule (\"scheduled "
                     "learning rate decrease\")"),
        family="stn-cnn", data="mnist-rts", epochs=10, batch_size=128, learning_rate=1e-3,
        n_test=10_000,
        figures=(
            PublishedFigure("CNN error, RTS", "error", "0.8%", "0.5%",
                            "the ST-CNN's error on RTS, which the text sets against it"),
        ),
        departures="Adam lr 0.001 at batch 128 for 10 epochs instead of SGD with a schedule; "
                   "our RTS ranges (+-45 deg, scale 0.7 to 1.2, 42 x 42 canvas) are an "
                   "assumption, not read at the source; our CNN's layers are ours",
        not_quoted="Table 1's FCN and CNN errors for R and RTS, and the FCN's (13.2%) and "
                   "CNN's (3.5%) on 60 x 60 translated cluttered digits (their construction "
                   "is in Appendix A, not read)",
    ),
)


def reproduction(name: str) -> Reproduction:
    """The reproduction ``name``; ChoiceError names the valid ones."""
    for item in REPRODUCTIONS:
        if item.name == name:
            return item
    raise ChoiceError(f"no reproduction {name!r}; valid: "
                   + ", ".join(r.name for r in REPRODUCTIONS))
