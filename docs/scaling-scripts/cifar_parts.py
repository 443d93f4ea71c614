"""Per-model parts of the CIFAR-10 book profile on this machine: one MLP epoch (50,000
images, batch 32) and one model's sweep (43 cells x 10,000 test images) for MLP and CNN.
Random images of CIFAR-10's shape: the times depend on shapes, not pixel values."""
import time

import numpy as np

from bench.catalog import FAMILIES
from bench.catalog.profiles import get_profile
from bench.config import Fill
from bench.data.types import Split
from bench.results.schema import ModelTag
from bench.run import sweep
from bench.run.train import compile_model

profile = get_profile("cifar10", "book")
rng = np.random.default_rng(0)
train = Split(rng.integers(0, 256, (50_000, 32, 32, 3), dtype=np.uint8),
              rng.integers(0, 10, 50_000))
test = Split(rng.integers(0, 256, (10_000, 32, 32, 3), dtype=np.uint8),
             rng.integers(0, 10, 10_000))
masks = sweep.group_masks(test, {f"class:{c}": test.y == c for c in range(10)})
cells = sweep.cells(profile.grid)
for family in ("mlp", "cnn"):
    model = FAMILIES[family].build("cifar10", (32, 32, 3), 10)
    if family == "mlp":
        compile_model(model, 10, 0.01)
        started = time.perf_counter()
        model.fit(train.x.astype(np.float32) / 255, train.y, batch_size=32, epochs=1, verbose=0)
        print(f"mlp: one epoch of 50,000 images at batch 32: {time.perf_counter() - started:.1f} s")
    tag = ModelTag("cifar10", "cifar10", "book", family, "none", 0, "x")
    started = time.perf_counter()
    clean = sweep.CleanReference(sweep.predict_proba(model, test.x))
    for index, (transform, magnitude) in enumerate(cells):
        sweep.evaluate_cell(model, tag, test, clean, transform, magnitude, Fill.NEAREST, masks,
                            np.random.default_rng([0, index]))
    seconds = time.perf_counter() - started
    print(f"{family}: sweep of {len(cells)} cells x 10,000 images: {seconds:.1f} s")
