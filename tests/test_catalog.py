"""The catalog: every spec complete and consistent, new items reach every renderer, the
report path stays free of TensorFlow, and the row schema is versioned."""

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rowbuilder import rows_for, run_data

from bench.analysis.ranges import trained_edges
from bench.analysis.runs import RunView
from bench.catalog import DATASETS, FAMILIES, POLICIES, TASKS, TRANSFORMS
from bench.catalog.datasets import load
from bench.catalog.policies import policies_for
from bench.catalog.profiles import BOTH_FAMILIES, PROFILES, get_profile
from bench.config import AugmentRanges, ChoiceError, Fill, ProfileName
from bench.data import DataError
from bench.render import frontpage
from bench.render.report import render_markdown
from bench.results.loading import load_rows
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


def test_the_cookbook_generator_is_cifar10s_alone():
    import keras

    from bench.catalog.policies import LayerContext
    from bench.catalog.profiles import with_choices

    assert "cookbook" in get_profile("cifar10", "book").augmentations
    for task in ("mnist", "fashion-mnist", "gender"):
        assert "cookbook" not in get_profile(task, "book").augmentations
    with pytest.raises(ChoiceError, match="'cookbook' is meant for cifar10 only, not 'mnist'"):
        with_choices(get_profile("mnist", "book"), augmentations=("none", "cookbook"))
    # the notebook's ImageDataGenerator(rotation_range=15, width/height_shift_range=0.1,
    # horizontal_flip=True), nearest fill whatever the profile's fill
    rotate, shift, flip = POLICIES["cookbook"].layers(
        get_profile("cifar10", "book").augment, LayerContext(32, 32, Fill.ZERO, seed=0))
    assert isinstance(rotate, keras.layers.RandomRotation)
    assert rotate.factor == (-15 / 360, 15 / 360) and rotate.fill_mode == "nearest"
    assert isinstance(shift, keras.layers.RandomTranslation)
    assert (shift.height_factor, shift.width_factor) == (0.1, 0.1)
    assert shift.fill_mode == "nearest"
    assert isinstance(flip, keras.layers.RandomFlip) and flip.mode == "horizontal"


def test_every_task_has_datasets_builders_and_three_profiles():
    for task in TASKS:
        for name in task.datasets:
            assert DATASETS[name].task == task.name
        for family in FAMILIES:  # published architectures build for MNIST only
            if task.name in family.builders or family.name in BOTH_FAMILIES:
                assert callable(family.builder(task.name)), (family.name, task.name)
        for size in ProfileName:
            profile = get_profile(task.name, size)
            assert profile.data in task.datasets
            assert {name for name, _ in profile.grid} <= set(TRANSFORMS.names())
            assert set(profile.families) <= set(FAMILIES.names())
            assert set(profile.augmentations) <= set(policies_for(task.name))
    assert {task for task, _ in PROFILES} == set(TASKS.names())


def test_unknown_names_name_the_choices():
    with pytest.raises(ChoiceError, match="valid choices: shift_x, shift_y, rotate, scale, shear"):
        TRANSFORMS["skew"]
    with pytest.raises(ChoiceError, match="fashion-mnist"):
        TASKS["fashion"]


def test_policy_edges_follow_the_stored_ranges():
    stored = dataclasses.asdict(AugmentRanges(shift_px=3, rotate_deg=30, scale_frac=0.3,
                                              shear_deg=20))
    expected = {"shift_x": 3, "shift_y": 3, "rotate": 30, "scale": 1.3, "shear": 20}
    edges = trained_edges(stored)  # a transform added later may add its own edge
    assert {name: edges[name] for name in expected} == expected
    chained = POLICIES["all"].edges(stored)  # the policies it chains
    assert {name: chained[name] for name in ("shift_x", "shift_y", "rotate", "scale")} == {
        "shift_x": 3, "shift_y": 3, "rotate": 30, "scale": 1.3}
    del stored["shear_deg"]  # a run stored before shear existed
    assert "shear" not in trained_edges(stored)


