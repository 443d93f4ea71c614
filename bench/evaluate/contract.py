"""The input contract between bench's images and a user's model, stated explicitly.

bench stores images as uint8 (N, H, W, C) and feeds its own models float32 in [0, 1]
(``bench.run.inputs.to_inputs``). A user's model may expect 0-255 (a ``Rescaling(1/255)``
inside), may take 3 channels on a grey task (``--repeat-channels``) and may return logits
instead of probabilities: the range and channels are flags, never guessed; the outputs are
read as the flag says, or detected from the clean pass where no flag is given. All of it is
printed at the start and stored with the model record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from bench.config import ChoiceError
from bench.evaluate.loaded import LoadedModel, ModelError, first_line

log = logging.getLogger(__name__)

RANGES = {"0-1": 1.0, "0-255": 255.0}
OUTPUTS = ("probs", "logits")
#: bench's own convention for every task: pixels divided by 255.
TASK_CONVENTION = "0-1"
#: How far a row of probabilities may sum from 1 (detection and the warning).
SUM_TOLERANCE = 1e-3
__all__ = ["ContractModel", "InputContract", "ModelError", "check_shape", "softmax"]


@dataclass(frozen=True)
class InputContract:
    """input_range: ``0-1`` (pixel / 255) or ``0-255`` (pixel values as floats);
    outputs: ``probs`` (class probabilities, or one sigmoid unit), ``logits`` or None
    (detected from the clean pass); repeat_channels: grey images (C = 1) fed as 3 equal
    channels."""

    input_range: str = TASK_CONVENTION
    outputs: str | None = None
    repeat_channels: bool = False

    def __post_init__(self) -> None:
        if self.input_range not in RANGES:
            raise ChoiceError(f"--input-range {self.input_range!r}: valid choices: "
                              f"{', '.join(RANGES)}")
        if self.outputs is not None and self.outputs not in OUTPUTS:
            raise ChoiceError(f"--outputs {self.outputs!r}: valid choices: {', '.join(OUTPUTS)}")

    def describe(self) -> str:
        """One line for the start of a run and the report."""
        scale = "pixel / 255" if self.input_range == "0-1" else "pixel values 0..255"
        read = {"logits": "logits (softmax applied by bench)", "probs": "probabilities",
                None: "probabilities or logits, detected from the clean pass"}[self.outputs]
        channels = "; grey channel repeated 3 times" if self.repeat_channels else ""
        return (f"inputs float32 (N, H, W, C) in {self.input_range} ({scale}){channels}; "
                f"outputs read as {read}")

    def fed_shape(self, image_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The (H, W, C) the model receives for images of ``image_shape``; ChoiceError for
        --repeat-channels on images that are not grey."""
        shape = tuple(int(d) for d in image_shape)
        if not self.repeat_channels:
            return shape
        if shape[-1] != 1:
            raise ChoiceError(f"--repeat-channels: the test images have {shape[-1]} channels; "
                              "it repeats a grey (1-channel) image, leave it out")
        return (*shape[:-1], 3)


def probabilities_check(output: np.ndarray) -> str:
    """"" when ``output`` (N, K) or (N,) reads as probabilities (every value in [0, 1] and,
    for K > 1, every row summing to 1 within SUM_TOLERANCE), else why not, in words."""
    low, high = float(output.min(initial=0.0)), float(output.max(initial=0.0))
    if low < 0.0 or high > 1.0:
        return f"outputs range over [{low:.3g}, {high:.3g}]"
    if output.ndim == 2 and output.shape[1] > 1:
        sums = output.sum(axis=1, dtype=np.float64)
        off = np.abs(sums - 1.0) > SUM_TOLERANCE
        if off.any():
            return (f"{int(off.sum()):,} of {len(sums):,} output rows do not sum to 1 (sums "
                    f"{sums.min():.3g} to {sums.max():.3g})")
    return ""


