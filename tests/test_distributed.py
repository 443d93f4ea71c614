"""A profile's grid on a Dask cluster: the same rows as in-process, a worker killed
mid-task, Ctrl-C and a rerun, a worker without the data, an unreachable scheduler."""

import dataclasses
import json
import os
import signal
import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import bars_dataset

from bench.catalog.profiles import get_profile, with_data
from bench.cli import main
from bench.results.loading import load_records, load_rows
from bench.run import cluster, distributed, runner, sweep

pytestmark = pytest.mark.slow

#: TensorFlow's intra-op threads in this process (its default: the usable cores). CNN
#: weights depend on this count in their last bits, so workers get the same.
THREADS = int(os.environ.get("TF_NUM_INTRAOP_THREADS") or len(os.sched_getaffinity(0)))
#: This process's thread settings before any cluster was started.
OWN_ENVIRONMENT = {name: os.environ.get(name) for name in cluster.thread_environment(1)}


@pytest.fixture(scope="module")
def local():
    """A 2-worker LocalCluster (bench's settings), shared by address."""
    with cluster.local_cluster(2, THREADS) as running:
        yield running


@pytest.fixture
def profile(tiny_profile):
    """The tiny profile with two policies and 3 epochs: 4 models of a few seconds each."""
    return dataclasses.replace(tiny_profile, augmentations=("none", "shift"),
                               train=dataclasses.replace(tiny_profile.train, epochs=3))


@pytest.fixture
def prepared(profile):
    return runner.PreparedData.from_dataset(bars_dataset(), profile)


def rows_files(folder):
    return {path.name: path.read_bytes() for path in sorted((folder / "rows").glob("*.jsonl"))}


def sorted_probes(folder):
    return sorted(load_records(folder, "probes.jsonl"), key=lambda p: json.dumps(p, sort_keys=True))


def assert_complete_once(folder, profile):
    """Every model, cell, group and probe stored exactly once."""
    n_models = len(runner.model_specs(profile, None))
    cells = [(r.model_key, r.transform, r.magnitude, r.group) for r in load_rows(folder)]
    assert len(cells) == len(set(cells)) == n_models * len(sweep.cells(profile.grid))
    models = [m["key"] for m in load_records(folder, "models.jsonl")]
    assert len(models) == len(set(models)) == n_models
    records = load_records(folder, "probes.jsonl")
    probes = [(p["model_key"], p["shift_px"]) for p in records if p["probe"] == "mean_one_shift_x"]
    assert len(probes) == len(set(probes)) == n_models * 3
    # the book's loops: one record per operation and mean (or one saying why not), per model
    book = [(p["model_key"], p.get("operation"), p.get("mean_of")) for p in records
            if p["probe"] == "mean_one_book"]
    assert len(book) == len(set(book)) and {key for key, _, _ in book} == set(models)


def test_mnist_smoke_on_two_local_workers_stores_the_in_process_rows(tmp_path):
    smoke = get_profile("mnist", "smoke")
    here = runner.run_task(smoke, tmp_path / "here", verbose=0, model_cache=tmp_path / "c1")
    there = distributed.run_distributed(smoke, tmp_path / "there", workers=2, threads=THREADS,
                                        verbose=0, model_cache=tmp_path / "c2")
    expected = rows_files(here)
    assert len(expected) == len(runner.model_specs(smoke, None))
    assert rows_files(there) == expected  # same model keys, cells and values, byte for byte
    on_workers = load_records(there, "models.jsonl")
    assert {m["key"] for m in on_workers} == {m["key"] for m in load_records(here, "models.jsonl")}
    assert all(m["sweep_environment"]["commit"] for m in on_workers)
    assert sorted_probes(there) == sorted_probes(here)  # stored in the order models finish
    assert (there / "dataset.json").read_text() == (here / "dataset.json").read_text()


