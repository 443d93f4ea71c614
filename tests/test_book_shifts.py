"""The book's column operations on the mean "1", and the probe that stores them."""

import numpy as np
import pytest

from bench.run import book_shifts, probes
from bench.run.probes import ProbeNotApplicable


def columns_image() -> np.ndarray:
    """(28, 28, 1) float: every pixel of column c holds c + 1, so moves read off directly."""
    return np.broadcast_to(np.arange(1, 29, dtype=np.float32)[None, :, None], (28, 28, 1)).copy()


def book_loop_left(pic: np.ndarray) -> np.ndarray:
    """The book's own loop, verbatim in effect: for i < 20, pic[:, i] = pic[:, i + 1]."""
    pic = pic.copy()
    for i in range(pic.shape[0]):
        if i < 20:
            pic[:, i] = pic[:, i + 1]
    return pic


def book_loop_right(pic: np.ndarray) -> np.ndarray:
    """The book's loop: for 6 < i < 26, pic[:, i] = pic2[:, i - 1] (pic2 a copy)."""
    pic2, pic = pic.copy(), pic.copy()
    for i in range(pic.shape[0]):
        if 6 < i < 26:
            pic[:, i] = pic2[:, i - 1]
    return pic


def test_the_operations_are_the_books_loops():
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 255, (28, 28, 1)).astype(np.float32)
    assert np.array_equal(book_shifts.book_left_1px(image), book_loop_left(image))
    assert np.array_equal(book_shifts.book_right_1px(image), book_loop_right(image))


def test_which_columns_move_and_which_stay():
    left = book_shifts.book_left_1px(columns_image())[0, :, 0]
    assert list(left[:21]) == list(range(2, 22)) + [21]  # column 20 appears twice
    assert list(left[21:]) == list(range(22, 29))
    right = book_shifts.book_right_1px(columns_image())[0, :, 0]
    assert list(right[:8]) == [1, 2, 3, 4, 5, 6, 7, 7]  # column 6 appears twice
    assert list(right[8:26]) == list(range(8, 26)) and list(right[26:]) == [27, 28]
    two = book_shifts.shift_right_2px(columns_image())[0, :, 0]
    assert list(two) == [0, 0] + list(range(1, 27))


class RightLeaning:
    """A stand-in model: probabilities favouring class 3 in proportion to the mean brightness
    of columns 14-27 (the right half), so a right move raises P(3)."""

    def predict_on_batch(self, inputs):
        right = inputs[:, :, 14:, 0].mean(axis=(1, 2))
        out = np.full((len(inputs), 10), 0.01, np.float32)
        out[:, 1] = 0.5
        out[:, 3] = 0.5 + right
        return out / out.sum(axis=1, keepdims=True)


class Splits:
    def __init__(self, train, test):
        self.train, self.test = train, test


def split(images, labels):
    from bench.data.types import Split

    return Split(np.asarray(images, np.uint8), np.asarray(labels))


def test_the_probe_records_both_means_and_every_operation():
    ones = np.zeros((4, 28, 28, 1), np.uint8)
    ones[:, 4:24, 12:15] = 255
    other = np.full((2, 28, 28, 1), 9, np.uint8)
    train = split(np.concatenate([ones, other]), [1, 1, 1, 1, 7, 7])
    test = split(ones[:2], [1, 1])
    records = probes.PROBES["mean_one_book"](RightLeaning(), Splits(train, test), profile=None)
    assert [(r["operation"], r["mean_of"]) for r in records] == [
        (op, side) for side in ("train", "test") for op in book_shifts.OPERATIONS]
    assert [r["n_images"] for r in records] == [4] * 3 + [2] * 3
    for record in records:
        assert len(record["probabilities"]) == 10
        assert sum(record["probabilities"]) == pytest.approx(1.0, abs=1e-5)
        assert record["predicted"] == int(np.argmax(record["probabilities"]))


def test_the_probe_is_skipped_without_a_one():
    sevens = split(np.zeros((2, 28, 28, 1)), [7, 7])
    with pytest.raises(ProbeNotApplicable, match="the train split has no image of class 1"):
        probes.PROBES["mean_one_book"](RightLeaning(), Splits(sevens, sevens), profile=None)


def test_the_probe_is_skipped_on_images_the_loops_were_not_written_for():
    small = split(np.zeros((2, 12, 12, 1)), [1, 1])
    with pytest.raises(ProbeNotApplicable, match="written for 28x28 images; these are 12x12"):
        probes.PROBES["mean_one_book"](RightLeaning(), Splits(small, small), profile=None)
