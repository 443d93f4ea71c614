"""The front page across tasks: ``reports/README.md``, generated from stored results only.

It answers first (at most five generated sentences and one overview figure), then tests
the cookbook's claims, then gives one table per task, the profiles in words and links.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bench.analysis import answers, architecture, claims, conditions, summary
from bench.analysis.resample import MIN_SEEDS, Estimate, mean_of
from bench.analysis.runs import RunView
from bench.catalog import FAMILIES, TASKS
from bench.render import plots
from bench.render.claims import RULE, claims_table, sources
from bench.render.glossary import profile_glossary
from bench.render.report import report_name
from bench.render.tables import table, with_ci
from bench.results.loading import RunData, run_folders

#: On a tie in models and seeds, the run the answer quotes is the first of these profiles.
PROFILE_PREFERENCE = ("book", "quick", "smoke")
OVERVIEW = "figures/overview.png"


def preferred_runs(views: Sequence[RunView]) -> dict[str, RunView]:
    """The stored run of each task with the most (family, augmentation) models, then the
    most seeds; on a tie, book before quick before smoke."""
    def rank(view: RunView) -> tuple[int, int, int]:
        n_models = len({(m["family"], m["augmentation"]) for m in view.run.models})
        order = (PROFILE_PREFERENCE.index(view.run.profile)
                 if view.run.profile in PROFILE_PREFERENCE else len(PROFILE_PREFERENCE))
        return -n_models, -view.seeds, order

    chosen: dict[str, RunView] = {}
    for view in sorted(views, key=rank):
        chosen.setdefault(view.run.task, view)
    return {task: chosen[task] for task in TASKS.names() if task in chosen}


def _mean_relative(view: RunView, model: tuple[str, str]) -> Estimate | None:
    """Relative robustness above chance, mean over the swept transforms."""
    values = [view.estimates.relative(model, t) for t in view.swept]
    values = [v for v in values if v is not None]
    shapes = {(v.seeds, v.n) for v in values}
    return mean_of(*values) if values and len(shapes) == 1 else None


def task_table(views: Sequence[RunView]) -> list[str]:
    """One task's runs: a line naming each run's conditions, grid and what it lacks, then
    one table line per run and model."""
    kinds = answers.kinds(views)
    out = []
    lines = []
    for view in views:
        link = f"[`{view.run.profile}`]({report_name(view.run.task, view.run.profile)}.md)"
        conds = {kind: conditions.kind_condition(kind, view.swept) for kind in kinds}
        grid = view.estimates.grid(summary.ENGSTROM_LIMITS)
        status = f"**partial**: {'; '.join(view.partial)}" if view.partial else "complete"
        out.append(f"- {link}: {status}. Transform columns at "
                   + ", ".join(conditions.describe(c) for c in conds.values() if c)
                   + f"{conditions.averaging_note(conds.values())}; worst-of-grid over "
                   f"{summary.describe_grid(grid)}.")
        for model in view.estimates.models():
            clean = view.estimates.clean(model)
            lines.append([
                link, FAMILIES[model[0]].label, model[1], f"{clean.n:,}", str(clean.seeds),
                with_ci(clean),
                *(with_ci(view.estimates.accuracy(model, conds[k])) if conds[k] else ""
                  for k in kinds),
                with_ci(view.estimates.of_grid(model, summary.ENGSTROM_LIMITS)),
                with_ci(_mean_relative(view, model), scale=1, digits=2),
            ])
    nouns = [answers.kind_noun(k) for k in kinds]
    headers = ["run", "model", "augmentation", "n test", "seeds", "clean (%)",
               *(f"{noun} (%)" for noun in nouns), "worst-of-grid (%)",
               "relative robustness (mean over transforms)"]
    return out + ["", table(lines, headers)]


def _architecture_or_augmentation(views: Sequence[RunView]) -> list[str]:
    """The section weighing each CNN variant against the CNN's augmentation (empty when no
    preferred run holds both)."""
    found = architecture.tradeoffs(answers.kind_results(views))
    if not found:
        return []
    return ["", "## Architecture or augmentation?", "", architecture.sentence(found), "",
            "Accuracy at the distance named, in pp with [95% intervals] (two-level bootstrap, "
            "paired by seed and image); *buys more* compares the augmented CNN with the "
            "variant head to head (docs/metrics.md).", "", *architecture.table(found)]


def render_front_page(views: Sequence[RunView], forward_pass: bool,
                      overview: str | None = OVERVIEW) -> str:
    """Markdown of the front page; ``forward_pass``: link that report; ``overview``: the
    overview figure's relative path (None: no figure)."""
    if not views:
        raise ValueError("no stored runs to summarise; run `bench run TASK` first")
    preferred = preferred_runs(views)
    out = [
        "# bench: does a CNN, or augmentation, keep accuracy when images shift, turn or "
        "change size?",
        "",
        "*Generated by `bench report` from the stored results in `results/`; every number "
        "comes from those rows. Accuracies in % with [95% intervals] from a two-level "
        "bootstrap over training seeds and test images; a difference gets a verdict only "
        f"with at least {MIN_SEEDS} seeds (docs/metrics.md). The answer quotes each task's "
        "run with the most models: " + ", ".join(
            f"{TASKS[t].in_sentence} `{v.run.profile}` ({v.seeds} seed(s))"
            for t, v in preferred.items()) + ".*",
        "",
        "## Answer",
        "",
    ]
    out += [f"- {sentence}" for sentence in answers.answer(list(preferred.values()))]
    if overview:
        out += ["", f"![share of clean accuracy above chance kept, per task and transform]"
                    f"({overview})"]
    out += _architecture_or_augmentation(list(preferred.values()))
    results = claims.check_all([(v.run, v.estimates) for v in views])
    out += ["", "## The cookbook's claims", "", claims_table(results), "", RULE, "", "Sources:",
            *sources(results), "", "## Per task", ""]
    for task in TASKS:
        mine = [v for v in views if v.run.task == task.name]
        if mine:
            out += [f"### {task.title} (chance {task.chance * 100:.0f}%)", "",
                    *task_table(mine), ""]
    out += ["## Profiles", "", "What each profile trains (from `bench/catalog/profiles.py`); "
            "a stored run that lacks part of its profile is marked partial above.", "",
            profile_glossary(), "", "## Reports", ""]
    out += [f"- [{v.run.task}, `{v.run.profile}` profile]"
            f"({report_name(v.run.task, v.run.profile)}.md)" for v in views]
    if forward_pass:
        out.append("- [NumPy vs Keras forward pass](forward_pass.md)")
    return "\n".join(out).rstrip() + "\n"


def write_front_page(results_dir: Path, reports_dir: Path,
                     views: Sequence[RunView] | None = None) -> Path:
    """Write ``<reports_dir>/README.md`` and its overview figure from every run stored under
    ``results_dir`` (or the given, already loaded views)."""
    if views is None:
        views = [RunView.of(RunData.load(folder)) for folder in run_folders(results_dir)]
    path = Path(reports_dir) / "README.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    results = answers.kind_results(list(preferred_runs(views).values())) if views else []
    if results:
        plots.overview(results, Path(reports_dir) / OVERVIEW)
    forward_pass = (Path(reports_dir) / "forward_pass.md").is_file()
    path.write_text(render_front_page(views, forward_pass, OVERVIEW if results else None),
                    encoding="utf-8")
    return path
