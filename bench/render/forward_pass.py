"""pytest-benchmark JSON of suites/test_forward_pass.py -> a Markdown report.

The suite runs once per thread count, each run writing one JSON (``tox -e bench`` writes
``runs/forward_pass/threads-1.json`` and ``threads-2.json``; the published ones are in
``reports/forward_pass/``); the report puts them side by side: the NumPy engine, Keras and
ONNX Runtime (LiteRT at batch 1), a generated sentence per batch size naming the fastest,
the roofline against the measured sgemm peak, the engine's time per layer
(:mod:`bench.render.forward_pass_layers`). ``render_forward_pass(runs) -> str`` is pure;
``write_forward_pass_report`` reads a folder of JSON files (or one file) and writes the
Markdown; ``python -m bench.render.forward_pass SOURCE MD`` runs it. Throughput is images per
second of the median round (batch / median seconds); GFLOP/s divide the forward pass's FLOPs
(:mod:`bench.npcnn.flops`) by the median round. Every table is at most 120 characters wide
(:func:`bench.render.tables.table` splits wider ones).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from bench.render.forward_pass_data import (
    IMPLEMENTATIONS,
    KERAS_CALL,
    KERAS_PREDICT,
    LABELS,
    LITERT,
    MISSING,
    NAIVE,
    ONNXRUNTIME,
    SHORT,
    VECTORISED,
    benchmarks,
    cells,
    largest_batch,
    rate,
    ratio,
    sgemm_peaks,
    share,
    shown,
    thread_counts,
    timings,
)
from bench.render.forward_pass_fastest import fastest_sentences
from bench.render.forward_pass_layers import layer_section
from bench.render.prose import wrap_prose
from bench.render.tables import table


def _throughput_table(found: dict) -> str:
    rows = []
    for arch, batch, threads in cells(found):
        got = [found.get((arch, batch, impl, threads)) for impl in IMPLEMENTATIONS]
        rows.append([arch, shown(threads), batch]
                    + [MISSING if t is None else rate(t.images_per_s) for t in got])
    headers = ["architecture", "threads", "batch"] + [SHORT[i] for i in IMPLEMENTATIONS]
    return table(rows, headers, keys=3)


RATIOS = ((VECTORISED, KERAS_CALL), (ONNXRUNTIME, KERAS_CALL), (VECTORISED, ONNXRUNTIME),
          (VECTORISED, LITERT), (VECTORISED, NAIVE))
"""(top, bottom) pairs of the ratio table: how many times faster top is than bottom."""


def _ratio_table(found: dict) -> str:
    rows = []
    for cell in cells(found):
        arch, batch, threads = cell
        got = [found.get((arch, batch, impl, threads)) for impl in IMPLEMENTATIONS]
        rows.append([arch, shown(threads), batch]
                    + [ratio(found, cell, top, bottom) for top, bottom in RATIOS]
                    + ["/".join(MISSING if t is None else str(t.rounds) for t in got)])
    headers = (["architecture", "threads", "batch"]
               + [f"{SHORT[top]}/{SHORT[bottom]}" for top, bottom in RATIOS] + ["rounds"])
    return table(rows, headers, keys=3)


def _latency_table(found: dict) -> str:
    rows = []
    for arch, batch, threads in cells(found):
        row = [arch, shown(threads), batch]
        for impl in IMPLEMENTATIONS:
            t = found.get((arch, batch, impl, threads))
            row.append(MISSING if t is None else f"{t.median_s * 1e3:.3g} ± {t.iqr_s * 1e3:.2g}")
        rows.append(row)
    headers = ["architecture", "threads", "batch"] + [SHORT[i] for i in IMPLEMENTATIONS]
    return table(rows, headers, keys=3)


def _findings(found: dict) -> list[str]:
    """One generated sentence per architecture at its largest batch, for every thread
    count (the engine against Keras ``model(x)`` and ONNX Runtime), plus one image at the
    most threads."""
    lines = []
    most = thread_counts(found)[-1]
    for arch in dict.fromkeys(key[0] for key in found):
        batch = largest_batch(found, arch)
        parts = []
        for threads in thread_counts(found):
            ours = found.get((arch, batch, VECTORISED, threads))
            if ours is None:
                continue
            against = [f"{other.median_s / ours.median_s:.2f}x {name} "
                       f"({rate(other.images_per_s)})"
                       for impl, name in ((KERAS_CALL, "Keras `model(x)`"),
                                          (ONNXRUNTIME, "ONNX Runtime"))
                       if (other := found.get((arch, batch, impl, threads)))]
            if against:
                parts.append(f"{rate(ours.images_per_s)} images/s with {shown(threads)} "
                             f"thread(s), " + ", ".join(against))
        if parts:
            lines.append(f"- **{arch}**, batch {batch:,}: NumPy " + "; ".join(parts) + ".")
        single = [(LABELS[impl], found.get((arch, 1, impl, most)))
                  for impl in (VECTORISED, KERAS_CALL, KERAS_PREDICT, ONNXRUNTIME, LITERT)]
        if all(t for _, t in single[:3]):
            lines.append(f"  One image ({shown(most)} thread(s)): " + ", ".join(
                f"{t.median_s * 1e3:.2f} ms ({name})" for name, t in single if t) + ".")
    return lines


ROOFLINE = (VECTORISED, KERAS_CALL, ONNXRUNTIME)
"""The implementations of the roofline table."""


def _roofline(found: dict, runs: Sequence[dict]) -> list[str]:
    """The sgemm peak per thread count, then per architecture at its largest batch: FLOPs
    per image, achieved GFLOP/s and share of the peak of NumPy, Keras and ONNX Runtime,
    the engine's peak memory."""
    peaks = sgemm_peaks(runs)
    lines = [f"- {shown(threads)} thread(s): a 2,048 x 2,048 float32 matrix product through "
             f"NumPy's BLAS runs at {value:,.1f} GFLOP/s (median of {rounds} rounds)."
             for threads, (value, rounds) in sorted(peaks.items(), key=lambda p: p[0] or 0)]
    rows = []
    for arch, batch, threads in cells(found):
        if batch != largest_batch(found, arch):
            continue
        got = [found.get((arch, batch, impl, threads)) for impl in ROOFLINE]
        ours = got[0]
        if ours is None or ours.flops_per_image is None or not any(got[1:]):
            continue
        peak = peaks.get(threads)
        memory = MISSING if ours.peak_bytes is None else f"{ours.peak_bytes / 2**20:.1f}"
        row = [arch, shown(threads), batch, f"{ours.flops_per_image / 1e6:.2f}"]
        for t in got:
            row += ([MISSING, MISSING] if t is None or t.gflops is None
                    else [f"{t.gflops:.1f}", share(t.gflops, peak)])
        rows.append(row + [memory])
    if not rows:
        return lines or ["No benchmark of this run recorded FLOPs."]
    headers = ["architecture", "threads", "batch", "MFLOP/img"]
    for impl in ROOFLINE:
        headers += [f"{SHORT[impl]} GF/s", f"{SHORT[impl]} %"]
    return [*lines, *([""] if lines else []), table(rows, [*headers, "NumPy MiB"], keys=3)]


