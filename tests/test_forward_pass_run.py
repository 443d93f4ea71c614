"""A forward-pass run folder (``tox -e bench``): its report against the published figures,
and the one publish step that writes ``reports/forward_pass/``."""

from __future__ import annotations

import json

from test_forward_report import _bench, _json, _row, _two_threads

from bench.render import forward_pass_run, publish_forward_pass
from bench.render.forward_pass import render_forward_pass


def _faster_run() -> dict:
    """_json() with the NumPy engine twice as fast at batch 1 and one benchmark the published
    figures lack."""
    run = _json()
    run["benchmarks"][0] = _bench("mnist_cnn", 1, "numpy-vectorised", 0.00025, 30)
    run["benchmarks"].append(_bench("mnist_mlp", 1, "numpy-vectorised", 0.0001, 30))
    return run


def _folders(tmp_path):
    run, reports = tmp_path / "runs" / "forward_pass", tmp_path / "reports"
    run.mkdir(parents=True)
    (reports / "forward_pass").mkdir(parents=True)
    (run / "threads-1.json").write_text(json.dumps(_faster_run()))
    (reports / "forward_pass" / "threads-1.json").write_text(json.dumps(_json()))
    (reports / "forward_pass" / "threads-2.json").write_text(json.dumps(_two_threads()))
    return run, reports


def test_the_run_report_compares_each_shared_benchmark_and_leaves_reports_alone(tmp_path):
    run, reports = _folders(tmp_path)
    before = {p.name: p.read_bytes() for p in (reports / "forward_pass").iterdir()}
    assert forward_pass_run.main([str(run), "--reference", str(reports / "forward_pass")]) == 0
    text = (run / "report.md").read_text()
    assert text.startswith(render_forward_pass([_faster_run()]))
    section = text[text.index("## Against the published figures"):]
    # 4,000 img/s now against 2,000 published: the published median is twice this run's
    assert _row(section, "| mnist_cnn      | 1         | 1       | NumPy vectorised") == [
        "mnist_cnn", "1", "1", "NumPy vectorised", "4,000", "2,000", "2.00x", "30/30"]
    assert _row(section, "| mnist_cnn      | 1         | 1       | Keras model(x)")[6] == "1.00x"
    # mnist_mlp only here; the published 2-thread run's three benchmarks were not run
    assert "Not compared: 1 benchmark(s) of this run that the published figures lack, " \
           "3 published benchmark(s) this run did not run." in section
    assert {p.name: p.read_bytes() for p in (reports / "forward_pass").iterdir()} == before
    assert not (reports / "forward_pass.md").exists()


def test_a_run_without_published_figures_says_so(tmp_path):
    run, _ = _folders(tmp_path)
    path = forward_pass_run.write_run_report(run, tmp_path / "nothing-published")
    assert path.read_text().endswith(
        f"## Against the published figures\n\nNone found at `{tmp_path / 'nothing-published'}`.\n")


def test_publish_copies_the_run_and_rewrites_the_published_report(tmp_path):
    run, reports = _folders(tmp_path)
    published = publish_forward_pass.publish_forward_pass(run, reports)
    assert published == [reports / "forward_pass" / "threads-1.json"]
    assert json.loads(published[0].read_text()) == _faster_run()
    # the 2-thread figures the run lacks stay published, beside the new 1-thread ones
    assert (reports / "forward_pass.md").read_text() == render_forward_pass(
        [_faster_run(), _two_threads()])


def test_a_broken_run_is_refused_and_nothing_published_changes(tmp_path, capsys):
    run, reports = _folders(tmp_path)
    before = {p.name: p.read_bytes() for p in (reports / "forward_pass").iterdir()}
    (run / "threads-2.json").write_text(json.dumps({"benchmarks": []}))
    assert publish_forward_pass.main([str(run), "--reports", str(reports)]) == 2
    assert capsys.readouterr().err.startswith(
        f"publish_forward_pass: error: {run / 'threads-2.json'}: no forward-pass benchmarks")
    assert {p.name: p.read_bytes() for p in (reports / "forward_pass").iterdir()} == before
    assert publish_forward_pass.main([str(tmp_path / "empty"), "--reports", str(reports)]) == 2
    assert "no threads-N.json; run `tox -e bench` first" in capsys.readouterr().err
