"""A NumPy network: a chain of inference layers with a Keras-like ``predict``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.npcnn.layers import Layer


@dataclass(frozen=True)
class Network:
    """Layers applied in order to an NHWC float32 batch.

    ``input_shape`` is the per-image shape the Keras model was built for,
    e.g. (28, 28, 1); ``layers`` carry the Keras layer names.
    """

    name: str
    input_shape: tuple[int, ...]
    layers: tuple[Layer, ...]

    def _as_batch(self, x: np.ndarray) -> np.ndarray:
        batch = np.asarray(x, dtype=np.float32)
        if batch.shape[1:] != tuple(self.input_shape):
            raise ValueError(
                f"network {self.name!r} expects a batch of shape (n, "
                f"{', '.join(map(str, self.input_shape))}), got {batch.shape}"
            )
        return batch

    def predict(self, x: np.ndarray) -> np.ndarray:
        """(n, *input_shape) -> the last layer's output, e.g. (n, classes) float32."""
        out = self._as_batch(x)
        for layer in self.layers:
            out = layer(out)
        return out

    def layer_outputs(self, x: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """Every layer's output, in order, as (Keras layer name, float32 array) pairs."""
        out = self._as_batch(x)
        outputs = []
        for layer in self.layers:
            out = layer(out)
            outputs.append((layer.name, out))
        return outputs
