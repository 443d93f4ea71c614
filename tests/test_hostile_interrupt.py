"""Ctrl-C ends every command with one line and exit 130, keeping what was stored."""

from __future__ import annotations

import pytest

from bench.cli import main
from bench.results.loading import load_rows
from bench.run import sweep


def test_ctrl_c_in_bench_eval_keeps_the_finished_cells(untrained_mnist_model, tmp_path, monkeypatch,
                                                        capsys):
    real, calls = sweep.cell_rows, []

    def interrupted_after_two(*args, **kwargs):
        calls.append(1)
        if len(calls) > 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(sweep, "cell_rows", interrupted_after_two)
    status = main(["eval", str(untrained_mnist_model), "--task", "mnist", "--profile", "smoke",
                   "--transforms", "shift_x", "--grid", "shift_x=-1:1:1", "--worst-case-n", "0",
                   "--force", "--no-reference", "--quiet", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert status == 130 and "bench eval: interrupted" in err and "Traceback" not in err
    assert len({(r.transform, r.magnitude) for r in load_rows(tmp_path / "run")}) == 2


@pytest.mark.parametrize("command", ["report", "publish"])
def test_ctrl_c_in_report_and_publish_is_one_line(command, tmp_path, monkeypatch, capsys):
    import bench.render.command
    import bench.results.publish_command

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(bench.render.command, "report_all", interrupt)
    monkeypatch.setattr(bench.results.publish_command, "publish_run", interrupt)
    argv = (["report", "--results", str(tmp_path), "--out", str(tmp_path / "out")]
            if command == "report" else ["publish", str(tmp_path / "run")])
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert err.strip() == (f"bench {command}: interrupted; what it stored is kept, and the "
                           "same command again continues from there")
