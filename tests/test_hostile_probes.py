"""A probe that needs a transform the run does not sweep is skipped, never a KeyError after
the sweep (``bench run mnist --transforms rotate`` and the mean-"1" shift probe)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from tiny_run import run, run_folder, tiny_npz

from bench.catalog.profiles import get_profile
from bench.evaluate.grids import with_grid
from bench.run.probes import MEAN_ONE, MEAN_ONE_BOOK, probe_names, unswept_probes


def test_mean_one_shift_probe_is_left_out_without_shift_x() -> None:
    profile = with_grid(get_profile("mnist", "smoke"), ("rotate",), {})
    assert unswept_probes(profile) == {MEAN_ONE: "shift_x"}
    assert probe_names(profile, "none") == (MEAN_ONE_BOOK,)


def test_a_grid_with_shift_x_keeps_every_probe() -> None:
    profile = with_grid(get_profile("mnist", "smoke"), ("shift_x", "rotate"), {})
    assert unswept_probes(profile) == {}
    assert MEAN_ONE in probe_names(profile, "none")


@pytest.mark.slow
def test_run_without_shift_x_finishes_and_says_the_probe_was_skipped(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    source = tiny_npz(tmp_path / "mnist.npz")
    with caplog.at_level(logging.WARNING):
        status = run(source, tmp_path / "out", "--transforms", "rotate")
    assert status == 0
    skipped = [r.getMessage() for r in caplog.records if "probe mean_one_shift_x skipped" in
               r.getMessage()]
    assert len(skipped) == 1 and "shift_x" in skipped[0]
    probes = [p.name for p in (run_folder(tmp_path / "out") / "probes").glob("*.jsonl")]
    assert probes  # the book's probe ran and was stored
    text = "".join(p.read_text() for p in (run_folder(tmp_path / "out") / "probes").iterdir())
    assert MEAN_ONE not in text


def test_the_report_says_which_probe_was_not_run_and_why() -> None:
    from rowbuilder import rows_for, run_data

    from bench.render.report import skipped_probes_section

    rows = rows_for("cnn", "none", 0, {0.0: 0.9, 30.0: 0.5}, transform="rotate")
    lines = skipped_probes_section(run_data(rows))
    assert lines[0] == "## Probes skipped"
    assert (f"- `{MEAN_ONE}` was not run: it needs shift_x, which this run does not sweep "
            "(add it to `--transforms` to get it).") in lines
    swept = rows + rows_for("cnn", "none", 0, {0.0: 0.9, 1.0: 0.8}, transform="shift_x")
    assert skipped_probes_section(run_data(swept)) == []
