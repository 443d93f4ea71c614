"""One interval and one verdict for one question: the same stored rows fed to a run's
reference section (and ``bench compare``), ``bench eval``'s reference comparison and ``bench
check`` give the same interval (mirrored where the question is asked the other way round)
and the same verdict; ``bench check`` refuses runs that are not comparable."""

from __future__ import annotations

import dataclasses
import json

import pytest
from rowbuilder import dataset_info, model_records, rows_for

from bench.analysis.reproduce import compare_runs
from bench.cli import main
from bench.evaluate import comparison
from bench.evaluate.check import check_runs
from bench.evaluate.report import _verdict
from bench.results.loading import RunData
from bench.results.schema import row_record

#: per seed: (clean accuracy, accuracy at +-2 px); the offsets move which images are right
RUN = [(0.90, 0.70), (0.88, 0.68), (0.91, 0.69)]
REFERENCE = [(0.90, 0.80), (0.89, 0.79), (0.92, 0.81)]


def _rows(seeds, family="cnn", augmentation="none"):
    return [row for seed, (clean, shifted) in enumerate(seeds)
            for row in rows_for(family, augmentation, seed,
                                {0.0: clean, 2.0: shifted, -2.0: shifted}, offset=9 * seed)]


def _write(folder, rows, task="mnist", **dataset):
    (folder / "rows").mkdir(parents=True)
    (folder / "rows" / "all.jsonl").write_text(
        "".join(json.dumps(row_record(row)) + "\n" for row in rows))
    (folder / "models.jsonl").write_text(
        "".join(json.dumps(m) + "\n" for m in model_records(rows)))
    info = {**dataset_info(), "grid": "shift_x: -2, 0, 2 px", **dataset}
    (folder / "dataset.json").write_text(json.dumps(info))
    (folder / "run.json").write_text(json.dumps({"task": task, "run_name": "quick",
                                                 "profile": "quick"}))
    return folder


def _interval(d) -> tuple[float, float, float]:
    return round(d.diff_pp, 9), round(d.low_pp, 9), round(d.high_pp, 9)


def _mirrored(d) -> tuple[float, float, float]:
    return round(-d.diff_pp, 9), round(-d.high_pp, 9), round(-d.low_pp, 9)


def test_run_compare_and_check_give_one_interval_for_three_seeds_a_side(tmp_path, capsys):
    run = _write(tmp_path / "run" / "mnist" / "quick", _rows(RUN))
    reference = _write(tmp_path / "ref" / "mnist" / "quick", _rows(REFERENCE))
    differences = compare_runs(RunData.load(run).rows, RunData.load(reference).rows, True)
    shift = next(d for d in differences if d.transform == "shift_x")
    assert shift.seeds == shift.reference_seeds == 3 and shift.low_pp < shift.high_pp < 0

    assert main(["compare", str(run), str(reference)]) == 0
    printed = capsys.readouterr().out
    assert f"{shift.diff_pp:+.1f} [{shift.low_pp:+.1f}, {shift.high_pp:+.1f}]" in printed

    checked = next(r for r in check_runs(run, reference, 2.0) if r.transform == "shift_x")
    assert _mirrored(checked.drop) == _interval(shift)  # check asks reference minus run
    # the gate and the verdict read the same interval: it excludes a 2 pp drop
    assert checked.fails == (shift.high_pp < -2.0) and shift.verdict == "differs"


def test_eval_and_compare_give_one_interval_and_verdict_for_one_model(tmp_path):
    """``bench eval``'s model (one fixed model) against a 3-seed family is the same
    question as a one-seed run against that reference."""
    user = _rows(RUN[:1])
    reference = _rows(REFERENCE)
    as_run = {d.transform: d for d in compare_runs(user, reference, True)}
    as_eval = {c.transform: c for c in comparison.compare(
        _as_user(user), reference, model_records(reference), ["shift_x"])}
    for transform in ("clean", "shift_x"):
        assert _interval(as_eval[transform].accuracy_difference) == _interval(
            as_run[transform]), transform
    clean = as_eval["clean"]
    shown = _verdict(clean, "higher", "lower") in ("higher", "lower")
    assert shown == (as_run["clean"].verdict == "differs")


