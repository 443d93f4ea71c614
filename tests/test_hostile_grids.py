"""Hostile ``--grid`` values: each is refused at parse time with one line, exit 2, nothing
written (a NaN magnitude once stored would break every later run into that folder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cli import main
from bench.config import ChoiceError
from bench.evaluate.grids import parse_grid

BAD_GRIDS = {
    "rotate=nan": "not a finite number",
    "rotate=inf": "not a finite number",
    "rotate=-inf:0:1": "not a finite number",
    "shift_x=0:2:nan": "not a finite number",
    "scale=0": "domain",
    "scale=-1": "domain",
    "scale=-1:1:0.5": "domain",
    "shear=90": "domain",
    "shear=-90:0:10": "domain",
    "rotate=0:0.0000004:0.0000001": "repeated magnitudes",
    "": "no transform named",
    ",": "no transform named",
    "rotate=": "not a number",
}


@pytest.mark.parametrize(("grid", "says"), BAD_GRIDS.items())
def test_bad_grid_is_one_line_exit_2(grid: str, says: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "results"
    status = main(["run", "mnist", "--profile", "smoke", "--grid", grid, "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in captured.err
    assert not out.exists()


def test_eval_refuses_nan_grid_before_loading_the_model(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "no-such-model.keras"
    status = main(["eval", str(missing), "--task", "mnist", "--grid", "rotate=nan",
                   "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert status == 2 and "'nan' is not a finite number" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "run").exists()


def test_domain_edges_inside_are_accepted() -> None:
    grid = parse_grid("scale=0.01,shear=-89.9:89.9:89.9,rotate=-180:180:90")
    assert grid == {"scale": (0.01,), "shear": (-89.9, 0.0, 89.9),
                    "rotate": (-180.0, -90.0, 0.0, 90.0, 180.0)}


def test_error_names_the_domain() -> None:
    with pytest.raises(ChoiceError, match="strictly between -90 and 90"):
        parse_grid("shear=-95")
