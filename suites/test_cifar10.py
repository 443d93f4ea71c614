"""CIFAR-10 robustness suite: one test per model x augmentation x seed x transform cell.

Needs CIFAR-10: ``BENCH_DATA_DIR=../shared/datasets pytest suites/test_cifar10.py``;
skips with the reason when absent. Results are broken down per class.
"""

from checks import check_cell, check_class_groups

TASK = "cifar10"


def test_cell(task_run, cell):
    check_cell(task_run, cell)


def test_every_class_is_a_group(task_run):
    check_class_groups(task_run)
