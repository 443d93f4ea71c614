"""predict keeps freed memory for the next chunk instead of faulting in fresh pages."""

from __future__ import annotations

import ctypes
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CHURN = textwrap.dedent("""
    import resource, sys
    import numpy as np
    from bench.npcnn.freed_memory import keep_freed_memory
    if sys.argv[1] == "keep":
        assert keep_freed_memory()
    def churn():  # like a chunk's buffers: four of 8 MiB, then all freed
        buffers = [np.ones(2 * 2**20, dtype=np.float32) for _ in range(4)]
        del buffers
    churn()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        churn()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
""")


def _page_faults(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", CHURN, mode], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1], check=True)
    return int(done.stdout.split()[-1])


@pytest.mark.slow  # two fresh interpreters importing bench.npcnn: ~17 s
@pytest.mark.skipif(not hasattr(ctypes.CDLL(None), "mallopt"), reason="needs glibc's mallopt")
def test_freed_buffers_are_reused_without_page_faults() -> None:
    """10 rounds of 32 MiB are 81,920 fresh 4 KiB pages if glibc hands the memory back;
    with the thresholds set, the rounds reuse the first round's pages."""
    assert _page_faults("default") > 10_000
    assert _page_faults("keep") < 500
