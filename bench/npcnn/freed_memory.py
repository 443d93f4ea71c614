"""Keeping freed memory in the process for the next chunk, as TensorFlow's allocator does.

Every pass of ``Network.predict`` allocates and frees buffers of a few MiB. glibc returns
such memory to the operating system (``munmap``, or trimming the top of its heap once
more than twice the largest recent buffer is free), so the next chunk touches fresh pages
and takes one page fault per 4 KiB: on the CIFAR-10 CNN, 125,000 faults per 1,024 images
in one measured run (about 10% of its time), none in another, depending on the order of
earlier allocations. TensorFlow's BFC allocator keeps its memory, so Keras never pays this.
"""

from __future__ import annotations

import ctypes
import functools

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 32 * 2**20
"""Allocations up to this size come from glibc's heap instead of their own mapping
(glibc's largest allowed value on 64-bit systems)."""
TRIM_THRESHOLD_BYTES = 256 * 2**20
"""Free memory glibc keeps at the top of its heap before returning any to the system."""


@functools.cache
def keep_freed_memory() -> bool:
    """Set glibc's thresholds (once per process; they hold for every allocation after):
    allocations up to :data:`MMAP_THRESHOLD_BYTES` from the heap, up to
    :data:`TRIM_THRESHOLD_BYTES` of freed memory kept for reuse. True if glibc accepted
    both; False where the C library has no ``mallopt`` (not glibc), which keeps its own
    policy."""
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
