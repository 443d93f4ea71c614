"""The reproductions of published figures: the sources constant is complete, the page
renders from hand-made stored records with the claims rule's verdicts, the published
architectures build with their parameter counts, and the distorted MNIST variant."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from bench.catalog.claims import book_range
from bench.catalog.families import FAMILIES
from bench.catalog.reproductions import (
    DATA_VARIANTS,
    REPRODUCTIONS,
    STATISTICS,
    reproduction,
)
from bench.config import ChoiceError
from bench.render import reproductions as page
from bench.results.schema import pack_bits


def test_every_figure_has_a_source_a_protocol_and_a_printed_value():
    papers = {item.source.citation for item in REPRODUCTIONS if "arXiv" in item.source.citation}
    assert sum(len(item.figures) for item in REPRODUCTIONS) >= 5 and len(papers) >= 2
    for item in REPRODUCTIONS:
        assert item.source.citation and item.source.place and item.source.read_at
        stated = item.protocol
        assert stated.architecture and stated.data and stated.attack and stated.unstated
        assert item.family in FAMILIES and "mnist" in FAMILIES[item.family].builders
        assert item.data in DATA_VARIANTS and item.departures and item.epochs >= 1
        for figure in item.figures:
            assert figure.statistic in STATISTICS and figure.label and figure.rival_words
            low, high = book_range(figure.printed)  # a printed figure, with its tolerance
            assert 0.0 <= low < high <= 1.0
    second = [item for item in REPRODUCTIONS if item.source.second_hand]
    assert second and all("second-hand" not in item.source.read_at for item in second)
    with pytest.raises(ChoiceError, match="advertorch-lenet5"):
        reproduction("nope")


def _records(name: str, statistic: str, accuracies: list[float], n: int = 1000,
             **protocol) -> list[dict]:
    """One stored record per seed whose share of correct images is each accuracy."""
    out = []
    for seed, accuracy in enumerate(accuracies):
        correct = np.zeros(n, dtype=bool)
        correct[:round(accuracy * n)] = True
        np.random.default_rng(seed).shuffle(correct)
        out.append({"reproduction": name, "seed": seed, "statistic": statistic, "n": n,
                    "bits": pack_bits(correct), "n_train": 60_000, "epochs": 10,
                    "batch_size": 50, "optimizer": "Adam", "learning_rate": 1e-4,
                    **protocol})
    return out


def _store(tmp_path, name: str, records: list[dict]) -> None:
    folder = tmp_path / "reproductions"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def test_the_page_renders_each_figure_with_the_claims_rule(tmp_path):
    item = reproduction("advertorch-lenet5")
    clean = item.figures[0]
    worst = item.figures[1]
    _store(tmp_path, item.name, _records(item.name, "clean", [0.989, 0.9895, 0.9885])
           + _records(item.name, "random_worst", [0.60, 0.62, 0.58]))
    records = page.load_records(tmp_path, item.name)
    assert page.judged(item, clean, records)[1].startswith("consistent")
    estimate, verdict = page.judged(item, worst, records)
    assert estimate.seeds == 3 and estimate.value == pytest.approx(0.60)
    assert verdict.startswith("inconsistent")  # 24.6% lies far below ours
    assert page.judged(item, item.figures[2], records)[1].startswith("untested: no stored")
    # two seeds: too few to judge; another epoch count than the source states: not comparable
    assert "too few seeds" in page.judged(item, clean, records[:2])[1]
    other = _records(item.name, "clean", [0.989] * 3, epochs=2)
    assert page.judged(item, clean, other)[1] == "not comparable: epochs 2, source 10"
    # a source that states no epochs is no difference
    engstrom = reproduction("engstrom-mnist")
    stated = page.differences(engstrom, other[0])
    assert stated == ()
    text = page.render(tmp_path)
    assert text.count("## ") == len(REPRODUCTIONS) and "**inconsistent**" in text
    assert "**Second-hand**" in text and "60.00% [" in text
    assert f"`bench reproduce {engstrom.name}`" in text  # no records: untested, how to run


def test_a_damaged_record_names_its_file_and_line(tmp_path):
    from bench.results.schema import SchemaError

    _store(tmp_path, "stn-rts", [{"seed": 0}])
    with pytest.raises(SchemaError, match=r"stn-rts.jsonl:1"):
        page.load_records(tmp_path, "stn-rts")


def test_rts_digits_stay_whole_on_their_canvas():
    from bench.data.distorted import RTS_CANVAS, rts

    images = np.zeros((20, 28, 28, 1), dtype=np.uint8)
    images[:, 10:18, 12:16] = 255
    moved = rts(images, np.random.default_rng(0))
    again = rts(images, np.random.default_rng(0))
    assert moved.shape == (20, RTS_CANVAS, RTS_CANVAS, 1) and moved.dtype == np.uint8
    assert np.array_equal(moved, again)  # a fixed seed gives a fixed data set
    ink = moved.reshape(20, -1).astype(float).sum(axis=1) / (255 * 8 * 4)
    assert ink.min() > 0.4 and ink.max() < 1.6  # scaled 0.7 to 1.2 (area 0.49 to 1.44)
    centres = [np.argwhere(m[..., 0] > 0).mean(axis=0) for m in moved]
    assert np.ptp(np.array(centres), axis=0).min() > 3  # placed at different positions


@pytest.mark.parametrize(("family", "shape", "count"), [
    ("lenet5-port", (28, 28, 1), 648_226),
    ("madry-cnn", (28, 28, 1), 3_274_634),
    ("stn-fcn", (42, 42, 1), 57_866),
    ("stn-cnn", (42, 42, 1), 58_474),
])
def test_published_architectures_build_with_their_parameter_counts(family, shape, count):
    model = FAMILIES[family].build("mnist", shape, 10)
    assert model.count_params() == count
    assert model.output_shape == (None, 10)


def test_every_reproduction_measures_its_statistics(monkeypatch):
    """The runner's measurement on a stub model: every figure's statistic, attacks on the
    seeded subset of n_test images."""
    from bench.data.types import Split
    from bench.run import reproduce

    class Stub:
        def predict(self, x, batch_size, verbose):  # always class 0
            return np.tile([1.0] + [0.0] * 9, (len(x), 1))

    test = Split(np.zeros((40, 28, 28, 1), dtype=np.uint8), np.repeat(np.arange(10), 4))
    item = dataclasses.replace(reproduction("advertorch-lenet5"), n_test=20)
    measured = reproduce.measure(Stub(), test, item)
    assert set(measured) == {"clean", "random_worst", "grid_worst"}
    assert measured["clean"].mean() == pytest.approx(0.1) and measured["grid_worst"].size == 20


def test_without_a_grid_figure_the_random_draws_are_those_of_the_full_grid():
    """A reproduction quoting only the worst of 10 random draws searches the grid's 8
    corners, not its 775 points: the same limits, so the same draws and the same answer."""
    from bench.data.types import Split
    from bench.run import reproduce

    class Centroid:
        """Class 1 where the image's ink sits right of the centre: shifts and rotations
        move the ink of images near the centre across it."""

        calls = 0

        def predict(self, x, batch_size, verbose):
            Centroid.calls += len(x)
            ink = x.reshape(len(x), 28, 28).sum(axis=1) + 1e-9  # (N, 28) per column
            right = (ink * np.arange(28)).sum(axis=1) / ink.sum(axis=1) > 13.5
            return np.stack([~right, right], axis=1).astype(float)

    x = np.zeros((30, 28, 28, 1), dtype=np.uint8)
    for i, column in enumerate(np.linspace(6, 21, 30).astype(int)):
        x[i, 10:18, column:column + 2] = 255
    labels = ((np.linspace(6, 21, 30).astype(int) + 0.5) > 13.5).astype(np.int64)
    test = Split(x, labels)
    full = reproduce.measure(Centroid(), test, dataclasses.replace(
        reproduction("advertorch-lenet5"), n_test=30))
    calls_full, Centroid.calls = Centroid.calls, 0
    item = reproduction("engstrom-mnist")
    assert {f.statistic for f in item.figures} == {"clean", "random_worst"}
    corners = reproduce.measure(Centroid(), test, dataclasses.replace(item, n_test=30))
    assert 0.0 < full["random_worst"].mean() < 1.0  # some images flip, some do not
    np.testing.assert_array_equal(corners["random_worst"], full["random_worst"])
    assert "grid_worst" not in corners and Centroid.calls < calls_full / 10
