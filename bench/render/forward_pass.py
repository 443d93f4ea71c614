"""pytest-benchmark JSON of suites/test_forward_pass.py -> a Markdown report.

The suite runs once per thread count, each run writing one JSON (``tox -e bench`` writes
``runs/forward_pass/threads-1.json`` and ``threads-2.json``; the published ones are in
``reports/forward_pass/``); the report puts them side by side. ``render_forward_pass(runs)
-> str`` is pure; ``write_forward_pass_report`` reads a folder of JSON files (or one file)
and writes the Markdown; ``python -m bench.render.forward_pass SOURCE MD`` runs it.
Throughput is images per second of the median round (batch / median seconds); GFLOP/s divide
the forward pass's FLOPs (:mod:`bench.npcnn.flops`) by the median round.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tabulate import tabulate

from bench.render.prose import wrap_prose

VECTORISED, NAIVE = "numpy-vectorised", "numpy-naive"
KERAS_CALL, KERAS_PREDICT = "keras-call", "keras-predict"
IMPLEMENTATIONS = (VECTORISED, NAIVE, KERAS_CALL, KERAS_PREDICT)
LABELS = {
    VECTORISED: "NumPy vectorised",
    NAIVE: "NumPy naive",
    KERAS_CALL: "Keras model(x)",
    KERAS_PREDICT: "Keras predict",
}
MISSING = "–"


@dataclass(frozen=True)
class Timing:
    """One benchmark: median and interquartile range of a round (seconds), rounds, the
    threads it ran on (None in JSON written before the suite recorded them), its FLOPs
    per image and the NumPy engine's peak working memory (bytes) where measured."""

    arch: str
    batch: int
    implementation: str
    median_s: float
    iqr_s: float
    rounds: int
    threads: int | None = None
    flops_per_image: int | None = None
    peak_bytes: int | None = None

    @property
    def images_per_s(self) -> float:
        return self.batch / self.median_s

    @property
    def gflops(self) -> float | None:
        """Achieved rate (10^9 FLOPs per second), or None without a FLOP count."""
        if self.flops_per_image is None:
            return None
        return self.flops_per_image * self.batch / self.median_s / 1e9


Key = tuple[str, int, str, "int | None"]


def _benchmarks(runs: Sequence[dict]) -> list[dict]:
    return [bench for run in runs for bench in run.get("benchmarks", [])]


def _timings(runs: Sequence[dict]) -> dict[Key, Timing]:
    """Forward-pass timings keyed by (arch, batch, implementation, threads)."""
    found = {}
    for bench in _benchmarks(runs):
        info = bench.get("extra_info", {})
        if not {"arch", "batch", "implementation"} <= info.keys():
            continue
        stats = bench["stats"]
        timing = Timing(
            info["arch"],
            int(info["batch"]),
            info["implementation"],
            float(stats["median"]),
            float(stats["iqr"]),
            int(stats["rounds"]),
            info.get("threads"),
            info.get("flops_per_image"),
            info.get("peak_bytes"),
        )
        found[(timing.arch, timing.batch, timing.implementation, timing.threads)] = timing
    if not found:
        raise ValueError(
            "no forward-pass benchmarks in this JSON (none has extra_info arch, batch and "
            "implementation): write it with pytest suites/test_forward_pass.py "
            "--benchmark-only --benchmark-json=PATH"
        )
    return found


def _sgemm_peaks(runs: Sequence[dict]) -> dict[int | None, tuple[float, int]]:
    """threads -> (GFLOP/s of the median sgemm round, rounds)."""
    peaks = {}
    for bench in _benchmarks(runs):
        info = bench.get("extra_info", {})
        if info.get("kind") == "sgemm":
            stats = bench["stats"]
            peaks[info.get("threads")] = (info["flops"] / stats["median"] / 1e9,
                                          int(stats["rounds"]))
    return peaks


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"


def _threads(timings: dict) -> list[int | None]:
    return sorted({key[3] for key in timings}, key=lambda t: (t is None, t or 0))


def _ratio(timings: dict, cell: tuple[str, int, int | None], top: str, bottom: str) -> str:
    """How many times faster ``top`` is than ``bottom`` (median round times)."""
    arch, batch, threads = cell
    a, b = timings.get((arch, batch, top, threads)), timings.get((arch, batch, bottom, threads))
    return MISSING if a is None or b is None else f"{b.median_s / a.median_s:.2f}x"