def _agreement_table(runs: Sequence[dict]) -> str:
    """Per architecture and implementation other than Keras: the largest |output - Keras
    model(x)| over its benchmarks of these runs (all batches and thread counts), and how
    many outputs were compared in all."""
    checked = [impl for impl in IMPLEMENTATIONS if impl not in (KERAS_CALL, KERAS_PREDICT)]
    largest: dict[tuple[str, str], float] = {}
    compared: dict[str, int] = {}
    for bench in benchmarks(runs):
        info = bench.get("extra_info", {})
        if info.get("implementation") in checked and "max_abs_diff_vs_keras" in info:
            key = (info["arch"], info["implementation"])
            largest[key] = max(largest.get(key, 0.0), float(info["max_abs_diff_vs_keras"]))
            compared[info["arch"]] = compared.get(info["arch"], 0) + 1
    if not largest:
        return "No benchmark of this run recorded its difference from Keras."
    rows = [[arch] + [f"{largest[(arch, impl)]:.2e}" if (arch, impl) in largest else MISSING
                      for impl in checked] + [count]
            for arch, count in compared.items()]
    return table(rows, ["architecture"] + [SHORT[impl] for impl in checked]
                 + ["benchmarks compared"], keys=1)


def _warmup_sentence(found: dict) -> str:
    """How each implementation was warmed up before its timed rounds."""
    seconds = sorted({timing.warmup_s for timing in found.values()}, key=lambda s: s or 0)
    said = [f"for {s:g} s" if s is not None
            else "once (a run older than the suite's recorded warm-up)" for s in seconds]
    return f"Before its timed rounds each implementation was called untimed {' or '.join(said)}."


def _setup(runs: Sequence[dict]) -> list[str]:
    """The machine of the first run, then when and at which commit each run was made."""
    machine = runs[0].get("machine_info", {})
    cpu = machine.get("cpu", {})
    lines = [
        f"- CPU: {cpu.get('brand_raw', 'unknown')}, {cpu.get('count', '?')} logical cores "
        f"({machine.get('machine', '?')}, {machine.get('system', '?')} "
        f"{machine.get('release', '')}), host `{machine.get('node', '?')}`",
    ]
    for run in runs:
        commit = run.get("commit_info", {})
        threads = sorted({b["extra_info"]["threads"] for b in run.get("benchmarks", [])
                          if "threads" in b.get("extra_info", {})})
        dirty = " (with uncommitted changes)" if commit.get("dirty") else ""
        at_commit = (f", commit `{commit['id'][:10]}` on {commit.get('branch', '?')}{dirty}"
                     if commit.get("id") else "")
        lines.append(
            f"- Threads {', '.join(map(str, threads)) or MISSING}: Python "
            f"{run.get('machine_info', {}).get('python_version', '?')}, pytest-benchmark "
            f"{run.get('version', '?')}, run at {run.get('datetime', '?')}{at_commit}")
    versions = next(
        (b["extra_info"]["versions"] for b in benchmarks(runs)
         if "versions" in b.get("extra_info", {})),
        None,
    )  # fmt: skip
    if versions:
        lines.append("- Libraries: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    kernels = sorted({(k["cpu_isa"], k["onednn"]) for k in
                      (b.get("extra_info", {}).get("kernels") for b in benchmarks(runs)) if k})
    lines.append("- Kernels: " + ("; ".join(
        f"CPU vector ISA {isa}, TensorFlow's oneDNN kernels {state}" for isa, state in kernels)
        if kernels else "CPU vector ISA and TensorFlow's oneDNN kernels not recorded (a run "
        "older than the suite's record of them)"))
    return lines


