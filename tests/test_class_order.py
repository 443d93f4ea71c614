"""``--class-order`` (alias of ``--classes``) names the task's classes in a model's output
order: the labels are renumbered to it, and an order that is not a permutation of the
task's classes is refused in one line."""

from __future__ import annotations

import numpy as np
import pytest

from bench.cli import main
from bench.data.types import DataError, Split
from bench.evaluate.testdata import TestData, in_output_order


def _task():
    x = np.zeros((6, 4, 4, 1), dtype=np.uint8)
    return TestData(Split(x, np.array([0, 1, 2, 0, 1, 2])), ("cat", "dog", "frog"),
                    {"name": "toy", "classes": ["cat", "dog", "frog"]})


def test_labels_follow_the_models_output_order():
    reordered = in_output_order(_task(), "frog,cat,dog")
    assert reordered.classes == ("frog", "cat", "dog")
    assert reordered.test.y.tolist() == [1, 2, 0, 1, 2, 0]  # cat is output 1, frog 0
    assert reordered.info["classes"] == ["frog", "cat", "dog"]


@pytest.mark.parametrize("order, message", [("cat,dog", "missing frog"),
                                            ("cat,dog,frog,bird", "unknown bird"),
                                            ("cat,cat,dog", "named more than once")])
def test_an_order_that_is_not_a_permutation_is_refused(order, message):
    with pytest.raises(DataError, match=message):
        in_output_order(_task(), order)


def test_bench_eval_refuses_a_wrong_class_order_in_one_line(untrained_mnist_model, tmp_path,
                                                            capsys):
    status = main(["eval", str(untrained_mnist_model), "--task", "mnist", "--profile", "smoke",
                   "--class-order", "0,1,2", "--no-reference", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert status == 2 and "missing 3, 4, 5, 6, 7, 8, 9" in err and err.count("\n") == 1
    assert not (tmp_path / "run").exists()
