"""``--verify-numpy``: run the user's Keras model through the NumPy engine (``bench.npcnn``)
and report the largest |NumPy - Keras| output on the test images, or why it cannot run.
Never fails the evaluation: every outcome is one line of text."""

from __future__ import annotations

import numpy as np

from bench.evaluate.contract import RANGES, InputContract
from bench.evaluate.model_source import LoadedModel
from bench.run.inputs import to_inputs
from bench.run.sweep import PREDICT_BATCH


def verify(model: LoadedModel, contract: InputContract, images: np.ndarray) -> str:
    """One sentence: the max |NumPy - Keras| over ``images`` (uint8 (N, H, W, C)) and every
    output, or the reason the engine cannot run the model (its first unsupported layer)."""
    if model.keras_model is None:
        return (f"Not checked: `{model.source}` is a {model.kind} without a Keras model "
                "object; the NumPy engine converts Keras Sequential models.")
    if contract.repeat_channels:
        return "Not checked: the NumPy engine feeds the test images without --repeat-channels."
    from bench.npcnn import from_keras

    try:
        network = from_keras(model.keras_model)
    except (NotImplementedError, ValueError) as error:
        return f"Not converted: {error}."
    inputs = to_inputs(images) * np.float32(RANGES[contract.input_range])
    keras_out = np.asarray(model.keras_model.predict(inputs, batch_size=PREDICT_BATCH,
                                                     verbose=0), dtype=np.float64)
    numpy_out = np.asarray(network.predict(inputs), dtype=np.float64)
    if numpy_out.shape != keras_out.shape:
        return (f"Converted, but the NumPy output has shape {numpy_out.shape} against Keras' "
                f"{keras_out.shape}.")
    largest = float(np.max(np.abs(numpy_out - keras_out)))
    agree = float(np.mean(numpy_out.reshape(len(images), -1).argmax(axis=1)
                          == keras_out.reshape(len(images), -1).argmax(axis=1)))
    return (f"Converted with `bench.npcnn.from_keras`: largest |NumPy - Keras| output "
            f"{largest:.2e} over {len(images):,} clean test images and every output; the "
            f"predicted classes agree on {agree:.1%} of them.")
