"""The Markdown report of a ``bench eval`` run: data in, text out (``render``), written by
``write``. Every number comes from the stored rows and records. No Keras here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.analysis import verdicts
from bench.analysis.estimates import model_order
from bench.analysis.resample import CONFIDENCE, MIN_SEEDS, Contrast
from bench.catalog import FAMILIES, TASKS, TRANSFORMS
from bench.catalog.transforms import CLEAN
from bench.evaluate.comparison import FamilyComparison
from bench.evaluate.worst import COLUMNS as WORST_COLUMNS
from bench.render.architecture import literature_note
from bench.render.prose import wrap_prose
from bench.render.tables import table
from bench.results.schema import ALL, Row

REPORT = "report.md"


@dataclass(frozen=True)
class BaselineTest:
    """One cell of the baseline comparison: accuracies (shares), discordant counts
    (only A right, only B right) and the exact McNemar p (uncorrected)."""

    transform: str
    magnitude: float
    accuracy_a: float
    accuracy_b: float
    only_a: int
    only_b: int
    p: float


@dataclass
class EvalReportData:
    """What the report shows: model records (the user's first, a baseline second), their
    ``all`` rows, dataset info, the reference comparison (None: no reference on the same
    images, with ``reference_note`` saying why), baseline tests, the NumPy check line, the
    worst-case records of these models and of the reference (on the same images), the
    user's model's layer-by-layer invariance records (or a note why there are none)."""

    task: str
    profile: str
    records: list[dict]
    rows: list[Row]
    dataset: dict
    command: str
    origin: str = ""
    seen_in_training: bool = False
    reference_folder: str | None = None
    comparisons: list[FamilyComparison] | None = None
    reference_note: str = ""
    baseline_tests: list[BaselineTest] = field(default_factory=list)
    numpy_check: str | None = None
    worst_cases: list[dict] = field(default_factory=list)
    invariance: list[dict] = field(default_factory=list)
    invariance_note: str = ""
    figure: str | None = None
    reference_worst_cases: list[dict] = field(default_factory=list)


def _family_label(family: str, augmentation: str) -> str:
    name = FAMILIES[family].label if family in FAMILIES.names() else family
    return f"{name} / {augmentation}"


def _transform_label(transform: str) -> str:
    return "clean" if transform == CLEAN else TRANSFORMS[transform].title.split(" (")[0]


def _interval(d: Contrast | None) -> str:
    if d is None:
        return ""
    return f"{d.diff_pp:+.1f} [{d.low_pp:+.1f}, {d.high_pp:+.1f}]"


def _judged(c: FamilyComparison) -> Contrast | None:
    """The difference a comparison row's verdict is on: the change from clean under a
    transform, the accuracy itself when clean."""
    return c.accuracy_difference if c.transform == CLEAN else c.change_difference


def _verdict(c: FamilyComparison, more: str, less: str) -> str:
    """The row's verdict on the page's Holm-corrected family, with the adjusted p-value."""
    d = _judged(c)
    if d is None:
        return ""
    too_few = d.too_few_seeds()
    if too_few is not None:
        return too_few
    key = ("eval", c.family, c.augmentation, c.transform, round(d.value, 12))
    shown = verdicts.rejects(key, d.p_value)
    adjusted = verdicts.adjusted_p(key)
    word = (more if d.diff_pp > 0 else less) if shown else "not shown after Holm"
    return word if adjusted is None else f"{word} (adj. p {adjusted:.2g})"


def comparison_lines(data: EvalReportData) -> list[str]:
    """The section "Against the reference families"."""
    out = [f"## Against the reference families (`{data.reference_folder}`)", ""]
    if data.comparisons is None:
        return out + [data.reference_note, ""]
    seeds = sorted({c.accuracy_difference.seeds[1] for c in data.comparisons})
    n = data.comparisons[0].accuracy_difference.n if data.comparisons else 0
    out += [
        f"Your model minus each published reference family, on the same {n:,} test images. "
        "Per transform: accuracy averaged over the swept magnitudes other than the identity "
        "(those both runs hold), and its change from clean accuracy (pp; negative = lost). "
        f"Intervals: {CONFIDENCE:.0%}, the reference family's seed spread (t-interval on "
        f"per-seed values, {'/'.join(map(str, seeds))} seeds) combined with paired sampling "
        "of the test images (bench.analysis.resample.contrast, the interval of every "
        "comparison in bench); unadjusted for the number of rows. This compares your trained "
        "model (one fixed model) with a training recipe over seeds; a verdict needs at least "
        f"{MIN_SEEDS} reference seeds. {verdicts.page_line()}", "",
    ]
    lines = []
    for c in data.comparisons:
        lines.append([
            _family_label(c.family, c.augmentation), _transform_label(c.transform),
            f"{c.reference_accuracy:.1f} ({c.accuracy_difference.seeds[1]})",
            f"{c.accuracy:.1f}", _interval(c.accuracy_difference),
            "" if c.reference_change is None else f"{c.reference_change:+.1f}",
            "" if c.change is None else f"{c.change:+.1f}", _interval(c.change_difference),
            _verdict(c, *(("higher", "lower") if c.transform == CLEAN
                          else ("keeps more", "loses more"))),
        ])
    out += [table(lines, ["reference", "transform", "reference % (seeds)", "yours %",
                          "difference pp [95%]", "reference change pp", "your change pp",
                          "difference in change pp [95%]", "verdict"], keys=2), ""]
    return out


def _cell_label(transform: str, magnitude: float) -> str:
    if transform == CLEAN:
        return "clean"
    spec = TRANSFORMS[transform]
    return f"{_transform_label(transform)} {spec.format_magnitude(magnitude)} {spec.unit}"


def baseline_lines(data: EvalReportData) -> list[str]:
    """The section comparing the two fixed models image by image."""
    if not data.baseline_tests:
        return []
    a, b = data.records[0], data.records[1]
    lines = [[_cell_label(t.transform, t.magnitude), f"{t.accuracy_a * 100:.1f}",
              f"{t.accuracy_b * 100:.1f}",
              f"{t.only_a:,}", f"{t.only_b:,}", f"{t.p:.3g}", _mcnemar_verdict(t)]
             for t in data.baseline_tests]
    n = data.rows[0].n if data.rows else 0
    return [
        f"## Against the baseline `{b['source']}`", "",
        f"These two trained models (A: `{a['source']}`, B: `{b['source']}`), compared image "
        f"by image on the same {n:,} test images per cell: exact McNemar test on the "
        "discordant images (binomial at 1/2), two-sided; Holm-adjusted together with every "
        f"other verdict on this page. {verdicts.page_line()} A statement about these two "
        "models, not about how they were trained.", "",
        table(lines, ["cell", "A %", "B %", "only A right", "only B right", "p",
                      "verdict (Holm)"]), "",
    ]


def _defence_words(record: dict) -> str:
    """`` under test-time defence tta (7 forward passes per image)`` or ""."""
    if not record.get("defence"):
        return ""
    return (f" under test-time defence {record['defence']} "
            f"({record.get('forward_passes', 1)} forward passes per image)")


def clean_accuracy(data: EvalReportData, key: str) -> float | None:
    """A model's clean accuracy (%) from its stored identity rows (the tables' source, never
    its record), None when it holds none."""
    found = [r.accuracy for r in data.rows if r.model_key == key and r.group == ALL
             and r.magnitude == TRANSFORMS[r.transform].identity]
    return found[0] * 100 if found else None


def _mcnemar_verdict(t: BaselineTest) -> str:
    """``A better``, ``B better`` or ``not shown after Holm``, with the adjusted p-value."""
    key = ("mcnemar", t.transform, t.magnitude)
    shown = verdicts.rejects(key, t.p)
    adjusted = verdicts.adjusted_p(key)
    word = ("A better" if t.only_a > t.only_b else "B better") if shown else \
        "not shown after Holm"
    return word if adjusted is None else f"{word} (adj. p {adjusted:.2g})"


def _rows_of(data: EvalReportData, key: str, transform: str) -> list[Row]:
    return sorted((r for r in data.rows if r.model_key == key and r.transform == transform
                   and r.group == ALL), key=lambda r: r.magnitude)


def transform_lines(data: EvalReportData, transform: str) -> list[str]:
    """One transform's table: accuracy [interval] (change), flip rate and MAC per model."""
    spec = TRANSFORMS[transform]
    headers = [spec.unit]
    by_model = []
    for record in data.records:
        rows = {r.magnitude: r for r in _rows_of(data, record["key"], transform)}
        by_model.append(rows)
        label = "yours" if record is data.records[0] else "baseline"
        headers += [f"{label}: accuracy % [95%] (change pp)", f"{label}: flip %",
                    f"{label}: MAC"]
    magnitudes = sorted(set().union(*by_model))
    lines = []
    for magnitude in magnitudes:
        line = [spec.format_magnitude(magnitude)]
        for rows in by_model:
            r = rows.get(magnitude)
            line += (["", "", ""] if r is None else [
                f"{r.accuracy * 100:.1f} [{r.ci_low * 100:.1f}, {r.ci_high * 100:.1f}] "
                f"({r.delta_pp:+.1f})", f"{(1 - r.consistency) * 100:.1f}",
                f"{r.mean_abs_change:.3f}"])
        lines.append(line)
    n = by_model[0][magnitudes[0]].n if magnitudes and magnitudes[0] in by_model[0] else 0
    return [f"## {spec.title}", "",
            f"n = {n:,} test images per cell; accuracy with its 95% bootstrap interval over "
            "images, and the change from clean accuracy in pp; flip rate: share of images "
            "whose predicted class differs from the clean prediction; MAC: mean absolute "
            "change of the clean prediction's probability.", "",
            table(lines, headers), ""]


