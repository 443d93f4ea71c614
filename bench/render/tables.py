"""The tables of a task report, from a :class:`bench.analysis.runs.RunView`.

Accuracies in %, each with the one 95% two-level interval its cell has (seeds, then test
images); flip rate and MAC as mean ± sample std over seeds.
"""

from __future__ import annotations

import pandas as pd
from tabulate import tabulate

from bench.analysis import conditions, metrics, summary
from bench.analysis.coverage import pair_label as model_label
from bench.analysis.estimates import model_order
from bench.analysis.resample import MIN_SEEDS, Estimate
from bench.analysis.runs import RunView
from bench.analysis.sentences import ratio_shown
from bench.catalog import FAMILIES, TRANSFORMS, groups
from bench.catalog.profiles import profile_of_run
from bench.results.schema import ALL

#: Widest table line (characters) a report prints; wider tables are split by columns.
MAX_WIDTH = 120


def _render(lines: list[list[str]], headers: list[str]) -> str:
    return tabulate(lines, headers=headers, tablefmt="github", disable_numparse=True)


def _width(text: str) -> int:
    return max(len(line) for line in text.splitlines())


def table(lines: list[list[str]], headers: list[str], keys: int = 1) -> str:
    """GitHub Markdown table, cells as given; wider than MAX_WIDTH, it is split into several
    tables of consecutive columns, each repeating the first ``keys`` columns."""
    whole = _render(lines, headers)
    if _width(whole) <= MAX_WIDTH or len(headers) <= keys + 1:
        return whole
    parts, group = [], []
    for column in range(keys, len(headers)):
        chosen = [*range(keys), *group, column]
        trial = _render([[line[i] for i in chosen] for line in lines],
                        [headers[i] for i in chosen])
        if group and _width(trial) > MAX_WIDTH:
            parts.append(group)
            group = [column]
        else:
            group.append(column)
    parts.append(group)
    return "\n\n".join(_render([[line[i] for i in [*range(keys), *part]] for line in lines],
                                [headers[i] for i in [*range(keys), *part]]) for part in parts)


def with_ci(estimate: Estimate | None, scale: float = 100.0, digits: int = 1) -> str:
    """``98.1 [97.9, 98.3]``: the value and its 95% interval (x scale); empty for None."""
    if estimate is None:
        return ""
    return (f"{estimate.value * scale:.{digits}f} [{estimate.low * scale:.{digits}f}, "
            f"{estimate.high * scale:.{digits}f}]")


def shown(estimate: Estimate | None, scale: float = 100.0, digits: int = 1) -> str:
    """:func:`with_ci` with at least MIN_SEEDS seeds, else the value alone."""
    if estimate is None or estimate.seeds >= MIN_SEEDS:
        return with_ci(estimate, scale, digits)
    return f"{estimate.value * scale:.{digits}f}"


def cell_ci(row: pd.Series) -> str:
    """A summary-table row's accuracy with its interval, in %."""
    return (f"{row['accuracy'] * 100:.1f} [{row['ci_low'] * 100:.1f}, "
            f"{row['ci_high'] * 100:.1f}]")


def _mean_std(values: list[float], scale: float, fmt: str) -> str:
    mean, std, count = metrics.seed_summary(values)
    return f"{mean * scale:{fmt}} ± {std * scale:{fmt}}" if count > 1 else f"{mean * scale:{fmt}}"


def clean_table(view: RunView, marks: dict | None = None) -> str:
    """Clean accuracy with its interval, seed spread, n, parameters and training time;
    ``marks``: model -> mark after its name (provenance). Each augmentation's ranges (its
    stored words) are listed under the table, one line each, so no cell outgrows a page."""
    models = pd.DataFrame(view.run.models)
    ranges: dict[str, str] = {}
    lines = []
    for family, augmentation in view.estimates.models():
        clean = view.estimates.clean((family, augmentation))
        trained = models[(models["family"] == family) & (models["augmentation"] == augmentation)]
        per_seed = view.frame[(view.frame["family"] == family)
                              & (view.frame["augmentation"] == augmentation)
                              & (view.frame["group"] == ALL)].drop_duplicates("seed")
        if len(trained):
            ranges.setdefault(augmentation, trained["augmentation_ranges"].iloc[0])
        lines.append([
            FAMILIES[family].label + (marks or {}).get((family, augmentation), ""),
            augmentation, shown(clean), _mean_std(per_seed["clean_accuracy"].tolist(), 100, ".1f"),
            f"{clean.n:,}", str(clean.seeds),
            f"{int(trained['params'].iloc[0]):,}" if len(trained) else "",
            f"{trained['train_seconds'].mean():.1f}" if len(trained) else "",
        ])
    words = "\n".join(f"- `{augmentation}`: {text}" for augmentation, text in ranges.items())
    return (table(lines, ["model", "augmentation", "clean accuracy (%) [95% CI]",
                          "mean ± std over seeds", "n test images", "seeds", "parameters",
                          "training time (s, mean)"], keys=2)
            + (f"\n\nAugmentation ranges (as trained):\n\n{words}" if words else ""))


