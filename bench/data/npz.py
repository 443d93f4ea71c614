"""Reading the Keras ``.npz`` layout (x_train, y_train, x_test, y_test) with clear errors.

An npz is a zip archive of ``.npy`` arrays; it is opened with ``allow_pickle=False``, so
an array of Python objects (a pickle) is refused, never loaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.data.types import DataError

KERAS_KEYS = ("x_train", "y_train", "x_test", "y_test")
#: The keys of a test-only npz (``bench eval --data``).
TEST_KEYS = ("x_test", "y_test")
#: The most classes a label array may imply (class ids 0..MAX_CLASSES-1): a larger id is a
#: damaged label, never a request for millions of classes.
MAX_CLASSES = 10_000
_EXPECTED = f"an npz in the Keras layout (keys {', '.join(KERAS_KEYS)})"
#: The first bytes of a zip archive (a local file header, or the end record of an empty one).
_ZIP_STARTS = (b"PK\x03\x04", b"PK\x05\x06")


def _what_else(head: bytes) -> str:
    """What a file that is not a zip archive looks like, from its first bytes."""
    if head.startswith(b"\x93NUMPY"):
        return "a single .npy array"
    if head[:1] == b"\x80":
        return "a Python pickle"
    return "not a zip archive"


def read_keras_npz(path: Path) -> dict[str, np.ndarray]:
    """The four arrays of a Keras-layout npz; DataError names the file and what is wrong."""
    return _read(path, KERAS_KEYS, _EXPECTED,
                 f"Expected the Keras layout with keys {list(KERAS_KEYS)}.")


def read_test_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(x_test, y_test) of an npz holding at least one test image and one integer class id
    in 0..MAX_CLASSES-1 per image; DataError names the file and what is wrong."""
    expected = "an npz with x_test (uint8 images) and y_test (integer class ids)"
    arrays = _read(path, TEST_KEYS, expected, f"Expected {expected}.")
    x, y = arrays["x_test"], arrays["y_test"]
    if x.ndim == 0 or len(x) == 0:
        raise DataError(f"{path}: x_test holds no image (shape {x.shape}); expected {expected}.")
    if y.ndim != 1 or len(y) != len(x) or not np.issubdtype(y.dtype, np.integer):
        raise DataError(f"{path}: y_test is {y.dtype} {y.shape}; expected ({len(x)},) integer "
                        "class ids")
    low, high = int(y.min()), int(y.max())
    if low < 0 or high >= MAX_CLASSES:
        raise DataError(f"{path}: y_test holds class id {low if low < 0 else high:,}; expected "
                        f"ids 0..{MAX_CLASSES - 1:,} (one per model output, in order)")
    return x, y


def _read(path: Path, keys: tuple[str, ...], expected: str,
          missing_hint: str) -> dict[str, np.ndarray]:
    """The arrays ``keys`` of an npz; DataError naming the file and ``expected`` (or, for a
    missing key, ``missing_hint``)."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a folder; pass --source PATH to {expected}.")
    if not path.is_file():
        raise DataError(
            f"{path}: no such file. Pass --source PATH to {expected} or set BENCH_DATA_DIR "
            "to its folder."
        )
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
        if not head.startswith(_ZIP_STARTS):
            raise DataError(f"{path}: {_what_else(head)}, not an npz file; expected {expected}.")
        with np.load(path, allow_pickle=False) as npz:
            missing = [key for key in keys if key not in npz.files]
            if missing:
                raise DataError(
                    f"{path}: missing keys {missing}; found {sorted(npz.files)}. {missing_hint}"
                )
            return {key: _array(npz, key, path) for key in keys}
    except DataError:
        raise
    except Exception as error:  # zipfile, format or OS errors: report them as bad input
        raise DataError(f"{path}: not a readable npz file ({error!r}).") from error


def _array(npz: np.lib.npyio.NpzFile, key: str, path: Path) -> np.ndarray:
    """One array of an open npz; DataError when it holds Python objects (a pickle)."""
    try:
        return npz[key]
    except ValueError as error:
        if "allow_pickle" not in str(error):
            raise
        raise DataError(
            f"{path}: {key} is an array of Python objects (stored as a pickle), which bench "
            "never loads; expected numeric arrays (uint8 images, integer labels)."
        ) from error