def summary_lines(data: EvalReportData) -> list[str]:
    """Per model and transform: mean accuracy off the identity, the worst cell."""
    lines = []
    for record in data.records:
        for spec in TRANSFORMS:
            rows = [r for r in _rows_of(data, record["key"], spec.name)
                    if r.magnitude != spec.identity]
            if not rows:
                continue
            worst = min(rows, key=lambda r: r.accuracy)
            lines.append([record["source"], spec.title.split(" (")[0],
                          f"{np.mean([r.accuracy for r in rows]) * 100:.1f}",
                          f"{worst.accuracy * 100:.1f} at "
                          f"{spec.format_magnitude(worst.magnitude)} {spec.unit}",
                          f"{np.mean([1 - r.consistency for r in rows]) * 100:.1f}"])
    return ["## Summary by transform", "",
            "Mean over the swept magnitudes other than the identity, and the worst cell.", "",
            table(lines, ["model", "transform", "mean accuracy %", "worst accuracy %",
                          "mean flip %"]), ""]


def worst_case_lines(data: EvalReportData) -> list[str]:
    """Engstrom's worst case: these models, then the reference families (mean ± std over
    seeds)."""
    if not data.worst_cases:
        return []
    lines = [[f"`{r['source']}`", "1", f"{record['n_images']:,}",
              *(f"{record[key] * 100:.1f}" for key in WORST_COLUMNS)]
             for r, record in zip(data.records, data.worst_cases, strict=True)]
    groups: dict[tuple[str, str], list[dict]] = {}
    for record in data.reference_worst_cases:
        groups.setdefault((record["family"], record["augmentation"]), []).append(record)
    for (family, augmentation), members in sorted(groups.items(),
                                                  key=lambda item: model_order(item[0])):
        cells = []
        for key in WORST_COLUMNS:
            values = np.array([m[key] for m in members]) * 100
            spread = f" ± {values.std(ddof=1):.1f}" if len(values) > 1 else ""
            cells.append(f"{values.mean():.1f}{spread}")
        lines.append([f"reference {_family_label(family, augmentation)}", str(len(members)),
                      f"{members[0]['n_images']:,}", *cells])
    return ["## Worst case over shifts and rotations (Engstrom et al. 2019)", "",
            "Per test image, the worst over the grid of 5 x shifts, 5 y shifts (−3 to +3 px) "
            "and 31 rotations (−30° to +30°), and over 10 seeded random draws from the same "
            "ranges: an image counts only if every transform is classified correctly. On "
            "the profile's seeded test subset; accuracy in %, reference families mean ± "
            "std over seeds.", "",
            table(lines, ["model", "seeds", "n test images", *WORST_COLUMNS.values()]), "",
            *literature_note(data.task)]


