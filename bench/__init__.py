"""bench: how robust are MLPs and CNNs to images that move, turn and change size?

``bench.evaluate(model, task="mnist")`` evaluates a model of yours from Python (see
:func:`bench.api.evaluate`); ``bench.load_run(folder)`` reads a run folder as a DataFrame.
Importing ``bench`` imports neither Keras nor TensorFlow: both wait until called.
"""

import importlib

__version__ = "0.1.0"


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