def render_forward_pass(runs: Sequence[dict]) -> str:
    """Markdown: the fastest per batch size, findings, roofline, the engine's time per layer,
    throughput, ratios, latency, agreement, setup, from the JSON of one or more suite runs
    (one per thread count)."""
    found = timings(runs)
    return wrap_prose("\n".join(
        [
            "# Forward pass: the NumPy engine against Keras and ONNX Runtime",
            "",
            *fastest_sentences(found),
            "",
            *_findings(found),
            "",
            "Throughput is the batch size divided by the median round; ratios divide median "
            "round times, so above 1x the first-named implementation is faster. Every "
            "implementation of a row ran on the same number of threads: NumPy on that many "
            "chunk threads with BLAS held to one thread each, TensorFlow with that many "
            "intra- and inter-op threads, ONNX Runtime (CPU execution provider, all graph "
            "optimisations) with that many intra-op threads, LiteRT (XNNPACK) with that many "
            "interpreter threads. ONNX Runtime and LiteRT run Keras' own `model.export` of "
            "the same model, made and cached before timing. "
            + _warmup_sentence(found)
            + " Columns: "
            + ", ".join(f"{SHORT[i]} = {LABELS[i]}" for i in IMPLEMENTATIONS)
            + ". Timings come from a shared machine and are noisy; `rounds` gives the sample "
            f"size of each implementation ({' / '.join(SHORT[i] for i in IMPLEMENTATIONS)}). "
            f"{MISSING} marks a cell that was not run (the naive loops where a round would "
            "take more than a few seconds, or a model without convolutions; LiteRT beyond "
            "batch 1).",
            "",
            "## Roofline at the largest batch",
            "",
            "FLOPs count 2 per multiply-add of the convolutions and dense layers "
            "(`bench.npcnn.flops`; a Winograd convolution is credited with the direct "
            "convolution's FLOPs); GF/s is 10^9 FLOPs per second. The share of sgemm (%) "
            "compares each rate with the float32 "
            "matrix product measured in the same run on the same threads. Peak memory is "
            "the NumPy engine's working memory above the input (tracemalloc).",
            "",
            *_roofline(found, runs),
            "",
            *layer_section(runs, sgemm_peaks(runs)),
            "## Images per second",
            "",
            _throughput_table(found),
            "",
            "## How many times faster",
            "",
            _ratio_table(found),
            "",
            "## Median time per batch (ms ± interquartile range)",
            "",
            _latency_table(found),
            "",
            "## Agreement with Keras model(x), measured in this run",
            "",
            _agreement_table(runs),
            "",
            "## Setup",
            "",
            *_setup(runs),
            "",
        ]
    ))


def read_runs(source: Path | str) -> list[dict]:
    """The suite runs in ``source``: a JSON file, or a folder of them (sorted by name)."""
    source = Path(source)
    paths = sorted(source.glob("*.json")) if source.is_dir() else [source]
    if not paths or not all(path.is_file() for path in paths):
        raise FileNotFoundError(
            f"{source} not found or empty: run `tox -e bench`, or pytest "
            "suites/test_forward_pass.py --benchmark-only --threads N "
            f"--benchmark-json={source}/threads-N.json, first"
        )
    runs = []
    for path in paths:
        try:
            runs.append(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError) as error:
            raise ValueError(f"{path}: not a readable pytest-benchmark JSON ({error}); "
                             "delete it and run the forward-pass suite again") from error
    return runs


def write_forward_pass_report(source: Path | str, md_path: Path | str) -> Path:
    """Read the suite's JSON at ``source`` (file or folder), write the Markdown."""
    text = render_forward_pass(read_runs(source))
    md_path = Path(md_path)
    md_path.parent.mkdir(parents=True, exist_ok=True)
    md_path.write_text(text)
    return md_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path,
                        help="pytest-benchmark JSON, or a folder of them (one per thread count)")
    parser.add_argument("md_path", type=Path, help="Markdown file to write")
    args = parser.parse_args(argv)
    print(f"wrote {write_forward_pass_report(args.source, args.md_path)}")


if __name__ == "__main__":
    main()
