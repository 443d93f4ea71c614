"""A Keras model exported for the runtimes a user would pick for fast CPU inference, cached.

``exported(model, "onnx")`` writes ``model.export(path, format="onnx")`` (tf2onnx under the
TensorFlow backend; the batch dimension stays free) and ``exported(model, "litert")`` writes
``format="litert"`` (a ``.tflite`` flatbuffer; batch 1), each once: the file is cached under
``<bench cache>/exports/<format>/<key>.<ext>`` (``$BENCH_CACHE_DIR`` or ~/.cache/bench, never
inside the repository), where the key is a sha256 over the architecture (layer configs
without their names), every weight's bytes and the Keras and TensorFlow versions. Loading:
``onnx_session(path, threads)`` is an ONNX Runtime session on the CPU execution provider with
``threads`` intra-op threads and every graph optimisation on; ``litert_runner(path, threads)``
is a callable (1, h, w, c) float32 -> (1, classes) through LiteRT's interpreter with
``threads`` threads (XNNPACK delegate, its default). Both runtimes come with the ``bench``
extra (``pip install -e ".[bench]"``).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np

from bench.data.paths import cache_dir

SUFFIXES = {"onnx": ".onnx", "litert": ".tflite"}
"""Export formats (Keras ``model.export`` names) and their file suffixes."""


def export_key(model: keras.Model, fmt: str) -> str:
    """sha256 (hex, 20 chars) of what determines the exported file: format, architecture
    (names left out), weights (shapes and bytes), Keras and TensorFlow versions."""
    import tensorflow as tf

    digest = hashlib.sha256()
    layers = [[type(layer).__name__,
               {k: v for k, v in layer.get_config().items() if k != "name"}]
              for layer in model.layers]  # Keras numbers layer names per session: left out
    header = {"format": fmt, "input": list(model.input_shape), "layers": layers,
              "versions": [keras.__version__, tf.__version__]}
    digest.update(json.dumps(header, sort_keys=True, default=str).encode())
    for weight in model.weights:
        value = np.ascontiguousarray(keras.ops.convert_to_numpy(weight))
        digest.update(f"{value.dtype}{value.shape}".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()[:20]


def exported(model: keras.Model, fmt: str, root: Path | None = None) -> Path:
    """The cached export of ``model`` in ``fmt`` ("onnx" or "litert"), written on first use
    (a few seconds) under ``root`` (default: ``<bench cache>/exports``); the file appears
    whole or not at all (written beside it, then renamed)."""
    if fmt not in SUFFIXES:
        raise ValueError(f"export format must be one of {', '.join(SUFFIXES)}, got {fmt!r}")
    folder = (cache_dir() / "exports" if root is None else Path(root)) / fmt
    path = folder / f"{export_key(model, fmt)}{SUFFIXES[fmt]}"
    if path.is_file():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    signature = [keras.InputSpec(shape=(None, *model.input_shape[1:]), dtype="float32")]
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        partial = Path(scratch) / path.name
        model.export(str(partial), format=fmt, verbose=False, input_signature=signature)
        os.replace(partial, path)
    return path


def onnx_session(path: Path | str, threads: int):
    """An ONNX Runtime session of ``path``: CPU execution provider, ``threads`` intra-op
    threads (operators run one after another), all graph optimisations on."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def onnx_runner(path: Path | str, threads: int) -> Callable[[np.ndarray], np.ndarray]:
    """(n, h, w, c) float32 -> the model's output through :func:`onnx_session`."""
    session = onnx_session(path, threads)
    name = session.get_inputs()[0].name
    return lambda x: session.run(None, {name: x})[0]


def litert_runner(path: Path | str, threads: int) -> Callable[[np.ndarray], np.ndarray]:
    """(1, h, w, c) float32 -> (1, classes) through LiteRT's interpreter on ``threads``
    threads; the output is copied out of the interpreter's buffer."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path), num_threads=threads)
    interpreter.allocate_tensors()
    source = interpreter.get_input_details()[0]["index"]
    target = interpreter.get_output_details()[0]["index"]

    def run(x: np.ndarray) -> np.ndarray:
        if len(x) != 1:
            raise ValueError(f"the LiteRT export takes one image at a time, got {len(x)}")
        interpreter.set_tensor(source, x)
        interpreter.invoke()
        return interpreter.get_tensor(target).copy()

    return run
