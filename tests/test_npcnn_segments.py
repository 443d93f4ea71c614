"""Segments: later, smaller layers run on more images per pass within the same memory."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from bench.catalog import FAMILIES, TASKS
from bench.npcnn import from_keras
from bench.npcnn.memory import peak_predict_bytes
from bench.npcnn.network import REWRITES
from bench.npcnn.segments import CUT_FACTOR, Segment, plan_segments

# Per-layer sizes (float32 values per image, input or output, the larger) of the
# anti-aliased face CNN's fused layers: conv, pool, blur | conv, pool, blur, conv, pool |
# blur, conv, flatten, dense | dense.
GENDER_AA_SIZES = [147456, 147456, 123904, 10368, 10368, 8192, 4096, 4096, 2304, 2048, 2048,
                   2048, 100]


def test_the_face_cnn_is_cut_where_its_outputs_shrink() -> None:
    found = plan_segments(GENDER_AA_SIZES, 14)
    assert [(s.first, s.last) for s in found] == [(0, 3), (3, 8), (8, 12), (12, 13)]
    assert [s.chunk_size for s in found] == [14, 199, 896, 20643]


def test_every_segment_keeps_each_layer_within_the_budget() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        sizes = rng.integers(1, 100_000, size=rng.integers(1, 12)).tolist()
        chunk = int(rng.integers(1, 50))
        found = plan_segments(sizes, chunk)
        assert found[0].first == 0 and found[-1].last == len(sizes)
        assert all(a.last == b.first for a, b in zip(found, found[1:], strict=False))
        budget = chunk * max(sizes)
        for segment in found:
            assert segment.chunk_size >= chunk
            assert all(segment.chunk_size * size <= budget
                       for size in sizes[segment.first : segment.last])
        assert [s.chunk_size for s in found] == sorted(s.chunk_size for s in found)


def test_a_layer_only_a_little_smaller_starts_no_segment() -> None:
    """From index 1 on every layer fits CUT_FACTOR - 1 times the first one's images."""
    assert plan_segments([CUT_FACTOR - 1, 1, 1], 5) == (Segment(0, 3, 5),)
    assert plan_segments([CUT_FACTOR, 1, 1], 5) == (Segment(0, 1, 5),
                                                    Segment(1, 3, 5 * CUT_FACTOR))


def test_a_plan_needs_layers_and_a_positive_chunk() -> None:
    with pytest.raises(ValueError, match="at least one layer"):
        plan_segments([], 3)
    with pytest.raises(ValueError, match=">= 1"):
        plan_segments([10, 5], 0)


def _conv_net() -> keras.Model:
    keras.utils.set_random_seed(3)
    return keras.Sequential([
        keras.Input(shape=(20, 20, 1)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.MaxPooling2D(3),
        layers.Conv2D(8, 3, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])


def test_segments_give_later_layers_big_chunks_without_the_memory_of_big_chunks() -> None:
    """Chunks of 3 images through the 18 x 18 x 16 convolution, more through the rest:
    the same outputs as one chunk size for all, in less memory than running every layer
    on the later segment's chunk (im2col blocks held to 3 images in all three, since they
    are bounded on their own, by BLOCK_BYTES)."""
    model = _conv_net()
    x = np.random.default_rng(1).random((40, 20, 20, 1), dtype=np.float32)
    without = tuple(r for r in REWRITES if r != "segments")
    segmented = from_keras(model, chunk_size=3, conv_chunk_size=3, threads=1)
    later = segmented._segments[-1].chunk_size
    assert len(segmented._segments) > 1 and later > 3
    plain = from_keras(model, chunk_size=3, conv_chunk_size=3, threads=1, rewrites=without)
    assert len(plain._segments) == 1
    big = from_keras(model, chunk_size=later, conv_chunk_size=3, threads=1, rewrites=without)
    np.testing.assert_allclose(segmented.predict(x), plain.predict(x), rtol=0, atol=1e-6)
    np.testing.assert_allclose(segmented.predict(x), model(x).numpy(), rtol=0, atol=1e-5)
    assert peak_predict_bytes(segmented, x) < peak_predict_bytes(big, x) / 2


# p4-cnn: the engine has no p4 layers (tests/test_group_conv.py: its probes are skipped)
@pytest.mark.parametrize("family", [name for name in FAMILIES.names()
                                    if name not in ("mlp", "p4-cnn")])
@pytest.mark.parametrize("task", ["mnist", "gender", "cifar10"])
def test_a_batch_of_1024_needs_under_64_mib_above_its_input(task: str, family: str) -> None:
    """The engine's memory bound (issue 15), on two chunk threads as on this machine."""
    if task not in FAMILIES[family].builders:
        pytest.skip(f"{family} has no {task} model")
    spec = TASKS[task]
    model = FAMILIES[family].build(task, spec.input_shape, spec.n_classes)
    x = np.random.default_rng(0).random((1024, *spec.input_shape), dtype=np.float32)
    assert peak_predict_bytes(from_keras(model, threads=2), x) < 64 * 2**20
