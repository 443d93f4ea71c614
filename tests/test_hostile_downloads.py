"""Hostile inputs, whole-data-set downloads (MNIST, CIFAR-10): a server on 127.0.0.1 that
accepts and never answers ends the run within its deadline, in one line naming the URL, the
deadline and the offline alternative; a file of the wrong checksum is refused and not kept;
a good file is stored where ``keras.datasets`` keeps it."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import pickle
import tarfile
import threading

import numpy as np
import pytest
from local_server import body, serve, silent

from bench.cli import main
from bench.data import cifar10, mnist
from bench.data.types import DataError

#: Seconds a test waits for a load with a 0.5 s deadline before calling it a hang.
HANG_S = 60


@pytest.fixture(autouse=True)
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    return tmp_path / "keras" / "datasets"


def _pointed_at(monkeypatch, module, attribute, url, sha256=None):
    archive = getattr(module, attribute)
    changed = dataclasses.replace(archive, url=url, sha256=sha256 or archive.sha256)
    monkeypatch.setattr(module, attribute, changed)


def _ends_in_time(load):
    """Run ``load`` in a thread; its outcome (value or exception), failing on a hang."""
    outcome = {}

    def work():
        try:
            outcome["value"] = load()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome["error"] = error

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(HANG_S)
    assert not worker.is_alive(), f"the load still waits after {HANG_S} s"
    return outcome


@pytest.mark.parametrize("module, attribute, loader, offline", [
    (mnist, "MNIST_DOWNLOAD", lambda: mnist.load_mnist(None), "--data mnist-5k"),
    (cifar10, "CIFAR10_DOWNLOAD", lambda: cifar10.load_cifar10(None), "cifar10-jpeg/"),
], ids=["mnist", "cifar10"])
def test_a_server_that_never_answers_ends_within_the_deadline_naming_url_and_alternative(
        module, attribute, loader, offline, monkeypatch, keras_home):
    monkeypatch.setenv("BENCH_DOWNLOAD_DEADLINE_S", "0.5")
    with silent("/data.bin") as url:
        _pointed_at(monkeypatch, module, attribute, url)
        outcome = _ends_in_time(loader)
    error = outcome.get("error")
    assert isinstance(error, DataError), outcome
    message = str(error)
    assert f"{url}: not complete after 0.5 s" in message
    assert "the deadline for the whole download is 0.5 s" in message
    assert "--source PATH" in message and "BENCH_DATA_DIR" in message and offline in message
    assert not keras_home.exists() or not list(keras_home.iterdir())  # nothing half-written


def test_bench_run_with_a_silent_mnist_server_is_one_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("BENCH_DOWNLOAD_DEADLINE_S", "0.5")
    with silent("/mnist.npz") as url:
        _pointed_at(monkeypatch, mnist, "MNIST_DOWNLOAD", url)
        outcome = _ends_in_time(lambda: main(["run", "mnist", "--data", "mnist", "--profile",
                                              "smoke", "--out", str(tmp_path / "out")]))
    assert outcome == {"value": 2}
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("bench: error:")]
    assert len(lines) == 1 and "Traceback" not in err and url in lines[0], err


def test_a_bad_deadline_setting_is_named(monkeypatch):
    monkeypatch.setenv("BENCH_DOWNLOAD_DEADLINE_S", "soon")
    with pytest.raises(DataError, match="BENCH_DOWNLOAD_DEADLINE_S='soon': expected a positive"):
        mnist.load_mnist(None)


def _mnist_bytes() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, x_train=np.zeros((3, 28, 28), np.uint8), y_train=np.arange(3),
             x_test=np.zeros((2, 28, 28), np.uint8), y_test=np.arange(2))
    return buffer.getvalue()


def test_a_download_of_the_wrong_checksum_is_refused_and_not_kept(monkeypatch, keras_home):
    with serve() as server:
        server.routes["/mnist.npz"] = body(_mnist_bytes(), content_type="application/zip")
        _pointed_at(monkeypatch, mnist, "MNIST_DOWNLOAD", server.url("/mnist.npz"))
        with pytest.raises(DataError, match="sha256 is .*expected 731c5ac6"):
            mnist.load_mnist(None)
    assert not list(keras_home.iterdir())


def test_a_good_mnist_download_is_kept_in_the_keras_cache(monkeypatch, keras_home):
    data = _mnist_bytes()
    with serve() as server:
        server.routes["/mnist.npz"] = body(data, content_type="application/zip")
        _pointed_at(monkeypatch, mnist, "MNIST_DOWNLOAD", server.url("/mnist.npz"),
                    hashlib.sha256(data).hexdigest())
        assert len(mnist.load_mnist(None).train.y) == 3
        assert len(mnist.load_mnist(None).test.y) == 2  # from the cache: one request
        assert server.hits["/mnist.npz"] == 1
    assert (keras_home / "mnist.npz").read_bytes() == data


def _cifar_archive(extra: dict[str, bytes]) -> bytes:
    """A .tar.gz of cifar-10-batches-py (one image per batch) plus ``extra`` members."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        members = {f"cifar-10-batches-py/{name}": pickle.dumps(
            {b"data": np.zeros((1, 3072), np.uint8), b"labels": [i]})
            for i, name in enumerate([*cifar10.BATCH_FILES["train"], "test_batch"])}
        for name, content in {**members, **extra}.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def test_a_cifar_archive_is_extracted_without_paths_that_leave_its_folder(monkeypatch, tmp_path,
                                                                          keras_home):
    data = _cifar_archive({"../escaped.txt": b"x", "/tmp/absolute.txt": b"x",
                           "cifar-10-batches-py/../../up.txt": b"x"})
    with serve() as server:
        server.routes["/c.tar.gz"] = body(data, content_type="application/gzip")
        _pointed_at(monkeypatch, cifar10, "CIFAR10_DOWNLOAD", server.url("/c.tar.gz"),
                    hashlib.sha256(data).hexdigest())
        loaded = cifar10.load_cifar10(None)
    assert len(loaded.train.y) == 5 and len(loaded.test.y) == 1
    folder = keras_home / "cifar-10-batches-py-target"
    assert sorted(p.name for p in folder.rglob("*")) == sorted(
        ["cifar-10-batches-py", *cifar10.BATCH_FILES["train"], "test_batch"])
    assert not list(tmp_path.rglob("escaped.txt")) and not list(tmp_path.rglob("up.txt"))
    assert not (keras_home / "cifar-10-python.tar.gz").exists()
