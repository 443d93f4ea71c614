"""bench.npcnn.planner: convolution algorithms chosen by measuring, cached per CPU model,
threads and shape, and every forced plan equal to Keras."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from keras import layers

from bench.catalog import FAMILIES
from bench.npcnn import from_keras, planner
from bench.npcnn.layers import Conv2D
from bench.npcnn.planner import ALGORITHMS, PlanCache, algorithm_of, plan_network

ATOL = 1e-5
ARCHITECTURES = [  # every architecture the forward-pass suite times
    (task, family, shape, classes)
    for task, shape, classes in (("mnist", (28, 28, 1), 10), ("gender", (50, 50, 1), 2),
                                 ("cifar10", (32, 32, 3), 10))
    for family in ("mlp", "cnn", "cnn-gap", "cnn-aa")
]


def _model() -> keras.Model:
    keras.utils.set_random_seed(4)
    return keras.Sequential([
        keras.Input((10, 10, 3)),
        layers.Conv2D(8, 3, padding="same", activation="relu"),
        layers.Conv2D(8, 3, padding="valid", activation="relu"),
        layers.Conv2D(4, 2, strides=2),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ])


def _convs(network) -> list[Conv2D]:
    return [layer for layer in network.layers if isinstance(layer, Conv2D)]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_forced_plan_runs_where_it_applies_and_matches_keras(algorithm: str) -> None:
    model = _model()
    x = np.random.default_rng(1).random((6, 10, 10, 3), dtype=np.float32)
    network = plan_network(from_keras(model, chunk_size=4), algorithm)
    assert [algorithm_of(c) for c in _convs(network)] == [algorithm, algorithm, "im2col"]
    expected = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_allclose(network.predict(x), expected, atol=ATOL)


def test_a_measured_plan_is_cached_per_cpu_and_threads(tmp_path, monkeypatch) -> None:
    model = _model()
    network = from_keras(model, chunk_size=4, threads=1)
    cache = PlanCache(1, root=tmp_path, cpu="Test CPU 9000")
    planned = plan_network(network, "measure", cache)
    stored = json.loads(cache.path.read_text())
    assert stored["cpu"] == "Test CPU 9000" and stored["threads"] == 1
    assert cache.path.parent.name.startswith("Test-CPU-9000-")
    # two 3x3 shapes timed on all three algorithms, the 2x2 stride-2 one on im2col alone
    records = stored["plans"]
    assert sorted(records) == ["10x10x3>8 k3x3 s1x1 same n4", "10x10x8>8 k3x3 s1x1 valid n4",
                               "8x8x8>4 k2x2 s2x2 valid n4"]
    assert [sorted(r["seconds"]) for r in records.values()].count(sorted(ALGORITHMS)) == 2
    for record in records.values():
        assert record["algorithm"] == min(record["seconds"], key=record["seconds"].get)
    assert [algorithm_of(c) for c in _convs(planned)] == [
        records[key]["algorithm"] for key in ("10x10x3>8 k3x3 s1x1 same n4",
                                              "10x10x8>8 k3x3 s1x1 valid n4",
                                              "8x8x8>4 k2x2 s2x2 valid n4")]

    def no_measuring(*args, **kwargs):
        raise AssertionError("measured again instead of reading the cached plan")

    monkeypatch.setattr(planner, "measure", no_measuring)
    again = plan_network(from_keras(model, chunk_size=4, threads=1), "measure", cache)
    assert [algorithm_of(c) for c in _convs(again)] == [algorithm_of(c) for c in _convs(planned)]
    # another thread count or another CPU model: another file, measured afresh
    assert PlanCache(2, root=tmp_path, cpu="Test CPU 9000").load() == {}
    assert PlanCache(1, root=tmp_path, cpu="Other CPU").load() == {}


def test_a_plan_file_of_another_cpu_is_never_used(tmp_path) -> None:
    cache = PlanCache(1, root=tmp_path, cpu="This CPU")
    cache.path.parent.mkdir(parents=True)
    cache.path.write_text(json.dumps({"cpu": "Another CPU", "threads": 1, "plans": {
        "10x10x3>8 k3x3 s1x1 same n4": {"algorithm": "winograd-f3", "seconds": {}}}}))
    assert cache.load() == {}
    cache.path.write_text("{broken")
    with pytest.raises(ValueError, match="not a readable plan file"):
        cache.load()


def test_unknown_plans_and_impossible_algorithms_are_refused() -> None:
    network = from_keras(_model())
    with pytest.raises(ValueError, match="plan must be one of rule, measure, im2col"):
        plan_network(network, "fastest")
    with pytest.raises(ValueError, match="cannot run 'winograd-f2'"):
        planner.with_algorithm(_convs(network)[2], "winograd-f2")
    assert plan_network(network, "rule") is network


@pytest.mark.slow
@pytest.mark.parametrize("task, family, shape, classes", ARCHITECTURES,
                         ids=[f"{t}-{f}" for t, f, _, _ in ARCHITECTURES])
def test_every_architecture_matches_keras_under_every_forced_plan(task, family, shape,
                                                                   classes) -> None:
    keras.utils.set_random_seed(0)
    model = FAMILIES[family].build(task, shape, classes)
    x = np.random.default_rng(2).random((5, *shape), dtype=np.float32)
    expected = keras.ops.convert_to_numpy(model(x, training=False))
    base = from_keras(model, threads=1)
    for algorithm in ALGORITHMS:
        got = plan_network(base, algorithm).predict(x)
        assert float(np.max(np.abs(got - expected))) <= ATOL, algorithm
