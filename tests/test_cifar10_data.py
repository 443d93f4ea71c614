"""CIFAR-10 loaders and the class-folder reader, on tiny files built in tmp_path."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import cv2
import numpy as np
import pytest

from bench.catalog.datasets import load
from bench.data import folders
from bench.data.cifar10 import CLASSES, load_cifar10, read_cifar10
from bench.data.types import DataError

#: One colour per class (RGB), so a wrong class order or channel order shows.
COLOURS = [
    (255, 0, 0),
    (0, 255, 0),
    (0, 0, 255),
    (255, 255, 0),
    (255, 0, 255),
    (0, 255, 255),
    (128, 0, 0),
    (0, 128, 0),
    (0, 0, 128),
    (255, 255, 255),
]


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No test reads ~/.cache, ~/.keras or the caller's BENCH_DATA_DIR."""
    monkeypatch.setenv("BENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("BENCH_DATA_DIR", raising=False)


def write_tree(root: Path, per_class: int = 2, suffix: str = ".png") -> Path:
    """root/{train,test}/<class>/NNNN<suffix>: 32x32 images of the class colour."""
    for split in ("train", "test"):
        for label, name in enumerate(CLASSES):
            folder = root / split / name
            folder.mkdir(parents=True)
            for i in range(per_class):
                rgb = np.full((32, 32, 3), COLOURS[label], dtype=np.uint8)
                assert cv2.imwrite(str(folder / f"{i:04d}{suffix}"), rgb[..., ::-1])
    return root


def batch_rows(labels: list[int]) -> np.ndarray:
    """(N, 3072) channel-first rows: red plane = 10 * label, green = row index, blue = col."""
    planes = np.zeros((len(labels), 3, 32, 32), dtype=np.uint8)
    planes[:, 0] = np.array(labels, dtype=np.uint8)[:, None, None] * 10
    planes[:, 1] = np.arange(32, dtype=np.uint8)[:, None]
    planes[:, 2] = np.arange(32, dtype=np.uint8)[None, :]
    return planes.reshape(len(labels), 3072)


def write_batches(folder: Path, protocol: int = pickle.DEFAULT_PROTOCOL) -> Path:
    """A fake cifar-10-batches-py: 2 images per training batch, 3 in test_batch."""
    folder.mkdir(parents=True)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for i, name in enumerate(names):
        labels = [i, 9 - i] if name != "test_batch" else [3, 4, 5]
        with open(folder / name, "wb") as handle:
            pickle.dump({b"data": batch_rows(labels), b"labels": labels, b"batch_label": name,
                         b"filenames": [b"%d.png" % n for n in labels]}, handle,
                        protocol=protocol)
    return folder


def test_png_tree_loads_rgb_in_keras_class_order(tmp_path):
    data = load("cifar10", write_tree(tmp_path / "cifar10-jpeg"))
    assert data.classes[:3] == ("airplane", "automobile", "bird") and data.classes[9] == "truck"
    assert data.train.x.shape == (20, 32, 32, 3) and data.test.x.shape == (20, 32, 32, 3)
    assert data.train.x.dtype == np.uint8 and data.train.y.dtype == np.int64
    np.testing.assert_array_equal(data.train.y, np.repeat(np.arange(10), 2))
    for image, label in zip(data.train.x, data.train.y, strict=True):
        assert tuple(image[5, 7]) == COLOURS[label]
    assert tuple(data.train.x[0, 0, 0]) == (255, 0, 0)  # a pure-red PNG is red, not blue
    assert data.provenance.counts["test"]["cat"] == 2
    assert data.provenance.source == str(tmp_path / "cifar10-jpeg")
    assert not any("JPEG" in note for note in data.provenance.notes)
    assert any("official CIFAR-10: 50,000" in note for note in data.provenance.notes)


def test_jpeg_tree_close_to_colours_and_noted(tmp_path):
    data = read_cifar10(write_tree(tmp_path / "jpeg", suffix=".jpg"))
    expected = np.array([COLOURS[label] for label in data.test.y], dtype=float)
    assert np.abs(data.test.x[:, 16, 16].astype(float) - expected).max() <= 8
    assert any("JPEG re-encodings" in note for note in data.provenance.notes)


def test_second_load_reads_the_cache(tmp_path, monkeypatch):
    root = write_tree(tmp_path / "tree")
    first = read_cifar10(root)
    assert len(list((tmp_path / "cache" / "cifar10").glob("*.npz"))) == 2  # train and test

    def no_decoding(path):
        raise AssertionError(f"decoded {path} although the cache is fresh")

    monkeypatch.setattr(folders, "read_image", no_decoding)
    second = read_cifar10(root)
    assert second.provenance.checksum == first.provenance.checksum
    np.testing.assert_array_equal(second.train.x, first.train.x)


def test_changed_file_invalidates_the_cache(tmp_path):
    root = write_tree(tmp_path / "tree")
    first = read_cifar10(root)
    cat = root / "train" / "cat" / "0000.png"
    assert cv2.imwrite(str(cat), np.zeros((32, 32, 3), dtype=np.uint8))
    second = read_cifar10(root)
    assert second.provenance.checksum != first.provenance.checksum
    assert tuple(second.train.x[6, 0, 0]) == (0, 0, 0)


def test_damaged_cache_is_rebuilt_with_a_warning(tmp_path):
    root = write_tree(tmp_path / "tree")
    first = read_cifar10(root)
    for cached in (tmp_path / "cache" / "cifar10").glob("*.npz"):
        cached.write_bytes(b"not an npz")
    with pytest.warns(UserWarning, match="unreadable image cache"):
        again = read_cifar10(root)
    assert again.provenance.checksum == first.provenance.checksum


def test_missing_class_folder_names_folder_and_classes(tmp_path):
    root = write_tree(tmp_path / "tree")
    for path in (root / "train" / "frog").iterdir():
        path.unlink()
    (root / "train" / "frog").rmdir()
    with pytest.raises(DataError, match=r"tree/train: expected .*'airplane'.*missing \['frog'\]"):
        read_cifar10(root)


def test_unknown_class_folder_is_an_error(tmp_path):
    root = write_tree(tmp_path / "tree")
    (root / "test" / "unicorn").mkdir()
    with pytest.raises(DataError, match=r"unknown folders \['unicorn'\]"):
        read_cifar10(root)


def test_corrupt_image_names_the_file(tmp_path):
    root = write_tree(tmp_path / "tree")
    (root / "test" / "ship" / "0001.png").write_bytes(b"\x89PNG truncated")
    with pytest.raises(DataError, match=r"ship/0001\.png: cannot be decoded"):
        read_cifar10(root)


def test_wrong_image_size_names_the_file(tmp_path):
    root = write_tree(tmp_path / "tree")
    assert cv2.imwrite(str(root / "train" / "dog" / "0001.png"), np.zeros((30, 32, 3), np.uint8))
    with pytest.raises(DataError, match=r"dog/0001\.png: image is 32x30 px"):
        read_cifar10(root)


def test_folder_reader_resizes_when_asked(tmp_path):
    root = tmp_path / "faces"
    for name, shape in (("a", (40, 50, 3)), ("b", (20, 20, 3))):
        (root / name).mkdir(parents=True)
        assert cv2.imwrite(str(root / name / "x.jpg"), np.full(shape, 200, np.uint8))
    images = folders.read_class_tree(root, ("a", "b"), tmp_path / "c", size=(16, 16),
                                     resize=True)
    x, y = images.x, images.y
    assert x.shape == (2, 16, 16, 3) and list(y) == [0, 1]
    assert np.abs(x.astype(int) - 200).max() <= 2


def test_python_batches_reshape_channel_first_to_nhwc(tmp_path):
    data = load_cifar10(write_batches(tmp_path / "cifar-10-batches-py"))
    assert data.train.x.shape == (10, 32, 32, 3) and data.test.x.shape == (3, 32, 32, 3)
    np.testing.assert_array_equal(data.train.y, [0, 9, 1, 8, 2, 7, 3, 6, 4, 5])
    np.testing.assert_array_equal(data.test.y, [3, 4, 5])
    # pixel (row 5, col 7) of image 1 (label 9): red 90, green = row, blue = column
    assert tuple(data.train.x[1, 5, 7]) == (90, 5, 7)
    assert data.provenance.counts["train"]["truck"] == 1


def test_wrong_pickle_shape_names_the_file(tmp_path):
    folder = write_batches(tmp_path / "cifar-10-batches-py")
    with open(folder / "data_batch_3", "wb") as handle:
        pickle.dump({b"data": np.zeros((2, 1024), np.uint8), b"labels": [0, 1]}, handle)
    with pytest.raises(DataError, match=r"data_batch_3: b'data' is uint8 \(2, 1024\)"):
        read_cifar10(folder)


def test_missing_batch_names_the_file(tmp_path):
    folder = write_batches(tmp_path / "cifar-10-batches-py")
    (folder / "test_batch").unlink()
    with pytest.raises(DataError, match=r"test_batch: missing"):
        read_cifar10(folder)


def test_npz_in_keras_layout(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    np.savez(
        tmp_path / "cifar10.npz",
        x_train=x,
        y_train=np.array([[1], [2], [3], [4]]),
        x_test=x[:2],
        y_test=np.array([9, 0], dtype=np.uint8),
    )
    data = load_cifar10(tmp_path / "cifar10.npz")
    np.testing.assert_array_equal(data.train.x, x)
    assert list(data.train.y) == [1, 2, 3, 4] and list(data.test.y) == [9, 0]


def test_npz_with_bad_labels_is_an_error(tmp_path):
    x = np.zeros((2, 32, 32, 3), np.uint8)
    np.savez(tmp_path / "c.npz", x_train=x, y_train=np.array([0, 10]), x_test=x, y_test=[0, 1])
    with pytest.raises(DataError, match=r"c\.npz y_train: labels outside 0\.\.9"):
        read_cifar10(tmp_path / "c.npz")


def test_bench_data_dir_prefers_the_jpeg_folder_and_never_opens_the_batches(tmp_path,
                                                                           monkeypatch):
    write_tree(tmp_path / "data" / "cifar10-jpeg")
    batches = write_batches(tmp_path / "data" / "cifar-10-batches-py")
    (batches / "data_batch_1").write_bytes(b"not a pickle")  # would fail if it were read
    monkeypatch.setenv("BENCH_DATA_DIR", str(tmp_path / "data"))
    assert load_cifar10(None).provenance.source.endswith("cifar10-jpeg")


def test_an_npz_beside_the_batches_is_preferred(tmp_path):
    x = np.zeros((2, 32, 32, 3), np.uint8)
    np.savez(tmp_path / "cifar10.npz", x_train=x, y_train=[0, 1], x_test=x, y_test=[1, 0])
    write_batches(tmp_path / "cifar-10-batches-py")
    assert read_cifar10(tmp_path).provenance.source.endswith("cifar10.npz")


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_batches_of_every_pickle_protocol_load(tmp_path, protocol):
    folder = write_batches(tmp_path / "cifar-10-batches-py", protocol=protocol)
    assert read_cifar10(folder).train.x.shape == (10, 32, 32, 3)


def test_batches_naming_numpy_1_modules_load(tmp_path):
    """The official files (numpy 1.x, Python 2) name numpy.core.multiarray._reconstruct."""
    folder = write_batches(tmp_path / "cifar-10-batches-py", protocol=2)
    for path in folder.iterdir():
        data = path.read_bytes()
        assert b"numpy._core.multiarray" in data
        path.write_bytes(data.replace(b"numpy._core.multiarray", b"numpy.core.multiarray"))
    assert len(read_cifar10(folder).test.y) == 3


class _RunsCode:
    """Unpickling this calls ``open(marker, "w")``: what a crafted batch could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_a_batch_that_calls_a_function_is_refused_before_it_runs(tmp_path, protocol):
    folder = write_batches(tmp_path / "cifar-10-batches-py")
    marker = tmp_path / "marker"
    with open(folder / "data_batch_2", "wb") as handle:
        pickle.dump({b"data": _RunsCode(marker), b"labels": [0]}, handle, protocol=protocol)
    with pytest.raises(DataError, match=r"data_batch_2: refused: it asks for (builtins|io)\.open"):
        read_cifar10(folder)
    assert not marker.exists()


def test_an_array_subclass_in_a_batch_is_refused(tmp_path):
    folder = write_batches(tmp_path / "cifar-10-batches-py")
    with open(folder / "test_batch", "wb") as handle:
        pickle.dump({b"data": np.ma.masked_array(batch_rows([1])), b"labels": [1]}, handle)
    with pytest.raises(DataError, match=r"test_batch: refused: it asks for numpy\.ma"):
        read_cifar10(folder)


def test_bench_data_dir_without_cifar_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCH_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match=r"BENCH_DATA_DIR=.*cifar10-jpeg"):
        load_cifar10(None)


def test_keras_cache_is_used(tmp_path):
    write_batches(
        tmp_path / "keras" / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    )
    assert len(load_cifar10(None).train.y) == 10


def test_failed_download_says_what_to_set(monkeypatch):
    from local_server import closed_port_url

    from bench.data import cifar10

    refused = dataclasses.replace(cifar10.CIFAR10_DOWNLOAD, url=closed_port_url("/c.tar.gz"))
    monkeypatch.setattr(cifar10, "CIFAR10_DOWNLOAD", refused)
    with pytest.raises(DataError, match=r"c.tar.gz.*refused.*BENCH_DATA_DIR"):
        load_cifar10(None)
