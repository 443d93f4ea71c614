"""How much TensorFlow, absl and XLA print: nothing in a normal ``bench`` command, all of it
with ``--verbose``.

TensorFlow 2.21 writes two kinds of lines to stderr that look like failures to a newcomer:

- while its shared libraries load (``import tensorflow``), absl's C++ logging is not
  initialised yet, so every message is written regardless of any level ("WARNING: All log
  messages before absl::InitializeLog() ...", ``I0000 ... port.cc] oneDNN custom operations
  are on``, ``cudart_stub.cc] Could not find cuda drivers``). No environment variable reaches
  them (``TF_ENABLE_ONEDNN_OPTS=0`` silences one but changes the numbers), so
  :func:`quiet` points file descriptor 2 at /dev/null for the import alone;
- after it, C++ errors that are not errors here (``E0000 ... cuInit`` on a machine without
  a GPU, ``NodeDef mentions attribute use_unbounded_threadpool`` from a mismatch of
  ``tf.data``'s Python and C++ op definitions, once per Keras ``predict``), which
  ``TF_CPP_MIN_LOG_LEVEL=3`` filters; a real failure still reaches Python as an exception.

Both are set before TensorFlow loads; nothing here imports it. :func:`configure` also checks
``KERAS_BACKEND`` when Keras is first imported (:func:`check_backend`): an unknown or
uninstalled backend is one ChoiceError line naming it and what to install or set, never a
traceback from inside Keras. A process that dies while
TensorFlow loads (a crash in its C++ code, not an ImportError) would do so without its last
words: ``--verbose`` shows them.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

#: Environment of a quiet process (also given to Dask workers): the C++ log level of
#: TensorFlow and XLA (3: fatal only).
QUIET_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "3"}
VERBOSE_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "0"}
#: Python loggers of the libraries, set to ERROR when quiet.
LIBRARY_LOGGERS = ("absl", "tensorflow", "h5py")


@contextmanager
def stderr_to_devnull() -> Iterator[None]:
    """Point file descriptor 2 (what C++ writes to) at /dev/null inside the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` as usual and runs its import with stderr at /dev/null; removes
    itself once used. An ImportError still reaches the importer as an exception."""

    def find_spec(self, name, path, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        run_module = loader.exec_module

        def exec_module_quietly(module) -> None:
            with stderr_to_devnull():
                run_module(module)

        loader.exec_module = exec_module_quietly
        return spec


def quiet() -> None:
    """No TensorFlow, absl or XLA line from this process (call before TensorFlow loads)."""
    os.environ.update(QUIET_ENVIRONMENT)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    if "tensorflow" not in sys.modules and not any(
            isinstance(finder, _QuietTensorFlowImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowImport())


def verbose() -> None:
    """Every TensorFlow, absl and XLA line (``--verbose``)."""
    os.environ.update(VERBOSE_ENVIRONMENT)
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _QuietTensorFlowImport)]
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)


def dask_setup(worker) -> None:
    """Dask's preload hook (``bench.run.cluster.WORKER_PRELOAD``): a worker started from a
    quiet process (``TF_CPP_MIN_LOG_LEVEL=3`` in its environment) is quiet too."""
    if os.environ.get("TF_CPP_MIN_LOG_LEVEL") == QUIET_ENVIRONMENT["TF_CPP_MIN_LOG_LEVEL"]:
        quiet()


#: Keras 3 backend name -> the package it imports.
KERAS_BACKENDS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch",
                  "numpy": "numpy", "openvino": "openvino"}


def check_backend() -> None:
    """ChoiceError naming ``KERAS_BACKEND`` when it is set to a backend Keras does not know
    or whose package is not installed (nothing when it is unset)."""
    from bench.config import ChoiceError

    name = os.environ.get("KERAS_BACKEND")
    if name is None:
        return
    fix = "unset KERAS_BACKEND (bench runs on tensorflow) or set KERAS_BACKEND=tensorflow"
    package = KERAS_BACKENDS.get(name.strip().lower())
    if package is None:
        raise ChoiceError(f"KERAS_BACKEND={name!r} is not a Keras backend (Keras knows "
                          f"{', '.join(KERAS_BACKENDS)}); {fix}")
    if importlib.util.find_spec(package) is None:
        raise ChoiceError(f"KERAS_BACKEND={name!r}: the {package} package is not installed; "
                          f"`pip install {package}` or {fix}")


class _CheckedKerasImport(importlib.abc.MetaPathFinder):
    """Runs :func:`check_backend` when ``keras`` is first imported, then steps aside (the
    usual finders import it); its ChoiceError reaches the importer."""

    def find_spec(self, name, path, target=None):
        if name == "keras":
            sys.meta_path[:] = [f for f in sys.meta_path if f is not self]
            check_backend()
        return None


def configure(show: bool) -> None:
    """:func:`verbose` when ``show``, else :func:`quiet`; and the ``KERAS_BACKEND`` check
    at Keras's first import (:func:`check_backend`)."""
    (verbose if show else quiet)()
    if "keras" not in sys.modules and not any(
            isinstance(finder, _CheckedKerasImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _CheckedKerasImport())
