"""``bench publish DIR/reproductions`` checks every reproduction record and copies the files
into the results folder whole; a damaged record publishes nothing."""

from __future__ import annotations

import json

import numpy as np

from bench.cli import main
from bench.results.schema import pack_bits


def _write(folder, name, records):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def _record(seed, statistic="clean"):
    return {"reproduction": "advertorch-lenet5", "seed": seed, "statistic": statistic,
            "n": 8, "bits": pack_bits(np.arange(8) < 6)}


def test_records_are_checked_and_copied_into_the_results(tmp_path, capsys):
    out = tmp_path / "runs" / "reproductions"
    _write(out, "advertorch-lenet5", [_record(s) for s in range(3)])
    assert main(["publish", str(out), "--results", str(tmp_path / "results")]) == 0
    copied = tmp_path / "results" / "reproductions" / "advertorch-lenet5.jsonl"
    assert copied.read_bytes() == (out / "advertorch-lenet5.jsonl").read_bytes()
    assert "published 1 reproduction record file(s)" in capsys.readouterr().out
    assert not list(copied.parent.glob(".*publishing*"))


def test_a_damaged_record_publishes_nothing(tmp_path, capsys):
    out = tmp_path / "runs" / "reproductions"
    _write(out, "advertorch-lenet5", [_record(0)])
    _write(out, "stn-rts", [{**_record(0), "bits": "not base64!"}])
    assert main(["publish", str(out), "--results", str(tmp_path / "results")]) == 2
    assert "stn-rts.jsonl:1: not a reproduction record" in capsys.readouterr().err
    assert not (tmp_path / "results" / "reproductions").exists()


def test_a_figure_every_seed_scores_alike_gets_no_verdict(tmp_path):
    """0 of 1,000 images on every seed has no interval: the verdict is inconclusive and says
    how coarse one image is, never 'inconsistent' against a published 0.02%."""
    from bench.catalog.reproductions import reproduction
    from bench.render.reproductions import judged

    item = reproduction("advertorch-lenet5")
    grid = next(p for p in item.figures if p.statistic == "grid_worst")
    records = [{**_record(seed, "grid_worst"), "n": 1000,
                "bits": pack_bits(np.zeros(1000, dtype=bool)), "n_train": 60000, "epochs": 10,
                "batch_size": 50, "optimizer": "Adam", "learning_rate": 1e-4}
               for seed in range(3)]
    _, verdict = judged(item, grid, records)
    assert verdict.startswith("inconclusive: every seed scored 0.00% on all 1,000 images")
