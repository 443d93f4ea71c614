"""The runner keeps the objects alive at its start out of Keras' per-model collections, and
lets them go again when the run ends, however it ends."""

import gc

import pytest

from bench.run.runner import frozen_heap


def test_a_run_freezes_the_live_objects_and_unfreezes_them_after():
    assert gc.get_freeze_count() == 0
    with frozen_heap():
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # TensorFlow and Keras alone hold far more
        made_during_the_run = [[] for _ in range(1000)]
        assert gc.get_freeze_count() == frozen and len(made_during_the_run) == 1000
    assert gc.get_freeze_count() == 0
    with pytest.raises(KeyboardInterrupt), frozen_heap():
        raise KeyboardInterrupt
    assert gc.get_freeze_count() == 0
