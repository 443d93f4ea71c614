"""The input contract between bench's images and a user's model, stated explicitly.

bench stores images as uint8 (N, H, W, C) and feeds its own models float32 in [0, 1]
(``bench.run.train.to_inputs``). A user's model may expect 0-255 (a ``Rescaling(1/255)``
inside) and may return logits instead of probabilities: both are flags, printed at the
start and stored with the model record, never guessed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bench.config import ChoiceError

if TYPE_CHECKING:  # no Keras at import: `bench --help` reads RANGES and OUTPUTS
    from bench.evaluate.model_source import LoadedModel

log = logging.getLogger(__name__)

RANGES = {"0-1": 1.0, "0-255": 255.0}
OUTPUTS = ("probs", "logits")
#: bench's own convention for every task: pixels divided by 255.
TASK_CONVENTION = "0-1"
#: How far a row of probabilities may sum from 1 before the warning.
SUM_TOLERANCE = 1e-3


class ModelError(ChoiceError):
    """A model source that cannot be loaded or used; the message names it."""


@dataclass(frozen=True)
class InputContract:
    """input_range: ``0-1`` (pixel / 255) or ``0-255`` (pixel values as floats);
    outputs: ``probs`` (class probabilities, or one sigmoid unit) or ``logits``."""

    input_range: str = TASK_CONVENTION
    outputs: str = "probs"

    def __post_init__(self) -> None:
        if self.input_range not in RANGES:
            raise ChoiceError(f"--input-range {self.input_range!r}: valid choices: "
                              f"{', '.join(RANGES)}")
        if self.outputs not in OUTPUTS:
            raise ChoiceError(f"--outputs {self.outputs!r}: valid choices: {', '.join(OUTPUTS)}")

    def describe(self) -> str:
        """One line for the start of a run and the report."""
        scale = "pixel / 255" if self.input_range == "0-1" else "pixel values 0..255"
        read = ("logits (softmax applied by bench)" if self.outputs == "logits"
                else "probabilities")
        return (f"inputs float32 (N, H, W, C) in {self.input_range} ({scale}); outputs read "
                f"as {read}")


def check_shape(model: LoadedModel, image_shape: tuple[int, int, int]) -> None:
    """ModelError with both shapes when the model's input (H, W, C) does not take the test
    images' (H, W, C); nothing is checked where the model does not state its input."""
    expected = model.input_shape
    if expected is None:
        log.info("%s: the model does not state its input shape; the images are %s",
                 model.source, tuple(image_shape))
        return
    if len(expected) != 3 or any(e is not None and e != g
                                 for e, g in zip(expected, image_shape, strict=True)):
        hint = ""
        if len(expected) == 3 and expected[:2] == tuple(image_shape[:2]):
            hint = (" (channels differ: grey images have 1, colour 3; give data with the "
                    "model's channels)")
        elif len(expected) != 3:
            hint = (" (the model takes flat or other-rank inputs; give it a "
                    "keras.Input of shape (H, W, C), with a Flatten layer inside)")
        raise ModelError(f"{model.source}: the model takes inputs of shape (H, W, C) = "
                         f"{tuple(expected)} but the test images are {tuple(image_shape)}"
                         f"{hint}")


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, K) logits (float64); one sigmoid logit (N,)/(N, 1) gets the
    logistic function instead."""
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim == 1 or z.shape[1] == 1:
        return 1.0 / (1.0 + np.exp(-z))
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class ContractModel:
    """A user's model behind bench's ``model.predict(x01, batch_size, verbose)`` interface
    (x01: float32 in [0, 1], as ``bench.run.sweep.predict_proba`` passes), so the sweep code
    is the same for bench's models and the user's. Warns once when probability rows do not
    sum to 1 (the text kept in ``warnings``)."""

    def __init__(self, model: LoadedModel, contract: InputContract) -> None:
        self.model = model
        self.contract = contract
        self.warnings: list[str] = []

    def predict_on_batch(self, x01: np.ndarray) -> np.ndarray:
        """:meth:`predict` under the name the sweep calls (``bench.run.sweep.predict_proba``)."""
        return self.predict(x01)

    def predict(self, x01: np.ndarray, batch_size: int = 0, verbose: int = 0) -> np.ndarray:
        """Outputs (N, K) or (N,) probabilities for inputs in [0, 1]."""
        scale = RANGES[self.contract.input_range]
        inputs = x01 if scale == 1.0 else (x01 * np.float32(scale)).astype(np.float32)
        try:
            output = np.asarray(self.model.predict(inputs))
        except Exception as error:  # whatever the user's model raises is bad input here
            raise ModelError(f"{self.model.source}: predicting {inputs.shape[0]:,} images of "
                             f"shape {inputs.shape[1:]} failed ({type(error).__name__}: "
                             f"{str(error).splitlines()[0] if str(error) else ''}); check the "
                             "model's input shape and the input contract") from error
        if output.ndim not in (1, 2) or len(output) != len(inputs):
            raise ModelError(f"{self.model.source}: returned outputs of shape {output.shape} "
                             f"for {len(inputs):,} images; expected one output, (N, classes) "
                             "or (N,) / (N, 1) for one sigmoid unit")
        if self.contract.outputs == "logits":
            return softmax(output)
        finite = np.isfinite(output).all()
        if not finite or output.min() < 0.0 or output.max() > 1.0:
            low, high = (float(np.nanmin(output)), float(np.nanmax(output)))
            raise ModelError(f"{self.model.source}: outputs range over [{low:.3g}, {high:.3g}], "
                             "not probabilities; if the model returns logits, pass "
                             "--outputs logits")
        if output.ndim == 2 and output.shape[1] > 1 and not self.warnings:
            sums = output.sum(axis=1, dtype=np.float64)
            off = np.abs(sums - 1.0) > SUM_TOLERANCE
            if off.any():
                self.warnings.append(
                    f"{int(off.sum()):,} of {len(sums):,} output rows do not sum to 1 (sums "
                    f"{sums.min():.3g} to {sums.max():.3g}); if they are logits, pass "
                    "--outputs logits")
                log.warning("warning: %s: %s", self.model.source, self.warnings[-1])
        return output
