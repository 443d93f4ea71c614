"""Stored results of one run -> a Markdown report with PNG plots beside it.

``render_markdown`` is pure (data in, text out); ``write_report`` draws the
plots and writes the files. Every number in a report comes from the stored rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from tabulate import tabulate

from bench.analysis import sentences, summary
from bench.analysis.summary import model_order
from bench.catalog import FAMILIES, POLICIES, TASKS, TRANSFORMS
from bench.catalog.transforms import kinds_in_words
from bench.render import architecture, plots
from bench.render.comparison import comparison_section
from bench.render.provenance import environment_lines, training_data_line
from bench.results.loading import RunData
from bench.results.schema import ALL, Row

MEAN_ONE = "mean_one_shift_x"  # the probe name of bench.run.probes (no Keras import here)


def _model_label(family: str, augmentation: str) -> str:
    return f"{FAMILIES[family].label} / {augmentation}"


def _acc(value: float, spread: float) -> str:
    return f"{value * 100:.1f} ± {spread * 100:.1f}"


def _mean_std(mean: float, std: float, seeds: int, fmt: str) -> str:
    """``mean ± std`` over several seeds, the bare mean for one seed."""
    return f"{mean:{fmt}} ± {std:{fmt}}" if seeds > 1 else f"{mean:{fmt}}"


def _spread(row: pd.Series) -> float:
    """Seed std with several seeds, else half the 95% bootstrap interval width."""
    if row["seeds"] > 1:
        return row["accuracy_std"]
    return (row["ci_high"] - row["ci_low"]) / 2


def _spread_note(table: pd.DataFrame) -> str:
    seeds = int(table["seeds"].max())
    if seeds > 1 and table["seeds"].min() == seeds:
        return f"mean ± sample standard deviation over {seeds} seeds"
    if seeds > 1:
        return ("mean ± sample standard deviation over the seeds each model has (see the "
                "seeds column); ± half the 95% bootstrap interval for single-seed models")
    return "± half the width of the 95% bootstrap interval over test images (one seed)"


def clean_table(table: pd.DataFrame, models: list[dict]) -> str:
    """Clean accuracy, spread, n, parameters and training time per model."""
    by_model = pd.DataFrame(models)
    lines = []
    clean = summary.clean(table)
    rows = sorted((row for _, row in clean.iterrows()),
                  key=lambda row: model_order((row["family"], row["augmentation"])))
    for row in rows:
        trained = by_model[
            (by_model["family"] == row["family"])
            & (by_model["augmentation"] == row["augmentation"])
        ]
        lines.append([
            FAMILIES[row["family"]].label,
            row["augmentation"],
            trained["augmentation_ranges"].iloc[0] if len(trained) else "",
            _acc(row["clean_accuracy"], _spread(row)),
            f"{int(row['n']):,}",
            str(int(row["seeds"])),
            f"{int(trained['params'].iloc[0]):,}" if len(trained) else "",
            f"{trained['train_seconds'].mean():.1f}" if len(trained) else "",
        ])
    headers = ["model", "augmentation", "ranges", "clean accuracy (%)", "n test images",
               "seeds", "parameters", "training time (s, mean)"]
    return tabulate(lines, headers=headers, tablefmt="github", disable_numparse=True)


def transform_table(table: pd.DataFrame, transform: str) -> str:
    """Rows: magnitude; columns: model x augmentation; cells: accuracy ± spread (delta pp)."""
    part = table[(table["transform"] == transform) & (table["group"] == ALL)]
    models = sorted({(r.family, r.augmentation) for r in part.itertuples()}, key=model_order)
    lines = []
    for magnitude, at in part.groupby("magnitude", sort=True):
        line = [TRANSFORMS[transform].format_magnitude(magnitude)]
        for family, augmentation in models:
            cell = at[(at["family"] == family) & (at["augmentation"] == augmentation)]
            if cell.empty:
                line.append("")
                continue
            cell = cell.iloc[0]
            line.append(f"{_acc(cell['accuracy'], _spread(cell))} ({cell['delta_pp']:+.1f})")
        lines.append(line)
    headers = [TRANSFORMS[transform].unit] + [_model_label(f, a) for f, a in models]
    return tabulate(lines, headers=headers, tablefmt="github", disable_numparse=True)


def robustness_table(frame: pd.DataFrame, rows: Sequence[Row]) -> str:
    """Relative robustness per transform and worst-of-grid accuracy, per model."""
    relative = summary.relative_robustness(frame)
    worst = summary.worst_of_grid(rows, summary.ENGSTROM_LIMITS)
    random = summary.random_of_grid(rows, summary.ENGSTROM_LIMITS)
    transforms = sorted(set(relative["transform"]))
    lines = []
    for (family, augmentation), part in sorted(relative.groupby(["family", "augmentation"]),
                                               key=lambda item: model_order(item[0])):
        line = [FAMILIES[family].label, augmentation]
        for transform in transforms:
            value = part[part["transform"] == transform]
            line.append(_mean_std(value["mean"].iloc[0], value["std"].iloc[0],
                                  value["seeds"].iloc[0], ".3f") if len(value) else "")
        for grid in (worst, random):
            w = grid[(grid["family"] == family) & (grid["augmentation"] == augmentation)]
            line.append(_mean_std(w["mean"].iloc[0] * 100, w["std"].iloc[0] * 100,
                                  w["seeds"].iloc[0], ".1f") if len(w) else "")
        lines.append(line)
    headers = ["model", "augmentation"] + [f"rel. robustness {t}" for t in transforms]
    headers += ["worst-of-grid acc. (%)", "random-of-grid acc. (%)"]
    return tabulate(lines, headers=headers, tablefmt="github", disable_numparse=True)


def probe_table(probes: list[dict]) -> str:
    """The mean-"1" probability of class 1 per shift, mean ± std over seeds."""
    frame = pd.DataFrame(probes)
    stats = frame.groupby(["shift_px", "family", "augmentation"])["probability"].agg(
        ["mean", "std", "count"]
    ).reset_index().fillna({"std": 0.0})
    models = sorted({(r.family, r.augmentation) for r in stats.itertuples()}, key=model_order)
    lines = []
    for shift_px, at in stats.groupby("shift_px", sort=True):
        line = [f"{shift_px:+g}"]
        for family, augmentation in models:
            cell = at[(at["family"] == family) & (at["augmentation"] == augmentation)].iloc[0]
            line.append(_mean_std(cell["mean"], cell["std"], cell["count"], ".3f"))
        lines.append(line)
    headers = ["shift (px)"] + [_model_label(f, a) for f, a in models]
    return tabulate(lines, headers=headers, tablefmt="github", disable_numparse=True)


def _group_key(task: str, group: str) -> tuple[int, str]:
    """Sort key of an image group: ``all``, then the task's group_order, then by name."""
    order = (ALL, *TASKS[task].group_order)
    return (order.index(group) if group in order else len(order)), group