def check_shape(model: LoadedModel, image_shape: tuple[int, int, int],
                contract: InputContract | None = None) -> None:
    """ModelError with both shapes when the model's input (H, W, C) does not take the test
    images' (H, W, C) as the contract feeds them (3 channels with --repeat-channels);
    nothing is checked where the model does not state its input."""
    fed = contract.fed_shape(image_shape) if contract is not None else tuple(image_shape)
    expected = model.input_shape
    if expected is None:
        log.info("%s: the model does not state its input shape; the images are %s",
                 model.source, fed)
        return
    if len(expected) != 3 or any(e is not None and e != g
                                 for e, g in zip(expected, fed, strict=True)):
        hint = ""
        if len(expected) == 3 and expected[:2] == fed[:2]:
            hint = (" (channels differ: grey images have 1, colour 3; give data with the "
                    "model's channels")
            hint += (", or pass --repeat-channels to feed grey images as 3 equal channels)"
                     if expected[2] == 3 and fed[2] == 1 else ")")
        elif len(expected) != 3:
            hint = (" (the model takes flat or other-rank inputs; give it a "
                    "keras.Input of shape (H, W, C), with a Flatten layer inside)")
        raise ModelError(f"{model.source}: the model takes inputs of shape (H, W, C) = "
                         f"{tuple(expected)} but the test images are {fed}"
                         f"{' as fed' if fed != tuple(image_shape) else ''}{hint}")


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
    is the same for bench's models and the user's.

    ``outputs`` is the contract's, or (where the contract leaves it None) detected by
    :meth:`clean_probabilities` from the clean pass, with the detection in words in
    ``detection``. ``warnings`` keeps what the record and report must say: probability rows
    that do not sum to 1, a flag the outputs contradict."""

    def __init__(self, model: LoadedModel, contract: InputContract) -> None:
        self.model = model
        self.contract = contract
        self.outputs: str | None = contract.outputs
        self.detection = ""
        self.warnings: list[str] = []

    def _warn(self, text: str) -> None:
        self.warnings.append(text)
        log.warning("warning: %s: %s", self.model.source, text)

    def raw(self, x01: np.ndarray) -> np.ndarray:
        """The model's own outputs (N, K) or (N,) for inputs (N, H, W, C) in [0, 1], fed as
        the contract says; ModelError for a failing model or outputs that are not one finite
        number per class and image."""
        scale = RANGES[self.contract.input_range]
        inputs = x01 if scale == 1.0 else (x01 * np.float32(scale)).astype(np.float32)
        if self.contract.repeat_channels and inputs.shape[-1] == 1:
            inputs = np.repeat(inputs, 3, axis=-1)
        try:
            output = np.asarray(self.model.predict(inputs))
        except Exception as error:  # whatever the user's model raises is bad input here
            raise ModelError(f"{self.model.source}: predicting {inputs.shape[0]:,} images of "
                             f"shape {inputs.shape[1:]} failed ({first_line(error)}); check "
                             "the model's input shape and the input contract") from error
        if output.ndim not in (1, 2) or len(output) != len(inputs):
            raise ModelError(f"{self.model.source}: returned outputs of shape {output.shape} "
                             f"for {len(inputs):,} images; expected one output, (N, classes) "
                             "or (N,) / (N, 1) for one sigmoid unit")
        if output.dtype.kind not in "fiub":
            raise ModelError(f"{self.model.source}: returned outputs of type {output.dtype} "
                             f"(first row {output[0]!r}); expected numbers")
        bad = ~np.isfinite(output.reshape(len(output), -1)).all(axis=1)
        if bad.any():
            first = int(np.argmax(bad))
            raise ModelError(f"{self.model.source}: {int(bad.sum()):,} of {len(output):,} "
                             f"output rows hold NaN or infinity (first: row {first}, "
                             f"{np.array2string(output[first], precision=3, threshold=12)}); "
                             "check the model's weights and the input contract")
        return output

    def read(self, output: np.ndarray) -> np.ndarray:
        """Raw outputs as probabilities under ``outputs`` (softmax for logits); ModelError
        for values outside [0, 1] read as probabilities."""
        if self.outputs is None:
            self.resolve(output)
        if self.outputs == "logits":
            return softmax(output)
        why = probabilities_check(output)
        if why.startswith("outputs range"):
            raise ModelError(f"{self.model.source}: {why}, not probabilities; if the model "
                             "returns logits, pass --outputs logits")
        if why and not any("do not sum to 1" in w for w in self.warnings):
            self._warn(f"{why}; if they are logits, pass --outputs logits")
        return output

    def resolve(self, output: np.ndarray) -> None:
        """Detect probabilities or logits from ``output`` where the contract does not say,
        and warn where the contract's flag contradicts it."""
        why = probabilities_check(output)
        if self.outputs is None:
            self.outputs = "logits" if why else "probs"
            self.detection = (f"outputs detected as {'logits' if why else 'probabilities'} "
                              f"(--outputs not given): "
                              + (f"{why}" if why else "every value in [0, 1] and every row "
                                 f"summing to 1 within {SUM_TOLERANCE:g}"))
            log.info("%s: %s", self.model.source, self.detection)
            if why and not why.startswith("outputs range"):
                self._warn(f"{why}, so they are read as logits (softmax applied); if they "
                           "are probabilities as they are, pass --outputs probs")
        elif self.outputs == "logits" and not why and output.ndim == 2 and output.shape[1] > 1:
            self._warn("--outputs logits, but the outputs look like probabilities (every value "
                       "in [0, 1], every row summing to 1): a softmax of probabilities keeps "
                       "the predicted class but flattens confidences (flip rate and MAC "
                       "change); leave --outputs out or pass --outputs probs")

    def clean_probabilities(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities (N, K) of uint8 ``images`` (N, H, W, C), the clean pass: the
        raw outputs of all images (in the sweep's batches, so the same bits) decide the
        output kind, then are read as it."""
        from bench.analysis.metrics import as_class_probabilities
        from bench.run.inputs import to_inputs
        from bench.run.sweep import PREDICT_BATCH

        inputs = to_inputs(images)
        raw = np.concatenate([self.raw(inputs[start:start + PREDICT_BATCH])
                              for start in range(0, max(len(inputs), 1), PREDICT_BATCH)])
        self.resolve(raw)
        return as_class_probabilities(self.read(raw))

    def predict_on_batch(self, x01: np.ndarray) -> np.ndarray:
        """:meth:`predict` under the name the sweep calls (``bench.run.sweep.predict_proba``)."""
        return self.predict(x01)

    def predict(self, x01: np.ndarray, batch_size: int = 0, verbose: int = 0) -> np.ndarray:
        """Outputs (N, K) or (N,) probabilities for inputs in [0, 1]."""
        return self.read(self.raw(x01))