def test_every_profile_gives_each_policy_it_trains_a_range():
    # AugmentRanges fields default to 0 (no change to the images): a profile that trains a
    # policy must set the range the policy reads
    for (task, name), profile in PROFILES.items():
        stored = dataclasses.asdict(profile.augment)
        for policy in profile.augmentations:
            edges = POLICIES[policy].edges(stored)
            trains = POLICIES[policy].defended[0] if POLICIES[policy].defended else policy
            assert bool(edges) == (trains != "none"), (task, name.value, policy)
            if POLICIES[policy].worst_of is not None:
                assert POLICIES[policy].worst_of(profile.augment) >= 1, (task, policy)
            for transform, edge in edges.items():
                assert edge != TRANSFORMS[transform].identity, (task, name.value, policy)


def test_every_policy_builds_keras_layers():
    from bench.catalog.policies import LayerContext

    ranges = AugmentRanges(shift_px=2, rotate_deg=10, scale_frac=0.1, shear_deg=10)
    context = LayerContext(12, 12, Fill.NEAREST, seed=0)
    images = np.random.default_rng(0).random((4, 12, 12, 1), dtype=np.float32)
    for policy in POLICIES:
        layers = policy.layers(ranges, context)
        trains = policy.defended[0] if policy.defended else policy.name
        assert (len(layers) == 0) == (trains == "none"), policy.name
        out = images
        for layer in layers:
            out = np.asarray(layer(out, training=True))
        assert out.shape == images.shape, policy.name


