"""Run a profile's grid on a Dask cluster: one task per model (train, then sweep), and the
client alone writes the run folder.

A worker computes its model through the same ``TaskRun`` as an in-process run, with a
:class:`MemoryStore` for the files, and returns the record, rows and probes as plain data.
The client checks the model key against its own, writes what its store still lacks (so a
model cut short by Ctrl-C while being written is never stored twice) and, on a rerun,
submits only the models that are not complete. A worker that dies mid-task has its task
rescheduled by the Dask scheduler (``distributed.scheduler.allowed-failures`` times).
"""

from __future__ import annotations

import functools
import logging
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from bench.config import Profile
from bench.data.paths import cache_dir
from bench.data.types import DataError
from bench.results.memory import MemoryStore
from bench.results.schema import Row
from bench.run import cluster, runner
from bench.run.train import ModelSpec, TrainRecord, library_versions

log = logging.getLogger(__name__)


class WorkerDataError(DataError):
    """A worker that cannot read the run's data."""


@dataclass(frozen=True)
class ModelResult:
    """What a worker computed for one model: record, sweep environment, whether it trained
    the model (rather than loading it from the cache), rows, probes."""

    spec: ModelSpec
    record: TrainRecord
    sweep_environment: dict[str, str]
    trained_now: bool
    rows: list[Row]
    probes: list[dict]
    worker: str
    seconds: float


def _worker_name() -> str:
    """The Dask worker's address, or the host name outside a worker."""
    from dask.distributed import get_worker

    try:
        return get_worker().address
    except ValueError:
        return socket.gethostname()


@functools.lru_cache(maxsize=2)
def _read_data(profile: Profile, source: Path | None) -> runner.PreparedData:
    """The profile's data as this worker reads it (once per worker process)."""
    try:
        return runner.prepare(profile, source)
    except (DataError, OSError) as error:
        raise WorkerDataError(
            f"worker {_worker_name()} on {socket.gethostname()} cannot read the "
            f"{profile.data!r} data: {str(error).rstrip('.')}. Give the workers the data at "
            "the client's path (the same BENCH_DATA_DIR or --source), or add --ship-data to "
            "send them the client's copy."
        ) from None


def compute_model(profile: Profile, spec: ModelSpec, source: Path | None,
                  shipped: runner.PreparedData | None, model_cache: Path | None) -> ModelResult:
    """Worker side: train (or load from ``model_cache``, default the worker's bench cache)
    and sweep one model on ``shipped`` data, else on the data the worker reads itself."""
    started = time.perf_counter()
    prepared = shipped if shipped is not None else _read_data(profile, source)
    store = MemoryStore()
    with runner.TaskRun(profile, prepared, store, model_cache or cache_dir() / "models",
                        verbose=0) as run:
        run.sweep(spec)
        run.probe(spec)
    (record, environment, trained_now), = store.models
    return ModelResult(spec, record, environment, trained_now, store.rows, store.probes,
                       _worker_name(), round(time.perf_counter() - started, 3))


def check_key(run: runner.TaskRun, result: ModelResult) -> None:
    """ClusterError when the worker's model key is not the client's: it read other data or
    runs other library versions, and its rows would never complete this run."""
    expected = run.key(result.spec)
    if result.record.key == expected:
        return
    raise cluster.ClusterError(
        f"{result.spec.label}: worker {result.worker} trained model {result.record.key}, this "
        f"client expects {expected}. Training data checksum: worker "
        f"{result.record.data_checksum}, client {run.prepared.data_checksum}; libraries: worker "
        f"{result.record.versions}, client {library_versions()}. Give the workers the "
        "client's data (or --ship-data) and the same library versions; nothing was stored."
    )


