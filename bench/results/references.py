"""The folders a command reads and writes, checked before any work: ``--out``,
``--results``, ``--reference`` and the published run ``--extend-reference`` starts from.
Each check ends in a ChoiceError naming the option, the path and what to give instead."""

from __future__ import annotations

from pathlib import Path

from bench.catalog.profiles import run_folder
from bench.config import ChoiceError, Profile


def folder(path: Path, option: str) -> Path:
    """``path`` when it is a folder or can be created as one; ChoiceError naming the option
    and the file in the way otherwise."""
    for part in (path, *path.parents):
        if part.exists():
            if not part.is_dir():
                raise ChoiceError(f"{option} {path}: {part} is a file; expected a folder "
                                  "(created if missing)")
            break
    return path


def reference_root(path: Path | None) -> Path | None:
    """The absolute reference folder of ``--reference`` (None: no checkout and none given);
    ChoiceError saying where it looked when it is not an existing folder."""
    if path is None:
        return None
    folder(path, "--reference")  # a file in the way is named as such
    resolved = path.resolve()
    if not resolved.is_dir():
        raise ChoiceError(f"--reference {path}: no such folder (looked for {resolved}); give "
                          "the folder of published results, e.g. the checkout's results/")
    return resolved


def reference_to_extend(profile: Profile, root: Path | None) -> Path:
    """The published run folder ``--extend-reference`` starts from; ChoiceError, saying what
    to do, when there is none."""
    if root is None:
        raise ChoiceError("--extend-reference: no reference folder (bench is installed "
                          "without a checkout); give --reference DIR")
    published = run_folder(profile, root)
    if not any(published.glob("rows/*.jsonl")):
        raise ChoiceError(f"--extend-reference: no published reference in {published}; run "
                          "without --extend-reference, or give --reference DIR")
    return published


def compared_with(reference: Path | None) -> str:
    """The end of a run's last line: which reference its report compares with."""
    if reference is None:
        return ("no reference (bench is installed without a checkout; give --reference "
                "FOLDER)")
    if any(reference.glob("rows/*.jsonl")):
        return str(reference)
    return f"no reference (none stored in {reference})"


def stored_run(path: Path) -> Path:
    """``path`` when it holds stored rows; FileNotFoundError saying what to give otherwise."""
    if not any(Path(path).glob("rows/*.jsonl")):
        raise FileNotFoundError(f"{path}: no stored rows (rows/*.jsonl); give a run "
                                "folder such as runs/mnist/quick or results/mnist/quick")
    return path