def _cells(timings: dict) -> list[tuple[str, int, int | None]]:
    """(arch, batch, threads) in the order the architectures first appear."""
    archs = list(dict.fromkeys(key[0] for key in timings))
    return [(arch, batch, threads) for arch in archs
            for threads in _threads(timings)
            for batch in sorted({k[1] for k in timings if k[0] == arch and k[3] == threads})]


def _shown(threads: int | None) -> str:
    return MISSING if threads is None else str(threads)


def _throughput_table(timings: dict) -> str:
    rows = []
    for cell in _cells(timings):
        arch, batch, threads = cell
        got = {impl: timings.get((arch, batch, impl, threads)) for impl in IMPLEMENTATIONS}
        rows.append(
            [arch, _shown(threads), batch]
            + [MISSING if t is None else _rate(t.images_per_s) for t in got.values()]
            + [
                _ratio(timings, cell, VECTORISED, KERAS_CALL),
                _ratio(timings, cell, VECTORISED, KERAS_PREDICT),
                _ratio(timings, cell, VECTORISED, NAIVE),
                "/".join(MISSING if t is None else str(t.rounds) for t in got.values()),
            ]
        )
    headers = (
        ["architecture", "threads", "batch"]
        + [f"{LABELS[i]} (img/s)" for i in IMPLEMENTATIONS]
        + ["NumPy / model(x)", "NumPy / predict", "vectorised / naive", "rounds"]
    )
    return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)


def _latency_table(timings: dict) -> str:
    rows = []
    for arch, batch, threads in _cells(timings):
        row = [arch, _shown(threads), batch]
        for impl in IMPLEMENTATIONS:
            t = timings.get((arch, batch, impl, threads))
            row.append(MISSING if t is None else f"{t.median_s * 1e3:.3g} ± {t.iqr_s * 1e3:.2g}")
        rows.append(row)
    headers = ["architecture", "threads", "batch"] + [LABELS[i] for i in IMPLEMENTATIONS]
    return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)


def _largest_batch(timings: dict, arch: str) -> int:
    return max(key[1] for key in timings if key[0] == arch)


def _findings(timings: dict) -> list[str]:
    """One generated sentence per architecture at its largest batch, for every thread
    count, plus one image at the most threads."""
    lines = []
    for arch in dict.fromkeys(key[0] for key in timings):
        batch = _largest_batch(timings, arch)
        parts = []
        for threads in _threads(timings):
            ours = timings.get((arch, batch, VECTORISED, threads))
            theirs = timings.get((arch, batch, KERAS_CALL, threads))
            if ours and theirs:
                parts.append(f"{_rate(ours.images_per_s)} images/s with {_shown(threads)} "
                             f"thread(s), {theirs.median_s / ours.median_s:.2f}x Keras "
                             f"`model(x)` ({_rate(theirs.images_per_s)})")
        if parts:
            lines.append(f"- **{arch}**, batch {batch:,}: NumPy " + "; ".join(parts) + ".")
        most = _threads(timings)[-1]
        single = [timings.get((arch, 1, impl, most))
                  for impl in (VECTORISED, KERAS_CALL, KERAS_PREDICT)]
        if all(single):
            lines.append(
                f"  One image ({_shown(most)} thread(s)): {single[0].median_s * 1e3:.2f} ms "
                f"(NumPy), {single[1].median_s * 1e3:.2f} ms (`model(x)`), "
                f"{single[2].median_s * 1e3:.2f} ms (`predict`)."
            )
    return lines


def _share(rate: float | None, peak: tuple[float, int] | None) -> str:
    return MISSING if rate is None or peak is None else f"{100 * rate / peak[0]:.0f}%"


