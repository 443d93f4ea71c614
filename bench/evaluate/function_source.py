"""``package.module:function`` models: the function returns a Keras model or a callable from
images (N, H, W, C) to outputs. The current folder is importable (put first on ``sys.path``
when absent), as ``python -c`` would have it.

A function's identity is what it computes, not its source file alone: the record keeps the
source file's SHA-256, the SHA-256 of every existing file its code or module names (a
weights file, where it is named by a string), and the model key adds the hash of its
outputs on a fixed probe batch (:func:`probe_images`), so changed weights never reuse rows.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import os
import sys
import types
from pathlib import Path

import numpy as np

from bench.evaluate.loaded import KIND_PYTHON, LoadedModel, ModelError, batched, file_sha256

#: The probe batch: this many images drawn uniformly from 0..255 with this seed.
PROBE_N, PROBE_SEED = 16, 20240530
#: Outputs are rounded to this many decimals before hashing, so bit-level noise between
#: runs of the same model keeps its key (a change below it on all probe images is not seen
#: by the probe; the named files' hashes still see it).
PROBE_DECIMALS = 5
#: Strings longer than this are not taken for file names.
MAX_NAME = 1024
#: Seconds a function model may take to import and build, and then for each batch
#: (``bench eval --model-timeout``).
MODEL_TIMEOUT_S = 300.0


def within(seconds: float, what: str, run, *args):
    """``run(*args)`` on a daemon thread, its result or its exception; ModelError naming
    ``what`` when it has not returned after ``seconds`` (the thread is left behind and ends
    with the process)."""
    import threading

    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = run(*args)
        except BaseException as error:  # handed to the caller below, never swallowed
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True, name=f"bench model: {what}")
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise ModelError(f"{what} did not return within {seconds:g} s; fix the function or "
                         "give more time with --model-timeout SECONDS")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def probe_images(image_shape: tuple[int, int, int]) -> np.ndarray:
    """The fixed probe batch: uint8 (PROBE_N, H, W, C), the same for every run."""
    rng = np.random.default_rng(PROBE_SEED)
    return rng.integers(0, 256, (PROBE_N, *image_shape), dtype=np.uint8)


def outputs_sha256(outputs: np.ndarray) -> str:
    """sha256 of outputs rounded to PROBE_DECIMALS (float64, shape included)."""
    rounded = np.round(np.asarray(outputs, dtype=np.float64), PROBE_DECIMALS) + 0.0
    return hashlib.sha256(repr(rounded.shape).encode() + rounded.tobytes()).hexdigest()


def _strings(value, seen: set[int]) -> list[str]:
    """The str / PathLike values in a constant, a code object's constants (nested functions
    included) or a tuple of them."""
    if id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, str):
        return [value] if 0 < len(value) <= MAX_NAME and "\n" not in value else []
    if isinstance(value, os.PathLike):
        return [os.fspath(value)]
    if isinstance(value, types.CodeType):
        return [s for const in value.co_consts for s in _strings(const, seen)]
    if isinstance(value, tuple | list):
        return [s for item in value for s in _strings(item, seen)]
    return []


def named_files(module: types.ModuleType, function) -> dict[str, str]:
    """path (as named) -> sha256 of each existing file a string in ``function``'s code,
    defaults or closure, or in ``module``'s globals, names (relative names resolved against
    the current folder, then the module's folder); the module's own source file left out."""
    seen: set[int] = set()
    candidates = _strings(getattr(function, "__code__", None), seen)
    candidates += _strings(getattr(function, "__defaults__", None) or (), seen)
    for cell in getattr(function, "__closure__", None) or ():
        candidates += _strings(cell.cell_contents, seen)
    for name, value in vars(module).items():
        if not name.startswith("__"):
            candidates += _strings(value, seen)
    own = Path(inspect.getsourcefile(module) or "").resolve()
    base = Path(module.__file__).parent if getattr(module, "__file__", None) else Path.cwd()
    found = {}
    for text in dict.fromkeys(candidates):
        for path in (Path(text), base / text):
            try:
                if path.is_file() and path.resolve() != own:
                    found[text] = file_sha256(path)
                    break
            except OSError:  # a string that is no valid path
                break
    return found


def _import(module_name: str, text: str) -> types.ModuleType:
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(module_name)
    except ImportError as error:
        raise ModelError(f"{text}: cannot import module {module_name!r} ({error}); run from "
                         "the folder that holds it or put that folder on PYTHONPATH") from error


def load_function(text: str, batch_size: int,
                  timeout: float = MODEL_TIMEOUT_S) -> LoadedModel:
    """The model ``package.module:function`` returns; ModelError naming what failed, or
    what did not return within ``timeout`` seconds (the import and the call, then each
    batch of a callable)."""
    import keras

    module_name, _, function_name = text.partition(":")
    module = within(timeout, f"{text}: importing {module_name}", _import, module_name, text)
    factory = getattr(module, function_name, None)
    if not callable(factory):
        raise ModelError(f"{text}: module {module_name!r} has no function {function_name!r}")
    try:
        made = within(timeout, f"{text}: {function_name}()", factory)
    except ModelError:
        raise
    except Exception as error:  # the user's factory failing is bad input, named
        raise ModelError(f"{text}: calling {function_name}() failed ({type(error).__name__}: "
                         f"{error})") from error
    source_file = inspect.getsourcefile(module)
    sha = file_sha256(Path(source_file)) if source_file else "unknown"
    files = named_files(module, factory)
    if isinstance(made, keras.Model):
        shape = getattr(made, "input_shape", None)
        shape = None if shape is None or isinstance(shape, list) else tuple(shape[1:])
        return LoadedModel(text, KIND_PYTHON,
                           lambda x: made.predict(x, batch_size=batch_size, verbose=0), made,
                           shape, sha, files)
    if not callable(made):
        raise ModelError(f"{text}: returned {type(made).__name__}; expected a Keras model or a "
                         "callable from images (N, H, W, C) to outputs (N, K)")
    def guarded(images: np.ndarray) -> np.ndarray:
        return within(timeout, f"{text}: a batch of {len(images)} images", made, images)

    return LoadedModel(text, KIND_PYTHON, lambda x: batched(guarded, x, batch_size), None,
                       None, sha, files)
