"""Connecting to a Dask cluster: a ``LocalCluster`` sized so TensorFlow and BLAS share the
cores without oversubscribing them, or a running scheduler by its address.

Dask is imported inside the functions, so the CLI can name :class:`ClusterError` without
loading it.
"""

from __future__ import annotations

import logging
import os
import socket
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

#: The ``--scheduler`` value that starts a LocalCluster on this machine.
LOCAL = "local"
#: The module each local worker preloads (``dask worker --preload`` for workers of your own).
WORKER_PRELOAD = "bench.library_logs"
#: Seconds to wait for a scheduler given by address before giving up.
CONNECT_TIMEOUT_S = 10
#: Seconds for a scheduler given by address to accept a TCP connection and send the first
#: frame of Dask's handshake (a scheduler sends it at once); Dask's own client waits without
#: a deadline on a port that accepts and never answers (or on an HTTP server).
HANDSHAKE_S = 5
#: The largest first frame a Dask handshake sends, in bytes (it is about 60).
MAX_HANDSHAKE_BYTES = 1 << 20


class ClusterError(RuntimeError):
    """A cluster that bench cannot use; the message names it and what to do."""


def thread_environment(threads: int) -> dict[str, str]:
    """Environment variables that cap TensorFlow (intra- and inter-op) and BLAS/OpenMP at
    ``threads`` threads in a process started with them."""
    n = str(threads)
    return {"TF_NUM_INTRAOP_THREADS": n, "TF_NUM_INTEROP_THREADS": n, "OMP_NUM_THREADS": n,
            "OPENBLAS_NUM_THREADS": n, "MKL_NUM_THREADS": n}


def default_workers(models: int, cores: int | None = None) -> int:
    """One worker per core, but no more workers than models to compute."""
    return max(1, min(cores or os.cpu_count() or 1, models))


def default_threads(workers: int, cores: int | None = None) -> int:
    """TensorFlow/BLAS threads per worker that share the cores without oversubscribing."""
    return max(1, (cores or os.cpu_count() or 1) // workers)


def local_cluster(workers: int, threads: int):
    """A LocalCluster of ``workers`` processes, one task at a time each, with TensorFlow and
    BLAS capped at ``threads`` threads in each (set before the process starts)."""
    import dask
    from dask.distributed import LocalCluster

    pre_spawn = {**dask.config.get("distributed.nanny.pre-spawn-environ"),
                 **thread_environment(threads),
                 "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3")}
    log.info("local Dask cluster: %d worker(s), %d TensorFlow/BLAS thread(s) each",
             workers, threads)
    # Nannies read pre-spawn-environ when they are made and write it into this process's
    # environment before each spawn: put this process's values back once they are started.
    saved = {name: os.environ.get(name) for name in pre_spawn}
    try:
        with dask.config.set({"distributed.nanny.pre-spawn-environ": pre_spawn}):
            # memory_limit=0: a training job's memory is not Dask data that could be
            # spilled, and a worker terminated at a Dask limit would only retry the same job;
            # the scheduler's web server on a free port, not 8787 (other clusters, other runs)
            # preload: each worker is as quiet about TensorFlow as this process
            return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                memory_limit=0, dashboard_address=":0",
                                silence_logs=logging.ERROR, preload=[WORKER_PRELOAD])
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _quiet_close(cluster) -> Iterator[None]:
    """Close ``cluster`` on exit without the nanny's warning that a worker outlived the 4 s
    close wait: a worker that imported TensorFlow exits slowly and is killed, after its
    results were collected, so nothing is lost."""
    try:
        yield
    finally:
        nanny = logging.getLogger("distributed.nanny")
        level = nanny.level
        nanny.setLevel(logging.ERROR)
        try:
            cluster.close()
        finally:
            nanny.setLevel(level)


def _unreachable(address: str, why: str) -> ClusterError:
    return ClusterError(f"cannot reach the Dask scheduler at {address!r}: {why}; start one "
                        "(`dask scheduler`, then `dask worker ADDRESS`) or use --scheduler "
                        "local")


def check_handshake(address: str, timeout: float = HANDSHAKE_S) -> None:
    """ClusterError naming ``address`` unless, within ``timeout`` seconds in all, a TCP
    connection to it opens and the answer starts as Dask's handshake does (an 8-byte frame
    length of at most MAX_HANDSHAKE_BYTES). Only ``tcp://HOST:PORT`` (or ``HOST:PORT``) is
    probed; other protocols (tls, ucx, inproc) are left to Dask."""
    protocol, _, location = address.rpartition("://")
    if protocol not in ("", "tcp"):
        return
    host, colon, port = location.rpartition(":")
    if not colon or not port.isdigit() or not host or not 0 < int(port) < 65536:
        raise ClusterError(f"--scheduler {address!r}: expected tcp://HOST:PORT (e.g. "
                           "tcp://10.0.0.5:8786) or local")
    deadline = time.monotonic() + timeout
    header, connected = b"", False
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout) as sock:
            connected = True
            while len(header) < 8:
                sock.settimeout(max(deadline - time.monotonic(), 0.001))
                chunk = sock.recv(8 - len(header))
                if not chunk:
                    break
                header += chunk
    except TimeoutError:
        what = ("it accepted the connection but sent no Dask handshake" if connected
                else "no connection")
        raise _unreachable(address, f"{what} within {timeout:g} s (not a Dask scheduler, or "
                           "it hangs)") from None
    except OSError as error:
        raise _unreachable(address, error.strerror or str(error)) from None
    if len(header) < 8:
        raise _unreachable(address, "it closed the connection without a Dask handshake (not a "
                                    "Dask scheduler)")
    if not 0 < struct.unpack("Q", header)[0] <= MAX_HANDSHAKE_BYTES:
        raise _unreachable(address, "its first bytes are not a Dask handshake (another kind "
                                    "of server)")


@contextmanager
def connect(scheduler: str, workers: int, threads: int | None = None,
            timeout: float | None = None) -> Iterator:
    """A dask Client of a new LocalCluster (``scheduler == "local"``: ``workers``
    processes of ``threads`` threads, default cores // workers) or of the scheduler at the
    address ``scheduler``; ClusterError names an address that does not answer Dask's
    handshake within HANDSHAKE_S seconds (:func:`check_handshake`) or cannot be connected to
    within ``timeout`` seconds (default CONNECT_TIMEOUT_S). Closes what it started."""
    from dask.distributed import Client

    logging.getLogger("distributed").setLevel(logging.WARNING)  # not every worker event
    if scheduler == LOCAL:
        cluster = local_cluster(workers, threads or default_threads(workers))
        with _quiet_close(cluster), Client(cluster) as client:
            yield client
        return
    timeout = CONNECT_TIMEOUT_S if timeout is None else timeout
    check_handshake(scheduler, min(timeout, HANDSHAKE_S))
    try:
        client = Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {scheduler!r} within {timeout:g} s "
            f"({type(error).__name__}: {error}); start one (`dask scheduler`, then "
            "`dask worker ADDRESS`) or use --scheduler local"
        ) from None
    with client:
        if not client.scheduler_info().get("workers"):
            log.warning("the scheduler at %s has no workers yet; tasks wait for some", scheduler)
        yield client
