"""The face loader gives up on a class after a run of failed downloads (an unreachable host),
naming the class and the counts, instead of trying every one of its URLs."""

from __future__ import annotations

import pytest

from bench.data.gender_rows import Row
from bench.data.gender_sample import (
    DOWNLOAD_FAILED,
    GIVE_UP_AFTER,
    Candidate,
    Outcome,
    draw,
)
from bench.data.types import DataError


def _pool(label: int, n: int) -> list[Candidate]:
    return [Candidate(Row(i + 2, f"http://127.0.0.1:9/{i}.jpg", "male", None, None), label,
                      f"http://127.0.0.1:9/{i}.jpg", None) for i in range(n)]


def test_a_class_whose_downloads_keep_failing_is_given_up_with_the_counts():
    opened = []

    def unreachable(candidate: Candidate) -> Outcome:
        opened.append(candidate)
        return Outcome(reason=DOWNLOAD_FAILED, detail="no data for 10 s")

    with pytest.raises(DataError, match=rf"gender class 'male': {GIVE_UP_AFTER} downloads "
                                        r"failed in a row \(.* 0 usable; last: no data"):
        draw([_pool(0, 500)], None, 0, unreachable, ("male",))
    assert len(opened) < 500  # it stopped, not after trying all 500 URLs


def test_failures_between_successes_do_not_add_up():
    import numpy as np

    def every_other(candidate: Candidate) -> Outcome:
        number = int(candidate.location.rsplit("/", 1)[1].split(".")[0])
        if number % 2:
            return Outcome(reason=DOWNLOAD_FAILED, detail="refused")
        pixels = np.full((4, 4), number % 256, dtype=np.uint8)
        return Outcome(pixels=pixels, digest=str(number))

    drawn = draw([_pool(0, 4 * GIVE_UP_AFTER)], None, 0, every_other, ("male",))
    assert len(drawn.images) == 2 * GIVE_UP_AFTER
