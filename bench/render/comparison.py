"""Markdown of one run against another: ``This run against the reference`` in a run's
report, and the output of ``bench compare A B``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tabulate import tabulate

from bench.analysis.reproduce import CLEAN, MIN_SEEDS, N_RESAMPLES, compare_runs
from bench.catalog import FAMILIES, TRANSFORMS
from bench.results.loading import RunData


def same_test_images(run: RunData, other: RunData) -> bool:
    """Whether both runs evaluated the same test images (data checksum and subset)."""
    keys = ("name", "checksum", "n_test_used", "subset")
    return all(run.dataset.get(k) == other.dataset.get(k) for k in keys)


def comparison_table(run: RunData, other: RunData,
                     names: tuple[str, str] = ("this run", "reference")) -> tuple[str, Counter]:
    """The table of differences (run minus other; ``names`` label the two in the headers)
    and the count of each verdict."""
    differences = compare_runs(run.rows, other.rows, paired=same_test_images(run, other))
    lines = [[
        f"{FAMILIES[d.family].label} / {d.augmentation}",
        "clean" if d.transform == CLEAN else TRANSFORMS[d.transform].title.split(" (")[0],
        f"{d.reference_accuracy * 100:.1f} ({d.reference_seeds})",
        f"{d.accuracy * 100:.1f} ({d.seeds})",
        f"{d.diff_pp:+.1f} [{d.low_pp:+.1f}, {d.high_pp:+.1f}]",
        d.verdict,
    ] for d in differences]
    headers = ["model", "transform", f"{names[1]} % (seeds)", f"{names[0]} % (seeds)",
               "difference pp [95% interval]", "verdict"]
    table = tabulate(lines, headers=headers, tablefmt="github", disable_numparse=True)
    return table, Counter(d.verdict for d in differences)


def _summary(verdicts: Counter) -> str:
    total = sum(verdicts.values())
    if not total:
        return "The two runs share no model and transform, so nothing is compared."
    parts = ", ".join(f"{count} {name}" for name, count in verdicts.most_common())
    return f"Of {total} model x transform comparisons: {parts}."


def comparison_section(run: RunData, reference: RunData, reference_path: Path) -> list[str]:
    """Lines of the ``This run against the reference`` section of a run's report."""
    table, verdicts = comparison_table(run, reference)
    paired = same_test_images(run, reference)
    return [
        "## This run against the reference", "",
        f"Reference: the published rows in `{reference_path}`. Per model and transform: mean "
        "accuracy over the swept magnitudes other than the identity (both directions) and "
        "over seeds, and this run minus the reference in percentage points with a 95% "
        f"two-level bootstrap interval ({N_RESAMPLES:,} resamples: seeds within each run, "
        "then test images"
        + (", the same images for both" if paired else ", drawn separately: the runs "
           "evaluated different test images") + "). Verdicts: `identical` (the same "
        "per-image results), `reproduced within noise` (the interval holds 0), `differs`; "
        f"none with fewer than {MIN_SEEDS} seeds on either side.", "",
        _summary(verdicts), "", table, "",
    ]


def render_compare(run: RunData, other: RunData, names: tuple[str, str]) -> str:
    """``bench compare A B``: Markdown of A minus B."""
    table, verdicts = comparison_table(run, other, ("A", "B"))
    return "\n".join([
        f"# {names[0]} (A) against {names[1]} (B)", "",
        "Mean accuracy over the swept magnitudes other than the identity (both directions) "
        "and seeds; A minus B in percentage points with a 95% two-level bootstrap interval "
        "(seeds within each run, then test images"
        + (", shared" if same_test_images(run, other) else ", drawn separately") + ").", "",
        _summary(verdicts), "", table, "",
    ])
