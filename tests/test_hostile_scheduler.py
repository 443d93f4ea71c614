"""``--scheduler ADDRESS`` that is not a Dask scheduler or never answers: Dask's client
waits there without a deadline; bench gives up after HANDSHAKE_S seconds with one line
naming the address, exit 2, nothing written (tests on 127.0.0.1 only)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from local_server import body, closed_port_url, serve, silent

from bench.cli import main
from bench.run import cluster
from bench.run.cluster import ClusterError, check_handshake


def tcp(url: str) -> str:
    """``http://127.0.0.1:PORT/path`` -> ``tcp://127.0.0.1:PORT``."""
    return "tcp://" + url.split("://", 1)[1].split("/", 1)[0]


def run_with(address: str, tmp_path: Path) -> int:
    return main(["run", "mnist", "--profile", "smoke", "--scheduler", address, "--quiet",
                 "--out", str(tmp_path / "out")])


def one_line(capsys, *says: str) -> None:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, lines
    for text in says:
        assert text in lines[0], (text, lines[0])


def test_a_port_that_accepts_and_never_answers(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cluster, "HANDSHAKE_S", 0.5)
    with silent() as url:
        assert run_with(tcp(url), tmp_path) == 2
        one_line(capsys, f"{tcp(url)!r}", "sent no Dask handshake within 0.5 s")
    assert not (tmp_path / "out").exists()


def test_an_http_server(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cluster, "HANDSHAKE_S", 0.5)
    with serve() as server:
        server.routes["/"] = body(b"hello", content_type="text/plain")
        address = f"tcp://127.0.0.1:{server.port}"
        assert run_with(address, tmp_path) == 2
    one_line(capsys, f"{address!r}", "sent no Dask handshake")


def test_a_server_that_greets_with_text(tmp_path, capsys):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def greet() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

        thread = threading.Thread(target=greet, daemon=True)
        thread.start()
        address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
        with pytest.raises(ClusterError, match="not a Dask handshake"):
            check_handshake(address, timeout=5)
        thread.join(timeout=5)


def test_a_closed_port_and_a_malformed_address(tmp_path, capsys):
    address = tcp(closed_port_url())
    assert run_with(address, tmp_path) == 2
    one_line(capsys, f"cannot reach the Dask scheduler at {address!r}", "refused")
    assert run_with("tcp://127.0.0.1:notaport", tmp_path) == 2
    one_line(capsys, "expected tcp://HOST:PORT")
