"""A forward-pass run folder's report: the run's own figures, then the run against the
published ones.

``tox -e bench`` writes its pytest-benchmark JSON into a run folder of its own
(``runs/forward_pass/threads-{1,2}.json``) and then runs ``python -m
bench.render.forward_pass_run runs/forward_pass``, which writes ``runs/forward_pass/report.md``:
the forward-pass report of the run (:func:`bench.render.forward_pass.render_forward_pass`)
followed by a table of each benchmark both share with the published figures
(``reports/forward_pass/*.json``): images per second of the median round here and there, and
their ratio. The published figures change only through ``python -m
bench.render.publish_forward_pass`` (``tox -e bench-publish``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.render.forward_pass import read_runs, render_forward_pass
from bench.render.forward_pass_data import IMPLEMENTATIONS, LABELS, cells, rate, shown, timings
from bench.render.tables import table

#: Where ``tox -e bench`` writes a run, and where the published figures are.
DEFAULT_RUN = Path("runs/forward_pass")
DEFAULT_REFERENCE = Path("reports/forward_pass")


def render_against_reference(runs: Sequence[dict], reference: Sequence[dict],
                             reference_name: str) -> str:
    """Markdown section: per benchmark (architecture, threads, batch, implementation) both
    the run and the reference have, images/s of the median round in each and the ratio
    (above 1x: faster in this run), with each side's rounds; then how many benchmarks only
    one side has."""
    ours, theirs = timings(runs), timings(reference)
    shared = ours.keys() & theirs.keys()
    rows = []
    for arch, batch, threads in cells(ours):
        for implementation in IMPLEMENTATIONS:
            key = (arch, batch, implementation, threads)
            if key not in shared:
                continue
            now, then = ours[key], theirs[key]
            rows.append([arch, shown(threads), batch, LABELS[implementation],
                         rate(now.images_per_s), rate(then.images_per_s),
                         f"{then.median_s / now.median_s:.2f}x", f"{now.rounds}/{then.rounds}"])
    lines = [
        "## Against the published figures",
        "",
        f"The published figures are {reference_name}. Images per second of the median round "
        "in this run (here) and in the published figures; ratios divide the published median "
        "round time by this run's, so above 1x this run was faster; timings on a shared "
        "machine are noisy, and `rounds` gives each side's sample size (this run / published).",
        "",
    ]
    if rows:
        lines.append(table(
            rows, ["architecture", "threads", "batch", "implementation", "img/s here",
                   "published", "here/published", "rounds"], keys=4))
    else:
        lines.append("This run shares no benchmark with the published figures.")
    only_here, only_there = len(ours.keys() - shared), len(theirs.keys() - shared)
    if only_here or only_there:
        lines += ["", f"Not compared: {only_here} benchmark(s) of this run that the published "
                      f"figures lack, {only_there} published benchmark(s) this run did not "
                      "run."]
    return "\n".join(lines) + "\n"


def render_run_report(runs: Sequence[dict], reference: Sequence[dict] | None,
                      reference_name: str) -> str:
    """The forward-pass report of ``runs``, then the comparison with ``reference`` (or a line
    saying there is none)."""
    text = render_forward_pass(runs)
    if reference is None:
        return text + f"\n## Against the published figures\n\nNone found at {reference_name}.\n"
    return text + "\n" + render_against_reference(runs, reference, reference_name)


def write_run_report(run_folder: Path | str, reference_folder: Path | str | None) -> Path:
    """Write ``<run_folder>/report.md`` from the run's JSON, compared with the JSON in
    ``reference_folder`` where it holds any (None: no comparison)."""
    run_folder = Path(run_folder)
    reference = None
    if reference_folder is not None and any(Path(reference_folder).glob("*.json")):
        reference = read_runs(reference_folder)
    text = render_run_report(read_runs(run_folder), reference, f"`{reference_folder}`")
    path = run_folder / "report.md"
    path.write_text(text)
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line; returns the exit status (2 with one line on stderr on bad input)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, nargs="?", default=DEFAULT_RUN,
                        help=f"run folder with threads-N.json (default: {DEFAULT_RUN})")
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE,
                        help=f"published figures to compare with (default: {DEFAULT_REFERENCE})")
    args = parser.parse_args(argv)
    try:
        path = write_run_report(args.run, args.reference)
    except (FileNotFoundError, ValueError) as error:
        print(f"forward_pass_run: error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {path}; the published figures ({args.reference}) are unchanged: "
          f"`python -m bench.render.publish_forward_pass {args.run}` makes this run the "
          "published one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
