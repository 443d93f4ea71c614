"""Markdown of one run against another: ``This run against the reference`` in a run's
report, and the output of ``bench compare A B``.

Only the cells both runs hold for every seed of a model are compared (never an average
over different magnitudes); the cells left out, each run's missing cells and the settings
in which the runs differ are named above the table.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tabulate import tabulate

from bench.analysis import coverage
from bench.analysis.comparable import setup_differences
from bench.analysis.reproduce import compare_runs
from bench.analysis.resample import MIN_SEEDS
from bench.analysis.test_set import same_images
from bench.analysis.verdicts import page_line
from bench.catalog import TRANSFORMS
from bench.catalog.transforms import CLEAN
from bench.results.loading import RunData


def comparison_table(run: RunData, other: RunData,
                     names: tuple[str, str] = ("this run", "reference")) -> tuple[str, Counter]:
    """The table of differences over the cells both runs share (run minus other; ``names``
    label the two in the headers, run first) and the count of each verdict."""
    shared = coverage.shared_cells(run.rows, other.rows)
    differences = compare_runs(coverage.restrict(run.rows, shared),
                               coverage.restrict(other.rows, shared),
                               paired=same_images(run, other))
    lines = [[
        coverage.pair_label(d.family, d.augmentation),
        "clean" if d.transform == CLEAN else TRANSFORMS[d.transform].title.split(" (")[0],
        f"{d.accuracy * 100:.1f} ({d.seeds})",
        f"{d.reference_accuracy * 100:.1f} ({d.reference_seeds})",
        f"{d.diff_pp:+.1f} [{d.low_pp:+.1f}, {d.high_pp:+.1f}]",
        f"{d.verdict} ({d.p_value})" if d.p_value else d.verdict,
    ] for d in differences]
    headers = ["model", "transform", f"{names[0]} % (seeds)", f"{names[1]} % (seeds)",
               f"{names[0]} minus {names[1]}, pp [95% interval]", "verdict"]
    table = tabulate(lines, headers=headers, tablefmt="github", disable_numparse=True)
    return table, Counter(d.verdict for d in differences)


def coverage_lines(run: RunData, other: RunData, names: tuple[str, str]) -> list[str]:
    """Bullets naming what the comparison leaves out or what differs ([]: nothing): setting
    differences, cells only one run holds, and each run's missing cells."""
    shared = coverage.shared_cells(run.rows, other.rows)
    notes = [f"Settings differ: {'; '.join(differences)}."
             for differences in [setup_differences(run, other, names)] if differences]
    notes += [f"Compared on the shared cells only; {note}."
              for note in coverage.dropped_notes(run.rows, other.rows, shared, names)]
    for name, data in zip(names, (run, other), strict=True):
        notes += [f"{name}: {note}." for note in coverage.missing_notes(data)]
    return [f"- {note}" for note in notes] + ([""] if notes else [])


def _summary(verdicts: Counter) -> str:
    total = sum(verdicts.values())
    if not total:
        return "The two runs share no model and transform, so nothing is compared."
    parts = ", ".join(f"{count} {name}" for name, count in verdicts.most_common())
    return f"Of {total} model x transform comparisons: {parts}."


def comparison_section(run: RunData, reference: RunData, reference_path: Path) -> list[str]:
    """Lines of the ``This run against the reference`` section of a run's report."""
    names = ("this run", "reference")
    table, verdicts = comparison_table(run, reference, names)
    paired = same_images(run, reference)
    return [
        "## This run against the reference", "",
        f"Reference: the published rows in `{reference_path}`. Per model and transform: mean "
        "accuracy over the swept magnitudes other than the identity that both runs hold "
        "(both directions) and over seeds, and this run minus the reference in percentage "
        "points with a 95% interval (Student's t over each run's per-seed means, with the "
        "test-image variance"
        + (", the same images for both" if paired else ", drawn separately: the runs "
           "evaluated different test images") + "). Verdicts: `identical` (the same "
        "per-image results), `differs` (the test rejects no difference, Holm-corrected with "
        "the page's other verdicts), `reproduced within noise`, each of these two with its "
        "Holm-adjusted p-value; "
        f"none with fewer than {MIN_SEEDS} seeds on a side trained over several seeds (a "
        "side of one model is judged as that fixed model).", "",
        *coverage_lines(run, reference, names),
        _summary(verdicts), "", table, "",
    ]


def render_compare(run: RunData, other: RunData, names: tuple[str, str]) -> str:
    """``bench compare A B``: Markdown of A minus B."""
    table, verdicts = comparison_table(run, other, ("A", "B"))
    return "\n".join([
        f"# {names[0]} (A) against {names[1]} (B)", "",
        "Mean accuracy over the swept magnitudes other than the identity that both runs hold "
        "(both directions) and over seeds; A minus B in percentage points with a 95% "
        "interval (Student's t over each run's per-seed means, with the test-image variance"
        + (", paired by image" if same_images(run, other) else ", images unpaired")
        + f"). {page_line()}", "",
        *coverage_lines(run, other, ("A", "B")),
        _summary(verdicts), "", table, "",
    ])
