"""A model family the NumPy engine cannot run (a layer ``bench.npcnn`` lacks), registered
only here through the catalog's registry, runs end to end on tiny data: trained, swept,
stored and reported; its Engstrom worst case computed through Keras, and its layer-by-layer
invariance errors (``bench.run.spatial_probes``), which need the engine, stored as skipped
with the reason and a report line, never a traceback after training."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import bars_dataset

from bench.catalog import FAMILIES
from bench.catalog.families import ARCHITECTURES, FamilySpec

#: The throwaway family's name, and its builder's name in bench.run.architectures; no stock
#: family or builder takes them (checked before they are added).
NAME, BUILDER = "throwaway-norm", "throwaway_norm_model"


def throwaway_model(input_shape: tuple[int, int, int], n_classes: int):
    """A small CNN with a LayerNormalization, which the NumPy engine does not run (a
    one-sigmoid head for two classes, as bench's builders)."""
    import keras

    head = (keras.layers.Dense(1, activation="sigmoid") if n_classes == 2
            else keras.layers.Dense(n_classes, activation="softmax"))

    return keras.Sequential([
        keras.Input(input_shape),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.LayerNormalization(),
        keras.layers.Flatten(),
        head,
    ], name="throwaway_norm")


@pytest.fixture
def throwaway_family(monkeypatch):
    """The family registered in FAMILIES, its builder in bench.run.architectures; both
    removed after the test."""
    import importlib

    architectures = importlib.import_module(ARCHITECTURES)
    assert NAME not in FAMILIES and not hasattr(architectures, BUILDER)
    monkeypatch.setattr(architectures, BUILDER, throwaway_model, raising=False)
    spec = FamilySpec(NAME, label="Throwaway", marker="v", builders={"mnist": BUILDER})
    monkeypatch.setitem(FAMILIES._specs, NAME, spec)
    return spec


def test_the_engine_refuses_the_throwaway_family(throwaway_family):
    from bench.npcnn import from_keras

    with pytest.raises(NotImplementedError, match="LayerNormalization"):
        from_keras(throwaway_family.build("mnist", (12, 12, 1), 2))


@pytest.mark.slow
def test_a_family_the_engine_cannot_run_gets_its_worst_case_from_keras_and_no_invariance(
        throwaway_family, tiny_profile, tmp_path):
    from bench.render import report
    from bench.results.loading import SKIPPED, RunData
    from bench.run import runner, spatial_probes

    profile = dataclasses.replace(tiny_profile, families=(NAME,), worst_case_n=10,
                                  invariance_n=6)
    prepared = runner.PreparedData.from_dataset(bars_dataset(), profile)
    folder = runner.run_task(profile, tmp_path / "runs", verbose=0, prepared=prepared)

    run = RunData.load(folder)
    assert {row.family for row in run.rows} == {NAME}  # trained and swept
    # the worst case needs only predictions: Keras gives them where the engine cannot
    [worst] = [p for p in run.probes if p["probe"] == spatial_probes.WORST_CASE]
    assert worst["engine"] == "keras" and worst["n_images"] == 10
    # the layer-by-layer errors need the engine's stages: skipped, saying why
    skipped = {p["probe"]: p[SKIPPED] for p in run.skipped_probes}
    assert spatial_probes.INVARIANCE in skipped and spatial_probes.WORST_CASE not in skipped
    assert "NumPy engine" in skipped[spatial_probes.INVARIANCE]
    assert "LayerNormalization" in skipped[spatial_probes.INVARIANCE]

    text = report.write_report(folder, tmp_path / "reports").read_text()
    section = text[text.index("## Probes skipped"):]
    assert (f"- `{spatial_probes.INVARIANCE}` was skipped for 1 model: the NumPy engine"
            in section)
