"""``tox -e bench-targets`` on hand-made saved runs: each run's ratio, the median over runs,
and the verdict of each speed target (NumPy against Keras on every architecture, against
ONNX Runtime on half of them, each CIFAR-10 convolution against the sgemm peak)."""

from __future__ import annotations

import json
from pathlib import Path

from test_forward_report import _bench, _json, _sgemm

from bench.render.forward_pass_targets import load_newest, main, render_targets


def _run(medians: dict[str, tuple[float, float, float]], conv_s: float) -> dict:
    """One run at batch 1,024: per architecture the (engine, Keras, ONNX Runtime) median
    seconds, a 100 GFLOP/s sgemm peak, and for CIFAR-10 architectures one convolution of
    1 MFLOP per image taking ``conv_s`` seconds per batch."""
    run = _json()
    run["benchmarks"] = [_sgemm(1, 2 * 2048**3 / 100e9)]
    for arch, (engine_s, keras_s, ort_s) in medians.items():
        layers = [{"name": "conv2d", "label": "conv 3x3", "algorithm": "im2col",
                   "seconds": conv_s, "flops_per_image": 1_000_000}]
        run["benchmarks"] += [
            _bench(arch, 1, "numpy-vectorised", engine_s * 9, 30),  # a smaller batch: ignored
            _bench(arch, 1024, "numpy-vectorised", engine_s, 5,
                   layer_times=layers if arch.startswith("cifar10_") else None),
            _bench(arch, 1024, "keras-call", keras_s, 5),
            _bench(arch, 1024, "onnxruntime", ort_s, 5),
        ]
    return run


def test_the_median_of_the_runs_decides_each_target() -> None:
    # mnist_cnn: 1.5x, 1.0x, 1.3x Keras (median 1.3x: met) and 2.0x, 0.8x, 1.2x ORT (1.2x);
    # cifar10_cnn: 1.1x Keras in every run (short of 1.2x) and 0.9x ORT.
    runs = [_run({"mnist_cnn": (1.0, 1.5, 2.0), "cifar10_cnn": (1.0, 1.1, 0.9)}, 0.0128),
            _run({"mnist_cnn": (1.0, 1.0, 0.8), "cifar10_cnn": (1.0, 1.1, 0.9)}, 0.0128),
            _run({"mnist_cnn": (1.0, 1.3, 1.2), "cifar10_cnn": (1.0, 1.1, 0.9)}, 0.0256)]
    text = render_targets({"1": runs})
    assert "| 1.50 / 1.00 / 1.30 | 1.30x" in text
    assert "| 2.00 / 0.80 / 1.20 | 1.20x" in text
    assert ("at least 1.2x Keras on 1 of 2 architectures (target: all; **not met**, short on "
            "cifar10_cnn)") in text
    assert "at least 1.0x ONNX Runtime on 1 of 2 architectures (target: 1; **met**)" in text
    # the convolution: 1e6 x 1024 / 0.0128 s = 80 GFLOP/s (80%) twice, 40% once: median 80%
    assert "| 80% / 80% / 40%   | 80%" in text
    assert "1 of 1 (target: all; **met**)" in text


def test_a_slower_engine_fails_every_target_it_misses() -> None:
    runs = [_run({"mnist_cnn": (1.0, 0.9, 0.5), "cifar10_cnn": (1.0, 0.9, 0.5)}, 0.1)] * 3
    text = render_targets({"1": runs, "2": runs})
    assert text.count("**not met**") == 5  # Keras and ORT at 1 and 2 threads, the conv target
    assert "on 0 of 2 architectures (target: 1; **not met**)" in text


def test_the_newest_saved_runs_of_each_thread_count_are_read(tmp_path: Path, capsys) -> None:
    slow = _run({"mnist_cnn": (1.0, 1.0, 1.0)}, 0.1)
    fast = _run({"mnist_cnn": (0.5, 1.0, 1.0)}, 0.1)
    for threads in (1, 2):
        folder = tmp_path / f"threads-{threads}" / "Linux-CPython-3.11-64bit"
        folder.mkdir(parents=True)
        for number, run in enumerate([slow, fast, fast, fast], start=1):
            (folder / f"{number:04d}_abc_2026.json").write_text(json.dumps(run))
    loaded = load_newest(tmp_path, 3)
    assert sorted(loaded) == ["1", "2"]
    assert all(len(runs) == 3 for runs in loaded.values())
    main(["--storage", str(tmp_path), "--runs", "3"])
    out = capsys.readouterr().out
    assert "2.00 / 2.00 / 2.00" in out  # the oldest, slower run is not among the newest 3
    assert "1.00 / 2.00" not in out


def test_a_dense_network_whose_keras_runs_near_the_sgemm_peak_is_named_out_of_reach() -> None:
    # 100 GFLOP/s peak; 0.1 GFLOP per image x 1,024 images: 1.024 s at the peak. Keras takes
    # 1.126 s (ceiling 1.10x, below the 1.2x target), the engine 1.05 s (1.07x Keras).
    run = _json()
    dense = [{"name": "dense", "label": "dense 1000", "algorithm": "", "seconds": 1.0,
              "flops_per_image": 100_000_000}]
    run["benchmarks"] = [
        _sgemm(1, 2 * 2048**3 / 100e9),
        _bench("gender_mlp", 1024, "numpy-vectorised", 1.05, 5, layer_times=dense,
               flops_per_image=100_000_000),
        _bench("gender_mlp", 1024, "keras-call", 1.1264, 5, flops_per_image=100_000_000),
        _bench("gender_mlp", 1024, "onnxruntime", 1.0, 5, flops_per_image=100_000_000),
    ]
    text = render_targets({"1": [run]})
    assert "| 1.10x" in text  # the ceiling column
    assert "out of reach for dense layers even at the sgemm peak: gender_mlp (1.10x)" in text
    # the same figures for a network with a convolution: Winograd can pass the ceiling
    conv = [{**dense[0], "name": "conv2d", "label": "conv 3x3", "algorithm": "Winograd"}]
    run["benchmarks"][1]["extra_info"]["layer_times"] = conv
    assert "out of reach" not in render_targets({"1": [run]})
