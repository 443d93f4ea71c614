"""``bench check RUN --against REF --max-drop 2``: the robustness regression gate. No Keras.

Models are matched by (family, augmentation, seed); where each folder holds exactly one
model of a (family, augmentation) they are matched whatever the seed (a user's model
evaluated twice). For every matched model group and transform (and clean accuracy) the
drop is REF's accuracy minus RUN's, averaged over the transform's cells other than the
identity, in percentage points, with a 95% interval (:mod:`bench.evaluate.intervals`:
seed spread where a side has several seeds, paired image sampling on the same images).
A row fails when its drop exceeds ``max_drop`` and the interval's lower end does too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.catalog import TRANSFORMS
from bench.evaluate.comparison import CLEAN, cells_of, clean_of, shared_magnitudes
from bench.evaluate.intervals import Difference, difference
from bench.render.tables import table
from bench.results.loading import DATASET, MODELS, load_records, load_rows


@dataclass(frozen=True)
class CheckResult:
    """One model group x transform: accuracies (%), the drop (REF minus RUN) and whether it
    fails the gate."""

    model: str
    transform: str
    reference_accuracy: float
    accuracy: float
    drop: Difference
    fails: bool


def _dataset(folder: Path) -> dict:
    path = Path(folder) / DATASET
    return json.loads(path.read_text()) if path.is_file() else {}


def _groups(folder: Path) -> dict[tuple[str, str], dict[int, dict]]:
    """(family, augmentation) -> seed -> cells, for every model with stored rows."""
    rows = load_rows(folder)
    if not rows:
        raise FileNotFoundError(f"{folder}: no stored rows (rows/*.jsonl); give a run folder")
    cells = cells_of(rows)
    tags = {r.model_key: (r.family, r.augmentation, r.seed) for r in rows}
    latest = {(m["family"], m["augmentation"], m["seed"]): m["key"]
              for m in load_records(folder, MODELS) if m["key"] in cells}
    groups: dict[tuple[str, str], dict[int, dict]] = {}
    for key, model_cells in cells.items():
        family, augmentation, seed = tags[key]
        if latest.get((family, augmentation, seed), key) == key:
            groups.setdefault((family, augmentation), {})[seed] = model_cells
    return groups


def _pairs(run: dict, ref: dict) -> list[tuple[str, list[dict], list[dict]]]:
    """(label, run members, ref members) per matched model group."""
    pairs = []
    for group in sorted(set(run) & set(ref)):
        seeds = sorted(set(run[group]) & set(ref[group]))
        if seeds:
            pairs.append((f"{group[0]}/{group[1]}", [run[group][s] for s in seeds],
                          [ref[group][s] for s in seeds]))
    if not pairs and len(run) == 1 and len(ref) == 1:
        (run_group, run_seeds), (ref_group, ref_seeds) = next(iter(run.items())), \
            next(iter(ref.items()))
        pairs.append((f"{run_group[0]}/{run_group[1]} vs {ref_group[0]}/{ref_group[1]}",
                      list(run_seeds.values()), list(ref_seeds.values())))
    return pairs


def _under(members: list[dict], transform: str, magnitudes: list[float]) -> np.ndarray:
    if transform == CLEAN:
        return np.stack([clean_of(m) for m in members])
    return np.stack([np.mean([m[(transform, mag)] for mag in magnitudes], axis=0)
                     for m in members])


def check_runs(run: Path, against: Path, max_drop: float) -> list[CheckResult]:
    """Every matched model group x (clean + transform) with its drop and verdict."""
    run_groups, ref_groups = _groups(run), _groups(against)
    pairs = _pairs(run_groups, ref_groups)
    if not pairs:
        raise FileNotFoundError(f"{run} and {against} share no model (family/augmentation/"
                                f"seed); run has {sorted(run_groups)}, against has "
                                f"{sorted(ref_groups)}")
    same_images = all(_dataset(run).get(k) == _dataset(against).get(k)
                      for k in ("name", "checksum", "n_test_used", "subset"))
    results = []
    for label, run_members, ref_members in pairs:
        for transform in [CLEAN, *TRANSFORMS.names()]:
            magnitudes = ([] if transform == CLEAN
                          else shared_magnitudes(transform, *run_members, *ref_members))
            if transform != CLEAN and not magnitudes:
                continue
            ref, new = _under(ref_members, transform, magnitudes), \
                _under(run_members, transform, magnitudes)
            paired = same_images and ref.shape[1] == new.shape[1]
            drop = difference(ref, new, paired=paired)
            results.append(CheckResult(label, transform, ref.mean() * 100, new.mean() * 100,
                                       drop, drop.diff_pp > max_drop and drop.low_pp > max_drop))
    return results


def render(results: list[CheckResult], max_drop: float) -> str:
    """The short table and the verdict line."""
    lines = [[r.model, r.transform, f"{r.reference_accuracy:.1f}", f"{r.accuracy:.1f}",
              f"{r.drop.diff_pp:+.1f} [{r.drop.low_pp:+.1f}, {r.drop.high_pp:+.1f}]",
              f"{r.drop.seeds[1]}/{r.drop.seeds[0]}", f"{r.drop.n:,}",
              "FAIL" if r.fails else "ok"] for r in results]
    failed = sum(r.fails for r in results)
    verdict = (f"FAIL: {failed} of {len(results)} model x transform rows dropped by more than "
               f"{max_drop:g} pp beyond noise" if failed else
               f"ok: no model x transform dropped by more than {max_drop:g} pp beyond noise "
               f"({len(results)} rows)")
    return (table(lines, ["model", "transform", "against %", "run %",
                          "drop pp [95%]", "seeds (run/against)", "n", "gate"])
            + f"\n\nAccuracy averaged over each transform's cells other than the identity; "
              f"drop = against minus run. {verdict}")
