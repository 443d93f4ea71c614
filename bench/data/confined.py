"""Whether a data file really lies inside its data folder, and what the file system says
about an entry that cannot be read: the skip reasons the image readers share.

A data folder is the folder a source names (the CSV's folder, the folder of class folders,
the CIFAR-10 image tree). A path written in a CSV (``../../outside/x.jpg``, ``/etc/...``)
or a symbolic link that resolves outside it is skipped as :data:`OUTSIDE` unless the
reader is told to allow it (``--allow-outside-paths``); a message about such a file never
prints where it resolves to.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

OUTSIDE = "outside the data folder"
SYMLINK_LOOP = "symbolic link loop"
UNREADABLE_ENTRY = "unreadable entry"


def is_inside(path: Path | str, data_root: Path | str) -> bool:
    """Whether ``path``, every symbolic link resolved, is ``data_root`` (resolved) or lies
    below it."""
    real = Path(os.path.realpath(path))
    root = Path(os.path.realpath(data_root))
    return real == root or root in real.parents


def entry_fault(path: Path | str) -> str | None:
    """SYMLINK_LOOP or UNREADABLE_ENTRY when the file system cannot say what ``path`` is
    (``stat`` fails for another reason than a missing file), else None."""
    try:
        os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        return SYMLINK_LOOP if error.errno == errno.ELOOP else UNREADABLE_ENTRY
    return None
