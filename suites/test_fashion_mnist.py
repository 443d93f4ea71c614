"""Fashion-MNIST robustness suite: one test per model x augmentation x seed x transform cell.

Needs Fashion-MNIST: ``BENCH_DATA_DIR=../shared/datasets pytest suites/test_fashion_mnist.py``
(``fashion_mnist.npz`` in the Keras layout); skips with the reason when absent. Results are
broken down per class; the smoke profile trains the shear policy against none.
"""

from checks import check_cell, check_class_groups

TASK = "fashion-mnist"


def test_cell(task_run, cell):
    check_cell(task_run, cell)


def test_every_class_is_a_group(task_run):
    check_class_groups(task_run)
