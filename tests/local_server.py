"""A tiny HTTP server on 127.0.0.1 (ephemeral port) for download tests: no network needed."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

#: A route answers one GET: it gets the handler and writes status, headers and body.
Route = Callable[[http.server.BaseHTTPRequestHandler], None]


@dataclass
class LocalServer:
    """Routes by path; ``hits`` counts the GET requests each path received, ``hung_up`` the
    answers the client stopped reading (a timeout or size-cap test)."""

    port: int = 0
    routes: dict[str, Route] = field(default_factory=dict)
    hits: Counter = field(default_factory=Counter)
    hung_up: Counter = field(default_factory=Counter)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def body(data: bytes, status: int = 200, content_type: str = "image/png") -> Route:
    """A route answering ``status`` with ``data`` and a Content-Length."""

    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return answer


def slow(delay_s: float, data: bytes) -> Route:
    """A route that waits ``delay_s`` seconds before answering."""

    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        time.sleep(delay_s)
        body(data)(handler)

    return answer


def drip(chunks: int, chunk: bytes, pause_s: float) -> Route:
    """A route sending ``chunks`` pieces ``pause_s`` apart, without a Content-Length."""

    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.end_headers()
        for _ in range(chunks):
            handler.wfile.write(chunk)
            handler.wfile.flush()
            time.sleep(pause_s)

    return answer


def slow_headers(lines: int, pause_s: float, data: bytes = b"late") -> Route:
    """A route that sends its status line, then ``lines`` header lines ``pause_s`` apart
    (each pause shorter than a read timeout, the whole longer than a deadline), then ``data``."""

    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"HTTP/1.0 200 OK\r\n")
        for number in range(lines):
            handler.wfile.write(b"X-Slow-%d: 1\r\n" % number)
            handler.wfile.flush()
            time.sleep(pause_s)
        handler.wfile.write(b"Content-Length: %d\r\n\r\n%s" % (len(data), data))

    return answer


def short_body(declared: int, data: bytes) -> Route:
    """A route that declares ``declared`` bytes, sends ``data`` (fewer) and hangs up."""

    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(declared))
        handler.end_headers()
        handler.wfile.write(data)

    return answer


def redirect(location: str) -> Route:
    """A 302 redirect to ``location``."""

    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


@contextlib.contextmanager
def serve() -> Iterator[LocalServer]:
    """Run a LocalServer in a thread for the ``with`` block, then shut it down."""
    state = LocalServer()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            state.hits[self.path] += 1
            route = state.routes.get(self.path)
            try:
                if route is None:
                    body(b"not found", 404, "text/plain")(self)
                else:
                    route(self)
            except (BrokenPipeError, ConnectionResetError):
                state.hung_up[self.path] += 1  # the client gave up: nothing left to answer

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Keep test output quiet."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port_url(path: str = "/x.jpg") -> str:
    """A URL on 127.0.0.1 at a port nobody listens on (the connection is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


@contextlib.contextmanager
def silent(path: str = "/never") -> Iterator[str]:
    """A URL on 127.0.0.1 whose port accepts connections (the kernel's backlog) and never
    answers a byte: a client without a deadline waits forever."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}{path}"
