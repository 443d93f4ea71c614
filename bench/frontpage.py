"""The front page across tasks: ``reports/README.md``, generated from stored results only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from tabulate import tabulate

from bench import headlines, metrics, summary
from bench.report import RunData, report_name, trained_ranges
from bench.results import run_folders
from bench.sweep import ALL
from bench.transforms import IDENTITY

#: Which run of a task the headline sentences quote: the one with the most models, and on a
#: tie the first of these profiles.
PROFILE_PREFERENCE = ("book", "quick", "smoke")
_TASK_WORDS = {"mnist": "MNIST", "gender": "the face-gender task", "cifar10": "CIFAR-10"}


def _extreme_accuracy(frame: pd.DataFrame, transforms: tuple[str, ...]) -> pd.DataFrame:
    """Per model and seed: mean accuracy over the cells farthest from the identity
    (both ends) of ``transforms``."""
    rows = frame[(frame["group"] == ALL) & frame["transform"].isin(transforms)]
    distance = (rows["magnitude"] - rows["transform"].map(IDENTITY)).abs().round(6)
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
    """The extreme magnitudes of a run's grid, e.g. ``±4 px, ±45°, 0.6x/1.4x``."""
    def mags(transform: str) -> pd.Series:
        return frame.loc[frame["transform"] == transform, "magnitude"]

    parts = []
    if not mags("shift_x").empty:
        parts.append(f"±{mags('shift_x').abs().max():g} px")
    if not mags("rotate").empty:
        parts.append(f"±{mags('rotate').abs().max():g}°")
    if not mags("scale").empty:
        parts.append(f"{mags('scale').min():g}x/{mags('scale').max():g}x")
    return ", ".join(parts)


def _clean_cell(part: pd.DataFrame) -> str:
    """Clean accuracy: mean ± std over seeds, or with one seed its 95% bootstrap interval."""
    if part["seed"].nunique() > 1:
        return _fmt(part["clean_accuracy"])
    row = part.iloc[0]
    low, high = row["ci_low"] * 100, row["ci_high"] * 100
    return f"{row['clean_accuracy'] * 100:.1f} [{low:.1f}, {high:.1f}]"


def run_table_rows(run: RunData) -> list[list[str]]:
    """One front-page line per model x augmentation of one run."""
    frame = summary.rows_frame(run.rows)
    clean = frame[(frame["group"] == ALL) & summary.is_identity(frame)]
    clean = clean.drop_duplicates(["family", "augmentation", "seed"])
    extremes = {
        name: _extreme_accuracy(frame, transforms)
        for name, transforms in (("shift", ("shift_x", "shift_y")), ("rotate", ("rotate",)),
                                 ("scale", ("scale",)))
    }
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
            link, model[0].upper(), model[1], f"{n_test:,}", str(part["seed"].nunique()),
            _extremes_label(frame), _clean_cell(part),
            *(_fmt(_of_model(extremes[name], model)["accuracy"])
              for name in ("shift", "rotate", "scale")),
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
        words = f"{_TASK_WORDS.get(task, task)} (`{run.profile}` profile)"
        for sentence in headlines.sentences(table, run.rows, words,
                                            trained_ranges(run.dataset)):
            lines_out.append(f"- {sentence}")
    table_rows = []
    for run in runs:
        table_rows += run_table_rows(run)
    headers = [
        "task / profile", "model", "augmentation", "n test", "seeds", "grid extremes", "clean",
        "largest shift", "largest rotation", "extreme scales",
        f"worst-of-grid ({summary.describe_limits(summary.ENGSTROM_LIMITS)})",
        "relative robustness (mean over transforms)",
    ]
    lines_out += [
        "",
        "## All tasks",
        "",
        "Largest shift: mean accuracy at the largest horizontal and vertical shifts, both "
        "directions; largest rotation: both directions; extreme scales: the smallest and the "
        "largest factor (the grid extremes column gives them). Clean accuracy with one seed "
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
