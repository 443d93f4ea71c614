"""Face-gender robustness suite: one test per model x augmentation x seed x transform cell.

Needs the faces: ``BENCH_DATA_DIR=../shared/datasets pytest suites/test_gender.py``
(``--bench-profile quick`` for the quick profile); skips with the reason when absent.
Results are broken down by age band and race where the data records them.
"""

import pytest
from checks import check_cell

TASK = "gender"


def test_cell(task_run, cell):
    check_cell(task_run, cell)


def test_groups_cover_every_test_image(task_run):
    """Each face with a known age falls in exactly one age band."""
    masks = task_run.masks
    bands = [m for name, m in masks.items() if name.startswith("age:")]
    if not bands:
        pytest.skip("this face source records no ages, so there are no age groups")
    covered = sum(mask.astype(int) for mask in bands)
    known = task_run.prepared.test.meta["age"].notna().to_numpy()
    assert (covered[known] == 1).all() and (covered[~known] == 0).all()
