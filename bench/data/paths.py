"""Where data and caches live: ``$BENCH_DATA_DIR``, the Keras cache, the bench cache."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path | None:
    """The folder named by ``$BENCH_DATA_DIR``, or None when it is not set."""
    value = os.environ.get("BENCH_DATA_DIR")
    return Path(value).expanduser() if value else None


def keras_datasets_dir() -> Path:
    """Keras' download cache for ``keras.datasets`` (``$KERAS_HOME`` or ~/.keras)."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"


def cache_dir() -> Path:
    """The bench cache (trained models, decoded images, downloads): ``$BENCH_CACHE_DIR``
    or ~/.cache/bench."""
    value = os.environ.get("BENCH_CACHE_DIR")
    return Path(value).expanduser() if value else Path.home() / ".cache" / "bench"
