"""Fetch http(s) URLs into an on-disk cache, with a time limit and a size cap.

A URL's bytes are stored under ``cache_dir()/downloads`` in a file named by the sha256 of
the URL (or, with :func:`fetch_to`, at a path of the caller's), streamed to a temporary
file and moved into place when complete, so a second fetch of the same URL reads the disk and sends
nothing. Only complete downloads are stored: a failure leaves no file and is retried next
time. Every failure raises :class:`DownloadError` carrying one of the reasons below.

The time limit is a deadline for the whole file (connect, headers and body together), not
a per-read timeout: a server that sends its headers or body slowly, or never stops, fails
when the deadline passes. The download runs in a worker thread; at the deadline the caller
gives up and the worker's sockets are shut down, so it ends too. Beside it, two shorter
deadlines (each capped at the total): the connection (to the server or a proxy) must open
within ``connect_s`` seconds (default :data:`CONNECT_S`), and once open no wait for the next
bytes (headers or body) may last ``stall_s`` seconds (default :data:`STALL_S`), so a server
or proxy that accepts and never answers fails in seconds, not at the total deadline.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import re
import socket
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from bench.data.paths import cache_dir
from bench.os_faults import replaced_atomically

log = logging.getLogger(__name__)

SCHEMES = ("http", "https")

UNSUPPORTED_SCHEME = "unsupported URL scheme"
FAILED = "download failed"
TOO_LARGE = "too large"

USER_AGENT = "bench-data/0.1 (research benchmark)"
_CHUNK_BYTES = 64 * 1024
#: Seconds a download's worker gets to end once its sockets are shut at the deadline.
_WORKER_END_S = 2.0
#: Default seconds for a connection (to the server or a proxy) to open.
CONNECT_S = 10.0
#: Default seconds a download may wait for its next bytes (headers or body) once connected.
STALL_S = 30.0


class DownloadError(Exception):
    """A URL that could not be fetched. ``reason`` is one of UNSUPPORTED_SCHEME, FAILED,
    TOO_LARGE; the message names the URL and what went wrong."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def url_scheme(text: str) -> str | None:
    """The lower-case scheme of ``text`` when it is written as a URL (``scheme://...`` or
    ``data:...``), else None: ``C:\\x.jpg`` and ``faces/x.jpg`` are paths."""
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]+):", text)
    if match is None:
        return None
    scheme = match.group(1).lower()
    return scheme if text[match.end() :].startswith("//") or scheme == "data" else None


def downloads_dir() -> Path:
    """Where fetched URLs are cached: ``cache_dir()/downloads``."""
    return cache_dir() / "downloads"


def cached_path(url: str, folder: Path | None = None) -> Path:
    """The cache file for ``url`` (which may not exist yet)."""
    name = hashlib.sha256(url.encode()).hexdigest()[:40]
    return (folder or downloads_dir()) / name


