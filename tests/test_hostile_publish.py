"""Hostile publishes and results folders: rows whose accuracy contradicts their own
per-image bits or whose task is not run.json's are refused (one line, exit 2, nothing
changed); a ``.publishing-PID`` folder left by a killed publish is never read as a run and
is cleaned by the next publish; a ``rows`` symbolic link loop is one line, exit 2, never a
run that vanishes from the reports."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from test_publish import publish, tree_hash, write_run

from bench.cli import main
from bench.results.loading import run_folders
from bench.results.publish import clean_stale

#: A PID no process holds (above Linux's pid_max of 2**22).
DEAD_PID = 2**22 + 7


@pytest.fixture
def results(tmp_path: Path) -> Path:
    root = tmp_path / "results"
    write_run(root / "mnist" / "smoke", accuracy=0.8)
    return root


def one_error(capsys, *says: str) -> None:
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in captured.err, lines
    for text in says:
        assert text in lines[0], (text, lines[0])


def rewrite_first_row(run: Path, **fields: object) -> Path:
    path = sorted((run / "rows").glob("*.jsonl"))[0]
    lines = path.read_text().splitlines()
    lines[0] = json.dumps({**json.loads(lines[0]), **fields})
    path.write_text("\n".join(lines) + "\n")
    return path


def test_accuracy_contradicting_its_bits_is_refused(tmp_path, results, capsys) -> None:
    run = write_run(tmp_path / "runs" / "mnist" / "smoke")
    path = rewrite_first_row(run, accuracy=0.5)  # its bits say 0.9
    before = tree_hash(results)
    assert publish(run, results) == 2
    one_error(capsys, f"{path}: line 1 has accuracy 0.5 but its per-image bits give 0.9")
    assert tree_hash(results) == before


def test_row_of_another_task_is_refused(tmp_path, results, capsys) -> None:
    run = write_run(tmp_path / "runs" / "mnist" / "smoke")
    path = rewrite_first_row(run, task="cifar10")
    before = tree_hash(results)
    assert publish(run, results) == 2
    one_error(capsys, f"{path}: line 1 is a row of task 'cifar10', not 'mnist'")
    assert tree_hash(results) == before


def test_damaged_field_is_refused_by_publish(tmp_path, results, capsys) -> None:
    run = write_run(tmp_path / "runs" / "mnist" / "smoke")
    path = rewrite_first_row(run, magnitude="x")
    assert publish(run, results) == 2
    one_error(capsys, f"{path}: line 1: magnitude is 'x'")


def test_a_killed_publish_is_never_a_run_and_is_cleaned(tmp_path, results, capsys) -> None:
    stale = results / "mnist" / f".smoke.publishing-{DEAD_PID}"
    shutil.copytree(results / "mnist" / "smoke", stale)
    assert run_folders(results) == [results / "mnist" / "smoke"]
    assert main(["report", "--results", str(results), "--out", str(tmp_path / "out")]) == 0
    reports = sorted(p.name for p in (tmp_path / "out").glob("*.md"))
    assert not any("publishing" in name for name in reports)
    assert "publishing" not in (tmp_path / "out" / "README.md").read_text()
    run = write_run(tmp_path / "runs" / "mnist" / "smoke")
    assert publish(run, results) == 0
    assert not stale.exists()
    assert sorted(p.name for p in (results / "mnist").iterdir()) == ["smoke"]


def test_a_swap_cut_between_its_renames_is_restored(results) -> None:
    target = results / "mnist" / "smoke"
    previous = target.with_name(f".smoke.previous-{DEAD_PID}")
    os.rename(target, previous)
    assert clean_stale(target) == [previous]
    assert target.is_dir() and not previous.exists()


def test_a_live_publish_is_left_alone(results) -> None:
    target = results / "mnist" / "smoke"
    live = target.with_name(f".smoke.publishing-{os.getppid()}")
    live.mkdir()
    assert clean_stale(target) == []
    assert live.is_dir()


def test_rows_symlink_loop_is_one_line_exit_2(tmp_path, results, capsys) -> None:
    rows = results / "mnist" / "smoke" / "rows"
    shutil.rmtree(rows)
    rows.symlink_to(rows)
    assert main(["report", "--results", str(results), "--out", str(tmp_path / "out")]) == 2
    one_error(capsys, str(rows), "leads back to itself")
    assert not (tmp_path / "out").exists()
    assert main(["compare", str(rows.parent), str(rows.parent)]) == 2
    one_error(capsys, str(rows.parent))