def store_result(run: runner.TaskRun, result: ModelResult) -> None:
    """Write one model's result as an in-process run would (model record, dataset.json
    once, then each cell's rows, then probes), skipping whatever the store already holds
    of the same training."""
    check_key(run, result)
    store, key = run.store, result.record.key
    store.record_model(result.record, result.sweep_environment, result.trained_now)
    run.describe_data()
    done = store.done_cells(key, len(run.masks))
    cells: dict[tuple[str, float], list[Row]] = {}
    for row in result.rows:
        cells.setdefault((row.transform, row.magnitude), []).append(row)
    for cell, rows in cells.items():
        if cell not in done:
            store.append_rows(rows)
    for name in dict.fromkeys(probe["probe"] for probe in result.probes):
        if not store.probes_of(key, name):
            store.append_probes([p for p in result.probes if p["probe"] == name])


def pending_specs(run: runner.TaskRun, specs: list[ModelSpec]) -> list[ModelSpec]:
    """The models whose cells, probes or record are not all stored yet."""
    return [spec for spec in specs if not run.complete(spec)]


def run_distributed(profile: Profile, results_dir: Path, source: Path | None = None,
                    seeds: tuple[int, ...] | None = None, scheduler: str = cluster.LOCAL,
                    workers: int | None = None, threads: int | None = None,
                    ship_data: bool = False, verbose: int = 2,
                    prepared: runner.PreparedData | None = None,
                    model_cache: Path | None = None, extend: Path | None = None) -> Path:
    """Train and sweep every model of ``profile`` on a Dask cluster; returns the run folder.

    ``scheduler``: ``"local"`` (a LocalCluster of ``workers`` processes, default one per
    core, each with ``threads`` TensorFlow threads, default cores // workers) or a
    scheduler address. Workers read the data themselves unless ``ship_data`` or
    ``prepared`` is given (then the client's copy is sent to them). The model cache is the
    client's for a LocalCluster, else ``model_cache`` or each worker's own bench cache.
    With ``extend`` (a published run folder) the run starts from its models.
    """
    specs = runner.model_specs(profile, seeds)
    worker_cache = model_cache
    if worker_cache is None and scheduler == cluster.LOCAL:
        worker_cache = cache_dir() / "models"  # the client's: local workers share its disk
    workers = workers or cluster.default_workers(len(specs))
    # connect first: an unreachable scheduler is named before the data is read
    with cluster.connect(scheduler, workers, threads) as client, \
            runner.open_run(profile, results_dir, source, prepared, model_cache, verbose,
                            extend=extend) as run:
        pending = pending_specs(run, specs)
        if len(pending) < len(specs):
            run.describe_data()  # as an in-process run does for a complete model
        log.info("%s %s: %d of %d models to compute on %s", profile.task, profile.name.value,
                 len(pending), len(specs), scheduler)
        shipped = (client.scatter(run.prepared, broadcast=True)
                   if pending and (ship_data or prepared is not None) else None)
        futures = [client.submit(compute_model, profile, spec, source, shipped, worker_cache,
                                 key=f"bench-{profile.task}-{spec.label}-{run.key(spec)}")
                   for spec in pending]
        try:
            _collect(run, futures, verbose)
        finally:
            client.cancel(futures)  # after an error or Ctrl-C; finished ones are stored
    return run.folder


def _collect(run: runner.TaskRun, futures: list, verbose: int) -> None:
    """Store each model's result as its task finishes, with a progress bar of models."""
    from dask.distributed import as_completed
    from distributed.scheduler import KilledWorker

    # smoothing=0: the time left is estimated from the mean rate of the models finished so far
    bar = tqdm(total=len(futures), desc="models", unit="model", smoothing=0,
               disable=verbose == 0 or not futures)
    with bar, logging_redirect_tqdm():
        for future in as_completed(futures):
            try:
                result = future.result()
            except KilledWorker as error:
                raise cluster.ClusterError(
                    f"{future.key}: every worker that ran it died ({error}); finished models "
                    f"are stored in {run.folder}; rerun the same command to continue"
                ) from None
            store_result(run, result)
            log.info("%s: done on %s in %.0f s", result.spec.label, result.worker,
                     result.seconds)
            bar.update()