def test_a_transform_in_the_rows_gets_its_section_and_front_page_column():
    rows = []
    for seed in (0, 1, 2):
        rows += rows_for("cnn", "none", seed, {-2.0: 0.5, 0.0: 0.9, 2.0: 0.6})
        rows += rows_for("mlp", "none", seed, {-2.0: 0.4, 0.0: 0.9, 2.0: 0.5})
    rows += [dataclasses.replace(row, transform="shear", magnitude=row.magnitude * 10)
             for row in rows]
    view = RunView.of(run_data(rows))
    text = render_markdown(view, {})
    assert "## Shear (degrees" in text and "under shears of ±20 degrees" in text
    page = frontpage.render_front_page([view], forward_pass=False)
    assert "±20° shear" in page and "| shear (%) " in page  # front table, per-task table
    unknown = [dataclasses.replace(row, transform="skew") for row in rows]
    with pytest.raises(ChoiceError, match="unknown transform 'skew'"):
        RunView.of(run_data(unknown))


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
    """``bench report`` on one small committed run (the MNIST quick reference, copied) loads
    neither TensorFlow nor Keras."""
    results = tmp_path / "results"
    shutil.copytree(REPO / "results" / "mnist" / "quick", results / "mnist" / "quick")
    out_dir = tmp_path / "reports"
    script = (
        "import sys; from bench.cli import main; "
        f"code = main(['report', '--results', {str(results)!r}, '--out', {str(out_dir)!r}]); "
        "assert code == 0, code; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')); "
        "print('heavy:', loaded)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert "heavy: []" in out
    assert (out_dir / "README.md").is_file() and (out_dir / "mnist.md").is_file()


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


def test_quick_and_book_train_at_least_three_seeds():
    for (task, name), profile in PROFILES.items():
        if name is not ProfileName.SMOKE:
            assert len(profile.seeds) >= 3, (task, name.value)


def test_age_bands_are_named_by_the_ages_present():
    from bench.catalog import groups

    ages = np.array([5.0, 12.0, 18.0, 40.0, 59.0, 61.0, 90.0, np.nan])
    bands = groups.age_groups(ages)
    assert list(bands) == ["age:5-12", "age:18-59", "age:61-90"]
    assert bands["age:18-59"].sum() == 3 and not bands["age:61-90"][-1]  # unknown age: none
    assert list(groups.age_groups(np.array([20.0, 30.0]))) == ["age:20-30"]
    # runs stored with the fixed names: the profile's min_age corrects the label
    assert groups.display_name("age:13-59", {"min_age": 18}) == "age:18-59"
    assert groups.display_name("age:13-59", {}) == "age:13-59"
    assert groups.display_name("race:Black", {"min_age": 18}) == "race:Black"
    assert sorted(["race:A", "age:60+", "age:5-12", "age:13-59"], key=groups.sort_key) == [
        "age:5-12", "age:13-59", "age:60+", "race:A"]


def test_profile_of_a_stored_run_folder():
    from bench.catalog.profiles import profile_of_run

    assert profile_of_run("mnist", "quick") is get_profile("mnist", "quick")
    assert profile_of_run("mnist", "quick-mnist").data == "mnist"
    assert profile_of_run("mnist", "nightly") is None


@pytest.mark.parametrize("name, parsed, command", [
    ("quick", ("quick", None, None), "bench run mnist --profile quick"),
    ("quick-fashion-mnist", ("quick", "fashion-mnist", None),
     "bench run mnist --profile quick --data fashion-mnist"),
    ("book-lr0.001", ("book", None, 0.001), "bench run mnist --profile book --learning-rate 0.001"),
    ("quick-mnist-5k-lr0.01", ("quick", "mnist-5k", 0.01),
     "bench run mnist --profile quick --data mnist-5k --learning-rate 0.01"),
])
def test_run_names_give_back_their_profile_and_command(name, parsed, command):
    from bench.catalog.profiles import parse_run_name, profile_of_run, run_command

    assert parse_run_name(name) == parsed
    assert run_command("mnist", name) == command
    profile = profile_of_run("mnist", name)
    assert profile.name.value == parsed[0]
    assert profile.train.learning_rate == (parsed[2] or get_profile("mnist", parsed[0]).train
                                           .learning_rate)


def test_a_written_run_name_reads_back_as_its_profile():
    from bench.catalog.profiles import (
        profile_of_run,
        run_folder,
        run_name,
        with_data,
        with_learning_rate,
    )

    quick = get_profile("mnist", "quick")
    for profile in (quick, with_data(quick, "mnist"), with_learning_rate(quick, 0.01),
                    with_learning_rate(with_data(quick, "mnist"), 0.01),
                    get_profile("cifar10", "book")):
        name = run_name(profile)
        assert profile_of_run(profile.task, name) == profile, name
        assert run_folder(profile, Path("runs")) == Path("runs") / profile.task / name


def test_a_source_moves_the_profile_to_the_one_data_set_that_reads_it(monkeypatch):
    from bench.catalog.profiles import data_for_source

    quick = get_profile("mnist", "quick")
    assert quick.data == "mnist-5k" and data_for_source(quick).data == "mnist"
    book = get_profile("mnist", "book")
    assert data_for_source(book) is book
    monkeypatch.setitem(DATASETS._specs, "mnist",
                        dataclasses.replace(DATASETS["mnist"], takes_source=False))
    with pytest.raises(ChoiceError, match="--source does not apply to data set 'mnist-5k'; "
                                          r"add --data with one of: \(none\)"):
        data_for_source(quick)


def test_a_profile_trains_some_families_with_fewer_policies_unless_the_user_names_them():
    from bench.catalog.profiles import with_choices
    from bench.run.runner import model_specs

    book = get_profile("mnist", "book")
    specs = model_specs(book, (0,))
    assert {(s.family, s.augmentation) for s in specs if s.family == "p4-cnn"} == {
        ("p4-cnn", "none")}
    assert len(specs) == len(book.pairs()) < len(book.families) * len(book.augmentations)
    assert "worst-of-k+vote" in book.policies_of("cnn")
    assert "worst-of-k+vote" not in book.policies_of("cnn-gap")
    # policies named on the command line apply to every family named
    asked = with_choices(book, families=("p4-cnn",), augmentations=("rotate",))
    assert [(s.family, s.augmentation) for s in model_specs(asked, (0,))] == [
        ("p4-cnn", "rotate")]
