"""The eval report's figure is made and checked like every report figure, and its reference
band is the 95% interval over seeds and images of :func:`mean_interval`."""

from __future__ import annotations

import numpy as np
import pytest
from rowbuilder import rows_for

from bench.analysis.resample import half_width, mean_interval
from bench.evaluate import figures


def test_mean_interval_adds_seed_and_image_parts():
    values = np.array([[1, 1, 0, 1], [1, 0, 0, 1], [1, 1, 1, 1]], dtype=float)
    mean, low, high = mean_interval(values)
    seed_part = np.var(values.mean(axis=1), ddof=1) / 3
    image_part = np.var(values.mean(axis=0), ddof=1) / 4
    assert mean == pytest.approx(0.75)
    assert high - mean == pytest.approx(half_width(seed_part, 3, image_part))
    assert mean - low == pytest.approx(high - mean)


def test_the_sweep_figure_is_written_with_reference_bands(tmp_path):
    reference = [rows_for("cnn", "none", seed, {0.0: 0.9, 2.0: 0.6 + 0.05 * seed,
                                                -2.0: 0.6}, offset=5 * seed)
                 for seed in range(3)]
    mine = rows_for("user", "unknown", 0, {0.0: 0.9, 2.0: 0.8, -2.0: 0.8})
    path = figures.sweep_figure([("yours", mine)], {"CNN": reference}, 0.1, 200,
                                tmp_path / "figures" / "sweeps.png")
    assert path.is_file() and path.stat().st_size > 5_000
    x, mean, low, high = figures._band(reference, "shift_x")
    assert x == [-2.0, 0.0, 2.0] and all(lo < m < hi for lo, m, hi in
                                         zip(low, mean, high, strict=True))
    assert mean[2] == pytest.approx(65.0)
