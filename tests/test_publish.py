"""``bench publish`` is safe by construction: the target comes from the run's own record,
a run being written, damaged or incomplete is refused, and a refused or failed publish
leaves every file under the results folder byte-identical."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from rowbuilder import dataset_info, model_records, rows_for

from bench.catalog.profiles import get_profile
from bench.cli import main
from bench.results.run_info import RUN_INFO, run_info
from bench.results.schema import SCHEMA_VERSION, row_record, versioned
from bench.results.store import ResultStore, lock_path

PROFILE = get_profile("mnist", "smoke")


def write_run(folder: Path, task: str = "mnist", run_name: str = "smoke",
              accuracy: float = 0.9, skip_cell: bool = False) -> Path:
    """A complete run folder of the mnist smoke profile (every family, policy, seed and cell),
    from hand-made rows; ``skip_cell`` leaves one cell of one model out."""
    rows = []
    for family in PROFILE.families:
        for augmentation in PROFILE.augmentations:
            for seed in PROFILE.seeds:
                for transform, magnitudes in PROFILE.grid:
                    identity = 1.0 if transform == "scale" else 0.0
                    cells = {identity: accuracy, **{m: accuracy - 0.1 for m in magnitudes
                                                    if m != identity}}
                    rows += rows_for(family, augmentation, seed, cells, transform=transform,
                                     profile="smoke", task=task)
    if skip_cell:
        rows = rows[1:]
    (folder / "rows").mkdir(parents=True)
    for key in sorted({row.model_key for row in rows}):
        lines = [json.dumps(row_record(r), sort_keys=True) for r in rows if r.model_key == key]
        (folder / "rows" / f"{key}.jsonl").write_text("\n".join(lines) + "\n")
    models = [versioned({**m, "task": task, "data_checksum": "abc"})
              for m in model_records(rows, n_train=2000)]
    (folder / "models.jsonl").write_text("".join(json.dumps(m) + "\n" for m in models))
    (folder / "probes.jsonl").write_text("")
    dataset = dataset_info(n_test=200, train_checksum="abc")
    (folder / "dataset.json").write_text(json.dumps(versioned(dataset)))
    info = versioned(run_info(task, run_name, run_name.split("-")[0]))
    (folder / RUN_INFO).write_text(json.dumps(info))
    return folder


def tree_hash(root: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under ``root`` (folders included by name), the
    lock file a run folder holds (publish takes it, never copies it) left out."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            if p.is_file() else "folder" for p in sorted(root.rglob("*")) if p != lock_path(root)}


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """A results folder with two references: mnist/smoke (accuracy 0.8) and mnist/quick."""
    root = tmp_path / "results"
    write_run(root / "mnist" / "smoke", accuracy=0.8)
    write_run(root / "mnist" / "quick", run_name="quick")
    return root


@pytest.fixture
def run(tmp_path: Path) -> Path:
    return write_run(tmp_path / "runs" / "mnist" / "smoke")


def publish(run_folder: Path | str, results: Path, *extra: str) -> int:
    return main(["publish", str(run_folder), "--results", str(results), *extra])


def test_a_complete_run_replaces_only_its_own_reference(run, results, capsys):
    quick = tree_hash(results / "mnist" / "quick")
    assert publish(run, results) == 0
    assert tree_hash(results / "mnist" / "smoke") == tree_hash(run)
    assert tree_hash(results / "mnist" / "quick") == quick
    assert sorted(p.name for p in (results / "mnist").iterdir()) == ["quick", "smoke"]
    assert "published" in capsys.readouterr().out


@pytest.mark.parametrize("spelling", [".", "rows/.."])
def test_the_target_comes_from_the_run_record_not_the_path(spelling, run, results,
                                                           monkeypatch):
    quick = tree_hash(results / "mnist" / "quick")
    monkeypatch.chdir(run)
    assert publish(spelling, results) == 0
    assert sorted(p.name for p in results.iterdir()) == ["mnist"]
    assert tree_hash(results / "mnist" / "smoke") == tree_hash(run)
    assert tree_hash(results / "mnist" / "quick") == quick


def _cut_line(run: Path) -> None:
    path = sorted((run / "rows").glob("*.jsonl"))[0]
    path.write_text(path.read_text() + '{"task": "mni\n')


def _newer_schema(run: Path) -> None:
    path = sorted((run / "rows").glob("*.jsonl"))[0]
    path.write_text(path.read_text().replace(f'"schema_version": {SCHEMA_VERSION}',
                                             f'"schema_version": {SCHEMA_VERSION + 1}'))


def _bad_dataset(run: Path) -> None:
    (run / "dataset.json").write_text('{"name": "mnist-5k"')


def _dataset_without_fields(run: Path) -> None:
    (run / "dataset.json").write_text(json.dumps(versioned({"name": "mnist-5k"})))


def _no_run_record(run: Path) -> None:
    (run / RUN_INFO).unlink()


def _escaping_run_name(run: Path) -> None:
    (run / RUN_INFO).write_text(json.dumps(run_info("mnist", "../../smoke", "smoke")))


def _other_task_model(run: Path) -> None:
    text = (run / "models.jsonl").read_text().replace('"task": "mnist"', '"task": "gender"', 1)
    (run / "models.jsonl").write_text(text)


def _probe_in_another_model_s_file(run: Path) -> None:
    key = sorted((run / "rows").glob("*.jsonl"))[0].stem
    (run / "probes").mkdir()
    record = versioned({"probe": "mean_one_shift_x", "model_key": "another", "shift_px": 1})
    (run / "probes" / f"{key}.jsonl").write_text(json.dumps(record) + "\n")


def _incomplete(run: Path) -> None:
    for path in (run / "rows").iterdir():
        path.unlink()
    write_run(run.parent / "tmp", skip_cell=True)
    for path in (run.parent / "tmp" / "rows").iterdir():
        path.rename(run / "rows" / path.name)


REFUSED = {
    "a rows file with a cut line": (_cut_line, "is damaged"),
    "a row of a newer schema": (_newer_schema, f"schema_version {SCHEMA_VERSION + 1}"),
    "an invalid dataset.json": (_bad_dataset, "not valid JSON"),
    "a dataset.json without its fields": (_dataset_without_fields, "lacks classes"),
    "no run.json": (_no_run_record, "run.json is missing"),
    "a run name that leaves the results folder": (_escaping_run_name, "is no run of"),
    "a model of another task": (_other_task_model, "not 'mnist'"),
    "a probe in another model's file": (_probe_in_another_model_s_file,
                                        "is a probe of model 'another'"),
    "a run that lacks a cell": (_incomplete, "1 of 15 cells missing"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_damaged_or_incomplete_run_is_refused_and_nothing_changes(case, run, results,
                                                                    capsys):
    damage, message = REFUSED[case]
    damage(run)
    before = tree_hash(results)
    assert publish(run, results) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err, err
    assert tree_hash(results) == before


def test_a_run_being_written_is_refused(run, results, capsys):
    before = tree_hash(results)
    with ResultStore(run):  # holds the run's lock, as a running `bench run` does
        assert publish(run, results) == 2
    assert "a bench run is writing to it" in capsys.readouterr().err
    assert tree_hash(results) == before


@pytest.mark.parametrize("which", ["the reference itself", "the results folder",
                                   "the checkout above it"])
def test_a_run_folder_that_overlaps_the_reference_is_refused(which, results, capsys):
    folder = {"the reference itself": results / "mnist" / "smoke",
              "the results folder": results, "the checkout above it": results.parent}[which]
    before = tree_hash(results)
    assert publish(folder, results) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert tree_hash(results) == before


def test_partial_publishes_an_incomplete_run_and_says_so(run, results, capsys):
    _incomplete(run)
    assert publish(run, results, "--partial") == 0
    assert "partial: " in capsys.readouterr().out
    assert tree_hash(results / "mnist" / "smoke") == tree_hash(run)


def test_a_failed_swap_keeps_the_old_reference(run, results, monkeypatch):
    before = tree_hash(results)
    renames = []
    real_rename = os.rename

    def rename(source, target):
        renames.append(Path(target).name)
        if len(renames) == 2:  # the new copy into place
            raise OSError(28, "No space left on device")
        return real_rename(source, target)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OSError):
        from bench.results.publish import publish as publish_run

        publish_run(run, results)
    assert tree_hash(results) == before  # old reference back in place, no staging left


def _drop_one_model(run: Path) -> str:
    """Remove the first model's record and rows from ``run``; its label."""
    lines = (run / "models.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    (run / "models.jsonl").write_text("".join(line + "\n" for line in lines[1:]))
    (run / "rows" / f"{first['key']}.jsonl").unlink()
    return f"{first['family']}/{first['augmentation']}/s{first['seed']}"


def test_a_run_that_would_drop_reference_models_is_refused_unless_told(run, results, capsys):
    # a run that kept none of the reference's models (another data checksum, say) must not
    # silently replace it with fewer
    label = _drop_one_model(run)
    before = tree_hash(results)
    assert publish(run, results, "--partial") == 2
    err = capsys.readouterr().err
    assert "would drop 1 model(s) of the reference" in err and label in err, err
    assert "--drop-models" in err and "Traceback" not in err
    assert tree_hash(results) == before
    assert publish(run, results, "--partial", "--drop-models") == 0
    assert tree_hash(results / "mnist" / "smoke") == tree_hash(run)
