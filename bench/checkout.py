"""The checkout bench runs from, and the published folders in it.

The published reference (``results/``) and reports (``reports/``) live in the repository,
not in the current directory. When bench is imported from a checkout (run inside it, or
installed editable with ``pip install -e``), the default ``--reference`` and ``bench
report``'s defaults are that checkout's folders, wherever the command runs; an install
from a wheel has no checkout, so those options must then be given.
"""

from __future__ import annotations

from pathlib import Path

RESULTS, REPORTS = "results", "reports"


def checkout_root() -> Path | None:
    """The repository that holds this ``bench`` package (its ``pyproject.toml`` beside the
    package), or None when bench is installed without one."""
    root = Path(__file__).resolve().parent.parent  # this module sits in bench/
    return root if (root / "pyproject.toml").is_file() else None


def published(name: str) -> Path | None:
    """``<checkout>/<name>`` (``results`` or ``reports``), or None without a checkout."""
    root = checkout_root()
    return None if root is None else root / name
