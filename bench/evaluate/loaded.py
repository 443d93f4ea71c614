"""What every model source yields (:class:`LoadedModel`) and the error a bad source raises
(:class:`ModelError`). No Keras, no runtime here: ``contract`` and every source module import
this, and nothing here imports them, so there is no import circle."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.config import ChoiceError

KIND_KERAS, KIND_SAVEDMODEL, KIND_PYTHON = "keras file", "SavedModel", "python function"
KIND_ONNX, KIND_TFLITE = "onnx file", "tflite file"


class ModelError(ChoiceError):
    """A model source that cannot be loaded or used; the message names it."""


@dataclass(frozen=True)
class LoadedModel:
    """A model ready to predict.

    predict: float32 images (N, H, W, C) in the model's input range -> raw outputs (N, K)
    or (N,) / (N, 1) for a sigmoid head (a channel-first model gets its images transposed
    inside ``predict``). keras_model: the Keras model when there is one (layer-by-layer
    checks and --verify-numpy need it), else None. input_shape: (H, W, C) the model expects
    (channel-last, as bench feeds it), None where unknown. sha256: of the file, of every file
    of a SavedModel folder, or of a function's source file. named_files: for a function,
    path -> sha256 of the existing files its code or module names (its weights, where
    known). notes: how the source is fed beyond the input contract (one sentence each, e.g.
    a transpose to channel-first), stored in the model record.
    """

    source: str
    kind: str
    predict: Callable[[np.ndarray], np.ndarray]
    keras_model: Any
    input_shape: tuple | None
    sha256: str
    named_files: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

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


def first_line(error: BaseException) -> str:
    """``Type: first line of the message`` of an exception, for one-line ModelErrors."""
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def batched(run: Callable[[np.ndarray], np.ndarray], x: np.ndarray, batch_size: int,
            fixed: int | None = None) -> np.ndarray:
    """``run`` over ``x`` (N, ...) in batches of ``batch_size`` images, concatenated along
    axis 0. ``fixed``: a model that takes exactly that many images per call gets batches of
    that size, the last one padded with copies of its last image (the padding's outputs
    dropped)."""
    size = fixed or batch_size
    parts = []
    for start in range(0, max(len(x), 1), size):
        chunk = x[start:start + size]
        pad = size - len(chunk) if fixed else 0
        if pad and len(chunk):
            chunk = np.concatenate([chunk, np.repeat(chunk[-1:], pad, axis=0)])
        out = np.asarray(run(chunk))
        parts.append(out[:len(out) - pad] if pad else out)
    return np.concatenate(parts)


def one_input_one_output(path, n_inputs: int, n_outputs: int) -> None:
    """ModelError unless a model file has exactly one input and one output."""
    if n_inputs != 1 or n_outputs != 1:
        raise ModelError(f"{path}: the model has {n_inputs} inputs and {n_outputs} outputs; "
                         "expected one image input and one output")
