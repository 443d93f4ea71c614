"""Operating-system faults as one line, and files written so that a fault leaves none behind.

:func:`describe` turns an ``OSError`` into ``<path>: <what the errno means> (<ENAME>); <what
to do>``, the line ``bench`` prints before exiting with status 2. :func:`naming` adds the
path to an ``OSError`` raised without one (a failed ``write`` on an open file names no
path). :func:`replaced_atomically` writes a file under a temporary name beside it and moves
it into place, removing the temporary file on every exit path (disk full, Ctrl-C, ...).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

_ELSEWHERE = "or point bench elsewhere (--out, --results, BENCH_CACHE_DIR)"
_NO_FOLDER = "a file stands where a folder is expected: move it away or choose another path"

#: What to do about a fault, by errno.
ADVICE = {
    errno.ENOSPC: f"free some disk space there {_ELSEWHERE}; run the same command again "
                  "to continue",
    errno.EDQUOT: f"free some of your disk quota {_ELSEWHERE}; run the same command again "
                  "to continue",
    errno.EACCES: f"give this user access to it {_ELSEWHERE}",
    errno.EPERM: f"give this user access to it {_ELSEWHERE}",
    errno.EROFS: f"the file system is read-only: point bench at a writable folder "
                 f"({_ELSEWHERE.removeprefix('or point bench elsewhere (')}",
    errno.ELOOP: "a symbolic link on this path leads back to itself: fix or remove the link",
    errno.ENOTDIR: _NO_FOLDER,
    errno.EEXIST: _NO_FOLDER,
    errno.EISDIR: "a folder stands where a file is expected: give the file's path",
    errno.ENOENT: "check the path (it, or a folder above it, does not exist)",
    errno.ENAMETOOLONG: "choose a shorter path",
    errno.EIO: "the device reported an input/output error: check the disk, then run the "
               "same command again",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) and run again",
}


def describe(error: OSError) -> str:
    """One line: the path(s), what the errno means and its name, and what to do. An
    ``OSError`` raised with a message of its own (no errno) is that message."""
    if error.errno is None:
        return str(error)
    paths = [str(p) for p in (error.filename, error.filename2) if p is not None]
    meaning = error.strerror or os.strerror(error.errno)
    name = errno.errorcode.get(error.errno, f"errno {error.errno}")
    advice = ADVICE.get(error.errno, "check the path and run the same command again")
    return f"{' -> '.join(paths) or 'a file operation'}: {meaning} ({name}); {advice}"


@contextlib.contextmanager
def naming(path: Path | str) -> Iterator[None]:
    """Re-raise an ``OSError`` that names no path as one naming ``path`` (same errno)."""
    try:
        yield
    except OSError as error:
        if error.filename is not None or error.errno is None:
            raise
        raise type(error)(error.errno, error.strerror or os.strerror(error.errno),
                          str(path)) from error


def temporary_name(target: Path) -> Path:
    """``tmp-<pid>-<name>`` beside ``target`` (the suffix stays, e.g. ``.keras``)."""
    return target.with_name(f"tmp-{os.getpid()}-{target.name}")


@contextlib.contextmanager
def replaced_atomically(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target`` to write; when the block ends normally it
    replaces ``target`` at once (``os.replace``), on any exception it is removed. An
    ``OSError`` without a path is re-raised naming ``target``."""
    target = Path(target)
    partial = temporary_name(target)
    try:
        with naming(target):
            yield partial
            os.replace(partial, target)
    except BaseException:
        remove_quietly(partial)
        raise


def remove_quietly(path: Path) -> None:
    """Remove a leftover file if it exists; a failure to remove it is logged, not raised
    (the fault being reported matters more)."""
    try:
        Path(path).unlink(missing_ok=True)
    except OSError as error:
        log.warning("could not remove the temporary file %s: %s", path, describe(error))