def test_workers_get_the_thread_caps_and_the_client_keeps_its_own(local):
    from dask.distributed import Client

    with Client(local) as client:
        found = client.run(lambda: (os.environ["TF_NUM_INTRAOP_THREADS"],
                                    os.environ["OMP_NUM_THREADS"]))
    assert list(found.values()) == [(str(THREADS), str(THREADS))] * 2
    assert {name: os.environ.get(name) for name in OWN_ENVIRONMENT} == OWN_ENVIRONMENT


def _kill_first_busy_worker(address, killed):
    """Wait until a worker executes a bench task, then SIGKILL its process."""
    from dask.distributed import Client

    with Client(address) as client:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            busy = client.run(lambda dask_worker: [ts.key for ts in dask_worker.state.executing
                                                   if str(ts.key).startswith("bench-")])
            for worker, keys in busy.items():
                if keys:
                    pid = client.run(os.getpid, workers=[worker])[worker]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(keys[0])
                    return
            time.sleep(0.05)


def test_a_worker_killed_mid_task_is_retried_and_nothing_is_lost_or_doubled(
        local, profile, prepared, tmp_path):
    killed: list[str] = []
    killer = threading.Thread(target=_kill_first_busy_worker,
                              args=(local.scheduler_address, killed))
    killer.start()
    folder = distributed.run_distributed(profile, tmp_path / "out",
                                         scheduler=local.scheduler_address, verbose=0,
                                         prepared=prepared, model_cache=tmp_path / "models")
    killer.join()
    assert killed, "no worker was seen executing a task"
    story = [t for t in local.scheduler.story(killed[0])
             if t.key == killed[0] and t.finish == "processing"]
    assert len(story) >= 2, f"{killed[0]} was not sent to a worker again: {story}"
    assert_complete_once(folder, profile)
    reference = runner.run_task(profile, tmp_path / "here", verbose=0, prepared=prepared,
                                model_cache=tmp_path / "models-here")
    assert rows_files(folder) == rows_files(reference)


def test_a_model_whose_workers_all_die_stops_the_run_naming_it(profile, prepared, tmp_path):
    import dask.distributed  # its defaults must be in dask.config before the change below

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):  # no second try
        dying = cluster.local_cluster(1, THREADS)
    with dying:
        killed: list[str] = []
        killer = threading.Thread(target=_kill_first_busy_worker,
                                  args=(dying.scheduler_address, killed))
        killer.start()
        with pytest.raises(cluster.ClusterError, match="every worker that ran it died") as error:
            distributed.run_distributed(profile, tmp_path / "out",
                                        scheduler=dying.scheduler_address, verbose=0,
                                        prepared=prepared, model_cache=tmp_path / "models")
        killer.join()
    assert killed and "bench-mnist-" in str(error.value)
    assert "rerun the same command to continue" in str(error.value)


def test_ctrl_c_keeps_finished_work_and_a_rerun_stores_nothing_twice(
        local, profile, prepared, tmp_path, monkeypatch):
    out, models = tmp_path / "out", tmp_path / "models"
    real = runner.ResultStore.append_rows
    written = []

    def interrupted_in_the_second_model(self, rows):
        if len(written) == len(sweep.cells(profile.grid)) + 2:
            raise KeyboardInterrupt  # as if Ctrl-C came while the client wrote a model
        written.append(rows)
        real(self, rows)

    monkeypatch.setattr(runner.ResultStore, "append_rows", interrupted_in_the_second_model)
    with pytest.raises(KeyboardInterrupt):
        distributed.run_distributed(profile, out, scheduler=local.scheduler_address, verbose=0,
                                    prepared=prepared, model_cache=models)
    monkeypatch.setattr(runner.ResultStore, "append_rows", real)
    folder = runner.run_folder(profile, out)
    assert len(load_rows(folder)) == len(written) == len(sweep.cells(profile.grid)) + 2

    pending = []
    real_pending = distributed.pending_specs

    def recorded(run, specs):
        pending.extend(real_pending(run, specs))
        return pending

    monkeypatch.setattr(distributed, "pending_specs", recorded)
    distributed.run_distributed(profile, out, scheduler=local.scheduler_address, verbose=0,
                                prepared=prepared, model_cache=models)
    assert len(pending) == len(runner.model_specs(profile, None)) - 1  # the first was complete
    assert_complete_once(folder, profile)


