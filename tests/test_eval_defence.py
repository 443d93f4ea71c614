"""``bench eval --defence tta|vote`` measures a user's model under a test-time defence like
any model: its own rows and key, its cost in forward passes stated beside its accuracy."""

from __future__ import annotations

import json

import pytest

from bench.catalog.defences import DEFENCES
from bench.cli import main
from bench.results.loading import load_rows


@pytest.mark.parametrize("defence", ["tta", "vote"])
def test_a_defended_evaluation_has_its_own_rows_and_states_its_cost(untrained_mnist_model,
                                                                    tmp_path, defence):
    args = ["eval", str(untrained_mnist_model), "--task", "mnist", "--profile", "smoke",
            "--transforms", "rotate", "--grid", "rotate=-10:10:10", "--worst-case-n", "0",
            "--force", "--no-reference", "--quiet", "--out", str(tmp_path / "run")]
    assert main(args) == 0 and main([*args, "--defence", defence]) == 0
    rows = load_rows(tmp_path / "run")
    assert {r.augmentation for r in rows} == {"unknown", f"unknown+{defence}"}
    assert len({r.model_key for r in rows}) == 2
    records = [json.loads(line) for line in
               (tmp_path / "run" / "models.jsonl").read_text().splitlines()]
    defended = next(r for r in records if r.get("defence") == defence)
    assert defended["forward_passes"] == DEFENCES[defence].forward_passes > 1
    report = " ".join((tmp_path / "run" / "report.md").read_text().split())
    assert (f"under test-time defence {defence} ({DEFENCES[defence].forward_passes} forward "
            "passes per image)") in report
