"""bench: how robust are MLPs and CNNs to images that move, turn and change size?"""

__version__ = "0.1.0"


def load_run(path):
    """A run folder's rows as a pandas DataFrame, one row per model x transform x magnitude
    (see :func:`bench.evaluate.export.load_run`); nothing is imported until called."""
    from bench.evaluate.export import load_run as _load_run

    return _load_run(path)
