"""MNIST robustness suite: one test per model x augmentation x seed x transform cell.

Run: ``pytest suites/test_mnist.py --bench-profile smoke`` (add ``--bench-data mnist``
with ``BENCH_DATA_DIR`` set for the full set). Writes ``reports/mnist*.md``.
"""

import numpy as np
from checks import check_cell

TASK = "mnist"


def test_cell(task_run, cell):
    check_cell(task_run, cell)


def test_mean_one_probe(task_run, model_spec):
    """The cookbook's mean "1", shifted: one probability of class 1 per swept shift."""
    points = task_run.probe(model_spec)["mean_one_shift_x"]
    shifts = [p["shift_px"] for p in points]
    assert shifts == list(task_run.profile.magnitudes("shift_x"))
    probability = np.array([p["probability"] for p in points])
    assert np.all((probability >= 0) & (probability <= 1))
    assert points[0]["n_images"] == int(np.sum(task_run.prepared.test.y == 1))
