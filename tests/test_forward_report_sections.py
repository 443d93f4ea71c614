"""The forward-pass report's three-implementation sections on small hand-made
pytest-benchmark JSON: the fastest implementation per batch size, the NumPy engine's time per
layer against the sgemm peak, the agreement of every implementation with Keras, and tables no
wider than 120 characters."""

from __future__ import annotations

import math

from test_forward_report import _bench, _json, _prose, _row, _sgemm, _two_threads

from bench.render.forward_pass import render_forward_pass
from bench.render.forward_pass_data import timings
from bench.render.forward_pass_fastest import fastest_sentence

IMPLEMENTATIONS = ("numpy-vectorised", "keras-call", "keras-predict", "onnxruntime")


def _three_archs() -> dict:
    """Batch 1,024 on one thread: ONNX Runtime fastest on two architectures, NumPy on one."""
    medians = {  # arch: (NumPy, model(x), predict, ORT) median seconds
        "mnist_cnn": (0.050, 0.080, 0.200, 0.040),
        "cifar10_cnn": (0.900, 1.000, 1.500, 0.600),
        "gender_cnn": (0.300, 0.500, 0.900, 0.400),
    }
    run = _json()
    run["benchmarks"] = [_bench(arch, 1024, impl, median, 5)
                         for arch, values in medians.items()
                         for impl, median in zip(IMPLEMENTATIONS, values, strict=True)]
    return run


def test_the_fastest_per_batch_is_named_with_its_ratio_to_the_next() -> None:
    found = timings([_three_archs()])
    # geometric means: NumPy (0.05 * 0.9 * 0.3)^(1/3), ORT (0.04 * 0.6 * 0.4)^(1/3)
    numpy_mean = (0.05 * 0.9 * 0.3) ** (1 / 3)
    ort_mean = (0.04 * 0.6 * 0.4) ** (1 / 3)
    assert ort_mean < numpy_mean
    expected = (f"- Batch 1,024, 1 thread(s): **ONNX Runtime** is the fastest over the 3 "
                f"architectures, {numpy_mean / ort_mean:.2f}x the next, NumPy vectorised "
                "(geometric means of the median round times of the 4 implementations timed on "
                "every architecture); fastest per architecture: ONNX Runtime on 2, NumPy "
                "vectorised on 1.")
    assert fastest_sentence(found, 1024, 1) == expected
    assert not math.isclose(numpy_mean / ort_mean, 1.0)
    assert fastest_sentence(found, 64, 1) is None  # nothing ran at batch 64


def test_an_implementation_missing_on_one_architecture_is_no_contender() -> None:
    run = _three_archs()
    # LiteRT on two of the three architectures only, faster than everything there
    run["benchmarks"] += [_bench("mnist_cnn", 1024, "litert", 0.001, 5),
                          _bench("gender_cnn", 1024, "litert", 0.001, 5)]
    sentence = fastest_sentence(timings([run]), 1024, 1)
    assert "**ONNX Runtime** is the fastest" in sentence
    assert "LiteRT" not in sentence


def test_the_report_opens_with_one_sentence_per_batch_and_thread_count() -> None:
    text = _prose(render_forward_pass([_json(), _two_threads()]))
    # batch 1: ORT 0.25 ms, LiteRT 0.40 ms -> 1.60x; batch 1,024: NumPy 64 ms, ORT 80 ms
    assert ("- Batch 1, 1 thread(s): **ONNX Runtime** is the fastest over the 1 architecture, "
            "1.60x the next, LiteRT") in text
    assert ("- Batch 1,024, 1 thread(s): **NumPy vectorised** is the fastest over the 1 "
            "architecture, 1.25x the next, ONNX Runtime") in text
    assert "- Batch 1,024, 2 thread(s): **NumPy vectorised**" in text
    assert text.index("- Batch 1, 1 thread(s)") < text.index("**mnist_cnn**, batch 1,024")