def _roofline(timings: dict, runs: Sequence[dict]) -> list[str]:
    """The sgemm peak per thread count, then per architecture at its largest batch: FLOPs
    per image, achieved GFLOP/s and share of the peak of NumPy and Keras, peak memory."""
    peaks = _sgemm_peaks(runs)
    lines = [f"- {_shown(threads)} thread(s): a 2,048 x 2,048 float32 matrix product through "
             f"NumPy's BLAS runs at {rate:,.1f} GFLOP/s (median of {rounds} rounds)."
             for threads, (rate, rounds) in sorted(peaks.items(), key=lambda p: p[0] or 0)]
    rows = []
    for arch, batch, threads in _cells(timings):
        if batch != _largest_batch(timings, arch):
            continue
        ours = timings.get((arch, batch, VECTORISED, threads))
        theirs = timings.get((arch, batch, KERAS_CALL, threads))
        if ours is None or theirs is None or ours.flops_per_image is None:
            continue
        peak = peaks.get(threads)
        memory = MISSING if ours.peak_bytes is None else f"{ours.peak_bytes / 2**20:.1f}"
        rows.append([arch, _shown(threads), batch, f"{ours.flops_per_image / 1e6:.2f}",
                     f"{ours.gflops:.1f}", _share(ours.gflops, peak),
                     f"{theirs.gflops:.1f}", _share(theirs.gflops, peak),
                     f"{theirs.median_s / ours.median_s:.2f}x", memory])
    if not rows:
        return lines or ["No benchmark of this run recorded FLOPs."]
    headers = ["architecture", "threads", "batch", "MFLOP / image", "NumPy GFLOP/s",
               "NumPy % of sgemm", "Keras GFLOP/s", "Keras % of sgemm", "NumPy / model(x)",
               "NumPy peak MiB"]
    return [*lines, "", tabulate(rows, headers=headers, tablefmt="github",
                                 disable_numparse=True)]


def _agreement_table(runs: Sequence[dict]) -> str:
    """Per architecture: the largest |NumPy - Keras model(x)| over every NumPy benchmark of
    these runs (all batches and thread counts), and how many outputs were compared."""
    largest: dict[str, float] = {}
    compared: dict[str, int] = {}
    for bench in _benchmarks(runs):
        info = bench.get("extra_info", {})
        if str(info.get("implementation", "")).startswith("numpy") and \
                "max_abs_diff_vs_keras" in info:
            arch = info["arch"]
            largest[arch] = max(largest.get(arch, 0.0), float(info["max_abs_diff_vs_keras"]))
            compared[arch] = compared.get(arch, 0) + 1
    if not largest:
        return "No benchmark of this run recorded its difference from Keras."
    rows = [[arch, f"{value:.2e}", compared[arch]] for arch, value in largest.items()]
    return tabulate(rows, headers=["architecture", "largest |NumPy - Keras| (probability)",
                                   "benchmarks compared"],
                    tablefmt="github", disable_numparse=True)


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
        (b["extra_info"]["versions"] for b in _benchmarks(runs)
         if "versions" in b.get("extra_info", {})),
        None,
    )  # fmt: skip
    if versions:
        lines.append("- Libraries: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    return lines


def render_forward_pass(runs: Sequence[dict]) -> str:
    """Markdown: findings, roofline, throughput and ratios, latency, agreement, setup, from
    the JSON of one or more suite runs (one per thread count)."""
    timings = _timings(runs)
    return wrap_prose("\n".join(
        [
            "# Forward pass: the NumPy engine against Keras",
            "",
            *_findings(timings),
            "",
            "Throughput is the batch size divided by the median round; ratios divide median "
            "round times, so above 1x the first-named implementation is faster. Both "
            "implementations of a row ran on the same number of threads: NumPy on that many "
            "chunk threads with BLAS held to one thread each, TensorFlow with that many "
            "intra- and inter-op threads. Timings come from a shared machine and are noisy; "
            "`rounds` gives the sample size of each implementation "
            f"({' / '.join(LABELS[i] for i in IMPLEMENTATIONS)}). {MISSING} marks a cell "
            "that was not run (the naive loops where a round would take more than a few "
            "seconds, or a model without convolutions).",
            "",
            "## Roofline at the largest batch",
            "",
            "FLOPs count 2 per multiply-add of the convolutions and dense layers "
            "(`bench.npcnn.flops`; a Winograd convolution is credited with the direct "
            "convolution's FLOPs). The share of sgemm compares each rate with the float32 "
            "matrix product measured in the same run on the same threads. Peak memory is "
            "the NumPy engine's working memory above the input (tracemalloc).",
            "",
            *_roofline(timings, runs),
            "",
            "## Images per second",
            "",
            _throughput_table(timings),
            "",
            "## Median time per batch (ms ± interquartile range)",
            "",
            _latency_table(timings),
            "",
            "## Agreement with Keras, measured in this run",
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
