"""The front page across tasks: ``reports/README.md``, generated from stored results only.

Its first screen answers: the question, at most five ranked takeaways, one small table of
raw accuracies (MLP, CNN, CNN + matching augmentation per task), the overview figure and a
box of the cookbook's claims. Then the sections behind them, each opening with a sentence
that says what it shows: architecture or augmentation, every remedy ranked, per-task
tables, the glossary, the
claims in detail, links.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bench.analysis import (
    answers,
    architecture,
    claims,
    conditions,
    remedies,
    summary,
    verdicts,
)
from bench.analysis.coverage import pair_label
from bench.analysis.resample import MIN_SEEDS
from bench.analysis.runs import RunView
from bench.analysis.sentences import counted
from bench.catalog import FAMILIES, TASKS, TRANSFORMS
from bench.render import overview as overview_plot
from bench.render import remedies as remedies_section
from bench.render.claims import RULE, claims_box, claims_details, sources
from bench.render.glossary import glossary_lines, profile_glossary
from bench.render.prose import wrap_prose
from bench.render.provenance import MARK, flag_line, flag_note, flags_by_model
from bench.render.report import report_name
from bench.render.tables import table, with_ci
from bench.results.loading import RunData, run_folders

#: On a tie, the run the front page quotes is the first of these profiles.
PROFILE_PREFERENCE = ("book", "quick", "smoke")
OVERVIEW = "figures/overview.png"


def _front_estimates(view: RunView, kind: str) -> list:
    """The front-page models' accuracies under a kind's headline condition, each None
    where the run lacks the model or has fewer than MIN_SEEDS seeds of it."""
    condition = conditions.kind_condition(kind, view.swept)
    out = []
    for _, model in overview_plot.front_models(kind):
        estimate = view.estimates.accuracy(model, condition) if condition else None
        out.append(estimate if estimate is not None and estimate.seeds >= MIN_SEEDS else None)
    return out


def front_runs(views: Sequence[RunView]) -> dict[str, RunView]:
    """Per task, the run whose front-page cells (MLP, CNN, CNN + matching augmentation per
    kind, at least MIN_SEEDS seeds) are most complete; on a tie, book before quick."""
    kinds = answers.kinds(views)

    def rank(view: RunView) -> tuple[int, int, int]:
        cells = sum(e is not None for kind in kinds for e in _front_estimates(view, kind))
        order = (PROFILE_PREFERENCE.index(view.run.profile)
                 if view.run.profile in PROFILE_PREFERENCE else len(PROFILE_PREFERENCE))
        return -cells, order, -view.seeds

    chosen: dict[str, RunView] = {}
    for view in sorted(views, key=rank):
        chosen.setdefault(view.run.task, view)
    return {task: chosen[task] for task in TASKS.names() if task in chosen}


def _standard_distance(kind: str, views: Sequence[RunView]) -> float | None:
    """The headline distance of a kind that most front-page runs use (the column's); on a
    tie, the catalog's headline distance, then the largest."""
    found = [conditions.kind_condition(kind, v.swept) for v in views]
    distances = [TRANSFORMS[c[0][0]].distance(c[0][1]) for c in found if c]
    if not distances:
        return None
    spec = next(s for s in TRANSFORMS if s.kind == kind)
    return max(set(distances), key=lambda d: (distances.count(d),
                                              d == spec.headline_distance, d))


def plus_minus(estimate) -> str:
    """``97.2±0.3``: an accuracy in % with one decimal and the half-width of its 95%
    interval (the interval is symmetric: value ± half-width; rounded, never up)."""
    half = (estimate.high - estimate.low) / 2 * 100
    return f"{estimate.value * 100:.1f}±{half:.1f}"


def _seed_range(estimates) -> str:
    """``5`` or ``3-5``: the seeds behind the cells of one table row."""
    counts = sorted({e.seeds for e in estimates if e is not None})
    if not counts:
        return "—"
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"


def raw_table(views: Sequence[RunView]) -> list[str]:
    """The table of raw accuracies: a row per task and front-page model, with its run
    (profile) and the seeds behind its cells, a column per kind at its headline distance (a
    task's own distance is named in its cell where it differs), then the notes the cells
    need."""
    kinds = answers.kinds(views)
    standard = {kind: _standard_distance(kind, views) for kind in kinds}
    headers = ["task", "run, seeds", "model", "clean"]
    for kind in kinds:
        spec = next(s for s in TRANSFORMS if s.kind == kind)
        distance, noun = standard[kind], answers.kind_noun(kind)
        if distance is None:  # swept only at the identity: nothing moved
            headers.append(noun)
            continue
        extremes = spec.extremes([spec.identity - distance, spec.identity + distance])
        headers.append(extremes if spec.policy in extremes else f"{spec.policy} {extremes}")
    lines, own_grid, short, flagged = [], {}, False, []
    for view in views:
        flags = flags_by_model(view.run)
        for index, label in enumerate(["MLP", "CNN", "CNN+aug"]):
            cells, shown = [], []
            for kind in kinds:
                estimate = _front_estimates(view, kind)[index]
                condition = conditions.kind_condition(kind, view.swept)
                cell = plus_minus(estimate) if estimate else "—"
                shown.append(estimate)
                short = short or estimate is None
                if condition and estimate and TRANSFORMS[condition[0][0]].distance(
                        condition[0][1]) != standard[kind]:
                    cell += OWN_DISTANCE
                    own_grid.setdefault(kind, []).append(
                        f"{view.run.task} at {answers.distance_words(condition)}")
                cells.append(cell)
            model = overview_plot.front_models(kinds[0])[index][1] if kinds else None
            clean = view.estimates.clean(model) if index < 2 and model else None
            clean = clean if clean and clean.seeds >= MIN_SEEDS else None
            mark = MARK if index < 2 and model in flags else ""
            flagged += [view] if mark and view not in flagged else []
            task = (view.run.task, f"n = {view.n_test:,}", "")[index]
            lines.append([task, f"`{view.run.profile}`, {_seed_range([clean, *shown])}",
                          label + mark, plus_minus(clean) if clean else "—", *cells])
    notes = ["Accuracy ± half its 95% interval, both directions' mean; n: "
             "test images; *CNN+aug*: with the column's augmentation."]
    if short:
        notes.append(f"—: no such model with {MIN_SEEDS} seeds.")
    if own_grid:
        notes.append(f"{OWN_DISTANCE}: at the task's own distance (" + "; ".join(
            ", ".join(dict.fromkeys(v)) for v in own_grid.values()) + ").")
    for view in flagged:
        notes += flag_note(view.run, compact=True)  # the task report says it in full
    return [table(lines, headers, keys=3), "", " ".join(notes)]


#: Marks a front-table cell quoted at its task's own distance (the grid lacks the column's).
OWN_DISTANCE = "‡"


def task_table(views: Sequence[RunView]) -> list[str]:
    """One task's runs: a line naming each run's conditions and what it lacks, then one
    table line per run and model (clean and each kind's headline accuracy)."""
    kinds = answers.kinds(views)
    out, lines, left = [], [], []
    for view in views:
        link = f"[`{view.run.profile}`]({report_name(view.run.task, view.run.profile)}.md)"
        conds = {kind: conditions.kind_condition(kind, view.swept) for kind in kinds}
        grid = view.estimates.grid(summary.ENGSTROM_LIMITS)
        status = f"**partial**: {'; '.join(view.partial)}" if view.partial else "complete"
        out.append(f"- {link}: {status}. Columns at "
                   + ", ".join(conditions.describe(c) for c in conds.values() if c)
                   + f"{conditions.averaging_note(conds.values())}; worst-of-grid over "
                   f"{summary.describe_grid(grid)}.")
        flags = flags_by_model(view.run)
        for model in view.estimates.models():
            clean = view.estimates.clean(model)
            if clean.seeds < MIN_SEEDS:
                left.append(f"{pair_label(*model)} (`{view.run.profile}`, "
                            f"{counted(clean.seeds, 'seed')})")
                continue
            lines.append([
                link, FAMILIES[model[0]].label + (MARK if model in flags else ""), model[1],
                str(clean.seeds), f"{clean.n:,}", with_ci(clean),
                *(with_ci(view.estimates.accuracy(model, conds[k])) if conds[k] else ""
                  for k in kinds),
                with_ci(view.estimates.of_grid(model, summary.ENGSTROM_LIMITS)),
            ])
        out += [f"  {line}" for line in flag_note(view.run)]  # under its run's bullet
    headers = ["run", "model", "augmentation", "seeds", "test images", "clean (%)",
               *(f"{answers.kind_noun(k)} (%)" for k in kinds), "worst-of-grid (%)"]
    out += ["", table(lines, headers, keys=3)] if lines else [
        "", f"No model of these runs has {MIN_SEEDS} seeds: the task reports have their values."]
    if left:
        out += ["", f"With fewer than {MIN_SEEDS} seeds, in the task report only: "
                + ", ".join(left) + "."]
    return out


def _architecture_or_augmentation(views: Sequence[RunView]) -> list[str]:
    """The section weighing each CNN variant against the CNN's augmentation (empty when no
    front-page run holds both)."""
    found = architecture.tradeoffs(answers.kind_results(views))
    if not found:
        return []
    headers, rows = architecture.table(found)
    return ["", "## Architecture or augmentation: which buys a CNN more?", "",
            architecture.sentence(found), "",
            "Accuracy at the distance named, differences in pp with [95% intervals] (paired "
            "by seed and image); *buys more* compares the augmented CNN with the variant head "
            "to head (docs/metrics.md).", "", table(rows, headers, keys=2)]


def _claims_flags(results) -> list[str]:
    """One line naming each model that decides a claim and was trained otherwise than the
    rest, with its run ([]: none)."""
    entries = {}
    for result in results:
        for checked in (result, *result.variants):
            flags = flags_by_model(checked.run) if checked.run is not None else {}
            for measured in checked.measured:
                model = (measured.figure.family, measured.figure.augmentation)
                if model in flags:
                    entries[f"{checked.run.task} `{checked.run.profile}` "
                            f"{pair_label(*model)}"] = flags[model]
    return ["", flag_line(entries)] if entries else []


def takeaways(views: Sequence[RunView], verdicts: Sequence[str]) -> list[str]:
    """At most MAX_TAKEAWAYS, the largest difference first, the claims last."""
    results = answers.kind_results(views)
    found = [answers.augmentation_takeaway(results), answers.cnn_takeaway(results),
             architecture.takeaway(results), remedies.takeaway(views),
             answers.claims_takeaway(verdicts)]
    ranked = sorted((t for t in found if t is not None), key=lambda t: -t.effect)
    return [t.text for t in ranked[:answers.MAX_TAKEAWAYS]]


def render_front_page(views: Sequence[RunView], forward_pass: bool,
                      overview: str | None = OVERVIEW) -> str:
    """Markdown of the front page; ``forward_pass``: link that report; ``overview``: the
    overview figure's relative path (None: no figure)."""
    if not views:
        raise ValueError("no stored runs to summarise; run `bench run TASK` first")
    front = list(front_runs(views).values())
    results = claims.check_all([(v.run, v.estimates) for v in views])
    # the title is the page's one-line question
    out = ["# bench: does a CNN, or augmentation, keep accuracy when images move?", "",
           *(f"{n}. {text}" for n, text in enumerate(
               takeaways(front, [r.verdict for r in results]), start=1)), "",
           "How accurate is each model when images move? Test accuracy (%), one distance per "
           "transform:", "",
           *raw_table(front), ""]
    if overview:
        out += [f"![test accuracy against magnitude: MLP, CNN, CNN + matching augmentation, "
                f"per task and transform]({overview})", "",
                "What happens between those distances? Above: accuracy against magnitude, per "
                "task and transform.", ""]
    out += ["What came of the cookbook's claims? Our figure and the verdict, one line each "
            "(the rule and the settings: [the claims in detail](#the-claims-in-detail)):", "",
            *claims_box(results), *_claims_flags(results),
            "", "*Generated by `bench report` from `results/`; every number comes from the "
            "stored rows (metrics, intervals and verdicts: [glossary](#glossary)). "
            f"{verdicts.page_line()}*"]
    out += _architecture_or_augmentation(front)
    out += remedies_section.section(views)
    out += ["", "## Per task: every model of every run", "",
            "Which model keeps most at each task's headline distances? One table per task, "
            "a line per run and model.", ""]
    for task in TASKS:
        mine = [v for v in views if v.run.task == task.name]
        if mine:
            out += [f"### {task.title} (chance {task.chance * 100:.0f}%)", "",
                    *task_table(mine), ""]
    out += ["## Glossary", "", "What do the words of these reports mean? One line each.", "",
            *glossary_lines(), "", "What does each profile train? From "
            "`bench/catalog/profiles.py`; a stored run that lacks part of its profile is "
            "marked partial above.", "", profile_glossary(), "",
            "## The claims in detail", "",
            "Which setting does each claim come from, and which did we run? The verdict with "
            "its reasons:", "", *claims_details(results), "", RULE, "", "Sources:",
            *sources(results), "", "## Reports", "", "Where is everything else? One report "
            "per stored run:", ""]
    out += [f"- [{v.run.task}, `{v.run.profile}` profile]"
            f"({report_name(v.run.task, v.run.profile)}.md)" for v in views]
    if forward_pass:
        out.append("- [NumPy vs Keras forward pass](forward_pass.md)")
    out.append("- [Reproductions of published figures](reproductions.md), each set beside "
               "its own architecture")
    return "\n".join(out).rstrip() + "\n"


def write_front_page(results_dir: Path, reports_dir: Path,
                     views: Sequence[RunView] | None = None) -> Path:
    """Write ``<reports_dir>/README.md`` and its overview figure from every run stored under
    ``results_dir`` (or the given, already loaded views)."""
    if views is None:
        views = [RunView.of(RunData.load(folder)) for folder in run_folders(results_dir)]
    path = Path(reports_dir) / "README.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    front = list(front_runs(views).values()) if views else []
    drawn = bool(front) and bool(answers.kinds(front))
    if drawn:
        overview_plot.overview(front, Path(reports_dir) / OVERVIEW)
    forward_pass = (Path(reports_dir) / "forward_pass.md").is_file()
    text, _ = verdicts.corrected(
        lambda: render_front_page(views, forward_pass, OVERVIEW if drawn else None))
    path.write_text(wrap_prose(text), encoding="utf-8")
    return path
