"""Whole data sets from the internet (MNIST, CIFAR-10), each with a total deadline, a size
cap and the publisher's sha256, into the Keras cache folder where ``keras.datasets`` keeps
them (so either finds the other's copy).

The deadline covers the whole file (connect, headers and body, as in
:mod:`bench.data.download`): a server that accepts and never answers, or sends slowly,
ends the run with one line naming the URL, the deadline and what to do offline.
``$BENCH_DOWNLOAD_DEADLINE_S`` sets another deadline (seconds) for a slow connection.
"""

from __future__ import annotations

import os
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

from bench.data import download
from bench.data.types import DataError
from bench.os_faults import naming

DEADLINE_ENV = "BENCH_DOWNLOAD_DEADLINE_S"


@dataclass(frozen=True)
class Archive:
    """One downloadable file: title, URL, its sha256 (hex), the largest size accepted
    (bytes), the deadline for the whole download (seconds), and what to do offline."""

    title: str
    url: str
    sha256: str
    max_bytes: int
    deadline_s: float
    offline: str


def deadline_s(archive: Archive) -> float:
    """The archive's deadline, or ``$BENCH_DOWNLOAD_DEADLINE_S`` when set (DataError unless
    it is a positive number)."""
    text = os.environ.get(DEADLINE_ENV)
    if text is None:
        return archive.deadline_s
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0:
        raise DataError(f"{DEADLINE_ENV}={text!r}: expected a positive number of seconds")
    return value


def fetch_archive(archive: Archive, target: Path) -> Path:
    """``target`` when it exists, else ``archive`` downloaded there (complete and checked);
    DataError naming the URL, the deadline and the offline alternative otherwise."""
    if target.is_file():
        return target
    limit = deadline_s(archive)
    try:
        return download.fetch_to(archive.url, target, timeout_s=limit,
                                 max_bytes=archive.max_bytes, sha256=archive.sha256)
    except download.DownloadError as error:
        raise DataError(
            f"{archive.title} is not on this machine and its download failed: {error}; "
            f"the deadline for the whole download is {limit:g} s ({DEADLINE_ENV} sets "
            f"another). Offline: {archive.offline}."
        ) from None


def extract_folder(archive_path: Path, folder: str, target: Path) -> Path:
    """Extract the regular files directly inside ``folder/`` of a .tar.gz into
    ``target/folder/`` (nothing else: no links, no paths outside it), via a temporary
    folder moved into place; returns ``target/folder``."""
    partial = target.with_name(f"tmp-{os.getpid()}-{target.name}")
    try:
        with tarfile.open(archive_path, "r:gz") as tar, naming(archive_path):
            (partial / folder).mkdir(parents=True)
            for member in tar:
                parent, _, name = member.name.partition("/")
                if parent != folder or not member.isfile() or not name or "/" in name:
                    continue
                source = tar.extractfile(member)
                with open(partial / folder / name, "wb") as sink:
                    shutil.copyfileobj(source, sink)
        if target.exists():
            shutil.rmtree(target)
        os.replace(partial, target)
    except (tarfile.TarError, EOFError) as error:
        raise DataError(f"{archive_path}: not a readable .tar.gz ({error}); delete it and run "
                        "again to download it afresh") from None
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target / folder