def _with_layer_times() -> dict:
    """The 1-thread run with the engine's layers at batch 1,024 and a 1-thread sgemm peak of
    100 GFLOP/s."""
    run = _json()
    layers = [
        {"name": "conv2d", "label": "conv 3x3", "algorithm": "im2col",
         "seconds": 0.016, "flops_per_image": 1_000_000},
        {"name": "conv2d_1", "label": "conv 3x3", "algorithm": "Winograd F(2,3)",
         "seconds": 0.032, "flops_per_image": 2_000_000},
        {"name": "max_pooling2d", "label": "max-pool 2/2", "algorithm": "",
         "seconds": 0.0138, "flops_per_image": 0},
        {"name": "dropout", "label": "identity", "algorithm": "", "seconds": 0.0001,
         "flops_per_image": 0},
        {"name": "flatten", "label": "flatten", "algorithm": "", "seconds": 0.0001,
         "flops_per_image": 0},
        {"name": "dense", "label": "dense 10", "algorithm": "", "seconds": 0.002,
         "flops_per_image": 100_000},
    ]
    engine = next(bench for bench in run["benchmarks"]
                  if bench["extra_info"].get("implementation") == "numpy-vectorised"
                  and bench["extra_info"]["batch"] == 1024)
    engine["extra_info"]["layer_times"] = layers
    run["benchmarks"].append(_sgemm(1, 2 * 2048**3 / 100e9))
    return run


def test_the_engine_time_per_layer_and_each_convolution_share_of_the_peak() -> None:
    markdown = render_forward_pass([_with_layer_times()])
    section = markdown[markdown.index("## Where the NumPy engine's time goes"):
                       markdown.index("## Images per second")]
    # total 64 ms; conv2d_1: 2e6 x 1024 / 0.032 s = 64 GFLOP/s = 64% of 100, 50% of the pass
    assert _row(section, "| mnist_cnn      | conv2d_1 ") == [
        "mnist_cnn", "conv2d_1", "conv 3x3", "Winograd F(2,3)", "32.0", "50%", "64.0", "64%"]
    # conv2d: 1e6 x 1024 / 0.016 = 64 GFLOP/s
    assert _row(section, "| mnist_cnn      | conv2d ")[4:] == ["16.0", "25%", "64.0", "64%"]
    assert _row(section, "| mnist_cnn      | max_pooling2d ")[4:] == ["13.8", "22%", "–", "–"]
    # dense: 1e5 x 1024 / 0.002 s = 51.2 GFLOP/s
    assert _row(section, "| mnist_cnn      | dense ")[4:] == ["2.0", "3%", "51.2", "51%"]
    # dropout and flatten: no FLOPs and under 1% each -> one row
    assert _row(section, "| mnist_cnn      | 2 other layers ")[4:6] == ["0.2", "0%"]
    assert ("**mnist_cnn**: conv2d_1 (conv 3x3, Winograd F(2,3)) takes 50% of the 64 ms "
            "pass, at 64.0 GFLOP/s, 64% of the sgemm peak.") in _prose(section)
    assert "## Where the NumPy engine's time goes" not in render_forward_pass([_json()])


def test_every_implementation_is_checked_against_keras() -> None:
    run = _json()
    diffs = {"numpy-vectorised": 2e-7, "numpy-naive": 1e-7, "onnxruntime": 3e-8, "litert": 0.0}
    for bench in run["benchmarks"]:
        implementation = bench["extra_info"].get("implementation")
        if implementation in diffs:
            bench["extra_info"]["max_abs_diff_vs_keras"] = diffs[implementation]
    markdown = render_forward_pass([run])
    section = markdown[markdown.index("## Agreement with Keras"):]
    assert _row(section, "| architecture") == [
        "architecture", "NumPy", "naive", "ORT", "LiteRT", "benchmarks compared"]
    assert _row(section, "| mnist_cnn") == [
        "mnist_cnn", "2.00e-07", "1.00e-07", "3.00e-08", "0.00e+00", "6"]


def test_no_table_line_is_wider_than_120_characters() -> None:
    run = _with_layer_times()
    long = "cifar10_cnn_gap"  # the longest architecture name of the suite
    implementations = ("numpy-vectorised", "numpy-naive", "keras-call", "keras-predict",
                       "onnxruntime", "litert")
    for batch in (1, 64, 1024):
        for number, implementation in enumerate(implementations):
            # slow, wide cells: seconds per round, thousands of images per second at batch 1
            run["benchmarks"].append(_bench(long, batch, implementation, 1234.5 / (number + 1),
                                            30, flops_per_image=123_456_789,
                                            max_abs_diff_vs_keras=1.5e-6,
                                            peak_bytes=123 * 2**20))
    markdown = render_forward_pass([run, _two_threads()])
    table_lines = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(table_lines) > 30
    assert max(len(line) for line in table_lines) <= 120
    assert "| cifar10_cnn_gap" in markdown
