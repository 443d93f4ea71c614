"""Reading the Keras ``.npz`` layout (x_train, y_train, x_test, y_test) with clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.data.types import DataError

KERAS_KEYS = ("x_train", "y_train", "x_test", "y_test")


def read_keras_npz(path: Path) -> dict[str, np.ndarray]:
    """The four arrays of a Keras-layout npz; DataError names the file and what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"{path}: no such file. Pass --source PATH to an npz in the Keras layout "
            f"(keys {', '.join(KERAS_KEYS)}) or set BENCH_DATA_DIR to its folder."
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [key for key in KERAS_KEYS if key not in npz.files]
            if missing:
                raise DataError(
                    f"{path}: missing keys {missing}; found {sorted(npz.files)}. "
                    f"Expected the Keras layout with keys {list(KERAS_KEYS)}."
                )
            return {key: npz[key] for key in KERAS_KEYS}
    except DataError:
        raise
    except Exception as error:  # zipfile, pickle or OS errors: report them as bad input
        raise DataError(f"{path}: not a readable npz file ({error!r}).") from error
