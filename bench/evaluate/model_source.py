"""Load the model a user brings: a ``.keras`` / ``.h5`` file, a SavedModel folder (through
``keras.layers.TFSMLayer``) or ``package.module:function`` returning a Keras model or a
callable from images to outputs. Every failure is a ModelError naming the source and what
to do (the CLI prints it on one line, exit status 2)."""

from __future__ import annotations

import hashlib
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from bench.evaluate.contract import ModelError

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")
KIND_KERAS, KIND_SAVEDMODEL, KIND_PYTHON = "keras file", "SavedModel", "python function"


@dataclass(frozen=True)
class LoadedModel:
    """A model ready to predict.

    predict: float32 images (N, H, W, C) in the model's input range -> raw outputs (N, K)
    or (N,) / (N, 1) for a sigmoid head. keras_model: the Keras model when there is one
    (layer-by-layer checks and --verify-numpy need it), else None. input_shape: (H, W, C)
    the model expects, None where unknown. sha256: of the file, of every file of a
    SavedModel folder, or of the factory's source file.
    """

    source: str
    kind: str
    predict: Callable[[np.ndarray], np.ndarray]
    keras_model: keras.Model | None
    input_shape: tuple | None
    sha256: str

    @property
    def stem(self) -> str:
        """A short name for folders: the file or folder stem, or the function's name."""
        if self.kind == KIND_PYTHON:
            return self.source.rsplit(":", 1)[-1]
        return Path(self.source).stem


def file_sha256(path: Path) -> str:
    """sha256 (hex) of a file, or of every file of a folder (relative names and bytes)."""
    digest = hashlib.sha256()
    path = Path(path)
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _keras_predict(model: keras.Model, batch_size: int) -> Callable[[np.ndarray], np.ndarray]:
    return lambda x: model.predict(x, batch_size=batch_size, verbose=0)


def _shape_of(model: keras.Model) -> tuple | None:
    shape = getattr(model, "input_shape", None)
    if isinstance(shape, list):  # several inputs: leave it to the model to complain
        return None
    return tuple(shape[1:]) if shape is not None else None


def _load_keras_file(path: Path, batch_size: int) -> LoadedModel:
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as error:  # Keras raises many types for a bad file; report as input
        raise ModelError(f"{path}: Keras cannot load it as a model ({type(error).__name__}: "
                         f"{str(error).splitlines()[0] if str(error) else ''}); expected a "
                         "file written by model.save()") from error
    return LoadedModel(str(path), KIND_KERAS, _keras_predict(model, batch_size), model,
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


def _load_function(text: str, batch_size: int) -> LoadedModel:
    module_name, _, function_name = text.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ModelError(f"{text}: cannot import module {module_name!r} ({error}); is it on "
                         "PYTHONPATH?") from error
    factory = getattr(module, function_name, None)
    if not callable(factory):
        raise ModelError(f"{text}: module {module_name!r} has no function {function_name!r}")
    try:
        made = factory()
    except Exception as error:  # the user's factory failing is bad input, named
        raise ModelError(f"{text}: calling {function_name}() failed ({type(error).__name__}: "
                         f"{error})") from error
    source_file = inspect.getsourcefile(module)
    sha = file_sha256(Path(source_file)) if source_file else "unknown"
    if isinstance(made, keras.Model):
        return LoadedModel(text, KIND_PYTHON, _keras_predict(made, batch_size), made,
                           _shape_of(made), sha)
    if not callable(made):
        raise ModelError(f"{text}: returned {type(made).__name__}; expected a Keras model or a "
                         "callable from images (N, H, W, C) to outputs (N, K)")

    def predict(x: np.ndarray) -> np.ndarray:
        return np.concatenate([np.asarray(made(x[start:start + batch_size]))
                               for start in range(0, len(x), batch_size)])

    return LoadedModel(text, KIND_PYTHON, predict, None, None, sha)


def load(source: str, batch_size: int) -> LoadedModel:
    """The model named by ``source`` (a path or ``package.module:function``)."""
    path = Path(source)
    if path.is_dir():
        if not (path / "saved_model.pb").is_file():
            raise ModelError(f"{path}: a folder without saved_model.pb; expected a SavedModel "
                             "folder (model.export(path)) or a .keras/.h5 file")
        return _load_savedmodel(path, batch_size)
    if path.suffix.lower() in KERAS_SUFFIXES:
        if not path.is_file():
            raise ModelError(f"{path}: no such file")
        return _load_keras_file(path, batch_size)
    if ":" in source and not path.exists():
        return _load_function(source, batch_size)
    raise ModelError(f"{source}: expected a .keras or .h5 file, a SavedModel folder or "
                     "package.module:function")
