"""The sweep's predictions are Keras ``predict``'s, bit for bit, batch by batch."""

import keras
import numpy as np
import pytest

from bench.analysis.metrics import as_class_probabilities
from bench.catalog import FAMILIES
from bench.run import sweep
from bench.run.inputs import to_inputs


@pytest.mark.parametrize("family, task, shape, classes", [
    ("mlp", "mnist", (28, 28, 1), 10), ("cnn", "mnist", (28, 28, 1), 10),
    ("cnn", "gender", (50, 50, 1), 2),  # a one-sigmoid head: two columns
])
def test_predictions_equal_keras_predict_across_batches(family, task, shape, classes,
                                                         monkeypatch):
    monkeypatch.setattr(sweep, "PREDICT_BATCH", 16)  # 40 images: batches of 16, 16 and 8
    keras.utils.set_random_seed(0)
    model = FAMILIES[family].build(task, shape, classes)
    images = np.random.default_rng(0).integers(0, 256, (40, *shape), dtype=np.uint8)
    expected = as_class_probabilities(model.predict(to_inputs(images), batch_size=16,
                                                    verbose=0))
    got = sweep.predict_proba(model, images)
    assert got.shape == (40, 2 if classes == 2 else classes)
    assert np.array_equal(got, expected)
