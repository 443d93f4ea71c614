"""bench.render.forward_pass on small hand-made pytest-benchmark JSON (one run per thread
count)."""

from __future__ import annotations

import json

import pytest

from bench.render.forward_pass import main, render_forward_pass, write_forward_pass_report


def _bench(arch: str, batch: int, implementation: str, median_s: float, rounds: int,
           threads: int = 1, **extra) -> dict:
    return {
        "group": f"{arch}-b{batch}-t{threads}",
        "name": f"test_forward_pass[{arch}-b{batch}-{implementation}]",
        "extra_info": {"arch": arch, "batch": batch, "implementation": implementation,
                       "threads": threads, "versions": {"numpy": "2.4.0", "keras": "3.15.0"},
                       **extra},
        "stats": {"median": median_s, "iqr": median_s / 10, "rounds": rounds},
    }  # fmt: skip


def _sgemm(threads: int, median_s: float) -> dict:
    return {"name": "test_sgemm_peak", "stats": {"median": median_s, "iqr": 0.0, "rounds": 10},
            "extra_info": {"kind": "sgemm", "threads": threads, "flops": 2 * 2048**3}}


def _two_threads() -> dict:
    """The second run: 2 threads, with FLOP counts, the sgemm peak and peak memory."""
    flops = {"flops_per_image": 4_000_000}
    run = _json()
    run["benchmarks"] = [
        _bench("mnist_cnn", 1024, "numpy-vectorised", 0.032, 5, 2, **flops,
               peak_bytes=10 * 2**20),
        _bench("mnist_cnn", 1024, "keras-call", 0.064, 5, 2, **flops),
        _bench("mnist_cnn", 1024, "onnxruntime", 0.040, 5, 2, **flops),
        _sgemm(2, 2 * 2048**3 / 200e9),  # 200 GFLOP/s
    ]
    return run


def _json() -> dict:
    return {
        "machine_info": {
            "node": "box",
            "machine": "x86_64",
            "system": "Linux",
            "release": "6.1",
            "python_version": "3.11.7",
            "cpu": {"brand_raw": "Test CPU", "count": 2},
        },
        "commit_info": {"id": "abcdef1234567890", "branch": "main", "dirty": False},
        "datetime": "2026-01-01T00:00:00",
        "version": "5.1.0",
        "benchmarks": [
            _bench("mnist_cnn", 1, "numpy-vectorised", 0.0005, 30),
            _bench("mnist_cnn", 1, "numpy-naive", 0.05, 2),
            _bench("mnist_cnn", 1, "keras-call", 0.005, 30),
            _bench("mnist_cnn", 1, "keras-predict", 0.05, 30),
            _bench("mnist_cnn", 1, "onnxruntime", 0.00025, 30),
            _bench("mnist_cnn", 1, "litert", 0.0004, 30),
            _bench("mnist_cnn", 1024, "numpy-vectorised", 0.064, 3),
            _bench("mnist_cnn", 1024, "keras-call", 0.128, 3),
            _bench("mnist_cnn", 1024, "keras-predict", 0.256, 3),
            _bench("mnist_cnn", 1024, "onnxruntime", 0.080, 3),
            {"name": "unrelated", "extra_info": {}, "stats": {"median": 1.0}},
        ],
    }


def _row(markdown: str, start: str) -> list[str]:
    line = next(line for line in markdown.splitlines() if line.startswith(start))
    return [cell.strip() for cell in line.strip("|").split("|")]


def _prose(markdown: str) -> str:
    """The report's words with every run of whitespace made one space: a sentence is found
    whole wherever the 100-character wrap broke its line."""
    return " ".join(markdown.split())


def test_throughput_ratios_and_sample_sizes_come_from_the_medians() -> None:
    text = render_forward_pass([_json()])
    # batch 1: 1 / 0.0005 = 2,000 img/s; naive 20; model(x) 200; predict 20
    images = text[text.index("## Images per second"):]
    # batch 1: 1 / 0.0005 = 2,000 img/s; naive 20; model(x) 200; predict 20; ORT 4,000;
    # LiteRT 2,500
    assert _row(images, "| mnist_cnn      | 1         | 1 ") == [
        "mnist_cnn", "1", "1", "2,000", "20", "200", "20", "4,000", "2,500"]
    # batch 1024: 1024 / 0.064 = 16,000 img/s; no naive or LiteRT run -> "–"
    assert _row(images, "| mnist_cnn      | 1         | 1024 ") == [
        "mnist_cnn", "1", "1024", "16,000", "–", "8,000", "4,000", "12,800", "–"]
    faster = text[text.index("## How many times faster"):]
    # NumPy/Keras, ORT/Keras, NumPy/ORT, NumPy/LiteRT, NumPy/naive
    assert _row(faster, "| mnist_cnn      | 1         | 1 ") == [
        "mnist_cnn", "1", "1", "10.00x", "20.00x", "0.50x", "0.80x", "100.00x"]
    assert _row(faster, "| mnist_cnn      | 1         | 1024 ") == [
        "mnist_cnn", "1", "1024", "2.00x", "1.60x", "1.25x", "–", "–"]
    rounds = faster[faster.index("| rounds"):]
    assert _row(rounds, "| mnist_cnn      | 1         | 1 ")[3] == "30/2/30/30/30/30"
    assert _row(rounds, "| mnist_cnn      | 1         | 1024 ")[3] == "3/–/3/3/3/–"