def group_table(table: pd.DataFrame, task: str) -> str:
    """Clean accuracy and the delta at each transform's headline magnitude, per image group."""
    part = table[table["augmentation"] == "none"]
    swept = swept_transforms(table)
    lines = []
    keys = sorted(part.groupby(["group", "family"]).groups,
                  key=lambda k: (*_group_key(task, k[0]), k[1]))
    for group, family in keys:
        at = part[(part["group"] == group) & (part["family"] == family)]
        clean_row = summary.clean(at, group).iloc[0]
        line = [group, f"{int(clean_row['n']):,}", FAMILIES[family].label,
                _acc(clean_row["clean_accuracy"], _spread(clean_row))]
        for transform in swept:
            magnitude = sentences.headline_magnitude(table, transform)
            cell = at[(at["transform"] == transform) & (at["magnitude"] == magnitude)]
            line.append(f"{cell['delta_pp'].iloc[0]:+.1f}" if len(cell) else "")
        lines.append(line)
    headers = ["group", "n test images", "model (no augmentation)", "clean accuracy (%)"] + [
        f"Δ {t} {sentences.headline_magnitude(table, t):g} (pp)" for t in swept
    ]
    return tabulate(lines, headers=headers, tablefmt="github", disable_numparse=True)


def group_rotation_table(table: pd.DataFrame, task: str) -> str:
    """Per group (rows) and model (columns): clean accuracy -> accuracy at the rotation
    headline magnitude, in %, mean over seeds."""
    magnitude = sentences.headline_magnitude(table, "rotate")
    models = sorted({(r.family, r.augmentation) for r in table.itertuples()}, key=model_order)
    lines = []
    for group in sorted(set(table["group"]), key=lambda group: _group_key(task, group)):
        at = table[table["group"] == group]
        line = [group, f"{int(at['n'].iloc[0]):,}"]
        for family, augmentation in models:
            cell = at[(at["family"] == family) & (at["augmentation"] == augmentation)
                      & (at["transform"] == "rotate") & (at["magnitude"] == magnitude)]
            line.append(f"{cell['clean_accuracy'].iloc[0] * 100:.1f} → "
                        f"{cell['accuracy'].iloc[0] * 100:.1f}" if len(cell) else "")
        lines.append(line)
    headers = ["group", "n test images"] + [_model_label(f, a) for f, a in models]
    return tabulate(lines, headers=headers, tablefmt="github", disable_numparse=True)


