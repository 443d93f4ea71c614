"""The CPU part of one CIFAR-10 book sweep: the 43 cells' transforms of 10,000 images."""
import time

import numpy as np

from bench.catalog import TRANSFORMS
from bench.catalog.profiles import get_profile
from bench.config import Fill
from bench.run import sweep

images = np.random.default_rng(0).integers(0, 256, (10_000, 32, 32, 3), dtype=np.uint8)
cells = sweep.cells(get_profile("cifar10", "book").grid)
started = time.perf_counter()
for transform, magnitude in cells:
    TRANSFORMS[transform].apply(images, magnitude, fill=Fill.NEAREST)
print(f"transforms of {len(cells)} cells x 10,000 images: {time.perf_counter() - started:.1f} s")