def test_report_leads_with_findings_and_ends_with_the_setup() -> None:
    text = _prose(render_forward_pass([_json()]))
    assert text.startswith("# Forward pass")
    assert ("**mnist_cnn**, batch 1,024: NumPy 16,000 images/s with 1 thread(s), 2.00x Keras "
            "`model(x)` (8,000), 1.25x ONNX Runtime (12,800).") in text
    assert ("One image (1 thread(s)): 0.50 ms (NumPy vectorised), 5.00 ms (Keras model(x)), "
            "50.00 ms (Keras predict), 0.25 ms (ONNX Runtime), 0.40 ms (LiteRT).") in text
    assert "| 0.5 ± 0.05 " in text  # latency table: median ms ± IQR
    setup = text[text.index("## Setup") :]
    assert "Test CPU, 2 logical cores" in setup
    assert "Threads 1: Python 3.11.7, pytest-benchmark 5.1.0" in setup
    assert "commit `abcdef1234` on main" in setup
    assert "numpy 2.4.0, keras 3.15.0" in setup
    assert "CPU vector ISA and TensorFlow's oneDNN kernels not recorded" in setup


def test_the_kernels_each_run_recorded_are_stated() -> None:
    run = _json()
    for bench in run["benchmarks"]:
        bench["extra_info"]["kernels"] = {"cpu_isa": "avx2", "onednn": "on"}
    setup = _prose(render_forward_pass([run]))
    setup = setup[setup.index("## Setup") :]
    assert "Kernels: CPU vector ISA avx2, TensorFlow's oneDNN kernels on" in setup


def test_the_warm_up_each_run_recorded_is_stated() -> None:
    older = _prose(render_forward_pass([_json()]))
    assert "called untimed once (a run older than the suite's recorded warm-up)" in older
    warmed = _json()
    for bench in warmed["benchmarks"]:
        if "arch" in bench.get("extra_info", {}):
            bench["extra_info"]["warmup_s"] = 0.25
    assert "each implementation was called untimed for 0.25 s." in _prose(
        render_forward_pass([warmed]))


def test_json_without_forward_pass_benchmarks_is_refused() -> None:
    with pytest.raises(ValueError, match="no forward-pass benchmarks"):
        render_forward_pass([{"benchmarks": [{"name": "x", "extra_info": {}, "stats": {}}]}])


def test_two_thread_counts_side_by_side_with_the_roofline() -> None:
    markdown = render_forward_pass([_json(), _two_threads()])
    text = _prose(markdown)
    assert ("NumPy 16,000 images/s with 1 thread(s), 2.00x Keras `model(x)` (8,000), 1.25x "
            "ONNX Runtime (12,800); 32,000 images/s with 2 thread(s), 2.00x Keras `model(x)` "
            "(16,000), 1.25x ONNX Runtime (25,600).") in text
    assert "2 thread(s): a 2,048 x 2,048 float32 matrix product" in text
    assert "runs at 200.0 GFLOP/s (median of 10 rounds)" in text
    # 4 MFLOP x 1024 images / 0.032 s = 128 GFLOP/s = 64% of 200; Keras 64 GFLOP/s = 32%;
    # ONNX Runtime 4e6 x 1024 / 0.040 = 102.4 GFLOP/s = 51%
    roofline = markdown[markdown.index("## Roofline"):markdown.index("## Images per second")]
    assert _row(roofline, "| mnist_cnn      | 2         | 1024 ") == [
        "mnist_cnn", "2", "1024", "4.00", "128.0", "64%", "64.0", "32%"]
    assert _row(roofline[roofline.index("| ORT GF/s") - 50:], "| mnist_cnn") == [
        "mnist_cnn", "2", "1024", "102.4", "51%", "10.0"]
    faster = markdown[markdown.index("## How many times faster"):]
    assert _row(faster, "| mnist_cnn      | 2         | 1024 ")[3:6] == ["2.00x", "1.60x", "1.25x"]


def test_writer_and_command_line_write_the_markdown(tmp_path) -> None:
    folder = tmp_path / "forward_pass"
    folder.mkdir()
    (folder / "threads-1.json").write_text(json.dumps(_json()))
    (folder / "threads-2.json").write_text(json.dumps(_two_threads()))
    written = write_forward_pass_report(folder, tmp_path / "out" / "forward_pass.md")
    assert written.read_text() == render_forward_pass([_json(), _two_threads()])
    main([str(folder / "threads-1.json"), str(tmp_path / "cli.md")])
    assert (tmp_path / "cli.md").read_text() == render_forward_pass([_json()])
    with pytest.raises(FileNotFoundError, match="missing.json not found"):
        write_forward_pass_report(tmp_path / "missing.json", tmp_path / "x.md")
    (folder / "threads-3.json").write_text("{not json")
    with pytest.raises(ValueError, match="threads-3.json: not a readable"):
        write_forward_pass_report(folder, tmp_path / "x.md")
