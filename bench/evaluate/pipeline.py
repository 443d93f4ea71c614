"""``bench eval`` end to end: load the data and the model(s), check shapes before anything
runs, sweep into the run folder, compare with the reference and a baseline, write the
report. The CLI (``bench.evaluate.commands``) only parses flags into an :class:`EvalRequest`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bench.analysis.mcnemar import mcnemar_exact
from bench.catalog import TRANSFORMS
from bench.catalog.transforms import CLEAN
from bench.config import ChoiceError, Profile, grid_cells
from bench.evaluate import comparison, figures, numpy_check, worst
from bench.evaluate.contract import InputContract, check_shape
from bench.evaluate.evaluation import (
    BASELINE_FAMILY,
    USER_FAMILY,
    Evaluated,
    check_model,
    evaluate_model,
)
from bench.evaluate.function_source import MODEL_TIMEOUT_S
from bench.evaluate.model_source import load
from bench.evaluate.report import BaselineTest, EvalReportData, transforms_of, write
from bench.evaluate.testdata import TestData, class_order_note, load_test_data
from bench.results.run_info import run_info
from bench.results.store import ResultStore
from bench.run.sweep import PREDICT_BATCH

log = logging.getLogger(__name__)

#: The run name an eval folder records in run.json.
EVAL_RUN_NAME = "eval"
#: The report's figure, relative to the run folder.
FIGURE = Path("figures") / "sweeps.png"


@dataclass(frozen=True)
class EvalRequest:
    """Everything ``bench eval`` was asked: the model source (path or module:function), the
    profile (its grid already chosen), the input contract, where to write (the run folder),
    optional --data/--classes/--source, the published reference folder (None: none), a
    baseline model source, the bootstrap seed, --force, --verify-numpy and the command line
    (for the report)."""

    model: str
    profile: Profile
    contract: InputContract
    folder: Path
    command: str
    data: Path | None = None
    classes: str | None = None
    source: Path | None = None
    reference: Path | None = None
    allow_different: bool = False
    baseline: str | None = None
    seed: int = 0
    force: bool = False
    verify_numpy: bool = False
    verbose: bool = True
    model_timeout: float = MODEL_TIMEOUT_S
    defence: str | None = None


def baseline_tests(a: Evaluated, b: Evaluated) -> list[BaselineTest]:
    """Exact McNemar per cell that both models hold (clean first); the report corrects them
    with the page's other verdicts."""
    cells = [cell for cell in a.correct if cell in b.correct]
    clean = [c for c in cells if c[1] == TRANSFORMS[c[0]].identity][:1]
    chosen = clean + [c for c in cells if c[1] != TRANSFORMS[c[0]].identity]
    raw = []
    for transform, magnitude in chosen:
        ca, cb = a.correct[(transform, magnitude)], b.correct[(transform, magnitude)]
        only_a, only_b, p = mcnemar_exact(ca, cb)
        name = CLEAN if (transform, magnitude) in clean else transform
        raw.append((name, magnitude, float(ca.mean()), float(cb.mean()), only_a, only_b, p))
    return [BaselineTest(*r) for r in raw]


def reference_run(request: EvalRequest, data: TestData):
    """The published reference to compare with (a RunData), or None with ``--no-reference``
    (``request.reference`` None). ChoiceError, before anything is computed, when the folder
    holds no rows or the reference was scored on another task, data set, test-image set or
    grid (unless ``request.allow_different``: then it is kept and only its note is shown)."""
    from bench.analysis.test_set import grid_of, task_of, test_set_differences
    from bench.results.loading import RunData

    folder = request.reference
    if folder is None:
        return None
    if not any(Path(folder).glob("rows/*.jsonl")):
        raise ChoiceError(f"--reference: no published rows in {folder}; give --reference "
                          "RESULTS (the folder holding <task>/<profile>/) or --no-reference")
    reference = RunData.load(folder)
    mine = RunData(request.profile.task, "", [], [], [], data.info)
    differences = test_set_differences((mine, reference),
                                       (request.profile.task, task_of(folder, reference)),
                                       ("this run", "reference"),
                                       (set(grid_cells(request.profile.grid)),
                                        grid_of(reference)))
    if differences and not request.allow_different:
        raise ChoiceError(f"the reference {folder} is not comparable ({'; '.join(differences)})"
                          "; evaluate with the reference's profile and data, or add "
                          "--allow-different (no paired comparison is then made) or "
                          "--no-reference")
    return reference


