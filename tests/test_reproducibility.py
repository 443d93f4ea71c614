"""Same seed, same rows: two runs in fresh caches store identical rows, byte for byte."""

import dataclasses

import pytest
from conftest import bars_dataset

from bench.run import runner

pytestmark = pytest.mark.slow


def test_two_runs_in_fresh_caches_store_identical_rows(tiny_profile, tmp_path):
    profile = dataclasses.replace(tiny_profile, augmentations=("none", "shift", "rotate"),
                                  seeds=(0,), families=("cnn",))
    prepared = runner.PreparedData.from_dataset(bars_dataset(), profile)
    folders = [
        runner.run_task(profile, tmp_path / f"results{i}", verbose=0, prepared=prepared,
                        model_cache=tmp_path / f"cache{i}")
        for i in (1, 2)
    ]
    files = [sorted((folder / "rows").glob("*.jsonl")) for folder in folders]
    assert [f.name for f in files[0]] == [f.name for f in files[1]]
    assert len(files[0]) == 3  # one rows file per model
    for first, second in zip(*files, strict=True):
        assert first.read_bytes() == second.read_bytes(), f"{first.name} differs between runs"
