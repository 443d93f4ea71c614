"""An ``.onnx`` file through onnxruntime (CPU execution provider): the PyTorch route
(``torch.onnx.export``) and Keras' ``model.export(path, format="onnx")``.

The input shape is read from the model's one input. A 4-D input (N, C, H, W) with C in
{1, 3} and a last dimension that is not 1 or 3 is channel-first (PyTorch's layout): bench's
images (N, H, W, C) are transposed to it inside ``predict``, and the record says so. A fixed
batch size (an export without a dynamic batch axis) is honoured by feeding batches of
exactly that size. Key: the SHA-256 of the file's bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.evaluate.loaded import (
    KIND_ONNX,
    LoadedModel,
    ModelError,
    batched,
    file_sha256,
    first_line,
    one_input_one_output,
)

#: ONNX element types bench feeds (images as floats).
FLOAT_TYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64,
               "tensor(float16)": np.float16}
CHANNELS = (1, 3)


def _dim(value) -> int | None:
    """An ONNX dimension as an int, None where symbolic or unknown."""
    return value if isinstance(value, int) and value > 0 else None


def channel_first(dims: tuple[int | None, ...]) -> bool:
    """Whether a 4-D input's (C?, H?, W?, C?) dimensions after the batch read as (C, H, W):
    the first is 1 or 3 and the last is not."""
    return len(dims) == 3 and dims[0] in CHANNELS and dims[2] not in CHANNELS


def load_onnx(path: Path, batch_size: int) -> LoadedModel:
    """The model of an ``.onnx`` file; ModelError for a missing or unreadable file, or a
    model with other than one float input and one output."""
    import onnxruntime as ort

    if not path.is_file():
        raise ModelError(f"{path}: no such file")
    options = ort.SessionOptions()
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own types for a bad file
        raise ModelError(f"{path}: onnxruntime cannot load it as an ONNX model "
                         f"({first_line(error)}); expected a file written by torch.onnx.export "
                         "or Keras' model.export(path, format='onnx')") from error
    inputs, outputs = session.get_inputs(), session.get_outputs()
    one_input_one_output(path, len(inputs), len(outputs))
    spec = inputs[0]
    if spec.type not in FLOAT_TYPES:
        raise ModelError(f"{path}: its input {spec.name!r} is {spec.type}; expected a float "
                         "tensor of images (export the model with float inputs)")
    dtype, shape = FLOAT_TYPES[spec.type], list(spec.shape or [])
    dims = tuple(_dim(d) for d in shape[1:])
    fixed_batch = _dim(shape[0]) if shape else None
    transpose = channel_first(dims)
    notes = []
    if transpose:
        dims = (dims[1], dims[2], dims[0])
        notes.append(f"the ONNX input {spec.name!r} is channel-first (N, C, H, W) = "
                     f"{tuple(shape)}: bench's (N, H, W, C) images are transposed to it")
    if fixed_batch is not None and fixed_batch != batch_size:
        notes.append(f"the ONNX input takes exactly {fixed_batch} image(s) per call: fed in "
                     "batches of that size (export with a dynamic batch axis to go faster)")

    def run(x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2) if transpose else x, dtype=dtype)
        return session.run(None, {spec.name: x})[0]

    def predict(x: np.ndarray) -> np.ndarray:
        return batched(run, x, batch_size, fixed_batch)

    return LoadedModel(str(path), KIND_ONNX, predict, None, dims if shape else None,
                       file_sha256(path), notes=tuple(notes))
