"""``bench check RUN --against REF --max-drop 2``: the robustness regression gate. No Keras.

Models are matched by (family, augmentation) and, within one, by seed; where RUN holds one
model group and REF names one (only one, or ``--reference-model``), they are matched
whatever their names (a user's model evaluated twice, or against one reference family).
For every matched model group and transform (and clean accuracy) the drop is REF's accuracy
minus RUN's, averaged over the transform's cells other than the identity that both hold, in
percentage points, with the interval every comparison uses
(:func:`bench.analysis.resample.contrast`). A row fails when its drop exceeds ``max_drop``
and the interval's lower end does too. Runs on another task, data set, test-image set or
grid are refused unless ``allow_different``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path

from bench.analysis import coverage
from bench.analysis.reproduce import per_seed_array
from bench.analysis.resample import Contrast, contrast
from bench.analysis.test_set import same_images, task_of, test_set_differences
from bench.catalog import TRANSFORMS
from bench.catalog.transforms import CLEAN
from bench.config import ChoiceError
from bench.render.tables import table
from bench.results.loading import RunData
from bench.results.schema import Row

#: What ``bench check`` exits with: 0 passed, 1 a model dropped by more than --max-drop
#: beyond noise, 2 bad input (incomparable runs, missing folders, a bad --max-drop).
EXIT_PASSED, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


@dataclass(frozen=True)
class CheckResult:
    """One model group x transform: accuracies (%), the drop (REF minus RUN) and whether it
    fails the gate."""

    model: str
    transform: str
    reference_accuracy: float
    accuracy: float
    drop: Contrast
    fails: bool

    def as_dict(self) -> dict:
        """The row for ``--json``: accuracies in %, the drop and its interval in pp."""
        return {"model": self.model, "transform": self.transform,
                "reference_accuracy_pct": round(self.reference_accuracy, 4),
                "accuracy_pct": round(self.accuracy, 4),
                "drop_pp": round(self.drop.diff_pp, 4), "drop_low_pp": round(self.drop.low_pp, 4),
                "drop_high_pp": round(self.drop.high_pp, 4),
                "seeds_run": self.drop.seeds[1], "seeds_against": self.drop.seeds[0],
                "n_images": self.drop.n, "paired": self.drop.paired, "fails": self.fails}


def max_drop_value(text: str | float) -> float:
    """--max-drop as a finite number of percentage points >= 0; ChoiceError otherwise."""
    try:
        value = float(text)
    except ValueError:
        raise ChoiceError(f"--max-drop must be a number of percentage points, got {text!r}") \
            from None
    if not math.isfinite(value) or value < 0:
        raise ChoiceError(f"--max-drop must be a finite number >= 0 (percentage points), got "
                          f"{text}")
    return value


def _load(folder: Path) -> RunData:
    if not any(Path(folder).glob("rows/*.jsonl")):
        raise FileNotFoundError(f"{folder}: no stored rows (rows/*.jsonl); give a run folder "
                                "such as runs/mnist/quick or runs/eval/<model>-mnist-quick")
    run = RunData.load(folder)
    if not run.rows:
        raise FileNotFoundError(f"{folder}: no stored rows of a model its models.jsonl records"
                                "; run the command that wrote it again")
    return run


def _groups(run: RunData) -> dict[tuple[str, str], list[Row]]:
    """(family, augmentation) -> its rows (the latest model of each seed)."""
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in run.rows:
        groups.setdefault((row.family, row.augmentation), []).append(row)
    return groups


def _pairs(run: dict, ref: dict, reference_model: str | None,
           folders: tuple[Path, Path]) -> list[tuple[str, list[Row], list[Row], bool]]:
    """(label, run rows relabelled as REF's group, REF rows, matched by seed) per matched
    model group; ChoiceError when none matches, naming what each side holds."""
    names = {f"{family}/{augmentation}": (family, augmentation) for family, augmentation in ref}
    if reference_model is not None:
        if reference_model not in names:
            raise ChoiceError(f"--reference-model {reference_model}: not in {folders[1]}; "
                              f"it holds {', '.join(sorted(names))}")
        chosen = {names[reference_model]: ref[names[reference_model]]}
    else:
        chosen = ref
    pairs = [(f"{group[0]}/{group[1]}", run[group], chosen[group], True)
             for group in sorted(set(run) & set(chosen))]
    if not pairs and len(run) == 1 and len(chosen) == 1:
        (run_group, rows), (ref_group, ref_rows) = next(iter(run.items())), \
            next(iter(chosen.items()))
        relabelled = [dataclasses.replace(r, family=ref_group[0], augmentation=ref_group[1])
                      for r in rows]
        pairs.append((f"{run_group[0]}/{run_group[1]} vs {ref_group[0]}/{ref_group[1]}",
                      relabelled, ref_rows, False))
    if not pairs:
        hint = (" (name one with --reference-model FAMILY/POLICY)" if len(run) == 1 else "")
        raise ChoiceError(f"{folders[0]} and {folders[1]} share no model (family/augmentation)"
                          f"; run has {', '.join(f'{f}/{a}' for f, a in sorted(run))}, "
                          f"against has {', '.join(sorted(names))}{hint}")
    return pairs


def check_runs(run: Path, against: Path, max_drop: float, allow_different: bool = False,
               reference_model: str | None = None) -> list[CheckResult]:
    """Every matched model group x (clean + transform) with its drop and verdict."""
    runs = (_load(run), _load(against))
    tasks = (task_of(run, runs[0]), task_of(against, runs[1]))
    differences = test_set_differences(runs, tasks, ("run", "against"))
    if differences and not allow_different:
        raise ChoiceError(f"{run} and {against} are not comparable ({'; '.join(differences)})"
                          "; add --allow-different to compare them anyway")
    paired = same_images(*runs)
    results = []
    for label, run_rows, ref_rows, by_seed in _pairs(_groups(runs[0]), _groups(runs[1]),
                                                      reference_model, (run, against)):
        shared = coverage.shared_cells(run_rows, ref_rows)
        run_rows, ref_rows = coverage.restrict(run_rows, shared), coverage.restrict(ref_rows,
                                                                                   shared)
        group = (ref_rows or run_rows)[0].family, (ref_rows or run_rows)[0].augmentation
        seeds = ({r.seed for r in run_rows} & {r.seed for r in ref_rows}) if by_seed else None
        for transform in [CLEAN, *TRANSFORMS.names()]:
            new = per_seed_array(run_rows, *group, transform, seeds)
            ref = per_seed_array(ref_rows, *group, transform, seeds)
            if new is None or ref is None:
                continue
            drop = contrast(ref, new, paired=paired and ref.shape[1] == new.shape[1])
            results.append(CheckResult(label, transform, ref.mean() * 100, new.mean() * 100,
                                       drop, drop.diff_pp > max_drop and drop.low_pp > max_drop))
    return results


def verdict_line(results: list[CheckResult], max_drop: float) -> str:
    """``FAIL: ...`` or ``ok: ...``: the gate's one-line verdict."""
    failed = sum(r.fails for r in results)
    if failed:
        return (f"FAIL: {failed} of {len(results)} model x transform rows dropped by more than "
                f"{max_drop:g} pp beyond noise")
    return (f"ok: no model x transform dropped by more than {max_drop:g} pp beyond noise "
            f"({len(results)} rows)")


def render(results: list[CheckResult], max_drop: float) -> str:
    """The short table and the verdict line."""
    lines = [[r.model, r.transform, f"{r.reference_accuracy:.1f}", f"{r.accuracy:.1f}",
              f"{r.drop.diff_pp:+.1f} [{r.drop.low_pp:+.1f}, {r.drop.high_pp:+.1f}]",
              f"{r.drop.seeds[1]}/{r.drop.seeds[0]}", f"{r.drop.n:,}",
              "FAIL" if r.fails else "ok"] for r in results]
    return (table(lines, ["model", "transform", "against %", "run %",
                          "drop pp [95%]", "seeds (run/against)", "n", "gate"])
            + "\n\nAccuracy averaged over each transform's cells other than the identity; "
              f"drop = against minus run. {verdict_line(results, max_drop)}")


def render_json(results: list[CheckResult], max_drop: float) -> str:
    """``bench check --json``: the rows, the threshold and the verdict as one JSON object."""
    return json.dumps({"max_drop_pp": max_drop, "passed": not any(r.fails for r in results),
                       "verdict": verdict_line(results, max_drop),
                       "rows": [r.as_dict() for r in results]}, indent=1)
