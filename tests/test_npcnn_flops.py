"""FLOPs per image counted from the layers (bench.npcnn.flops), checked by hand; the
ablation of the speed techniques (bench.npcnn.ablation)."""

from __future__ import annotations

import keras

from bench.npcnn import from_keras
from bench.npcnn.flops import forward_flops, layer_flops
from bench.run.architectures import mnist_cnn, mnist_cnn_aa


def test_the_mnist_cnn_counts_two_flops_per_multiply_add() -> None:
    counted = dict(layer_flops(from_keras(mnist_cnn((28, 28, 1), 10))))
    by_kind = sorted(counted.values())
    # conv: 26 x 26 outputs x 10 filters x 9 taps; dense: 1,690 x 1,000; head: 1,000 x 10
    assert by_kind == [0, 0, 2 * 1000 * 10, 2 * 26 * 26 * 10 * 9, 2 * 1690 * 1000]


def test_depthwise_blur_counts_its_taps_per_output() -> None:
    model = mnist_cnn_aa((28, 28, 1), 10)
    network = from_keras(model)
    blur = next(layer for layer in model.layers
                if isinstance(layer, keras.layers.DepthwiseConv2D))
    counted = dict(layer_flops(network))
    assert counted[blur.name] == 2 * 13 * 13 * 10 * 4 * 4
    assert forward_flops(network) == sum(counted.values())


def test_ablation_row_times_every_technique_off_in_turn() -> None:
    from bench.npcnn.ablation import TECHNIQUES, ablate

    row = ablate("mnist", "cnn-aa", threads=1, batch=8, rounds=1)
    assert row[0] == "mnist:cnn-aa"
    assert len(row) == 4 + len(TECHNIQUES) + 1
    assert all(cell.endswith("x") for cell in row[3:])


def test_network_refuses_an_unknown_rewrite() -> None:
    import pytest

    with pytest.raises(ValueError, match="unknown rewrites"):
        from_keras(mnist_cnn((28, 28, 1), 10), rewrites=("fold_everything",))
