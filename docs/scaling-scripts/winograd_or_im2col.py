"""Winograd F(2x2, 3x3) and F(3x3, 3x3) against im2col on every 3x3 stride-1 convolution
shape of the bench's CNNs, one layer at a time on one thread, at the chunk sizes
``predict`` gives them (sets ``WINOGRAD_MIN_CHANNELS``, ``WINOGRAD_MAX_WASTE`` and
``F3_MAX_PRODUCTS`` in bench/npcnn/convert.py)::

    PYTHONPATH=. python docs/scaling-scripts/winograd_or_im2col.py

prints, per shape, the median of 5 rounds of each (after a warm-up), scaled to ms per
1,024 images.
"""

import functools

import numpy as np
from threadpoolctl import threadpool_limits

from bench.npcnn.ablation import median_seconds
from bench.npcnn.conv import conv2d_vectorised
from bench.npcnn.freed_memory import keep_freed_memory
from bench.npcnn.winograd import conv2d_winograd, tiles_per_side, winograd_kernel
from bench.npcnn.winograd_f3 import conv2d_winograd_f3, winograd_f3_kernel

SHAPES = [  # (images per pass, h, w, in channels), filters, padding: the layer
    ((32, 32, 32, 32), 32, "same"),      # CIFAR-10 CNN, block 1, second conv
    ((128, 16, 16, 32), 64, "same"),     # block 2, first conv
    ((128, 16, 16, 64), 64, "same"),     # block 2, second conv
    ((512, 8, 8, 64), 128, "same"),      # block 3, first conv
    ((512, 8, 8, 128), 128, "same"),     # block 3, second conv
    ((155, 13, 13, 10), 32, "valid"),    # MNIST CNN-GAP, 11 x 11 outputs
    ((155, 11, 11, 32), 64, "valid"),    # 9 x 9
    ((155, 9, 9, 64), 128, "valid"),     # 7 x 7
    ((155, 7, 7, 128), 256, "valid"),    # 5 x 5
    ((155, 5, 5, 256), 576, "valid"),    # 3 x 3
    ((99, 9, 9, 64), 128, "same"),       # face CNN, second conv
    ((99, 4, 4, 128), 256, "same"),      # third
    ((448, 2, 2, 256), 512, "same"),     # fourth
]


ROUNDS = 5


def main() -> None:
    keep_freed_memory()  # as predict does
    rng = np.random.default_rng(0)
    relu = lambda x, out=None: np.maximum(x, 0, out=out)  # noqa: E731
    print("| images, h, w, c | filters | padding | outputs | F(2x2) tiles a side | F(3x3) tiles "
          "a side | im2col ms/1024 | F(2x2) ms/1024 | F(3x3) ms/1024 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (n, h, w, c), filters, padding in SHAPES:
        x = rng.random((n, h, w, c), dtype=np.float32)
        kernel = rng.random((3, 3, c, filters), dtype=np.float32)
        bias = rng.random(filters, dtype=np.float32)
        transformed = winograd_kernel(kernel)
        out_h = h if padding == "same" else h - 2
        out_w = w if padding == "same" else w - 2
        runs = (
            functools.partial(conv2d_vectorised, x, kernel, bias, (1, 1), padding, None, relu),
            functools.partial(conv2d_winograd, x, transformed, bias, padding, None, relu),
            functools.partial(conv2d_winograd_f3, x, winograd_f3_kernel(kernel), bias, padding,
                              None, relu),
        )
        with threadpool_limits(1, "blas"):
            im2col, winograd, f3 = (median_seconds(run, ROUNDS) for run in runs)
        times = " | ".join(f"{t * 1e3 / n * 1024:.1f}" for t in (im2col, winograd, f3))
        print(f"| {n}, {h}, {w}, {c} | {filters} | {padding} | {out_h}x{out_w} | "
              f"{tiles_per_side(out_h, 2)} | {tiles_per_side(out_h, 3)} | {times} |")


if __name__ == "__main__":
    main()
