"""Walk a Keras model and its NumPy copy layer by layer and report where they diverge."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from bench.npcnn.network import Network

SHOWN_VALUES = 6
"""How many values around the worst one the side-by-side message shows."""


def keras_layer_outputs(model: keras.Model, x: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Every layer's inference output (layers called in turn, ``training=False``)."""
    out = keras.ops.convert_to_tensor(np.asarray(x, dtype=np.float32))
    outputs = []
    for layer in model.layers:
        out = layer(out, training=False)
        outputs.append((layer.name, np.asarray(keras.ops.convert_to_numpy(out))))
    return outputs


@dataclass(frozen=True)
class Divergence:
    """The first layer whose NumPy output differs from Keras' by more than ``atol``."""

    index: int
    name: str
    keras_out: np.ndarray
    numpy_out: np.ndarray
    atol: float

    def describe(self) -> str:
        """A readable side-by-side view: shapes, worst difference, values around it."""
        lines = [f"layer {self.index} {self.name!r}:"]
        if self.keras_out.shape != self.numpy_out.shape:
            lines.append(f"  shape: keras {self.keras_out.shape} vs numpy {self.numpy_out.shape}")
            return "\n".join(lines)
        diff = np.abs(self.keras_out.astype(np.float64) - self.numpy_out)
        worst = int(np.argmax(np.where(np.isnan(diff), np.inf, diff)))
        where = tuple(int(i) for i in np.unravel_index(worst, diff.shape))
        lines.append(
            f"  shape {self.keras_out.shape}, max |diff| {diff.flat[worst]:.3g} at {where} "
            f"(atol {self.atol:g})"
        )
        lines.append(f"  {'flat index':>10}  {'keras':>14}  {'numpy':>14}  {'|diff|':>10}")
        start = max(0, min(worst - SHOWN_VALUES // 2, diff.size - SHOWN_VALUES))
        for i in range(start, min(start + SHOWN_VALUES, diff.size)):
            mark = " <-" if i == worst else ""
            lines.append(
                f"  {i:>10}  {self.keras_out.flat[i]:>14.7g}  {self.numpy_out.flat[i]:>14.7g}"
                f"  {diff.flat[i]:>10.3g}{mark}"
            )
        return "\n".join(lines)


def _within(keras_out: np.ndarray, numpy_out: np.ndarray, atol: float) -> bool:
    """|numpy - keras| <= atol * max(1, |keras|) everywhere: absolute for values up to 1
    (probabilities), relative for larger intermediate activations, where float32
    rounding alone is about 1e-7 of the magnitude."""
    if keras_out.shape != numpy_out.shape:
        return False
    bound = atol * np.maximum(1.0, np.abs(keras_out))
    return bool(np.all(np.abs(numpy_out - keras_out) <= bound))


def first_divergence(
    model: keras.Model, network: Network, x: np.ndarray, atol: float
) -> Divergence | None:
    """The first layer whose output differs beyond ``atol * max(1, |keras|)``, or None.

    Each NumPy layer gets the NumPy previous output, so a small error that grows
    is reported at the layer where it first exceeds the tolerance.
    """
    keras_outs = keras_layer_outputs(model, x)
    numpy_outs = network.layer_outputs(x)
    keras_names = [name for name, _ in keras_outs]
    numpy_names = [name for name, _ in numpy_outs]
    if keras_names != numpy_names:
        raise ValueError(f"layer names differ: keras {keras_names} vs numpy {numpy_names}")
    for index, ((name, k), (_, n)) in enumerate(zip(keras_outs, numpy_outs, strict=True)):
        if not _within(k, n, atol):
            return Divergence(index, name, k, n, atol)
    return None


def assert_matches_keras(model: keras.Model, network: Network, x: np.ndarray, atol: float) -> None:
    """Assert ``network.predict(x)`` equals ``model(x, training=False)`` within ``atol``.

    The outputs must have the same shape and |numpy - keras| <= atol * max(1, |keras|)
    everywhere: a max absolute difference <= ``atol`` for probabilities.
    On failure the message names the first layer that diverges and shows both
    outputs side by side (see :func:`first_divergence`).
    """
    expected = np.asarray(keras.ops.convert_to_numpy(model(x, training=False)))
    got = network.predict(x)
    if _within(expected, got, atol):
        return
    final = Divergence(len(network.layers) - 1, "model output", expected, got, atol)
    divergence = first_divergence(model, network, x, atol)
    where = (
        f"first layer that diverges, {divergence.describe()}"
        if divergence is not None
        else "no single layer exceeds atol * max(1, |keras|): the errors accumulate"
    )
    raise AssertionError(
        f"{network.name}: NumPy output differs from Keras beyond atol {atol:g}\n"
        f"{final.describe()}\n{where}"
    )