def invariance_lines(data: EvalReportData) -> list[str]:
    """Layer-by-layer invariance of the user's model: per stage, the error of each line of
    :data:`bench.render.architecture.LINES` (or the note why it was not measured)."""
    from bench.render.architecture import LINES, headline_errors

    title = ["## Where invariance is lost, layer by layer", ""]
    if not data.invariance:
        return title + [data.invariance_note, ""] if data.invariance_note else []
    errors = headline_errors(data.invariance)
    wide = errors.pivot_table(index=["stage", "label", "stride"], columns="line",
                              values="error").reset_index().sort_values("stage")
    lines = [[str(r["stage"]), r["label"], str(r["stride"]),
              *(f"{r[line]:.3f}" if line in r and not np.isnan(r[line]) else ""
                for line in LINES)] for _, r in wide.iterrows()]
    n = data.invariance[0].get("n_images", 0)
    return title + [
        f"Relative error of each layer's output when the input is shifted or rotated "
        f"(n = {n:,} test images, through the NumPy engine): for feature maps the "
        "equivariance error against the clean map moved the same way, for vectors the "
        "invariance error; averaged over the line's transforms (docs/metrics.md).", "",
        table(lines, ["stage", "layer", "stride (px)", *LINES]), ""]


def setup_lines(data: EvalReportData) -> list[str]:
    """Provenance: data, each model record, the environment."""
    info = data.dataset
    out = ["## Setup and provenance", "",
           f"- **Data**: `{info.get('name')}` from `{info.get('source')}`, checksum "
           f"`{info.get('checksum')}`; classes (output order): "
           + ", ".join(f"{i}={c}" for i, c in enumerate(info.get("classes", [])))
           + f"; image shape {tuple(info.get('image_shape', []))}; {info.get('n_test_used'):,} "
           f"test images ({info.get('subset')}).",
           f"- **Grid**: {info.get('grid')}."]
    for record in data.records:
        env = record.get("environment", {})
        params = ("" if record.get("params") is None
                  else f"{record['params']:,} parameters; ")
        out.append(
            f"- **Model** `{record['source']}` ({record['kind']}): SHA-256 "
            f"`{record['sha256']}`; input shape {record.get('input_shape')}; {params}"
            f"inputs {record['input_range']}, outputs read as {record['outputs']}; rows key "
            f"`{record['key']}`, bootstrap seed {record['seed']}.")
        if record.get("outputs_detection"):
            out.append(f"- **Outputs** ({record['source']}): {record['outputs_detection']}.")
        out += [f"- **Note** ({record['source']}): {note}" for note in record.get("notes", [])]
        out += [f"- **Warning** ({record['source']}): {w}" for w in record.get("warnings", [])]
        out.append("- **Environment**: " + ", ".join(f"{k} {v}" for k, v in sorted(env.items())))
    return out + [""]