def test_a_cluster_run_extending_a_reference_computes_only_the_new_seed(local, profile,
                                                                       prepared, tmp_path):
    reference = runner.run_task(profile, tmp_path / "ref", seeds=(0,), verbose=0, prepared=prepared,
                                model_cache=tmp_path / "ref-models")
    folder = distributed.run_distributed(profile, tmp_path / "out", seeds=(0, 1),
                                         scheduler=local.scheduler_address, verbose=0,
                                         prepared=prepared, model_cache=tmp_path / "models",
                                         extend=reference)
    seed_of = {m["key"]: m["seed"] for m in load_records(folder, "models.jsonl")}
    trained = [p.stem for p in (tmp_path / "models").glob("*.keras")]
    assert sorted(seed_of.values()) == [0] * 4 + [1] * 4
    assert sorted(seed_of[key] for key in trained) == [1] * 4  # seed 0 came from the reference
    ours = rows_files(folder)
    assert {name: ours[name] for name in rows_files(reference)} == rows_files(reference)


def test_a_worker_that_cannot_read_the_data_says_so(local, tiny_profile, tmp_path,
                                                    monkeypatch):
    source = tmp_path / "mnist.npz"
    rng = np.random.default_rng(0)
    np.savez(source, **{f"{k}_{split}": (rng.integers(0, 255, (n, 28, 28), dtype=np.uint8)
                                         if k == "x" else np.arange(n) % 10)
                        for split, n in (("train", 40), ("test", 20)) for k in ("x", "y")})
    profile = with_data(tiny_profile, "mnist")
    real_pending = distributed.pending_specs

    def data_gone_after_the_client_read_it(run, specs):
        source.unlink()
        return real_pending(run, specs)

    monkeypatch.setattr(distributed, "pending_specs", data_gone_after_the_client_read_it)
    with pytest.raises(distributed.WorkerDataError) as error:
        distributed.run_distributed(profile, tmp_path / "out", source,
                                    scheduler=local.scheduler_address, verbose=0,
                                    model_cache=tmp_path / "models")
    message = str(error.value)
    assert "tcp://127.0.0.1:" in message and str(source) in message
    assert "--ship-data" in message
    assert not load_rows(runner.run_folder(profile, tmp_path / "out"))


def test_a_worker_with_other_data_is_refused_and_nothing_stored(profile, prepared, tmp_path):
    with runner.open_run(profile, tmp_path / "out", prepared=prepared,
                         model_cache=tmp_path / "models") as run:
        spec = runner.model_specs(profile, None)[0]
        record = SimpleNamespace(key="0" * 20, data_checksum="other", versions={})
        result = distributed.ModelResult(spec, record, {}, True, [], [], "tcp://w:1", 1.0)
        with pytest.raises(cluster.ClusterError, match=f"client expects {run.key(spec)}"):
            distributed.store_result(run, result)
        assert not run.store.has_model(run.key(spec))


def test_an_unreachable_scheduler_exits_2_with_one_line_naming_it(tmp_path, capsys,
                                                                  monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 1)
    code = main(["run", "mnist", "--profile", "smoke", "--scheduler", "tcp://127.0.0.1:9",
                 "--quiet", "--out", str(tmp_path)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in lines[0]


@pytest.mark.parametrize("argv, message", [
    (["--workers", "2"], "--workers applies to --scheduler local"),
    (["--scheduler", "tcp://h:8786", "--threads", "2"], "--threads applies to --scheduler local"),
    (["--scheduler", "local", "--workers", "0"], "--workers must be at least 1, got 0"),
    (["--ship-data"], "--ship-data applies to a run with --scheduler"),
    (["--scheduler", "local", "--trained", "."], "--trained sweeps models trained elsewhere"),
])
def test_cluster_options_that_do_not_apply_exit_2(argv, message, capsys):
    assert main(["run", "mnist", "--profile", "smoke", *argv]) == 2
    assert message in capsys.readouterr().err
