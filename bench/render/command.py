"""The rendering commands' work: ``bench run``'s report after training, ``bench report``
(every report from stored results) and ``bench compare`` (run A minus run B). Each returns
or prints the lines the command shows; errors name the folder and what to give."""

from __future__ import annotations

from pathlib import Path

from bench.catalog.profiles import run_folder
from bench.config import ChoiceError, Profile
from bench.results.references import compared_with, folder, stored_run


def report_run(run: Path, profile: Profile, reference_root: Path | None,
               seconds: float) -> str:
    """Write ``run``'s report, compared with the published run of the same task and run
    name under ``reference_root`` (if any); the line to print (``seconds``: the run's wall
    time so far)."""
    from bench.render import report

    reference = run_folder(profile, reference_root) if reference_root is not None else None
    path = report.write_report(run, run, name="report", reference_folder=reference)
    return (f"wrote {path} ({seconds:.0f} s); results in {run}; compared with "
            f"{compared_with(reference)}")


def report_all(results: Path | None, out: Path | None) -> list[Path]:
    """Every task report under ``out`` from the runs under ``results``, the forward-pass
    report (from ``<out>/forward_pass/``) and the front page; the files written, each
    printed as written. ChoiceError for a missing or misplaced folder, FileNotFoundError
    when there is nothing to report."""
    from bench.analysis.runs import RunView
    from bench.render import frontpage, report
    from bench.results.loading import RunData, run_folders

    for option, path in (("--results", results), ("--out", out)):
        if path is None:
            raise ChoiceError(f"{option} is required: bench is installed without a checkout, "
                              "so it has no published folder to default to")
    folder(results, "--results")
    folder(out, "--out")
    folders = run_folders(results)
    benchmark_json = Path(out) / "forward_pass"
    if not folders and not benchmark_json.is_dir():
        raise FileNotFoundError(
            f"no stored results under {results}/ and no {benchmark_json}; run "
            "`bench run TASK` or `tox -e bench` first"
        )
    written = []
    if benchmark_json.is_dir():
        from bench.render.forward_pass import write_forward_pass_report

        written.append(_shown(write_forward_pass_report(benchmark_json,
                                                        Path(out) / "forward_pass.md")))
    views = [RunView.of(RunData.load(run)) for run in folders]  # estimated once
    written += [_shown(report.write_report(view, out)) for view in views]
    from bench.render.reproductions import write_page

    written.append(_shown(write_page(results, out)))  # the front page links it
    if views:
        written.append(_shown(frontpage.write_front_page(results, out, views)))
    return written


def _shown(path: Path) -> Path:
    print(f"wrote {path}")
    return path


def compare(a: Path, b: Path, allow_different: bool = False) -> str:
    """Run A against run B as Markdown, over the cells both hold; ChoiceError for runs of
    different settings unless ``allow_different``."""
    from bench.analysis.comparable import setup_differences
    from bench.analysis.verdicts import corrected
    from bench.render.comparison import render_compare
    from bench.results.loading import RunData

    for run in (a, b):
        stored_run(run)
    first, second = RunData.load(a), RunData.load(b)
    differences = setup_differences(first, second)
    if differences and not allow_different:
        raise ChoiceError(f"A ({a}) and B ({b}) differ in {'; '.join(differences)}; "
                          "their accuracies are not comparable. Add --allow-different to "
                          "compare the cells they share anyway")
    return corrected(lambda: render_compare(first, second, (str(a), str(b))))[0]
