"""The model families: parameter counts, the fully convolutional head of ``cnn-gap``, and
the anti-aliased pools of ``cnn-aa`` (fixed blur, same shapes, saved and loaded as is)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from bench.catalog import FAMILIES, TASKS
from bench.run.antialias import binomial_filter

#: (task, family) -> (all parameters, trainable ones), on the task's input shape.
PARAMETERS = {
    ("mnist", "cnn"): (1_701_110, 1_701_110),
    ("mnist", "cnn-gap"): (1_723_982, 1_723_982),
    ("mnist", "cnn-aa"): (1_701_270, 1_701_110),  # + 4 x 4 x 10 fixed blur weights
    ("gender", "cnn"): (1_754_825, 1_754_825),
    ("gender", "cnn-gap"): (1_755_425, 1_755_425),
    ("gender", "cnn-aa"): (1_764_105, 1_754_825),  # + 7x7x64 + 4x4x128 + 4x4x256
    ("cifar10", "cnn"): (309_290, 308_394),  # 896 BatchNorm moving statistics
    ("cifar10", "cnn-gap"): (306_602, 305_706),
    ("cifar10", "cnn-aa"): (312_874, 308_394),  # + 4x4x(32 + 64 + 128)
    ("mnist", "p4-cnn"): (1_701_117, 1_701_117),  # the CNN's within 7 (bench.run.group_conv)
}
TASK_NAMES = ["mnist", "gender", "cifar10"]


def _build(task: str, family: str) -> keras.Model:
    keras.utils.set_random_seed(0)
    spec = TASKS[task]
    return FAMILIES[family].build(task, spec.input_shape, spec.n_classes)


def _trainable(model: keras.Model) -> int:
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


@pytest.mark.parametrize(("task", "family"), list(PARAMETERS), ids="-".join)
def test_parameter_counts_are_as_stated(task: str, family: str) -> None:
    model = _build(task, family)
    assert (model.count_params(), _trainable(model)) == PARAMETERS[(task, family)]


@pytest.mark.parametrize("task", TASK_NAMES)
def test_cnn_gap_is_fully_convolutional_and_as_large_as_the_cnn(task: str) -> None:
    gap = _build(task, "cnn-gap")
    kinds = [type(layer) for layer in gap.layers]
    assert layers.Flatten not in kinds and layers.Dense not in kinds
    assert kinds[-2:] == [layers.GlobalAveragePooling2D, layers.Activation]
    cnn_params = PARAMETERS[(task, "cnn")][0]
    assert abs(gap.count_params() - cnn_params) / cnn_params < 0.015
    assert gap.output_shape == _build(task, "cnn").output_shape


@pytest.mark.parametrize("task", TASK_NAMES)
def test_cnn_aa_replaces_each_strided_pool_by_stride_1_pool_and_blur(task: str) -> None:
    cnn, aa = _build(task, "cnn"), _build(task, "cnn-aa")
    pools = [layer for layer in cnn.layers if isinstance(layer, layers.MaxPooling2D)]
    blurs = [layer for layer in aa.layers if isinstance(layer, layers.DepthwiseConv2D)]
    assert len(blurs) == len(pools) > 0
    assert all(tuple(p.strides) == (1, 1) for p in aa.layers
               if isinstance(p, layers.MaxPooling2D))
    for pool, blur in zip(pools, blurs, strict=True):
        assert tuple(blur.strides) == tuple(pool.strides) and not blur.trainable
        assert blur.output.shape == pool.output.shape  # Flatten and Dense keep their sizes
        kernel = keras.ops.convert_to_numpy(blur.kernel)
        size = pool.strides[0] + 2
        expected = np.repeat(binomial_filter(size, size)[:, :, None, None], kernel.shape[2], 2)
        np.testing.assert_array_equal(kernel, expected)
    assert [type(layer) for layer in aa.layers if not isinstance(
        layer, layers.DepthwiseConv2D)] == [type(layer) for layer in cnn.layers]


def test_binomial_filter_is_zhangs():
    np.testing.assert_allclose(binomial_filter(4, 4)[0], np.array([1, 3, 3, 1]) / 64)
    np.testing.assert_allclose(binomial_filter(7, 7)[3, 3], 20 * 20 / 64**2)
    assert binomial_filter(3, 5).shape == (3, 5)
    assert binomial_filter(5, 5).sum() == pytest.approx(1.0, abs=1e-6)


def test_cnn_aa_blur_stays_fixed_in_training_and_loads_without_custom_code(tmp_path):
    model = _build("mnist", "cnn-aa")
    blur = next(layer for layer in model.layers if isinstance(layer, layers.DepthwiseConv2D))
    before = keras.ops.convert_to_numpy(blur.kernel).copy()
    rng = np.random.default_rng(0)
    x, y = rng.random((16, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, 16)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(blur.kernel), before)
    model.save(tmp_path / "aa.keras")
    loaded = keras.models.load_model(tmp_path / "aa.keras", compile=False)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=0, atol=1e-6)
    assert not loaded.get_layer(blur.name).trainable


def test_book_profiles_carry_every_family_and_size_the_probes():
    from bench.catalog.profiles import get_profile, with_choices
    from bench.config import ChoiceError
    from bench.run.probes import probe_names

    for task in TASKS:
        book = get_profile(task.name, "book")
        # the p4 CNN has MNIST builders only; MNIST book trains it
        p4 = ("p4-cnn",) if task.name == "mnist" else ()
        assert book.families == ("mlp", "cnn", "cnn-gap", "cnn-aa", *p4)
        assert book.worst_case_n > 0 and book.invariance_n > 0
        assert probe_names(book, "shear")[-2:] == ("worst_case", "invariance")
        smoke = get_profile(task.name, "smoke")
        assert smoke.families == ("mlp", "cnn")
        assert (smoke.worst_case_n, smoke.invariance_n) == (0, 0)
        assert probe_names(smoke, "none") == task.probes
        quick = get_profile(task.name, "quick")
        assert quick.families == ("mlp", "cnn")
        assert quick.probed_augmentations[0] == "none"
        assert set(quick.probed_augmentations) <= set(quick.augmentations)
        spatial = ("worst_case", "invariance")
        assert probe_names(quick, "none") == task.probes + spatial
        for augmentation in set(quick.augmentations) - set(quick.probed_augmentations):
            assert probe_names(quick, augmentation) == task.probes
    quick = with_choices(get_profile("mnist", "quick"), worst_case_n=100, invariance_n=0)
    assert probe_names(quick, "none") == ("mean_one_shift_x", "mean_one_book", "worst_case")
    with pytest.raises(ChoiceError, match="--worst-case-n must be >= 0"):
        with_choices(quick, worst_case_n=-1)


def test_bench_list_names_the_new_families(capsys):
    from bench.cli import main

    assert main(["list"]) == 0
    assert "model families: mlp, cnn, cnn-gap, cnn-aa, p4-cnn" in capsys.readouterr().out
