"""download.fetch against a local HTTP server: cache, failures, timeout, size cap, schemes."""

from __future__ import annotations

import pytest
from local_server import (
    body,
    closed_port_url,
    drip,
    redirect,
    serve,
    short_body,
    slow,
    slow_headers,
)

from bench.data import download
from bench.data.download import DownloadError, fetch


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCH_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def server():
    with serve() as state:
        yield state


def test_fetch_stores_the_body_and_a_second_fetch_sends_nothing(server, tmp_path):
    server.routes["/face.png"] = body(b"pixels")
    url = server.url("/face.png")
    first = fetch(url)
    assert first.read_bytes() == b"pixels"
    assert first.parent == tmp_path / "cache" / "downloads"
    second = fetch(url)
    assert second == first
    assert server.hits["/face.png"] == 1


def test_http_error_is_a_failure_and_is_not_cached(server):
    url = server.url("/later.png")
    with pytest.raises(DownloadError, match="404") as caught:
        fetch(url)
    assert caught.value.reason == download.FAILED
    assert not download.cached_path(url).exists()
    server.routes["/later.png"] = body(b"now here")
    assert fetch(url).read_bytes() == b"now here"
    assert server.hits["/later.png"] == 2


def test_refused_connection_is_a_failure():
    with pytest.raises(DownloadError) as caught:
        fetch(closed_port_url())
    assert caught.value.reason == download.FAILED


def test_a_server_slower_than_the_deadline_fails(server):
    server.routes["/slow.png"] = slow(1.5, b"late")
    with pytest.raises(DownloadError, match="not complete after 0.2 s") as caught:
        fetch(server.url("/slow.png"), timeout_s=0.2)
    assert caught.value.reason == download.FAILED
    assert not download.cached_path(server.url("/slow.png")).exists()


def test_a_read_that_times_out_reads_as_the_deadline(server):
    """On a busy machine the socket's read timeout can fire before the deadline's join
    returns; the failure says the same either way."""
    server.routes["/slow.png"] = slow(1.5, b"late")
    with pytest.raises(DownloadError, match="not complete after 0.2 s") as caught:
        download._read(server.url("/slow.png"), 0.2, 1000, download._Deadline())
    assert caught.value.reason == download.FAILED


def test_headers_sent_slowly_are_cut_at_the_deadline(server):
    """Each header line comes within the read timeout, all of them take 4 s and the body is
    empty: only a deadline over connect, headers and body together ends the download."""
    server.routes["/slow-headers"] = slow_headers(lines=40, pause_s=0.1, data=b"")
    with pytest.raises(DownloadError, match="not complete after 0.3 s") as caught:
        fetch(server.url("/slow-headers"), timeout_s=0.3)
    assert caught.value.reason == download.FAILED


def test_a_body_that_keeps_dripping_is_cut_at_the_deadline(server):
    server.routes["/drip"] = drip(chunks=20, chunk=b"x" * 10, pause_s=0.05)
    with pytest.raises(DownloadError, match="not complete") as caught:
        fetch(server.url("/drip"), timeout_s=0.3)
    assert caught.value.reason == download.FAILED


def test_a_body_shorter_than_its_content_length_is_a_failure_and_not_cached(server):
    server.routes["/short"] = short_body(declared=100, data=b"x" * 10)
    with pytest.raises(DownloadError, match="sent 10 of 100 bytes") as caught:
        fetch(server.url("/short"))
    assert caught.value.reason == download.FAILED
    assert not download.cached_path(server.url("/short")).exists()


def test_declared_size_over_the_cap_is_too_large(server):
    server.routes["/big.png"] = body(b"x" * 2000)
    with pytest.raises(DownloadError) as caught:
        fetch(server.url("/big.png"), max_bytes=1000)
    assert caught.value.reason == download.TOO_LARGE
    assert not download.cached_path(server.url("/big.png")).exists()


def test_undeclared_size_over_the_cap_is_too_large(server):
    server.routes["/stream"] = drip(chunks=5, chunk=b"x" * 400, pause_s=0.0)
    with pytest.raises(DownloadError, match="more than 1,000 bytes") as caught:
        fetch(server.url("/stream"), max_bytes=1000)
    assert caught.value.reason == download.TOO_LARGE


@pytest.mark.parametrize(
    "url", ["ftp://example.org/a.jpg", "file:///etc/hostname", "data:image/png;base64,AAAA"]
)
def test_other_schemes_are_refused_without_a_request(url):
    with pytest.raises(DownloadError) as caught:
        fetch(url)
    assert caught.value.reason == download.UNSUPPORTED_SCHEME


def test_a_redirect_to_another_scheme_is_refused(server):
    server.routes["/hop"] = redirect("ftp://example.org/a.jpg")
    with pytest.raises(DownloadError, match="redirected") as caught:
        fetch(server.url("/hop"))
    assert caught.value.reason == download.UNSUPPORTED_SCHEME


def test_a_redirect_to_http_is_followed(server):
    server.routes["/hop"] = redirect(server.url("/face.png"))
    server.routes["/face.png"] = body(b"pixels")
    assert fetch(server.url("/hop")).read_bytes() == b"pixels"


@pytest.mark.parametrize(
    ("text", "scheme"),
    [
        ("https://a.org/x.jpg", "https"),
        ("HTTP://a.org/x.jpg", "http"),
        ("ftp://a.org/x.jpg", "ftp"),
        ("data:image/png;base64,AA", "data"),
        ("faces/x.jpg", None),
        ("/abs/faces/x.jpg", None),
        ("C:\\faces\\x.jpg", None),
        ("odd:name.jpg", None),
    ],
)
def test_url_scheme_tells_urls_from_paths(text, scheme):
    assert download.url_scheme(text) == scheme