class _SchemeCheckingRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http(s) URLs (urllib would also follow ftp)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        scheme = urlsplit(newurl).scheme.lower()
        if scheme not in SCHEMES:
            raise DownloadError(
                UNSUPPORTED_SCHEME, f"{req.full_url}: redirected to {scheme!r} URL {newurl}"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Deadline:
    """The sockets of one download, shut down together when its deadline has passed."""

    def __init__(self) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down at the deadline (at once if it has passed)."""
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def expire(self) -> None:
        """The deadline has passed: shut every watched socket down."""
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    """Stop a socket's transfers, so a read blocked on it returns at once."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError as error:  # already closed: nothing left to stop, but say so
        log.debug("socket %s already closed at the download deadline: %s", sock, error)


@dataclass(frozen=True)
class Limits:
    """The deadlines of one download, in seconds: ``total`` (connect, headers and body),
    ``connect`` (a connection opening) and ``stall`` (the wait for the next bytes), the two
    shorter ones capped at the total."""

    total: float
    connect: float = CONNECT_S
    stall: float = STALL_S

    def __post_init__(self) -> None:
        object.__setattr__(self, "connect", min(self.connect, self.total))
        object.__setattr__(self, "stall", min(self.stall, self.total))


def _opener(deadline: _Deadline, url: str, limits: Limits) -> urllib.request.OpenerDirector:
    """An opener whose connections are watched by ``deadline``, open within
    ``limits.connect`` seconds, then wait at most ``limits.stall`` seconds per read, and
    that follows redirects only to http(s)."""

    def opened(connection: http.client.HTTPConnection, connect) -> None:
        try:
            connect()
        except TimeoutError:
            raise DownloadError(FAILED, f"{url}: no connection to {connection.host} within "
                                        f"{limits.connect:g} s") from None
        connection.sock.settimeout(limits.stall)
        deadline.watch(connection.sock)

    class WatchedHTTP(http.client.HTTPConnection):
        def connect(self) -> None:
            opened(self, super().connect)

    class WatchedHTTPS(http.client.HTTPSConnection):
        def connect(self) -> None:
            opened(self, super().connect)

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(WatchedHTTP, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(WatchedHTTPS, req, context=self._context)

    return urllib.request.build_opener(_SchemeCheckingRedirects, HTTPHandler, HTTPSHandler)


def fetch(
    url: str,
    *,
    timeout_s: float = 10.0,
    max_bytes: int = 5_000_000,
    folder: Path | None = None,
    connect_s: float = CONNECT_S,
    stall_s: float = STALL_S,
) -> Path:
    """Return the path of ``url``'s bytes in the cache, downloading them if needed.

    timeout_s: deadline in seconds for the whole download (connect, headers and body);
    connect_s, stall_s: see :class:`Limits`; max_bytes: largest body accepted. Raises
    DownloadError on any failure.
    """
    scheme = url_scheme(url)
    if scheme not in SCHEMES:
        raise DownloadError(UNSUPPORTED_SCHEME, f"{url}: scheme {scheme!r} is not http(s)")
    target = cached_path(url, folder)
    if target.is_file():
        return target
    return fetch_to(url, target, timeout_s=timeout_s, max_bytes=max_bytes,
                    connect_s=connect_s, stall_s=stall_s)


def fetch_to(url: str, target: Path, *, timeout_s: float, max_bytes: int,
             sha256: str | None = None, connect_s: float = CONNECT_S,
             stall_s: float = STALL_S) -> Path:
    """Download ``url`` into ``target`` (streamed to a temporary file beside it, moved into
    place only when complete and, if ``sha256`` is given, matching it), within
    ``timeout_s`` seconds in all, a connection within ``connect_s`` and no wait for bytes
    longer than ``stall_s`` (:class:`Limits`); DownloadError otherwise, and no file is
    left."""
    scheme = url_scheme(url)
    if scheme not in SCHEMES:
        raise DownloadError(UNSUPPORTED_SCHEME, f"{url}: scheme {scheme!r} is not http(s)")
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with replaced_atomically(target) as partial:
        with open(partial, "wb") as sink:
            _download(url, Limits(timeout_s, connect_s, stall_s), max_bytes, sink)
        if sha256 is not None:
            digest = _sha256(partial)
            if digest != sha256:
                raise DownloadError(FAILED, f"{url}: the file's sha256 is {digest}, expected "
                                            f"{sha256} (damaged or replaced on the way)")
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _download(url: str, limits: Limits, max_bytes: int, sink: BinaryIO) -> None:
    """Write the body of ``url`` (at most ``max_bytes``) to ``sink``, complete within
    ``limits`` (the total for connect, headers and body together), else DownloadError."""
    deadline = _Deadline()
    outcome: dict[str, BaseException] = {}
    timeout_s = limits.total

    def work() -> None:
        try:
            _read(url, limits, max_bytes, deadline, sink)
        except BaseException as error:  # handed to the caller below
            outcome["error"] = error

    worker = threading.Thread(target=work, name=f"download {url}", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        deadline.expire()  # the worker's reads return at once and it ends
        worker.join(_WORKER_END_S)  # before the caller closes and removes its file
        raise _late(url, timeout_s)
    if "error" in outcome:
        raise outcome["error"]


def _late(url: str, timeout_s: float) -> DownloadError:
    """The failure of a download that did not finish within ``timeout_s`` seconds."""
    return DownloadError(
        FAILED, f"{url}: not complete after {timeout_s:g} s (connect, headers and body)")


def _read(url: str, limits: Limits, max_bytes: int, deadline: _Deadline,
          sink: BinaryIO | None = None) -> None:
    """Write the body of ``url`` to ``sink`` (None: read and drop it): at most
    ``max_bytes``, as long as its Content-Length says. ``limits`` may be a bare number of
    seconds: the total deadline, with the default connect and stall limits."""
    if not isinstance(limits, Limits):
        limits = Limits(float(limits))
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with _opener(deadline, url, limits).open(request, timeout=limits.connect) as response:
            declared = response.headers.get("Content-Length")
            declared = int(declared) if declared is not None and declared.isdigit() else None
            if declared is not None and declared > max_bytes:
                raise DownloadError(TOO_LARGE, f"{url}: {declared:,} bytes > {max_bytes:,}")
            total = 0
            while chunk := response.read1(_CHUNK_BYTES):
                total += len(chunk)
                if total > max_bytes:
                    raise DownloadError(TOO_LARGE, f"{url}: more than {max_bytes:,} bytes")
                if sink is not None:
                    sink.write(chunk)
    except DownloadError:
        raise
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        # A read that waited the stall limit: when that limit is the total, the same failure
        # as the deadline, whichever of the two a busy machine notices first.
        if isinstance(error, TimeoutError) or isinstance(getattr(error, "reason", None),
                                                         TimeoutError):
            if limits.stall < limits.total:
                raise DownloadError(FAILED, f"{url}: no data for {limits.stall:g} s (the "
                                            "server or a proxy stopped answering)") from error
            raise _late(url, limits.total) from error
        # URLError covers HTTP error statuses and DNS failures; OSError covers the rest.
        raise DownloadError(FAILED, f"{url}: {type(error).__name__}: {error}") from error
    if declared is not None and total < declared:
        raise DownloadError(FAILED, f"{url}: the server sent {total:,} of {declared:,} bytes")