def setup_section(run: RunData) -> list[str]:
    """Provenance: data, models, training, seeds and environment."""
    info = run.dataset
    models = pd.DataFrame(run.models)
    lines = ["## Setup and provenance", ""]
    lines += [
        f"- **Data**: `{info.get('name')}` from `{info.get('source')}`, checksum "
        f"`{info.get('checksum')}`; classes: {', '.join(info.get('classes', []))}; "
        f"image shape {tuple(info.get('image_shape', []))}.",
        f"- **Images used**: {info.get('n_train_used'):,} train, {info.get('n_test_used'):,} "
        f"test ({info.get('subset')}).",
    ]
    for split, counts in info.get("counts", {}).items():
        lines.append(f"- **{split} split as loaded, per class**: "
                     + ", ".join(f"{k}: {v:,}" for k, v in counts.items()))
    for note in info.get("notes", []):
        lines.append(f"- {note}")
    if info.get("skipped"):
        lines.append("- **Rows skipped**: " + ", ".join(
            f"{reason}: {count:,}" for reason, count in info["skipped"].items()))
    first = models.iloc[0]
    lines += [
        f"- **Training**: Adam (learning rate {first['learning_rate']:g}), {first['epochs']} "
        f"epochs, batch {first['batch_size']}, on {first['n_train']:,} images; seeds "
        f"{sorted(set(models['seed']))}; total training time "
        f"{models['train_seconds'].sum():.0f} s over {len(models)} models.",
        *environment_lines(run),
        "- **Models** (cache keys): " + ", ".join(
            f"{r.family}/{r.augmentation}/s{r.seed} `{r.key}`" for r in models.itertuples()),
        training_data_line(run),
    ]
    return lines


def trained_ranges(dataset_info: dict) -> dict[str, float]:
    """transform -> the edge of its matching policy's range (px, degrees, largest zoom
    factor), from the profile's ranges stored with the run ({} for runs that predate them)."""
    ranges = dataset_info.get("augment")
    if not ranges:
        return {}
    edges = {}
    for spec in TRANSFORMS:
        edge = POLICIES[spec.policy].edges(ranges).get(spec.name)
        if edge is not None:
            edges[spec.name] = edge
    return edges


def swept_transforms(table: pd.DataFrame) -> list[str]:
    """The catalog transforms that the rows hold, in catalog order; a transform the catalog
    does not know is a ChoiceError (never silently dropped)."""
    stored = set(table["transform"])
    for name in stored:
        TRANSFORMS[name]
    return [spec.name for spec in TRANSFORMS if spec.name in stored]


