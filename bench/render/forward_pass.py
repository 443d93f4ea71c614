"""pytest-benchmark JSON of suites/test_forward_pass.py -> a Markdown report.

``render_forward_pass(benchmark_json) -> str`` is pure; ``write_forward_pass_report``
reads and writes files; ``python -m bench.forward_report JSON MD`` runs it.
Throughput is images per second of the median round (batch / median seconds).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from tabulate import tabulate

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
    """One benchmark: median and interquartile range of a round (seconds), rounds."""

    arch: str
    batch: int
    implementation: str
    median_s: float
    iqr_s: float
    rounds: int

    @property
    def images_per_s(self) -> float:
        return self.batch / self.median_s


def _timings(benchmark_json: dict) -> dict[tuple[str, int, str], Timing]:
    """Forward-pass timings keyed by (arch, batch, implementation)."""
    found = {}
    for bench in benchmark_json.get("benchmarks", []):
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
        )
        found[(timing.arch, timing.batch, timing.implementation)] = timing
    if not found:
        raise ValueError(
            "no forward-pass benchmarks in this JSON (none has extra_info arch, batch and "
            "implementation): write it with pytest suites/test_forward_pass.py "
            "--benchmark-only --benchmark-json=PATH"
        )
    return found


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"


def _ratio(timings: dict, arch: str, batch: int, top: str, bottom: str) -> str:
    """How many times faster ``top`` is than ``bottom`` (median round times)."""
    a, b = timings.get((arch, batch, top)), timings.get((arch, batch, bottom))
    return MISSING if a is None or b is None else f"{b.median_s / a.median_s:.2f}x"


def _cells(timings: dict) -> list[tuple[str, int]]:
    archs = list(dict.fromkeys(arch for arch, _, _ in timings))
    return [(a, b) for a in archs for b in sorted({b for x, b, _ in timings if x == a})]


def _throughput_table(timings: dict) -> str:
    rows = []
    for arch, batch in _cells(timings):
        got = {impl: timings.get((arch, batch, impl)) for impl in IMPLEMENTATIONS}
        rows.append(
            [arch, batch]
            + [MISSING if t is None else _rate(t.images_per_s) for t in got.values()]
            + [
                _ratio(timings, arch, batch, VECTORISED, KERAS_CALL),
                _ratio(timings, arch, batch, VECTORISED, KERAS_PREDICT),
                _ratio(timings, arch, batch, VECTORISED, NAIVE),
                "/".join(MISSING if t is None else str(t.rounds) for t in got.values()),
            ]
        )
    headers = (
        ["architecture", "batch"]
        + [f"{LABELS[i]} (img/s)" for i in IMPLEMENTATIONS]
        + ["NumPy / model(x)", "NumPy / predict", "vectorised / naive", "rounds"]
    )
    return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)


def _latency_table(timings: dict) -> str:
    rows = []
    for arch, batch in _cells(timings):
        row = [arch, batch]
        for impl in IMPLEMENTATIONS:
            t = timings.get((arch, batch, impl))
            row.append(MISSING if t is None else f"{t.median_s * 1e3:.3g} ± {t.iqr_s * 1e3:.2g}")
        rows.append(row)
    headers = ["architecture", "batch"] + [LABELS[i] for i in IMPLEMENTATIONS]
    return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)


def _findings(timings: dict) -> list[str]:
    """One generated sentence per architecture at its largest batch, plus batch 1."""
    lines = []
    for arch in dict.fromkeys(arch for arch, _, _ in timings):
        batch = max(b for a, b, _ in timings if a == arch)
        ours, theirs = (
            timings.get((arch, batch, VECTORISED)),
            timings.get((arch, batch, KERAS_CALL)),
        )
        if ours and theirs:
            lines.append(
                f"- **{arch}**, batch {batch:,}: NumPy {_rate(ours.images_per_s)} images/s, "
                f"{theirs.median_s / ours.median_s:.2f}x the throughput of Keras `model(x)` "
                f"({_rate(theirs.images_per_s)} images/s)."
            )
        single = [timings.get((arch, 1, impl)) for impl in (VECTORISED, KERAS_CALL, KERAS_PREDICT)]
        if all(single):
            lines.append(
                f"  One image: {single[0].median_s * 1e3:.2f} ms (NumPy), "
                f"{single[1].median_s * 1e3:.2f} ms (`model(x)`), "
                f"{single[2].median_s * 1e3:.2f} ms (`predict`)."
            )
    return lines


def _agreement_table(benchmark_json: dict) -> str:
    """Per architecture: the largest |NumPy - Keras model(x)| over every NumPy benchmark of
    this run (all batches), and how many outputs were compared."""
    largest: dict[str, float] = {}
    compared: dict[str, int] = {}
    for bench in benchmark_json.get("benchmarks", []):
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


def _setup(benchmark_json: dict) -> list[str]:
    machine = benchmark_json.get("machine_info", {})
    cpu = machine.get("cpu", {})
    commit = benchmark_json.get("commit_info", {})
    lines = [
        f"- CPU: {cpu.get('brand_raw', 'unknown')}, {cpu.get('count', '?')} logical cores "
        f"({machine.get('machine', '?')}, {machine.get('system', '?')} "
        f"{machine.get('release', '')}), host `{machine.get('node', '?')}`",
        f"- Python {machine.get('python_version', '?')}; pytest-benchmark "
        f"{benchmark_json.get('version', '?')}; run at {benchmark_json.get('datetime', '?')}",
    ]
    if commit.get("id"):
        dirty = " (with uncommitted changes)" if commit.get("dirty") else ""
        lines.append(f"- Commit `{commit['id'][:10]}` on {commit.get('branch', '?')}{dirty}")
    versions = next(
        (b["extra_info"]["versions"] for b in benchmark_json["benchmarks"]
         if "versions" in b.get("extra_info", {})),
        None,
    )  # fmt: skip
    if versions:
        lines.append("- Libraries: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    return lines


def render_forward_pass(benchmark_json: dict) -> str:
    """Markdown: findings, throughput and ratios, latency, setup (from the JSON only)."""
    timings = _timings(benchmark_json)
    return "\n".join(
        [
            "# Forward pass: the NumPy engine against Keras",
            "",
            *_findings(timings),
            "",
            "Throughput is the batch size divided by the median round; ratios divide median "
            "round times, so above 1x the first-named implementation is faster. Timings "
            "come from a shared machine and are noisy; `rounds` gives the sample size of "
            f"each implementation ({' / '.join(LABELS[i] for i in IMPLEMENTATIONS)}). "
            f"{MISSING} marks a cell that was not run (the naive loops where a round would "
            "take more than a few seconds, or a model without convolutions).",
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
            _agreement_table(benchmark_json),
            "",
            "## Setup",
            "",
            *_setup(benchmark_json),
            "",
        ]
    )


def write_forward_pass_report(json_path: Path | str, md_path: Path | str) -> Path:
    """Read pytest-benchmark JSON at ``json_path``, write the Markdown to ``md_path``."""
    json_path, md_path = Path(json_path), Path(md_path)
    if not json_path.is_file():
        raise FileNotFoundError(
            f"{json_path} not found: run pytest suites/test_forward_pass.py --benchmark-only "
            f"--benchmark-json={json_path} first"
        )
    text = render_forward_pass(json.loads(json_path.read_text()))
    md_path.parent.mkdir(parents=True, exist_ok=True)
    md_path.write_text(text)
    return md_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json_path", type=Path, help="pytest-benchmark JSON")
    parser.add_argument("md_path", type=Path, help="Markdown file to write")
    args = parser.parse_args(argv)
    print(f"wrote {write_forward_pass_report(args.json_path, args.md_path)}")


if __name__ == "__main__":
    main()
