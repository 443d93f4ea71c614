"""``bench.evaluate`` from Python: in-memory and file models through ``bench eval``'s pipeline,
the result object (tidy frame, accuracy, check), and the README's example, on the tiny
template-match model of ``tiny_api_model`` (16x16 images, no training)."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tiny_api_model import (
    as_reference_family,
    blocks,
    keras_model,
    numpy_model,
    readme_blocks,
    readme_model,
    template_weights,
    write_npz,
)

import bench
import bench.api
from bench.catalog import TRANSFORMS
from bench.catalog.profiles import get_profile
from bench.config import ChoiceError
from bench.evaluate.export import COLUMNS
from bench.results.loading import MODELS, load_records

#: The small grid these tests sweep.
SMALL = {"transforms": "rotate", "grid": {"rotate": [15, 30]}}


def small(model, out: Path, **options):
    """``bench.evaluate`` of ``model`` on 40 block images, smoke profile, no reference."""
    data = options.pop("data", blocks(40))
    return bench.evaluate(model, task="mnist", profile="smoke", data=data, out=out,
                          reference=None, **{**SMALL, **options})


def direct_accuracy(model, transform: str, magnitude: float) -> float:
    """The model's accuracy on the 40 images under the transform, computed here."""
    x, y = blocks(40)
    moved = TRANSFORMS[transform].apply(x, magnitude, fill=get_profile("mnist", "smoke").fill)
    return float(np.mean(model(moved.astype(np.float32) / 255).argmax(axis=1) == y))


def test_a_callable_gives_the_frame_accuracies_and_cells_of_its_sweep(tmp_path):
    result = small(numpy_model, tmp_path / "run")
    assert result.folder == tmp_path / "run" and result.report.is_file()
    frame = result.frame
    assert list(frame.columns) == COLUMNS and len(frame) == 3  # rotate 0, 15, 30
    assert set(frame["magnitude_unit"]) == {"deg"}
    assert result.clean_accuracy == direct_accuracy(numpy_model, "rotate", 0) == 1.0
    for magnitude in (15, 30):
        assert result.accuracy("rotate", magnitude) == pytest.approx(
            direct_accuracy(numpy_model, "rotate", magnitude), abs=1e-6)
    assert result.accuracy("rotate", 30) < result.accuracy("rotate", 15)
    with pytest.raises(KeyError, match=r"rotate at 45 was not evaluated; available: rotate: "
                                       r"0, 15, 30 deg"):
        result.accuracy("rotate", 45)
    with pytest.raises(KeyError, match="shift_x at 1 was not evaluated"):
        result.accuracy("shift_x", 1)


def test_a_changed_callable_gets_new_rows_and_the_same_one_reuses_them(tmp_path):
    out = tmp_path / "run"
    first = small(numpy_model, out)
    again = small(numpy_model, out)
    assert again.model_keys == first.model_keys
    weights = template_weights()
    weights[:, 3] = 0.0  # class 3 can no longer win: about a tenth of the images go wrong
    changed = small(functools.partial(numpy_model, weights=weights), out)
    assert changed.model_keys != first.model_keys
    assert changed.clean_accuracy < first.clean_accuracy
    keys = {m["key"] for m in load_records(out, MODELS)}
    assert keys == {first.model_keys[0], changed.model_keys[0]}


def test_an_in_memory_keras_model_gives_the_rows_of_its_saved_file(tmp_path):
    model = keras_model()
    in_memory = small(model, tmp_path / "memory")
    model.save(tmp_path / "blocks.keras")
    from_file = small(str(tmp_path / "blocks.keras"), tmp_path / "file")
    measured = [c for c in COLUMNS if c not in ("model", "file_sha256", "model_key")]
    pd.testing.assert_frame_equal(in_memory.frame[measured], from_file.frame[measured])
    assert small(model, tmp_path / "memory").model_keys == in_memory.model_keys  # file kept
    assert len(list((tmp_path / "memory" / "inputs").glob("*.keras"))) == 1


def test_check_runs_bench_check_and_its_verdict_is_the_truth_value(tmp_path):
    good = small(numpy_model, tmp_path / "good")
    weights = template_weights()
    weights[:, 3:6] = 0.0  # three classes lost: 30 pp below the good model everywhere
    worse = small(functools.partial(numpy_model, weights=weights), tmp_path / "worse")
    same = good.check(max_drop=2, against=tmp_path / "good")
    assert same.passed and bool(same) and "ok: no model" in str(same)
    outcome = worse.check(max_drop=2, against=good.folder)
    assert not outcome.passed and not outcome
    assert [r.transform for r in outcome.rows if r.fails] == ["clean", "rotate"]
    assert "FAIL: 2 of 2" in str(outcome)
    with pytest.raises(ChoiceError, match="evaluated without a reference; pass against="):
        good.check()
    with pytest.raises(ChoiceError, match="--max-drop must be a finite number >= 0"):
        good.check(max_drop=float("nan"), against=good.folder)


def test_a_reference_folder_is_used_for_check_by_default(tmp_path):
    reference = small(numpy_model, tmp_path / "results" / "mnist" / "smoke")
    run = functools.partial(bench.evaluate, numpy_model, task="mnist", profile="smoke",
                            data=blocks(40), **SMALL)
    result = run(out=tmp_path / "run", reference=reference.folder)
    assert result.reference == reference.folder and result.check(max_drop=2).passed
    from_root = run(out=tmp_path / "run", reference=tmp_path / "results")  # as --reference
    assert from_root.reference == reference.folder.resolve()
    assert run(out=tmp_path / "run").reference is None  # "auto" with your own images: none


def test_bad_options_are_named_with_the_valid_ones(tmp_path):
    with pytest.raises(ChoiceError, match="unknown option.*input_rnage.*valid: .*input_range"):
        small(numpy_model, tmp_path / "a", input_rnage="0-255")
    with pytest.raises(ChoiceError, match="--grid 'rotate=nan'"):
        small(numpy_model, tmp_path / "b", grid={"rotate": [float("nan")]})
    with pytest.raises(ChoiceError, match="expected a path, 'package.module:function', a "
                                          "keras.Model or a callable"):
        small(42, tmp_path / "c")
    with pytest.raises(ChoiceError, match="calling it on 16 probe images"):
        small(lambda images: 1 / 0, tmp_path / "d")


def test_importing_bench_and_touching_evaluate_loads_no_keras():
    code = ("import sys, bench\nassert callable(bench.evaluate)\n"
            "import bench.evaluate.export\nassert callable(bench.evaluate)\n"
            "print(sorted(m for m in ('keras', 'tensorflow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_the_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    """The README's API block, verbatim, in a folder holding its ``mine.keras``; only the
    test images (40 block images instead of MNIST), the profile (smoke) and the reference (a
    run of the same template match as a NumPy callable) are pinned, through
    ``bench.api.evaluate``."""
    code = readme_blocks()[0]
    assert "bench.evaluate(" in code
    readme_model(tmp_path)
    npz = write_npz(tmp_path / "blocks.npz")
    monkeypatch.chdir(tmp_path)
    real = bench.api.evaluate
    reference = real(lambda images: numpy_model(images / 255), task="mnist",
                     input_range="0-255", data=npz, profile="smoke", reference=None,
                     out=tmp_path / "reference",
                     transforms="rotate", grid="rotate=-30:30:15")  # the README's grid
    monkeypatch.setattr(bench.api, "evaluate", functools.partial(
        real, data=npz, profile="smoke", reference=as_reference_family(reference.folder)))
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "accuracy_share" in printed and "ok: no model" in printed
