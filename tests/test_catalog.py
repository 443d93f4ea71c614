"""The catalog: every spec complete and consistent, new items reach every renderer, the
report path stays free of TensorFlow, and the row schema is versioned."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_report import rows_for

from bench.catalog import DATASETS, FAMILIES, POLICIES, TASKS, TRANSFORMS
from bench.catalog.datasets import load
from bench.catalog.profiles import PROFILES, get_profile
from bench.config import AugmentRanges, ChoiceError, Fill, ProfileName
from bench.data import DataError
from bench.render import frontpage
from bench.render.report import render_markdown, trained_ranges
from bench.results.loading import RunData, load_rows
from bench.results.schema import SCHEMA_VERSION, SchemaError

REPO = Path(__file__).resolve().parent.parent


def test_every_transform_has_grids_a_policy_and_a_working_function():
    images = np.random.default_rng(0).integers(0, 256, (2, 10, 10, 1), dtype=np.uint8)
    for spec in TRANSFORMS:
        assert {"full", "smoke"} <= set(spec.grids), spec.name
        assert spec.identity in spec.grids["smoke"], spec.name
        assert spec.policy in POLICIES, spec.name
        moved = spec.apply(images, max(spec.grids["smoke"]), fill=Fill.ZERO)
        assert moved.shape == images.shape and not np.array_equal(moved, images), spec.name


def test_every_task_has_datasets_builders_and_three_profiles():
    for task in TASKS:
        for name in task.datasets:
            assert DATASETS[name].task == task.name
        for family in FAMILIES:
            assert callable(family.builder(task.name)), (family.name, task.name)
        for size in ProfileName:
            profile = get_profile(task.name, size)
            assert profile.data in task.datasets
            assert {name for name, _ in profile.grid} == set(TRANSFORMS.names())
            assert set(profile.families) <= set(FAMILIES.names())
            assert set(profile.augmentations) <= set(POLICIES.names())
    assert {task for task, _ in PROFILES} == set(TASKS.names())


def test_unknown_names_name_the_choices():
    with pytest.raises(ChoiceError, match="valid choices: shift_x, shift_y, rotate, scale, shear"):
        TRANSFORMS["skew"]
    with pytest.raises(ChoiceError, match="fashion-mnist"):
        TASKS["fashion"]


def test_policy_edges_follow_the_stored_ranges():
    stored = dataclasses.asdict(AugmentRanges(shift_px=3, rotate_deg=30, scale_frac=0.3,
                                              shear_deg=20))
    assert trained_ranges({"augment": stored}) == {
        "shift_x": 3, "shift_y": 3, "rotate": 30, "scale": 1.3, "shear": 20}
    del stored["shear_deg"]  # a run stored before shear existed
    assert "shear" not in trained_ranges({"augment": stored})


def test_every_policy_builds_keras_layers():
    from bench.catalog.policies import LayerContext

    ranges = AugmentRanges(shift_px=2, rotate_deg=10, scale_frac=0.1, shear_deg=10)
    context = LayerContext(12, 12, Fill.NEAREST, seed=0)
    images = np.random.default_rng(0).random((4, 12, 12, 1), dtype=np.float32)
    for policy in POLICIES:
        layers = policy.layers(ranges, context)
        assert (len(layers) == 0) == (policy.name == "none"), policy.name
        out = images
        for layer in layers:
            out = np.asarray(layer(out, training=True))
        assert out.shape == images.shape, policy.name


def test_a_transform_in_the_rows_gets_its_section_and_front_page_column():
    rows = rows_for("cnn", "none", 0, {-2.0: 0.5, 0.0: 0.9, 2.0: 0.6})
    rows += [dataclasses.replace(row, transform="shear", magnitude=row.magnitude * 10)
             for row in rows]
    run = RunData("mnist", "quick", rows, [
        {"key": "cnn-none-0", "family": "cnn", "augmentation": "none", "seed": 0,
         "augmentation_ranges": "none", "params": 10, "train_seconds": 1.0,
         "learning_rate": 0.001, "epochs": 1, "batch_size": 8, "n_train": 10}], [],
        {"name": "x", "n_train_used": 10, "n_test_used": 200})
    text = render_markdown(run, {})
    assert "## Shear (degrees" in text and "a shear of 20 degrees" in text
    assert "largest shear" in frontpage.render_front_page([run], forward_pass=False)
    unknown = [dataclasses.replace(row, transform="skew") for row in rows]
    with pytest.raises(ChoiceError, match="unknown transform 'skew'"):
        render_markdown(dataclasses.replace(run, rows=unknown), {})


def test_unversioned_rows_are_migrated_and_newer_ones_refused(tmp_path):
    row = dataclasses.asdict(rows_for("cnn", "none", 0, {0.0: 0.9})[0])
    folder = tmp_path / "run"
    (folder / "rows").mkdir(parents=True)
    path = folder / "rows" / "k.jsonl"
    path.write_text(json.dumps(row) + "\n")
    assert load_rows(folder)[0].accuracy == row["accuracy"]
    path.write_text(json.dumps({**row, "schema_version": SCHEMA_VERSION + 1}) + "\n")
    with pytest.raises(SchemaError, match=rf"k.jsonl: schema_version {SCHEMA_VERSION + 1} "):
        load_rows(folder)


def test_bench_report_does_not_import_tensorflow(tmp_path):
    script = (
        "import sys; from bench.cli import main; "
        f"code = main(['report', '--results', {str(REPO / 'results')!r}, "
        f"'--out', {str(tmp_path)!r}]); "
        "assert code == 0, code; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')); "
        "print('heavy:', loaded)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert "heavy: []" in out
    assert (tmp_path / "README.md").is_file() and (tmp_path / "mnist.md").is_file()


def test_fashion_mnist_reads_the_keras_layout_with_its_class_names(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    arrays = {f"x_{s}": rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
              for s, n in (("train", 20), ("test", 10))}
    arrays |= {f"y_{s}": np.arange(n) % 10 for s, n in (("train", 20), ("test", 10))}
    np.savez(tmp_path / "fashion_mnist.npz", **arrays)
    monkeypatch.setenv("BENCH_DATA_DIR", str(tmp_path))
    data = load("fashion-mnist")
    assert data.name == "fashion-mnist" and data.classes[9] == "Ankle boot"
    assert data.train.x.shape == (20, 28, 28, 1) and len(data.test.y) == 10
    monkeypatch.setenv("BENCH_DATA_DIR", str(tmp_path / "empty"))
    with pytest.raises(DataError, match="fashion_mnist.npz"):
        load("fashion-mnist")
