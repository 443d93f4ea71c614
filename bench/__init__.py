"""bench: how robust are MLPs and CNNs to images that move, turn and change size?

``bench.evaluate(model, task="mnist")`` evaluates a model of yours from Python (see
:func:`bench.api.evaluate`); ``bench.load_run(folder)`` reads a run folder as a DataFrame.
Importing ``bench`` imports neither Keras nor TensorFlow: both wait until called; it does
turn TensorFlow's oneDNN kernels on for them (``TF_ENABLE_ONEDNN_OPTS``, below).
"""

import importlib
import os

__version__ = "0.1.0"

#: TensorFlow's oneDNN CPU kernels, on unless the variable is already set. TensorFlow 2.21
#: turns them on by default on some CPUs only: earlier machines here printed "oneDNN custom
#: operations are on", an AVX2-only AMD EPYC (no AVX-512) did not, and there the book's gender
#: CNN trained at 9.1 s an epoch with them against 17.9 s without (one process each, 2 cores,
#: beside another training). Set before TensorFlow loads, so every machine trains and times
#: Keras with the same kernel library; each stored row's environment says whether it was on
#: (:func:`bench.machine.environment`).
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")


def load_run(path):
    """A run folder's rows as a pandas DataFrame, one row per model x transform x magnitude
    (see :func:`bench.evaluate.export.load_run`); nothing is imported until called."""
    from bench.evaluate.export import load_run as _load_run

    return _load_run(path)


def __getattr__(name):
    """``bench.evaluate``: the subpackage, imported on first use; it is also callable,
    ``bench.evaluate(model, task=...)`` being :func:`bench.api.evaluate`."""
    if name == "evaluate":
        return importlib.import_module("bench.evaluate")
    raise AttributeError(f"module 'bench' has no attribute {name!r}")
