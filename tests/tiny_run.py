"""A `bench run` small enough for hostile-input tests: one MLP, 1 epoch, on a 60-image npz.

``run(out)`` calls the CLI in this process and returns its exit status; ``rows_of(out)``
the bytes of every stored rows file, to compare a run after a fault with one without.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.cli import main


def tiny_npz(path: Path) -> Path:
    """40 train and 20 test 28x28 images in the Keras MNIST layout, every digit present."""
    rng = np.random.default_rng(0)
    np.savez(path, x_train=rng.integers(0, 256, (40, 28, 28), dtype=np.uint8),
             y_train=np.arange(40) % 10,
             x_test=rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
             y_test=np.arange(20) % 10)
    return path


def arguments(source: Path, out: Path, *extra: str) -> list[str]:
    """`bench run` of the smoke profile's MLP without augmentation on ``source``, compared
    with an empty reference folder."""
    reference = Path(source).parent / "no-reference"  # beside the data: out may be a trap
    reference.mkdir(parents=True, exist_ok=True)
    return ["run", "mnist", "--profile", "smoke", "--families", "mlp", "--augmentations",
            "none", "--quiet", "--source", str(source), "--out", str(out),
            "--reference", str(reference), *extra]


def run(source: Path, out: Path, *extra: str) -> int:
    return main(arguments(source, out, *extra))


def run_folder(out: Path) -> Path:
    """The run folder the arguments above write (``--source`` selects the mnist data)."""
    return out / "mnist" / "smoke-mnist"


def rows_of(out: Path) -> dict[str, bytes]:
    """File name -> bytes of every rows file of the run."""
    return {p.name: p.read_bytes() for p in sorted((run_folder(out) / "rows").glob("*.jsonl"))}


def error_lines(err: str) -> list[str]:
    """The ``bench: error:`` lines of stderr."""
    return [line for line in err.splitlines() if line.startswith("bench: error:")]
