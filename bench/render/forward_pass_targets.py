"""``tox -e bench-targets``: the engine's speed targets, read off the newest saved runs.

``tox -e bench`` saves each run of suites/test_forward_pass.py under
``.benchmarks/threads-N/`` (pytest-benchmark autosave). This module takes the newest
``count`` runs of each thread count and, at the largest batch of each architecture, gives
every run's ratio of median round times (NumPy engine against Keras ``model(x)`` and
against ONNX Runtime; above 1x the engine is faster), the median over the runs, and
whether each target is met:

- :data:`VS_KERAS`: the engine at least this many times Keras on every architecture, at
  every thread count;
- :data:`VS_ORT`: the engine at least this many times ONNX Runtime on at least
  :data:`ORT_SHARE_NEEDED` of the architectures, at every thread count;
- :data:`CONV_SHARE`: each convolution of the architectures named ``CONV_ARCH_PREFIX*`` at
  this share of the sgemm peak measured in the same run (the 1-thread run records the
  engine's time per layer; a Winograd convolution counts its direct-convolution FLOPs).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from collections.abc import Sequence
from pathlib import Path

from bench.render.benchmark_compare import STORAGE, newest_runs, storages
from bench.render.forward_pass_data import (
    KERAS_CALL,
    ONNXRUNTIME,
    VECTORISED,
    largest_batch,
    sgemm_peaks,
    timings,
)
from bench.render.forward_pass_layers import recorded
from bench.render.tables import table

VS_KERAS = 1.2
VS_ORT = 1.0
ORT_SHARE_NEEDED = 0.5
CONV_SHARE = 0.70
CONV_ARCH_PREFIX = "cifar10_"
RUNS = 3


def _ratios(run: dict, against: str) -> dict[str, float]:
    """arch -> (``against``'s median round) / (the engine's), at the arch's largest batch."""
    found = timings([run])
    ratios = {}
    for arch in dict.fromkeys(key[0] for key in found):
        batch = largest_batch(found, arch)
        engine = next((t for k, t in found.items() if k[:3] == (arch, batch, VECTORISED)), None)
        other = next((t for k, t in found.items() if k[:3] == (arch, batch, against)), None)
        if engine is not None and other is not None:
            ratios[arch] = other.median_s / engine.median_s
    return ratios


def _ceilings(run: dict) -> dict[str, float]:
    """arch -> the ratio to Keras the engine would reach doing the architecture's FLOPs (a
    direct convolution's) at the run's sgemm peak: Keras' median round over that time."""
    found, peaks = timings([run]), sgemm_peaks([run])
    ceilings = {}
    for (arch, batch, implementation, threads), timing in found.items():
        peak = peaks.get(threads)
        if (implementation == KERAS_CALL and peak is not None and timing.flops_per_image
                and batch == largest_batch(found, arch)):
            at_peak_s = timing.flops_per_image * batch / (peak[0] * 1e9)
            ceilings[arch] = timing.median_s / at_peak_s
    return ceilings


def _conv_shares(run: dict) -> dict[tuple[str, str], float]:
    """(arch, layer) -> the convolution's GFLOP/s over the run's sgemm peak, for the
    architectures the conv target covers."""
    peaks = sgemm_peaks([run])
    shares = {}
    for arch, batch, threads, layers in recorded([run]):
        peak = peaks.get(threads)
        if not arch.startswith(CONV_ARCH_PREFIX) or peak is None:
            continue
        for layer in layers:
            if layer["label"].startswith("conv") and layer["seconds"] > 0:
                rate = layer["flops_per_image"] * batch / layer["seconds"] / 1e9
                shares[(arch, layer["name"])] = rate / peak[0]
    return shares


def _dense_only(runs: Sequence[dict]) -> set[str]:
    """The architectures whose recorded engine layers include no convolution (an
    architecture without per-layer records is not among them)."""
    layers_of: dict[str, list[dict]] = {}
    for arch, _, _, layers in recorded(runs):
        layers_of.setdefault(arch, []).extend(layers)
    return {arch for arch, layers in layers_of.items()
            if not any(layer["label"].startswith("conv") for layer in layers)}


def _ratio_rows(runs: Sequence[dict], threads: str) -> tuple[list[list[str]], dict]:
    """Table rows per architecture and the medians {(against, arch): ratio}."""
    per_run = {against: [_ratios(run, against) for run in runs]
               for against in (KERAS_CALL, ONNXRUNTIME)}
    ceilings = [_ceilings(run) for run in runs]
    archs = list(dict.fromkeys(a for ratios in per_run[KERAS_CALL] for a in ratios))
    rows, medians = [], {}
    for arch in archs:
        row = [arch, threads]
        for against in (KERAS_CALL, ONNXRUNTIME):
            values = [ratios[arch] for ratios in per_run[against] if arch in ratios]
            if values:
                medians[(against, arch)] = statistics.median(values)
            row += [" / ".join(f"{v:.2f}" for v in values) or "–",
                    f"{medians[(against, arch)]:.2f}x" if values else "–"]
        at_peak = [c[arch] for c in ceilings if arch in c]
        if at_peak:
            medians[("ceiling", arch)] = statistics.median(at_peak)
        rows.append([*row, f"{medians[('ceiling', arch)]:.2f}x" if at_peak else "–"])
    return rows, medians


