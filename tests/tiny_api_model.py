"""A model and test images small enough to run ``bench.evaluate`` in a second or two.

Class k of 10 is a bright 3x3 block at its own place of a 16x16 image on low noise; the
model is a fixed template match (no training): the score of class k sums the pixels (0..1)
of block k, with half weight on a one-pixel ring around it, and a softmax turns scores into
probabilities. It is right on every clean image and fails where a transform moves a block
by about two pixels (a 2 px shift, a 30 degree rotation). The same model exists as a NumPy
callable (:func:`numpy_model`) and as a Keras model (:func:`keras_model`).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

SIZE, CLASSES = 16, 10
README = Path(__file__).resolve().parent.parent / "README.md"


def _corner(label: int) -> tuple[int, int]:
    return 1 + 4 * (label // 4), 1 + 4 * (label % 4)


def blocks(n: int, seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """(x uint8 (n, 16, 16, 1), y int64 (n,)), every class present."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % CLASSES
    x = rng.integers(0, 40, (n, SIZE, SIZE, 1), dtype=np.uint8)
    for i, label in enumerate(y):
        row, col = _corner(label)
        x[i, row:row + 3, col:col + 3] = 255
    return x, y.astype(np.int64)


def write_npz(path: Path, n: int = 40) -> Path:
    """:func:`blocks` as the npz ``bench eval --data`` reads."""
    x, y = blocks(n)
    np.savez(path, x_test=x, y_test=y)
    return path


def template_weights() -> np.ndarray:
    """(256, 10) float32: column k weighs block k's pixels 1 and its ring 0.5."""
    weights = np.zeros((SIZE * SIZE, CLASSES), np.float32)
    for label in range(CLASSES):
        mask = np.zeros((SIZE, SIZE), np.float32)
        row, col = _corner(label)
        mask[max(row - 1, 0):row + 4, max(col - 1, 0):col + 4] = 0.5
        mask[row:row + 3, col:col + 3] = 1.0
        weights[:, label] = mask.ravel()
    return weights


def numpy_model(images: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Probabilities (N, 10) for float32 images (N, 16, 16, 1) in 0..1."""
    weights = template_weights() if weights is None else weights
    scores = images.reshape(len(images), -1).astype(np.float64) @ weights
    scores -= scores.max(axis=1, keepdims=True)
    return np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)


def keras_model(weights: np.ndarray | None = None):
    """The same template match as a Keras model (Flatten, Dense with the weights, Softmax)."""
    import keras

    model = keras.Sequential([keras.Input((SIZE, SIZE, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(CLASSES), keras.layers.Softmax()],
                             name="blocks")
    weights = template_weights() if weights is None else weights
    model.layers[1].set_weights([weights, np.zeros(CLASSES, np.float32)])
    return model


def readme_model(folder: Path, name: str = "mine", weights: np.ndarray | None = None) -> Path:
    """``<name>.keras`` taking pixels 0..255 like the README's model (Rescaling inside)."""
    import keras

    inner = keras_model(weights)  # the template match, with Rescaling(1/255) in front
    model = keras.Sequential([keras.Input(inner.input_shape[1:]),
                              keras.layers.Rescaling(1 / 255), *inner.layers], name=name)
    model.save(folder / f"{name}.keras")
    return folder / f"{name}.keras"


def readme_blocks() -> list[str]:
    """The python blocks of the README's "From Python and from pytest" paragraph."""
    text = README.read_text()
    section = text.split("**From Python and from pytest.**", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def as_reference_family(folder: Path, family: str = "cnn", augmentation: str = "none") -> Path:
    """Relabel the one model of an eval run folder as a reference family (``cnn/none``), so
    it stands in for a published reference in the README's examples. Returns ``folder``."""
    import json

    for path in [folder / "models.jsonl", *sorted((folder / "rows").glob("*.jsonl"))]:
        records = [json.loads(line) for line in path.read_text().splitlines() if line]
        for record in records:
            record.update(family=family, augmentation=augmentation)
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return folder