def _models_of(view: RunView, part: pd.DataFrame) -> list[tuple[str, str]]:
    return [m for m in view.estimates.models()
            if ((part["family"] == m[0]) & (part["augmentation"] == m[1])).any()]


def transform_table(view: RunView, transform: str, intervals: bool = False,
                    marks: dict | None = None) -> str:
    """Rows: models; columns: magnitudes; cells: accuracy in %, with its [95% interval]
    where ``intervals`` and the cell has at least MIN_SEEDS seeds. ``marks``: model -> mark
    after its name (provenance)."""
    spec = TRANSFORMS[transform]
    part = view.table[(view.table["transform"] == transform) & (view.table["group"] == ALL)]
    magnitudes = sorted(set(part["magnitude"]))
    lines = []
    for family, augmentation in _models_of(view, part):
        mine = part[(part["family"] == family) & (part["augmentation"] == augmentation)]
        line = [model_label(family, augmentation) + (marks or {}).get((family, augmentation),
                                                                      "")]
        for magnitude in magnitudes:
            cell = mine[mine["magnitude"] == magnitude]
            if cell.empty:
                line.append("")
            elif intervals and cell.iloc[0]["seeds"] >= MIN_SEEDS:
                line.append(cell_ci(cell.iloc[0]))
            else:
                line.append(f"{cell.iloc[0]['accuracy'] * 100:.1f}")
        lines.append(line)
    headers = ["model"] + [f"{spec.format_magnitude(m)} {spec.unit}" for m in magnitudes]
    seeds = [sorted(set(part[(part["family"] == f) & (part["augmentation"] == a)]["seeds"]))
             for f, a in _models_of(view, part)]
    if len({tuple(s) for s in seeds}) > 1:  # rows differ: each says its seeds
        lines = [[line[0], "-".join(str(int(c)) for c in dict.fromkeys([s[0], s[-1]])),
                  *line[1:]] for line, s in zip(lines, seeds, strict=True)]
        headers.insert(1, "seeds")
        return table(lines, headers, keys=2)
    return table(lines, headers)


def headline_condition(view: RunView, transform: str) -> conditions.Condition:
    """The transform's headline distance, both directions, as swept by the run."""
    distance = conditions.headline_distance(transform, view.swept[transform])
    if distance is None:
        return ()
    return conditions.both_directions(transform, distance, view.swept[transform])


def flip_table(view: RunView, transform: str) -> str:
    """Per model at the headline distance (both directions): accuracy [95% CI], flip rate
    (% of images whose predicted class changes) and MAC, mean ± std over seeds."""
    condition = headline_condition(view, transform)
    frame = view.frame[(view.frame["group"] == ALL) & (view.frame["transform"] == transform)
                       & view.frame["magnitude"].isin([m for _, m in condition])]
    lines = []
    for model in view.estimates.models():
        rows = frame[(frame["family"] == model[0]) & (frame["augmentation"] == model[1])]
        if rows.empty:
            continue
        per_seed = rows.groupby("seed")[["consistency", "mean_abs_change"]].mean()
        lines.append([model_label(*model),
                      shown(view.estimates.accuracy(model, condition)),
                      _mean_std((1 - per_seed["consistency"]).tolist(), 100, ".1f"),
                      _mean_std(per_seed["mean_abs_change"].tolist(), 1, ".3f")])
    return table(lines, ["model", "accuracy (%) [95% CI]", "flip rate (%)", "MAC"])