def _verdicts(threads: str, medians: dict, runs: int, dense_only: set[str]) -> list[str]:
    keras = {a: r for (against, a), r in medians.items() if against == KERAS_CALL}
    ort = {a: r for (against, a), r in medians.items() if against == ONNXRUNTIME}
    short = sorted(a for a, r in keras.items() if r < VS_KERAS)
    capped = [f"{a} ({medians[('ceiling', a)]:.2f}x)" for a in short
              if a in dense_only and medians.get(("ceiling", a), math.inf) < VS_KERAS]
    needed = math.ceil(len(ort) * ORT_SHARE_NEEDED)
    ahead = sum(r >= VS_ORT for r in ort.values())
    return [
        f"- {threads} thread(s), median of {runs} run(s): the engine is at least "
        f"{VS_KERAS:.1f}x Keras on {len(keras) - len(short)} of {len(keras)} architectures "
        f"(target: all; **{'met' if not short else 'not met'}**"
        + (f", short on {', '.join(short)})" if short else ")")
        + (f"; out of reach for dense layers even at the sgemm peak: {', '.join(capped)}"
           if capped else ""),
        f"- {threads} thread(s), median of {runs} run(s): the engine is at least "
        f"{VS_ORT:.1f}x ONNX Runtime on {ahead} of {len(ort)} architectures (target: "
        f"{needed}; **{'met' if ahead >= needed else 'not met'}**)",
    ]


def _conv_section(runs: Sequence[dict]) -> tuple[str, str]:
    """The convolution target's verdict and its table (empty where nothing was recorded)."""
    per_run = [_conv_shares(run) for run in runs]
    layers = list(dict.fromkeys(key for shares in per_run for key in shares))
    if not layers:
        return (f"- No run recorded the engine's per-layer times of a {CONV_ARCH_PREFIX}* "
                "architecture, so the convolution target is not measured.", "")
    rows, short = [], []
    for arch, name in layers:
        values = [shares[(arch, name)] for shares in per_run if (arch, name) in shares]
        median = statistics.median(values)
        short += [f"{arch}/{name}"] if median < CONV_SHARE else []
        rows.append([arch, name, " / ".join(f"{100 * v:.0f}%" for v in values),
                     f"{100 * median:.0f}%"])
    verdict = (f"- Convolutions of the {CONV_ARCH_PREFIX}* architectures at least "
               f"{100 * CONV_SHARE:.0f}% of the sgemm peak (1 thread, Winograd counted at its "
               f"direct-convolution FLOPs): {len(layers) - len(short)} of {len(layers)} "
               f"(target: all; **{'met' if not short else 'not met'}**)")
    return verdict, table(rows, ["architecture", "layer", "% sgemm per run", "median"])


def render_targets(runs_by_threads: dict[str, Sequence[dict]]) -> str:
    """Markdown: the ratios per run and their medians, the verdicts, the conv shares."""
    rows, verdicts = [], []
    dense_only = _dense_only([run for runs in runs_by_threads.values() for run in runs])
    for threads, runs in runs_by_threads.items():
        part, medians = _ratio_rows(runs, threads)
        rows += part
        verdicts += _verdicts(threads, medians, len(runs), dense_only)
    header = ["architecture", "threads", "vs Keras per run", "median",
              "vs ORT per run", "median", "at sgemm peak"]
    conv_verdict, conv_table = _conv_section(runs_by_threads.get("1", []))
    return "\n".join([
        "# Forward-pass targets over the newest saved runs", "",
        "Ratios of median round times at each architecture's largest batch (above 1x the "
        "NumPy engine is faster), one per saved run, oldest first, and their median. *At "
        "sgemm peak*: the ratio to Keras an implementation doing the architecture's FLOPs at "
        "the run's sgemm peak would reach (median over the runs), the ceiling for a network of "
        "dense layers; an engine using Winograd convolutions, which do fewer multiplications, "
        "can pass it.", "",
        *verdicts, conv_verdict, "",
        table(rows, header, keys=2), "", conv_table,
    ])


def load_newest(root: Path, count: int) -> dict[str, list[dict]]:
    """threads ('1', '2') -> the ``count`` newest saved runs of that thread count."""
    return {storage.name.removeprefix("threads-"):
            [json.loads(path.read_text()) for path in newest_runs(storage, count)]
            for storage in storages(root)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS,
                        help=f"how many of the newest saved runs per thread count (default {RUNS})")
    parser.add_argument("--storage", type=Path, default=STORAGE,
                        help=f"where tox -e bench saves runs (default {STORAGE})")
    args = parser.parse_args(argv)
    print(render_targets(load_newest(args.storage, args.runs)))


if __name__ == "__main__":
    main()
