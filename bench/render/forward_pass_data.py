"""The figures of forward-pass runs (pytest-benchmark JSON of suites/test_forward_pass.py):
timings per (architecture, batch, implementation, threads), sgemm peaks, and the small
formatting rules every forward-pass table shares.

Times are seconds of the median round; throughput is images per second (batch / median);
GFLOP/s divide the forward pass's FLOPs (:mod:`bench.npcnn.flops`) by the median round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

VECTORISED, NAIVE = "numpy-vectorised", "numpy-naive"
KERAS_CALL, KERAS_PREDICT = "keras-call", "keras-predict"
ONNXRUNTIME, LITERT = "onnxruntime", "litert"
IMPLEMENTATIONS = (VECTORISED, NAIVE, KERAS_CALL, KERAS_PREDICT, ONNXRUNTIME, LITERT)
LABELS = {
    VECTORISED: "NumPy vectorised",
    NAIVE: "NumPy naive",
    KERAS_CALL: "Keras model(x)",
    KERAS_PREDICT: "Keras predict",
    ONNXRUNTIME: "ONNX Runtime",
    LITERT: "LiteRT",
}
SHORT = {
    VECTORISED: "NumPy",
    NAIVE: "naive",
    KERAS_CALL: "Keras",
    KERAS_PREDICT: "predict",
    ONNXRUNTIME: "ORT",
    LITERT: "LiteRT",
}
"""Column headers of the tables (the report's prose says what each names)."""
MISSING = "–"


@dataclass(frozen=True)
class Timing:
    """One benchmark: median and interquartile range of a round (seconds), rounds, the
    threads it ran on (None in JSON written before the suite recorded them), its FLOPs
    per image, the NumPy engine's peak working memory (bytes) where measured, and the
    seconds of untimed calls before the rounds (None: one call, before the suite recorded
    it)."""

    arch: str
    batch: int
    implementation: str
    median_s: float
    iqr_s: float
    rounds: int
    threads: int | None = None
    flops_per_image: int | None = None
    peak_bytes: int | None = None
    warmup_s: float | None = None

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
Cell = tuple[str, int, "int | None"]


def benchmarks(runs: Sequence[dict]) -> list[dict]:
    """Every benchmark of ``runs``, in order."""
    return [bench for run in runs for bench in run.get("benchmarks", [])]


def timings(runs: Sequence[dict]) -> dict[Key, Timing]:
    """Forward-pass timings keyed by (arch, batch, implementation, threads); ValueError when
    ``runs`` hold none."""
    found = {}
    for bench in benchmarks(runs):
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
            info.get("warmup_s"),
        )
        found[(timing.arch, timing.batch, timing.implementation, timing.threads)] = timing
    if not found:
        raise ValueError(
            "no forward-pass benchmarks in this JSON (none has extra_info arch, batch and "
            "implementation): write it with pytest suites/test_forward_pass.py "
            "--benchmark-only --benchmark-json=PATH"
        )
    return found


def sgemm_peaks(runs: Sequence[dict]) -> dict[int | None, tuple[float, int]]:
    """threads -> (GFLOP/s of the median sgemm round, rounds)."""
    peaks = {}
    for bench in benchmarks(runs):
        info = bench.get("extra_info", {})
        if info.get("kind") == "sgemm":
            stats = bench["stats"]
            peaks[info.get("threads")] = (info["flops"] / stats["median"] / 1e9,
                                          int(stats["rounds"]))
    return peaks


def rate(value: float) -> str:
    """Images per second (or GFLOP/s) for a table: thousands separated, 2 digits below 10."""
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"


def thread_counts(found: dict) -> list[int | None]:
    """The thread counts of ``found`` (timings), ascending, None last."""
    return sorted({key[3] for key in found}, key=lambda t: (t is None, t or 0))


def architectures(found: dict) -> list[str]:
    """The architectures of ``found`` in the order they first appear."""
    return list(dict.fromkeys(key[0] for key in found))


def cells(found: dict) -> list[Cell]:
    """(arch, batch, threads) in the order the architectures first appear."""
    return [(arch, batch, threads) for arch in architectures(found)
            for threads in thread_counts(found)
            for batch in sorted({k[1] for k in found if k[0] == arch and k[3] == threads})]


def shown(threads: int | None) -> str:
    """A thread count for a table (– where the JSON did not record it)."""
    return MISSING if threads is None else str(threads)


def ratio(found: dict, cell: Cell, top: str, bottom: str) -> str:
    """How many times faster ``top`` is than ``bottom`` (median round times), as ``1.23x``."""
    arch, batch, threads = cell
    a, b = found.get((arch, batch, top, threads)), found.get((arch, batch, bottom, threads))
    return MISSING if a is None or b is None else f"{b.median_s / a.median_s:.2f}x"


def largest_batch(found: dict, arch: str) -> int:
    """The largest batch ``arch`` ran at."""
    return max(key[1] for key in found if key[0] == arch)


def share(rate_gflops: float | None, peak: tuple[float, int] | None) -> str:
    """``rate_gflops`` as a percentage of the sgemm ``peak`` (– where either is missing)."""
    if rate_gflops is None or peak is None:
        return MISSING
    return f"{100 * rate_gflops / peak[0]:.0f}%"
