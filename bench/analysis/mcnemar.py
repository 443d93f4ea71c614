"""Two fixed, finished models compared image by image on the same test images: the exact
McNemar test (a statement about these two models, not about how they were trained)."""

from __future__ import annotations

import numpy as np
from scipy import stats


def mcnemar_exact(a_correct: np.ndarray, b_correct: np.ndarray) -> tuple[int, int, float]:
    """(b, c, p): images only A gets right, only B gets right, and the exact two-sided
    McNemar p-value (binomial test of b among the b + c discordant images at 1/2)."""
    a_correct, b_correct = np.asarray(a_correct, bool), np.asarray(b_correct, bool)
    only_a = int(np.sum(a_correct & ~b_correct))
    only_b = int(np.sum(~a_correct & b_correct))
    if only_a + only_b == 0:
        return 0, 0, 1.0
    return only_a, only_b, float(stats.binomtest(only_a, only_a + only_b, 0.5).pvalue)
