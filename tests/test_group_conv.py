"""The p4 group convolutions (bench.run.group_conv) and the p4-cnn family: a quarter turn of
the input leaves a random model's output unchanged, the parameters match the MNIST CNN's,
the model saves and loads, and the NumPy engine's probes are skipped with a line."""

from __future__ import annotations

import numpy as np
import pytest

from bench.catalog import FAMILIES


def random_images(n: int = 3) -> np.ndarray:
    return np.random.default_rng(0).random((n, 28, 28, 1)).astype(np.float32)


def quarter_turn(images: np.ndarray, turns: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(images, turns, axes=(1, 2)))


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_a_quarter_turn_leaves_the_p4_cnn_output_unchanged(turns):
    import keras

    keras.utils.set_random_seed(0)
    model = FAMILIES["p4-cnn"].build("mnist", (28, 28, 1), 10)
    images = random_images()
    before = np.asarray(model(images))
    after = np.asarray(model(quarter_turn(images, turns)))
    assert np.abs(after - before).max() <= 1e-5
    # not trivially so: a plain CNN's output moves under the same turn
    cnn = FAMILIES["cnn"].build("mnist", (28, 28, 1), 10)
    assert np.abs(np.asarray(cnn(quarter_turn(images, turns))) - np.asarray(cnn(images))).max() \
        > 1e-3


def test_the_p4_maps_turn_in_space_and_cycle_over_rotations():
    """Before the rotation pooling, a quarter turn of the input turns every p4 map in space and
    moves it one rotation along (channel r * F + f -> (r + 1) mod 4)."""
    import keras

    from bench.run.group_conv import P4Conv, P4Lift

    keras.utils.set_random_seed(1)
    body = keras.Sequential([keras.Input((28, 28, 1)), P4Lift(3, activation="relu"),
                             P4Conv(5, activation="relu"), P4Conv(2)])
    images = random_images(2)
    maps = np.asarray(body(images)).reshape(2, 22, 22, 4, 2)
    turned = np.asarray(body(quarter_turn(images, 1))).reshape(2, 22, 22, 4, 2)
    expected = np.roll(quarter_turn(maps, 1), 1, axis=3)
    assert np.abs(turned - expected).max() <= 1e-5


def test_its_parameters_match_the_mnist_cnn_within_ten():
    p4 = FAMILIES["p4-cnn"].build("mnist", (28, 28, 1), 10).count_params()
    cnn = FAMILIES["cnn"].build("mnist", (28, 28, 1), 10).count_params()
    assert (p4, cnn) == (1_701_117, 1_701_110)


def test_the_p4_cnn_saves_and_loads_with_the_same_outputs(tmp_path):
    import keras

    model = FAMILIES["p4-cnn"].build("mnist", (28, 28, 1), 10)
    model.save(tmp_path / "p4.keras")
    loaded = keras.models.load_model(tmp_path / "p4.keras", compile=False)
    images = random_images(2)
    np.testing.assert_array_equal(np.asarray(loaded(images)), np.asarray(model(images)))


def test_same_padding_needs_an_odd_kernel():
    from bench.run.group_conv import P4Conv

    with pytest.raises(ValueError, match="odd kernel"):
        P4Conv(4, 2, padding="same")


def test_the_worst_case_runs_through_keras_and_the_invariance_probe_is_skipped_with_a_line():
    """The engine has no p4 layers: its NotImplementedError names the layer; the worst case
    needs only predictions, so it runs through Keras (engine "keras"), and the invariance
    probe, which needs the engine's stages, raises ProbeNotApplicable (stored as skipped,
    named in the report)."""
    import dataclasses

    from bench.catalog.profiles import PROFILES
    from bench.data.types import Split
    from bench.npcnn import from_keras
    from bench.run import probes

    model = FAMILIES["p4-cnn"].build("mnist", (28, 28, 1), 10)
    with pytest.raises(NotImplementedError, match="P4Lift"):
        from_keras(model)

    class Splits:
        test = Split(np.zeros((4, 28, 28, 1), np.uint8), np.arange(4) % 10)

    profile = dataclasses.replace(PROFILES[("mnist", "quick")], worst_case_n=4,
                                  invariance_n=4)
    [worst] = probes.PROBES["worst_case"](model, Splits(), profile)
    assert worst["engine"] == "keras" and worst["n_images"] == 4
    with pytest.raises(probes.ProbeNotApplicable, match="NumPy engine cannot run"):
        probes.PROBES["invariance"](model, Splits(), profile)
