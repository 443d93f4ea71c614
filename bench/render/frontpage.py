"""The front page across tasks: ``reports/README.md``, generated from stored results only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from tabulate import tabulate

from bench.analysis import metrics, sentences, summary
from bench.catalog import FAMILIES, TASKS, TRANSFORMS
from bench.render.report import report_name, trained_ranges
from bench.results.loading import RunData, run_folders
from bench.results.schema import ALL

#: Which run of a task the headline sentences quote: the one with the most models, and on a
#: tie the first of these profiles.
PROFILE_PREFERENCE = ("book", "quick", "smoke")


def transform_kinds(swept: set[str]) -> dict[str, tuple[str, ...]]:
    """Front-page column title -> the catalog transforms of that kind (both shifts share
    ``largest shift``), in catalog order, for the kinds with a transform in ``swept``."""
    kinds: dict[str, tuple[str, ...]] = {}
    for spec in TRANSFORMS:
        if spec.name in swept:
            kinds[spec.kind_column] = (*kinds.get(spec.kind_column, ()), spec.name)
    return kinds


def _extreme_accuracy(frame: pd.DataFrame, transforms: tuple[str, ...]) -> pd.DataFrame:
    """Per model and seed: mean accuracy over the cells farthest from the identity
    (both ends) of ``transforms``."""
    rows = frame[(frame["group"] == ALL) & frame["transform"].isin(transforms)]
    distance = summary.distance_from_identity(rows)
    farthest = distance == distance.groupby(rows["transform"]).transform("max")
    return (
        rows[farthest]
        .groupby(["family", "augmentation", "seed"])["accuracy"].mean()
        .reset_index()
    )


def _fmt(values: pd.Series, std: float | None = None, seeds: int | None = None) -> str:
    """Per-seed values as ``mean ± std`` in % (the bare mean for one seed, empty for none).
    ``std`` and ``seeds`` are given when ``values`` already holds a mean over seeds."""
    if len(values) == 0:
        return ""
    mean, spread, count = metrics.seed_summary(values.tolist())
    if std is not None:
        spread, count = std, seeds
    if count > 1:
        return f"{mean * 100:.1f} ± {spread * 100:.1f}"
    return f"{mean * 100:.1f}"


def _extremes_label(frame: pd.DataFrame) -> str:
    """The extreme magnitudes of a run's grid, one per transform kind, e.g.
    ``±4 px, ±45°, 0.6x/1.4x``."""
    parts = []
    for transforms in transform_kinds(set(frame["transform"])).values():
        magnitudes = frame.loc[frame["transform"] == transforms[0], "magnitude"]
        if not magnitudes.empty:
            parts.append(TRANSFORMS[transforms[0]].extremes(list(magnitudes)))
    return ", ".join(parts)


def _clean_cell(part: pd.DataFrame) -> str:
    """Clean accuracy: mean ± std over seeds, or with one seed its 95% bootstrap interval."""
    if part["seed"].nunique() > 1:
        return _fmt(part["clean_accuracy"])
    row = part.iloc[0]
    low, high = row["ci_low"] * 100, row["ci_high"] * 100
    return f"{row['clean_accuracy'] * 100:.1f} [{low:.1f}, {high:.1f}]"


def run_table_rows(run: RunData, kinds: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """One front-page line per model x augmentation of one run; one column per transform
    kind in ``kinds`` (empty where the run did not sweep it)."""
    frame = summary.rows_frame(run.rows)
    clean = frame[(frame["group"] == ALL) & summary.is_identity(frame)]
    clean = clean.drop_duplicates(["family", "augmentation", "seed"])
    extremes = {column: _extreme_accuracy(frame, transforms)
                for column, transforms in kinds.items()}
    worst = summary.worst_of_grid(run.rows, summary.ENGSTROM_LIMITS)
    relative = summary.relative_robustness(frame)
    n_test = int(frame.loc[frame["group"] == ALL, "n"].max())
    link = f"[{run.task}/{run.profile}]({report_name(run.task, run.profile)}.md)"
    lines = []
    for model, part in sorted(clean.groupby(["family", "augmentation"]),
                              key=lambda item: summary.model_order(item[0])):
        w = _of_model(worst, model)
        r = _of_model(relative, model)["mean"]
        lines.append([
            link, FAMILIES[model[0]].label, model[1], f"{n_test:,}",
            str(part["seed"].nunique()), _extremes_label(frame), _clean_cell(part),
            *(_fmt(_of_model(extremes[column], model)["accuracy"]) for column in kinds),
            _fmt(w["mean"], std=w["std"].iloc[0], seeds=w["seeds"].iloc[0]) if len(w) else "",
            f"{r.mean():.3f}" if len(r) else "",
        ])
    return lines


def _of_model(table: pd.DataFrame, model: tuple[str, str]) -> pd.DataFrame:
    """The rows of ``table`` that belong to one (family, augmentation)."""
    return table[(table["family"] == model[0]) & (table["augmentation"] == model[1])]


def preferred_runs(runs: list[RunData]) -> dict[str, RunData]:
    """The stored run of each task with the most (family, augmentation) models; on a tie,
    book before quick before smoke."""
    def rank(run: RunData) -> tuple[int, int]:
        n_models = len({(m["family"], m["augmentation"]) for m in run.models})
        order = (PROFILE_PREFERENCE.index(run.profile) if run.profile in PROFILE_PREFERENCE
                 else len(PROFILE_PREFERENCE))
        return -n_models, order

    chosen: dict[str, RunData] = {}
    for run in sorted(runs, key=rank):
        chosen.setdefault(run.task, run)
    return chosen


def render_front_page(runs: list[RunData], forward_pass: bool) -> str:
    """Markdown of the front page for every stored run; ``forward_pass``: link that report."""
    if not runs:
        raise ValueError("no stored runs to summarise; run `bench run TASK` first")
    lines_out = [
        "# bench: how much accuracy survives shifts, rotations and scaling?",
        "",
        "*Generated by `bench report` from the stored results in `results/`; every number "
        "below comes from those rows. Accuracies in %, mean ± standard deviation over seeds "
        "(a bare number: one seed). Significance: 95% paired bootstrap interval over test "
        "images, and the same sign in every seed (docs/metrics.md).*",
        "",
        "## Headlines",
        "",
    ]
    for task, run in preferred_runs(runs).items():
        table = summary.over_seeds(summary.rows_frame(run.rows))
        words = f"{TASKS[task].in_sentence} (`{run.profile}` profile)"
        for sentence in sentences.sentences(table, run.rows, words,
                                            trained_ranges(run.dataset)):
            lines_out.append(f"- {sentence}")
    kinds = transform_kinds({row.transform for run in runs for row in run.rows})
    table_rows = []
    for run in runs:
        table_rows += run_table_rows(run, kinds)
    headers = [
        "task / profile", "model", "augmentation", "n test", "seeds", "grid extremes", "clean",
        *kinds,
        f"worst-of-grid ({summary.describe_limits(summary.ENGSTROM_LIMITS)})",
        "relative robustness (mean over transforms)",
    ]
    lines_out += [
        "",
        "## All tasks",
        "",
        "Each transform column: mean accuracy at the magnitudes farthest from the identity, "
        "both directions (both axes for shifts; the smallest and the largest factor for "
        "scales; the grid extremes column gives them). Clean accuracy with one seed "
        "carries its 95% bootstrap interval over test images in brackets.",
        "",
        tabulate(table_rows, headers=headers, tablefmt="github", disable_numparse=True),
        "",
        "## Reports",
        "",
    ]
    lines_out += [f"- [{run.task}, `{run.profile}` profile]"
                  f"({report_name(run.task, run.profile)}.md)" for run in runs]
    if forward_pass:
        lines_out.append("- [NumPy vs Keras forward pass](forward_pass.md)")
    return "\n".join(lines_out).rstrip() + "\n"


def write_front_page(results_dir: Path, reports_dir: Path) -> Path:
    """Write ``<reports_dir>/README.md`` from every run stored under ``results_dir``."""
    runs = [RunData.load(folder) for folder in run_folders(results_dir)]
    path = Path(reports_dir) / "README.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    forward_pass = (Path(reports_dir) / "forward_pass.md").is_file()
    path.write_text(render_front_page(runs, forward_pass), encoding="utf-8")
    return path
