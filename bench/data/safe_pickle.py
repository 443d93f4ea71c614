"""A pickle reader that builds only plain data: never code from the file.

``pickle.load`` calls whatever callable a file names, so a crafted file runs arbitrary
code. :func:`load_plain_data` admits only what the official CIFAR-10 python batches hold
(dicts, lists, strings, bytes, numbers, and uint8-style numpy arrays); any other global a
file asks for raises :class:`ForbiddenPickle` naming it, before anything is called.
"""

from __future__ import annotations

import _codecs
import pickle
from typing import BinaryIO

import numpy as np

try:  # numpy >= 2 writes numpy._core; files from numpy 1.x (and Python 2) name numpy.core
    from numpy._core.multiarray import _reconstruct as _numpy_reconstruct
    from numpy._core.numeric import _frombuffer as _numpy_frombuffer
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.multiarray import _reconstruct as _numpy_reconstruct
    from numpy.core.numeric import _frombuffer as _numpy_frombuffer


class ForbiddenPickle(pickle.UnpicklingError):
    """A pickle that asks for a global outside the plain-data allowlist."""


def _reconstruct(subtype: type, shape: tuple, dtype: bytes) -> np.ndarray:
    """numpy's array reconstructor, for plain ``ndarray`` only (no subclasses)."""
    if subtype is not np.ndarray:
        raise ForbiddenPickle(f"array subtype {subtype!r} is not numpy.ndarray")
    return _numpy_reconstruct(subtype, shape, dtype)


def _frombuffer(buf: object, dtype: np.dtype, shape: tuple, order: str,
                axis_order: tuple | None = None) -> np.ndarray:
    """numpy's protocol-5 array reader (out-of-band buffers), for non-object dtypes only."""
    if np.dtype(dtype).hasobject:
        raise ForbiddenPickle(f"an array of dtype {dtype!r} (Python objects)")
    return _numpy_frombuffer(buf, dtype, shape, order, axis_order)


def _latin1_encode(text: str, encoding: str = "utf-8") -> bytes:
    """``_codecs.encode`` as Python 3 writes bytes into protocol-2 pickles (latin-1 only)."""
    if str(encoding).replace("-", "").lower() != "latin1":
        raise ForbiddenPickle(f"_codecs.encode with encoding {encoding!r} (only latin-1)")
    return _codecs.encode(text, "latin1")


#: (module, name) -> the object handed out instead; nothing else can be named by a file.
ALLOWED = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("_codecs", "encode"): _latin1_encode,
}


class PlainDataUnpickler(pickle.Unpickler):
    """An Unpickler whose globals come from :data:`ALLOWED` only."""

    def find_class(self, module: str, name: str) -> object:
        try:
            return ALLOWED[(module, name)]
        except KeyError:
            raise ForbiddenPickle(
                f"it asks for {module}.{name}, which is not plain data"
            ) from None


def load_plain_data(handle: BinaryIO, encoding: str = "bytes") -> object:
    """Unpickle ``handle`` admitting only plain data (see the module docstring).

    encoding: how Python 2 ``str`` objects are read ("bytes" keeps them as bytes, as the
    CIFAR-10 batches need). Raises ForbiddenPickle or another UnpicklingError.
    """
    return PlainDataUnpickler(handle, encoding=encoding).load()
