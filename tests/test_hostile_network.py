"""Downloads through a server or proxy that accepts and never answers: beside the total
deadline, a connect deadline and a no-progress deadline end them in seconds (tests on
127.0.0.1 only; a connect that times out is simulated). No test measures wall time: each
error names the limit that ended it."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
from local_server import drip, serve, silent

from bench.data import download
from bench.data.download import DownloadError, Limits, fetch, fetch_to


def test_a_server_that_accepts_and_never_answers_stops_at_the_stall_limit(tmp_path):
    with silent("/big.bin") as url, pytest.raises(DownloadError) as caught:
        fetch_to(url, tmp_path / "big.bin", timeout_s=60, max_bytes=1000, stall_s=0.5)
    # the stall limit ended it: the 60 s total would say "not complete after 60 s"
    assert f"{url}: no data for 0.5 s" in str(caught.value)
    assert not (tmp_path / "big.bin").exists()


def test_a_proxy_that_never_answers_stops_at_the_stall_limit(tmp_path, monkeypatch):
    with silent() as proxy:
        monkeypatch.setenv("http_proxy", proxy.rsplit("/", 1)[0])
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        with pytest.raises(DownloadError, match="no data for 0.5 s"):
            fetch("http://example.invalid/mnist.npz", timeout_s=60, max_bytes=1000,
                  stall_s=0.5, folder=tmp_path)


def test_a_connection_that_never_opens_stops_at_the_connect_limit(tmp_path, monkeypatch):
    """A connect that times out (as to a host that drops packets) is named as such."""

    def never(address, timeout=None, *args, **kwargs):
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", never)
    with pytest.raises(DownloadError, match=r"no connection to 127\.0\.0\.1 within 0\.25 s"):
        fetch_to("http://127.0.0.1:9/x.bin", tmp_path / "x.bin", timeout_s=60,
                 max_bytes=1000, connect_s=0.25)


def test_a_body_that_keeps_coming_is_not_a_stall(tmp_path):
    with serve() as server:
        server.routes["/drip"] = drip(6, b"x" * 10, 0.1)
        path = fetch_to(server.url("/drip"), tmp_path / "drip", timeout_s=30,
                        max_bytes=1000, stall_s=0.5)
    assert path.read_bytes() == b"x" * 60


def test_limits_are_capped_at_the_total() -> None:
    limits = Limits(2.0)
    assert (limits.total, limits.connect, limits.stall) == (2.0, 2.0, 2.0)
    assert Limits(300.0).connect == download.CONNECT_S
    assert Limits(300.0).stall == download.STALL_S


def test_the_worker_thread_ends(tmp_path):
    before = threading.active_count()
    with silent("/x") as url:
        with pytest.raises(DownloadError):
            fetch_to(url, tmp_path / "x", timeout_s=5, max_bytes=10, stall_s=0.2)
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= before
    assert not Path(tmp_path / "x").exists()
