"""In-memory models for :func:`bench.api.evaluate`: a ``keras.Model`` or a Python callable
turned into the model source strings ``bench eval`` takes, so they go through the same
pipeline as a file.

A Keras model is saved as ``<folder>/<name>-<hash>.keras``, the hash over its architecture
and weights (an unchanged model reuses the file, so its stored rows are reused too). A
callable (float32 images (N, H, W, C) in the contract's input range -> outputs (N, K)) is
served as ``package.module:function`` from a module registered in ``sys.modules`` for the
duration of the evaluation; its source file ``<folder>/<name>-<hash>.py`` records what it
was, the hash over its outputs on bench's fixed probe batch, so a changed function never
reuses the rows of another.
"""

from __future__ import annotations

import hashlib
import re
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

#: Characters of a hash kept in file and module names.
SHORT = 12


def _name(obj: object, fallback: str) -> str:
    """A file- and identifier-safe name for ``obj`` (its ``name`` or ``__name__``)."""
    raw = getattr(obj, "name", None) or getattr(obj, "__name__", None) or fallback
    clean = re.sub(r"\W+", "_", str(raw)).strip("_")
    return clean if clean and not clean[0].isdigit() else f"model_{clean}"


def keras_weights_sha256(model) -> str:
    """sha256 (hex) over a Keras model's JSON architecture and every weight's bytes."""
    digest = hashlib.sha256(model.to_json().encode())
    for weight in model.get_weights():
        array = np.ascontiguousarray(weight)
        digest.update(repr((array.dtype.str, array.shape)).encode() + array.tobytes())
    return digest.hexdigest()


def save_keras(model, folder: Path) -> Path:
    """``model`` saved as ``<folder>/<name>-<hash>.keras`` (kept when already there)."""
    path = Path(folder) / f"{_name(model, 'model')}-{keras_weights_sha256(model)[:SHORT]}.keras"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(path)
    return path


def callable_identity(function: Callable, image_shape: tuple[int, ...], scale: float) -> str:
    """sha256 of ``function``'s outputs on bench's fixed probe batch of ``image_shape``
    images (``bench.evaluate.function_source.probe_images``, pixels / 255 * ``scale``);
    ModelError when the call fails."""
    from bench.evaluate.function_source import outputs_sha256, probe_images
    from bench.evaluate.loaded import ModelError, first_line

    probe = probe_images(tuple(image_shape)).astype(np.float32) * np.float32(scale / 255.0)
    try:
        outputs = np.asarray(function(probe))
    except Exception as error:  # the user's function failing is bad input, named
        raise ModelError(f"{_name(function, 'function')}: calling it on {len(probe)} probe "
                         f"images of shape {tuple(image_shape)} failed ({first_line(error)}); "
                         "expected a callable from float32 images (N, H, W, C) to outputs "
                         "(N, K)") from error
    return outputs_sha256(outputs)


@contextmanager
def served_callable(function: Callable, identity: str, folder: Path) -> Iterator[str]:
    """``module:function`` text naming ``function`` while the block runs: a module
    ``bench_inmemory_<hash>`` in ``sys.modules`` whose source file (written to ``folder``)
    says what it serves; removed from ``sys.modules`` afterwards."""
    name = _name(function, "function")
    module_name = f"bench_inmemory_{identity[:SHORT]}"
    source = Path(folder) / f"{name}-{identity[:SHORT]}.py"
    source.parent.mkdir(parents=True, exist_ok=True)
    text = (f'"""An in-memory callable, {name}, given to bench.evaluate; its outputs on bench\'s '
            f'probe batch hash to\n{identity}."""\n')
    if not source.is_file() or source.read_text() != text:
        source.write_text(text)
    module = types.ModuleType(module_name, text)
    module.__file__ = str(source)
    setattr(module, name, lambda: function)
    sys.modules[module_name] = module
    try:
        yield f"{module_name}:{name}"
    finally:
        sys.modules.pop(module_name, None)