def render_markdown(run: RunData, figures: dict[str, str],
                    comparison: list[str] | None = None) -> str:
    """The whole report. ``figures`` maps transform (and ``invariance``) -> relative path of
    its PNG; ``comparison``: the lines of a section comparing this run with the reference."""
    frame = summary.rows_frame(run.rows)
    table = summary.over_seeds(frame)
    task = TASKS[run.task]
    title = task.title
    n_test = int(table[table["group"] == ALL]["n"].max())
    seeds = int(table["seeds"].max())
    out = [
        f"# {title}: robustness to {kinds_in_words(set(table['transform']))} "
        f"(`{run.profile}` profile)",
        "",
        f"*Generated by `bench report` from the stored results of `bench run {run.task} "
        f"--profile {run.profile}`: n = {n_test:,} test images per cell, {seeds} seed(s). "
        f"Spread: {_spread_note(table)}.*",
        "",
        "## Findings",
        "",
    ]
    out += [f"- {s}" for s in sentences.sentences(table, run.rows, task.in_sentence,
                                                   trained_ranges(run.dataset))]
    out += ["", *(comparison or []), "## Plots", ""]
    out += [f"![{t}]({path})" for t, path in figures.items() if t in TRANSFORMS]
    out += ["", "## Clean accuracy", "", clean_table(table, run.models), ""]
    for transform in swept_transforms(table):
        spec = TRANSFORMS[transform]
        out += [f"## {spec.title}", "",
                "Accuracy in % ± spread, and in brackets the change from clean accuracy in "
                f"percentage points; identity at {spec.identity:g}.", "",
                transform_table(table, transform), ""]
    out += ["## Robustness summary", "",
            "Relative robustness: area under the accuracy-vs-magnitude curve divided by clean "
            "accuracy times the magnitude range (1 = no loss). Worst-of-grid: share of test "
            "images classified correctly at every swept cell within "
            f"{summary.describe_limits(summary.ENGSTROM_LIMITS)} of the identity; "
            "random-of-grid: at one of those cells drawn per image (see "
            "docs/metrics.md). Mean ± std over seeds.", "",
            robustness_table(frame, run.rows), ""]
    out += architecture.sections(run.probes, figures.get(architecture.INVARIANCE))
    mean_one = [p for p in run.probes if p.get("probe") == MEAN_ONE]
    if mean_one:
        out += ['## The mean "1", shifted horizontally', "",
                'The cookbook\'s demonstration: the mean image of the test set\'s "1"s '
                f"(n = {mean_one[0]['n_images']:,}), shifted, and each model's probability of "
                "class 1 (mean ± std over seeds).", "", probe_table(mean_one), ""]
    if set(table["group"]) != {ALL}:
        out += ["## By image group", "",
                "Clean accuracy per group and change at each transform's headline magnitude, for "
                "the models trained without augmentation.", "", group_table(table, run.task),
                "", "Clean accuracy → accuracy at a rotation of "
                f"{sentences.headline_magnitude(table, 'rotate'):g} degrees, per group and "
                "model (%, mean over seeds):", "", group_rotation_table(table, run.task), ""]
    out += setup_section(run)
    return "\n".join(out) + "\n"


def report_name(task: str, profile: str) -> str:
    """File stem of a run's report: the task for the quick profile, else task-profile."""
    return task if profile == "quick" else f"{task}-{profile}"


def write_report(results_folder: Path, reports_dir: Path, name: str | None = None,
                 reference_folder: Path | None = None) -> Path:
    """Render ``<reports_dir>/<name>.md`` and its PNG plots under ``<reports_dir>/figures/``.

    name: default ``<task>`` for the quick profile, ``<task>-<profile>`` for the others.
    reference_folder: a run folder of the published reference to compare with (a section
    ``This run against the reference``); None or a folder without rows: no comparison.
    """
    run = RunData.load(results_folder)
    name = name or report_name(run.task, run.profile)
    table = summary.over_seeds(summary.rows_frame(run.rows))
    figures = {}
    for transform in swept_transforms(table):
        png = Path("figures") / f"{name}-{transform}.png"
        plots.accuracy_curves(table, transform,
                              f"{TASKS[run.task].title}: {TRANSFORMS[transform].title}",
                              Path(reports_dir) / png)
        figures[transform] = png.as_posix()
    if any(p.get("probe") == architecture.INVARIANCE for p in run.probes):
        png = Path("figures") / f"{name}-invariance.png"
        architecture.invariance_figure(run.probes, f"{TASKS[run.task].title}: error by layer",
                                       Path(reports_dir) / png)
        figures[architecture.INVARIANCE] = png.as_posix()
    comparison = None
    if reference_folder is not None and any(Path(reference_folder).glob("rows/*.jsonl")):
        comparison = comparison_section(run, RunData.load(reference_folder), reference_folder)
    path = Path(reports_dir) / f"{name}.md"
    path.write_text(render_markdown(run, figures, comparison), encoding="utf-8")
    return path