def _as_user(rows):
    """The rows relabelled as ``bench eval`` stores a user's model."""
    return [dataclasses.replace(row, family="user", augmentation="unknown",
                                model_key=f"user-unknown-{row.seed}") for row in rows]


@pytest.mark.parametrize("change, message", [
    ({"task": "fashion-mnist"}, "task: run fashion-mnist, against mnist"),
    ({"name": "fashion-mnist"}, "data set: run fashion-mnist, against mnist-5k"),
    ({"n_test_used": 10_000}, "test images: run 10000, against 200"),
])
def test_check_refuses_runs_that_are_not_comparable(tmp_path, capsys, change, message):
    task = change.pop("task", "mnist")
    run = _write(tmp_path / "run" / "mnist" / "quick", _rows(RUN), task=task, **change)
    reference = _write(tmp_path / "ref" / "mnist" / "quick", _rows(REFERENCE))
    assert main(["check", str(run), "--against", str(reference)]) == 2
    err = capsys.readouterr().err
    assert message in err and "--allow-different" in err and err.count("\n") == 1
    assert main(["check", str(run), "--against", str(reference), "--allow-different"]) in (0, 1)


def test_check_refuses_runs_of_another_grid(tmp_path, capsys):
    wide = [row for seed, (clean, shifted) in enumerate(RUN)
            for row in rows_for("cnn", "none", seed, {0.0: clean, 4.0: shifted, -4.0: shifted})]
    run = _write(tmp_path / "run" / "mnist" / "quick", wide)
    reference = _write(tmp_path / "ref" / "mnist" / "quick", _rows(REFERENCE))
    assert main(["check", str(run), "--against", str(reference)]) == 2
    assert "grid: run 3 cells, against 3, 1 shared" in capsys.readouterr().err


def test_check_json_states_every_row_and_the_verdict(tmp_path, capsys):
    run = _write(tmp_path / "run" / "mnist" / "quick", _rows(RUN))
    reference = _write(tmp_path / "ref" / "mnist" / "quick", _rows(REFERENCE))
    status = main(["check", str(run), "--against", str(reference), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert status == (1 if not out["passed"] else 0)
    assert {row["transform"] for row in out["rows"]} == {"clean", "shift_x"}
    shift = next(row for row in out["rows"] if row["transform"] == "shift_x")
    assert shift["drop_low_pp"] <= shift["drop_pp"] <= shift["drop_high_pp"]
    assert shift["seeds_run"] == shift["seeds_against"] == 3 and out["max_drop_pp"] == 2.0


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "two"])
def test_check_refuses_a_max_drop_that_is_not_a_finite_number(tmp_path, capsys, value):
    run = _write(tmp_path / "run" / "mnist" / "quick", _rows(RUN))
    assert main(["check", str(run), "--against", str(run), f"--max-drop={value}"]) == 2
    assert "--max-drop" in capsys.readouterr().err


def test_check_names_the_reference_model_a_one_model_run_is_held_against(tmp_path, capsys):
    run = _write(tmp_path / "run" / "mnist" / "quick", _as_user(_rows(RUN[:1])))
    reference = _write(tmp_path / "ref" / "mnist" / "quick",
                       _rows(REFERENCE) + _rows(REFERENCE, "mlp"))
    assert main(["check", str(run), "--against", str(reference)]) == 2
    assert "--reference-model" in capsys.readouterr().err
    assert main(["check", str(run), "--against", str(reference), "--reference-model",
                 "cnn/none"]) in (0, 1)
    assert "user/unknown vs cnn/none" in capsys.readouterr().out