def _reference_part(request: EvalRequest, reference, user: Evaluated,
                    data: TestData) -> tuple[list | None, str, list[dict], dict]:
    """(comparisons, note, worst-case records, curves): the reference families on the same
    images, or None, why not, [] and {}."""
    from bench.analysis.test_set import same_images
    from bench.results.loading import RunData

    if not same_images(reference, RunData(request.profile.task, "", [], [], [], data.info)):
        return None, (f"The reference in `{request.reference}` was computed on other test "
                      f"images (`{reference.dataset.get('name')}`, "
                      f"{reference.dataset.get('n_test_used')} images; this run: "
                      f"`{data.info.get('name')}`, {data.info.get('n_test_used')}), so no "
                      "paired comparison is made (--allow-different)."), [], {}
    transforms = transforms_of(user.rows)
    mine = user.worst_case
    worst_cases = [p for p in reference.probes if mine is not None and p["probe"] == worst.PROBE
                   and p.get("n_images") == mine["n_images"]]
    return (comparison.compare(user.rows, reference.rows, reference.models, transforms), "",
            worst_cases, figures.reference_members(reference.rows, reference.models))


def test_images_origin(data: TestData) -> tuple[str, bool]:
    """(where the test images come from, in one sentence; whether they come from a training
    split, i.e. a model trained on the original data set may have seen them)."""
    from bench.catalog import DATASETS

    name = str(data.info.get("name"))
    n = data.info.get("n_test_used")
    if name.startswith("user:"):
        return f"Test images: {n:,} from your --data `{data.info.get('source')}`.", False
    seen = DATASETS[name].seen_in_training if name in DATASETS.names() else None
    if seen is None:
        return f"Test images: {n:,} from the test split of data set `{name}`.", False
    return (f"Test images: {n:,} of data set `{name}`, from {seen}: a model trained on that "
            "split has seen them, so its accuracies here read high. For the held-out test "
            "split, run with --profile book and the full data set (BENCH_DATA_DIR or "
            "--source), or pass your own --data.", True)


@dataclass(frozen=True)
class EvalOutcome:
    """What ``bench eval`` wrote: the report and the stored model keys (yours first, then
    the baseline's)."""

    report: Path
    keys: tuple[str, ...]


def run_eval(request: EvalRequest) -> EvalOutcome:
    """Evaluate and report; returns the report's path and the model keys. ModelError /
    DataError / SanityStop for bad input (nothing written before the shape check and the
    sanity stop pass)."""
    profile = request.profile
    data = load_test_data(profile, request.data, request.classes, request.source)
    origin, seen_in_training = test_images_origin(data)
    (log.warning if seen_in_training else log.info)("%s", origin)
    reference = reference_run(request, data)
    model = load(request.model, PREDICT_BATCH, request.model_timeout)
    check_shape(model, data.test.x.shape[1:], request.contract)
    baseline = None
    if request.baseline is not None:
        baseline = load(request.baseline, PREDICT_BATCH, request.model_timeout)
        check_shape(baseline, data.test.x.shape[1:], request.contract)
    log.info("bench eval %s on %s (%s profile): %d test images %s; %s; classes %s",
             request.model, profile.task, profile.name.value, len(data.test.y),
             tuple(data.test.x.shape[1:]), request.contract.describe(),
             class_order_note(data.classes))
    checked = [check_model(m, request.contract, data, request.force, request.defence,
                           profile)
               for m in (model, baseline) if m is not None]  # the stop writes nothing
    with ResultStore(request.folder) as store:
        store.write_run_info(run_info(profile.task, EVAL_RUN_NAME, profile.name.value))
        evaluated = [evaluate_model(one, data, profile, store, family, request.seed,
                                    request.verbose)
                     for one, family in zip(checked, (USER_FAMILY, BASELINE_FAMILY),
                                            strict=False)]
        user = evaluated[0]
    comparisons, note, reference_worst, curves = (None, "", [], {})
    if reference is not None:
        comparisons, note, reference_worst, curves = _reference_part(request, reference, user,
                                                                     data)
    figure = figures.sweep_figure(
        [(f"{'yours' if e is user else 'baseline'} ({Path(e.record.source).name})", e.rows)
         for e in evaluated], curves, 1 / len(data.classes), len(data.test.y),
        request.folder / FIGURE)
    numpy_line = (numpy_check.verify(model, request.contract, data.test.x)
                  if request.verify_numpy else None)
    report = EvalReportData(
        task=profile.task, profile=profile.name.value,
        records=[vars(e.record) for e in evaluated],
        rows=[r for e in evaluated for r in e.rows], dataset={**data.info,
                                                              "grid": user.record.grid},
        command=request.command, origin=origin, seen_in_training=seen_in_training,
        reference_folder=None if request.reference is None else str(request.reference),
        comparisons=comparisons, reference_note=note,
        baseline_tests=baseline_tests(user, evaluated[1]) if baseline is not None else [],
        numpy_check=numpy_line,
        worst_cases=[e.worst_case for e in evaluated if e.worst_case is not None],
        reference_worst_cases=reference_worst,
        invariance=user.invariance, invariance_note=user.invariance_note,
        figure=figure.relative_to(request.folder).as_posix(),
    )
    return EvalOutcome(write(report, request.folder), tuple(e.record.key for e in evaluated))
