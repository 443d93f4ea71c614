"""A ``.tflite`` file through LiteRT (``ai-edge-litert``, the maintained successor of
``tf.lite.Interpreter``). Float models are fed as they are; a quantized input or output
(int8/uint8 with a scale) is quantized and dequantized with the model's own parameters.
Key: the SHA-256 of the file's bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.evaluate.loaded import (
    KIND_TFLITE,
    LoadedModel,
    ModelError,
    batched,
    file_sha256,
    first_line,
    one_input_one_output,
)


def _quantize(x: np.ndarray, detail: dict) -> np.ndarray:
    """Float images as the input tensor's dtype: quantized with its (scale, zero point)."""
    dtype = np.dtype(detail["dtype"])
    if dtype.kind == "f":
        return x.astype(dtype)
    scale, zero = detail["quantization"]
    info = np.iinfo(dtype)
    return np.clip(np.round(x / scale + zero), info.min, info.max).astype(dtype)


def _dequantize(y: np.ndarray, detail: dict) -> np.ndarray:
    """The output tensor as floats: (q - zero point) * scale for a quantized one."""
    scale, zero = detail["quantization"]
    if np.dtype(detail["dtype"]).kind == "f" or not scale:
        return y
    return (y.astype(np.float32) - zero) * np.float32(scale)


def load_tflite(path: Path, batch_size: int) -> LoadedModel:
    """The model of a ``.tflite`` file; ModelError for a missing or unreadable file, no
    LiteRT runtime, or a model with other than one input and one output."""
    if not path.is_file():
        raise ModelError(f"{path}: no such file")
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as error:
        raise ModelError(f"{path}: reading .tflite needs the LiteRT runtime: pip install "
                         "ai-edge-litert (Linux and macOS), or convert the model to ONNX "
                         "(tf2onnx --tflite) and pass the .onnx file") from error
    try:
        interpreter = Interpreter(model_path=str(path))
    except Exception as error:  # LiteRT raises ValueError/RuntimeError for a bad file
        raise ModelError(f"{path}: LiteRT cannot load it as a TFLite model "
                         f"({first_line(error)}); expected a file written by "
                         "TFLiteConverter or ai-edge-torch") from error
    inputs, outputs = interpreter.get_input_details(), interpreter.get_output_details()
    one_input_one_output(path, len(inputs), len(outputs))
    signature = [int(d) for d in inputs[0].get("shape_signature", inputs[0]["shape"])]
    fixed_batch = signature[0] if signature and signature[0] > 0 else None
    dims = tuple(d if d > 0 else None for d in signature[1:])
    allocated: list[int] = []

    def run(x: np.ndarray) -> np.ndarray:
        if allocated != [len(x)]:
            interpreter.resize_tensor_input(inputs[0]["index"], [len(x), *x.shape[1:]])
            interpreter.allocate_tensors()
            allocated[:] = [len(x)]
        interpreter.set_tensor(inputs[0]["index"], _quantize(x, inputs[0]))
        interpreter.invoke()
        return _dequantize(interpreter.get_tensor(outputs[0]["index"]).copy(), outputs[0])

    def predict(x: np.ndarray) -> np.ndarray:
        return batched(run, x, batch_size, fixed_batch)

    notes = ()
    if np.dtype(inputs[0]["dtype"]).kind != "f":
        notes = (f"quantized {np.dtype(inputs[0]['dtype']).name} input: images quantized with "
                 f"the model's scale and zero point {tuple(inputs[0]['quantization'])}",)
    return LoadedModel(str(path), KIND_TFLITE, predict, None, dims or None, file_sha256(path),
                       notes=notes)