def render(data: EvalReportData) -> str:
    """The whole report as Markdown."""
    user = data.records[0]
    task = TASKS[data.task]
    transforms = [s.name for s in TRANSFORMS if any(r.transform == s.name for r in data.rows)]
    n = data.rows[0].n if data.rows else 0
    chance = 1 / len(data.dataset.get("classes") or range(task.n_classes))
    warning = [f"> **{data.origin}**", ""] if data.seen_in_training else []
    out = [*warning,
           f"# `{Path(user['source']).name}` on {task.title}: robustness to shifts, "
           f"rotations, scaling and shear (`bench eval`, `{data.profile}` profile)", "",
           *([] if data.seen_in_training else [data.origin, ""]),
           f"*Generated by `{data.command}` from the stored rows of this run folder: n = "
           f"{n:,} test images per cell; chance is {chance * 100:.0f}%. Input contract: "
           f"inputs in {user['input_range']}, outputs read as {user['outputs']}.*", "",
           "## Clean accuracy", ""]
    out += [f"- `{r['source']}`{_defence_words(r)}: {clean:.1f}% on {n:,} test images."
            if clean is not None else f"- `{r['source']}`: no clean cell stored."
            for r in data.records for clean in [clean_accuracy(data, r["key"])]]
    out += [""]
    if data.figure is not None:
        out += [f"![accuracy against magnitude, per transform]({data.figure})", ""]
    if data.reference_folder is not None:
        out += comparison_lines(data)
    else:
        out += ["## Against the reference families", "",
                "None: this run was compared with no published reference (--no-reference, or "
                "your own --data, on which no reference was scored).", ""]
    out += baseline_lines(data)
    out += summary_lines(data)
    for transform in transforms:
        out += transform_lines(data, transform)
    out += worst_case_lines(data)
    out += invariance_lines(data)
    if data.numpy_check is not None:
        out += ["## The NumPy engine on this model", "", data.numpy_check, ""]
    out += setup_lines(data)
    return "\n".join(out) + "\n"


def write(data: EvalReportData, folder: Path) -> Path:
    """Write ``<folder>/report.md``; returns its path."""
    path = Path(folder) / REPORT
    text, _ = verdicts.corrected(lambda: render(data))
    path.write_text(wrap_prose(text), encoding="utf-8")
    return path


def transforms_of(rows: Sequence[Row]) -> list[str]:
    """The catalog transforms the rows hold, in catalog order."""
    stored = {r.transform for r in rows}
    return [s.name for s in TRANSFORMS if s.name in stored]