def robustness_table(view: RunView) -> str:
    """Relative robustness above chance per transform, worst- and random-of-grid accuracy,
    per model, each with its interval."""
    transforms = [spec.name for spec in TRANSFORMS if spec.name in view.swept]
    lines = []
    for model in view.estimates.models():
        line = [FAMILIES[model[0]].label, model[1]]
        meaningful = ratio_shown(view.estimates, model)
        line += [shown(view.estimates.relative(model, t), scale=1, digits=2) if meaningful
                 else "—" for t in transforms]
        line += [shown(view.estimates.of_grid(model, summary.ENGSTROM_LIMITS, adversary))
                 for adversary in ("worst", "random")]
        lines.append(line)
    headers = ["model", "augmentation"] + [f"rel. robustness {t}" for t in transforms]
    return table(lines, headers + ["worst-of-grid (%)", "random-of-grid (%)"], keys=2)


def probe_table(probes: list[dict]) -> str:
    """The mean-"1" probability of class 1 per shift, mean ± std over seeds."""
    frame = pd.DataFrame(probes)
    models = sorted({(r.family, r.augmentation) for r in frame.itertuples()},
                    key=model_order)
    lines = []
    for shift_px, at in frame.groupby("shift_px", sort=True):
        line = [f"{shift_px:+g}"]
        for family, augmentation in models:
            values = at[(at["family"] == family) & (at["augmentation"] == augmentation)]
            line.append(_mean_std(values["probability"].tolist(), 1, ".3f"))
        lines.append(line)
    return table(lines, ["shift (px)"] + [model_label(*m) for m in models])


#: The book's operations (``bench.run.book_shifts``) in words, in the table's order.
BOOK_OPERATIONS = {"book_left_1px": "book's loop, 1 px left",
                   "book_right_1px": "book's loop, 1 px right",
                   "shift_right_2px": "2 px right (the text)"}


def book_probe_table(probes: list[dict]) -> str:
    """Per model of the ``mean_one_book`` probe, operation and source split: P(class 1) and
    P(class 3), mean ± std over seeds, and the predicted class of each seed."""
    frame = pd.DataFrame([p for p in probes if "operation" in p])
    models = sorted({(r.family, r.augmentation) for r in frame.itertuples()}, key=model_order)
    lines = []
    for family, augmentation in models:
        mine = frame[(frame["family"] == family) & (frame["augmentation"] == augmentation)]
        for operation, words in BOOK_OPERATIONS.items():
            for mean_of in ("train", "test"):
                at = mine[(mine["operation"] == operation) & (mine["mean_of"] == mean_of)]
                if at.empty:
                    continue
                at = at.sort_values("seed")
                lines.append([model_label(family, augmentation), words, mean_of,
                              _mean_std([p[1] for p in at["probabilities"]], 1, ".3f"),
                              _mean_std([p[3] for p in at["probabilities"]], 1, ".3f"),
                              ", ".join(str(c) for c in at["predicted"])])
    return table(lines, ["model", "operation", "mean of", "P(1)", "P(3)",
                         "predicted, by seed"])


def group_table(view: RunView) -> str:
    """Per image group and model: n, clean accuracy and accuracy at each transform's
    headline distance (both directions), each [95% CI]; small groups flagged."""
    profile = profile_of_run(view.run.task, view.run.profile)
    options = dict(profile.data_options) if profile else {}
    names = set(view.table["group"]) - {ALL}
    swept = [spec.name for spec in TRANSFORMS if spec.name in view.swept]
    heads = {t: headline_condition(view, t) for t in swept}
    lines = []
    for group in sorted(names, key=lambda g: groups.sort_key(groups.display_name(g, options))):
        n = int(view.table.loc[view.table["group"] == group, "n"].iloc[0])
        note = (f"n < {groups.MIN_GROUP_IMAGES}: too small to read"
                if n < groups.MIN_GROUP_IMAGES else "")
        for model in view.estimates.models():
            clean = view.estimates.clean(model, group)
            if clean is None:
                continue
            lines.append([groups.display_name(group, options), f"{n:,}", model_label(*model),
                          shown(clean),
                          *(shown(view.estimates.accuracy(model, heads[t], group))
                            for t in swept), note])
    headers = ["group", "n test images", "model", "clean (%) [95% CI]"]
    headers += [f"{conditions.describe(heads[t])} (%)" for t in swept]
    return table(lines, headers + ["note"], keys=3)
