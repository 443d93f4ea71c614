"""Shared fixtures: an isolated cache and tiny synthetic data sets."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import dataclasses  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from bench.catalog.profiles import get_profile  # noqa: E402
from bench.config import TrainSettings  # noqa: E402
from bench.data.types import Split, make_dataset  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Every test gets its own bench cache and no BENCH_DATA_DIR."""
    monkeypatch.setenv("BENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("BENCH_DATA_DIR", raising=False)
    return tmp_path / "cache"


def bars_dataset(n_train: int = 120, n_test: int = 40, size: int = 12, seed: int = 0):
    """Two classes a small model learns in one epoch: a vertical (0) or horizontal (1) bar."""
    rng = np.random.default_rng(seed)

    def split(n):
        y = np.arange(n) % 2
        x = rng.integers(0, 30, (n, size, size, 1), dtype=np.uint8)
        for i, label in enumerate(y):
            where = rng.integers(3, size - 3)
            if label == 0:
                x[i, 2:-2, where] = 255
            else:
                x[i, where, 2:-2] = 255
        return Split(x, y.astype(np.int64))

    return make_dataset("bars", ("vertical", "horizontal"), split(n_train), split(n_test),
                        source="synthetic bars")


@pytest.fixture
def tiny_profile():
    """The MNIST smoke profile shrunk to a few seconds on 12x12 images."""
    return dataclasses.replace(
        get_profile("mnist", "smoke"),
        n_train=None,
        n_test=None,
        train=TrainSettings(epochs=1, batch_size=32, learning_rate=0.003),
        augmentations=("none",),
        grid=(("shift_x", (-1.0, 0.0, 1.0)), ("rotate", (0.0, 90.0))),
        clean_floor=0.0,
    )


@pytest.fixture(scope="session")
def untrained_mnist_model(tmp_path_factory):
    """An untrained 28 x 28 x 1 -> 10 softmax model file (evaluated with --force)."""
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    path = tmp_path_factory.mktemp("untrained") / "untrained.keras"
    model.save(path)
    return path
