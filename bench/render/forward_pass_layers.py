"""Where the NumPy engine's time goes: the per-layer section of the forward-pass report.

The 1-thread run of suites/test_forward_pass.py records, on the NumPy engine's benchmark at
the largest batch, ``extra_info["layer_times"]``: per fused layer its name, label, algorithm,
seconds per batch (median of 3 passes, :mod:`bench.npcnn.layer_times`) and FLOPs per image.
The section gives each layer's share of the summed layer time and, for the layers that
multiply weights, the achieved GFLOP/s and its share of the sgemm peak measured on the same
threads in the same run. Layers under 1% of the time without FLOPs are summed into one row.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench.render.forward_pass_data import MISSING, VECTORISED, benchmarks, shown
from bench.render.tables import table

KINDS = {"activationlayer": "activation", "batchnorm": "BatchNorm"}
"""Shorter words for the labels of the stand-alone element-wise layers."""
SMALL = 0.01
"""Layers without FLOPs below this share of the pass are summed into one ``other`` row."""


def recorded(runs: Sequence[dict]) -> list[tuple[str, int, int | None, list[dict]]]:
    """(arch, batch, threads, layer records) of every NumPy benchmark that recorded them."""
    found = []
    for bench in benchmarks(runs):
        info = bench.get("extra_info", {})
        if info.get("implementation") == VECTORISED and info.get("layer_times"):
            found.append((info["arch"], int(info["batch"]), info.get("threads"),
                          info["layer_times"]))
    return found


def _gflops(layer: dict, batch: int) -> float | None:
    if not layer["flops_per_image"] or layer["seconds"] <= 0:
        return None
    return layer["flops_per_image"] * batch / layer["seconds"] / 1e9


def _rows(arch: str, batch: int, layers: list[dict], peak: float | None) -> list[list[str]]:
    total = sum(layer["seconds"] for layer in layers) or 1.0
    rows, rest, rest_count = [], 0.0, 0
    for layer in layers:
        part = layer["seconds"] / total
        if not layer["flops_per_image"] and part < SMALL:
            rest, rest_count = rest + layer["seconds"], rest_count + 1
            continue
        rate = _gflops(layer, batch)
        rows.append([arch, layer["name"], KINDS.get(layer["label"], layer["label"]),
                     layer["algorithm"] or MISSING,
                     f"{layer['seconds'] * 1e3:.1f}", f"{100 * part:.0f}%",
                     MISSING if rate is None else f"{rate:.1f}",
                     MISSING if rate is None or peak is None else f"{100 * rate / peak:.0f}%"])
    if rest_count:
        rows.append([arch, f"{rest_count} other layer{'s' * (rest_count > 1)}", MISSING, MISSING,
                     f"{rest * 1e3:.1f}", f"{100 * rest / total:.0f}%", MISSING, MISSING])
    return rows


def _heaviest(arch: str, layers: list[dict], batch: int, peak: float | None) -> str:
    """One sentence: the layer taking the most time, its share and its share of the peak."""
    total = sum(layer["seconds"] for layer in layers) or 1.0
    top = max(layers, key=lambda layer: layer["seconds"])
    rate = _gflops(top, batch)
    tail = ("" if rate is None or peak is None
            else f", at {rate:.1f} GFLOP/s, {100 * rate / peak:.0f}% of the sgemm peak")
    how = f"{top['label']}, {top['algorithm']}" if top["algorithm"] else top["label"]
    return (f"- **{arch}**: {top['name']} ({how}) takes {100 * top['seconds'] / total:.0f}% "
            f"of the {sum(layer['seconds'] for layer in layers) * 1e3:.0f} ms pass{tail}.")


def layer_section(runs: Sequence[dict], peaks: dict) -> list[str]:
    """Markdown lines of the section (empty when no run recorded layer times)."""
    found = recorded(runs)
    if not found:
        return []
    lines, rows = [], []
    for arch, batch, threads, layers in found:
        peak = peaks.get(threads, (None,))[0]
        lines.append(_heaviest(arch, layers, batch, peak))
        rows += _rows(arch, batch, layers, peak)
    batches = sorted({batch for _, batch, _, _ in found})
    threads = sorted({shown(t) for _, _, t, _ in found})
    return [
        "## Where the NumPy engine's time goes",
        "",
        f"Each layer of the engine's pass at batch {', '.join(f'{b:,}' for b in batches)} on "
        f"{', '.join(threads)} thread(s), as it runs (a convolution with the bias, activation "
        "and BatchNorm fused after it; BatchNorms folded into the next layer are gone): "
        "milliseconds per batch (median of 3 untimed passes beside the benchmark, summed over "
        "chunks), share of the summed layer time, and for the layers that multiply weights "
        "the achieved GFLOP/s and its share of the sgemm peak of the same run (a Winograd "
        "convolution counted at its direct-convolution FLOPs). Layers without FLOPs under "
        f"{SMALL:.0%} of the time are summed into one row.",
        "",
        *lines,
        "",
        table(rows, ["architecture", "layer", "kind", "algorithm", "ms", "share", "GF/s",
                     "% sgemm"], keys=2),
        "",
    ]
