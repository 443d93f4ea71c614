"""Load the model a user brings: a ``.keras`` / ``.h5`` file, a SavedModel folder (through
``keras.layers.TFSMLayer``), an ``.onnx`` file (``onnx_source``), a ``.tflite`` file
(``tflite_source``) or ``package.module:function`` (``function_source``). Every failure is
a ModelError naming the source and what to do (the CLI prints it on one line, exit status
2). :class:`LoadedModel` and :class:`ModelError` live in ``loaded`` (re-exported here)."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from bench.evaluate.function_source import MODEL_TIMEOUT_S, load_function
from bench.evaluate.loaded import (
    KIND_KERAS,
    KIND_PYTHON,
    KIND_SAVEDMODEL,
    LoadedModel,
    ModelError,
    file_sha256,
    first_line,
)
from bench.evaluate.onnx_source import load_onnx
from bench.evaluate.tflite_source import load_tflite

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")
ONNX_SUFFIX, TFLITE_SUFFIX = ".onnx", ".tflite"
__all__ = ["KIND_KERAS", "KIND_PYTHON", "KIND_SAVEDMODEL", "LoadedModel", "ModelError",
           "file_sha256", "load"]


def _shape_of(model: keras.Model) -> tuple | None:
    shape = getattr(model, "input_shape", None)
    if isinstance(shape, list):  # several inputs: leave it to the model to complain
        return None
    return tuple(shape[1:]) if shape is not None else None


def _load_keras_file(path: Path, batch_size: int) -> LoadedModel:
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as error:  # Keras raises many types for a bad file; report as input
        raise ModelError(f"{path}: Keras cannot load it as a model ({first_line(error)}); "
                         "expected a file written by model.save()") from error
    return LoadedModel(str(path), KIND_KERAS,
                       lambda x: model.predict(x, batch_size=batch_size, verbose=0), model,
                       _shape_of(model), file_sha256(path))


def _load_savedmodel(path: Path, batch_size: int) -> LoadedModel:
    import tensorflow as tf

    try:
        layer = keras.layers.TFSMLayer(str(path), call_endpoint="serving_default")
        signature = tf.saved_model.load(str(path)).signatures["serving_default"]
    except Exception as error:  # TensorFlow raises many types for a bad folder
        raise ModelError(f"{path}: not a loadable SavedModel with a serving_default signature "
                         f"({type(error).__name__}); export one with model.export(path)") \
            from error
    inputs = signature.structured_input_signature[1]
    shape = (tuple(next(iter(inputs.values())).shape[1:]) if len(inputs) == 1 else None)

    def predict(x: np.ndarray) -> np.ndarray:
        parts = []
        for start in range(0, len(x), batch_size):
            out = layer(x[start:start + batch_size])
            if isinstance(out, dict):
                if len(out) != 1:
                    raise ModelError(f"{path}: the serving signature returns {sorted(out)}; "
                                     "expected one output")
                out = next(iter(out.values()))
            parts.append(keras.ops.convert_to_numpy(out))
        return np.concatenate(parts)

    return LoadedModel(str(path), KIND_SAVEDMODEL, predict, None, shape, file_sha256(path))


def load(source: str, batch_size: int, timeout: float = MODEL_TIMEOUT_S) -> LoadedModel:
    """The model named by ``source`` (a path or ``package.module:function``; a function gets
    ``timeout`` seconds to load and then for each batch)."""
    path = Path(source)
    if path.is_dir():
        if not (path / "saved_model.pb").is_file():
            raise ModelError(f"{path}: a folder without saved_model.pb; expected a SavedModel "
                             "folder (model.export(path)) or a .keras/.h5 file")
        return _load_savedmodel(path, batch_size)
    suffix = path.suffix.lower()
    if suffix in KERAS_SUFFIXES:
        if not path.is_file():
            raise ModelError(f"{path}: no such file")
        return _load_keras_file(path, batch_size)
    if suffix == ONNX_SUFFIX:
        return load_onnx(path, batch_size)
    if suffix == TFLITE_SUFFIX:
        return load_tflite(path, batch_size)
    if ":" in source and not path.exists():
        return load_function(source, batch_size, timeout)
    raise ModelError(f"{source}: expected a .keras, .h5, .onnx or .tflite file, a SavedModel "
                     "folder or package.module:function")
