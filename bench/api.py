"""``bench.evaluate(model, task="mnist")``: ``bench eval`` from Python, returning results.

The same pipeline as the command (:func:`bench.evaluate.pipeline.run_eval`): the same
sweep, stored rows, statistics and report in a run folder; :class:`EvalResult` reads them
back (:mod:`bench.evaluate.export`'s tidy table) and gates them with ``bench check``'s code
(:func:`bench.evaluate.check.check_runs`). Units: magnitudes in each transform's catalog
unit (px, deg, x for a scale factor); accuracies are shares in [0, 1]; ``max_drop`` is in
percentage points, as for ``bench check``. Keras is imported only when ``evaluate`` runs.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from bench.config import ChoiceError

#: Default folder of run folders, as ``bench eval``'s (relative to the current folder).
DEFAULT_RUNS = Path("runs") / "eval"
#: Subfolder of a run folder where in-memory models and arrays are written to be evaluated.
INPUTS = "inputs"


@dataclass(frozen=True)
class CheckOutcome:
    """``bench check``'s verdict on a run: ``rows`` (one
    :class:`bench.evaluate.check.CheckResult` per model group x clean/transform: accuracies
    in %, the drop in pp with its 95% interval, and ``fails``), ``passed`` when none fails.
    ``str()`` is the command's table and verdict line; ``bool()`` is ``passed``, so
    ``assert result.check(max_drop=2)`` gates a test."""

    rows: list
    max_drop: float
    run: Path
    against: Path

    @property
    def passed(self) -> bool:
        return not any(row.fails for row in self.rows)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        from bench.evaluate.check import render

        return render(self.rows, self.max_drop)


@dataclass(frozen=True)
class EvalResult:
    """What :func:`evaluate` wrote and measured.

    folder: the run folder (rows/, models.jsonl, dataset.json, report.md); report: the
    report's path; model_keys: the stored keys of this evaluation's models (yours first,
    then the baseline's where one was given); reference: the reference run folder compared
    with, or None.
    """

    folder: Path
    report: Path
    model_keys: tuple[str, ...]
    reference: Path | None = None

    @cached_property
    def frame(self) -> pd.DataFrame:
        """This evaluation's rows as a tidy DataFrame, one row per model x transform x
        magnitude, the columns of ``bench export`` (:data:`bench.evaluate.export.COLUMNS`:
        ``transform_name``, ``magnitude`` with ``magnitude_unit``, ``accuracy_share`` in
        [0, 1], ...)."""
        from bench.evaluate.export import load_run

        table = load_run(self.folder)
        return table[table["model_key"].isin(self.model_keys)].reset_index(drop=True)

    def _yours(self) -> pd.DataFrame:
        table = self.frame
        return table[table["model_key"] == self.model_keys[0]]

    def accuracy(self, transform: str, magnitude: float) -> float:
        """Your model's accuracy (a share in [0, 1] over the test images) under
        ``transform`` at ``magnitude`` (in the transform's unit: px, deg, or x for a scale
        factor); KeyError naming the evaluated cells when that cell was not swept."""
        from bench.evaluate.export import DECIMALS

        mine = self._yours()
        cell = mine[(mine["transform_name"] == transform)
                    & (mine["magnitude"] == round(float(magnitude), DECIMALS))]
        if cell.empty:
            raise KeyError(f"{transform} at {magnitude:g} was not evaluated; available: "
                           f"{self.cells()}")
        return float(cell["accuracy_share"].iloc[0])

    def cells(self) -> str:
        """The evaluated cells in one line: ``shift_x: -2, 0, 2 px; rotate: ...``."""
        mine = self._yours()
        parts = []
        for name, group in mine.groupby("transform_name", sort=False):
            magnitudes = ", ".join(f"{m:g}" for m in group["magnitude"])
            parts.append(f"{name}: {magnitudes} {group['magnitude_unit'].iloc[0]}")
        return "; ".join(parts)

    @property
    def clean_accuracy(self) -> float:
        """Your model's accuracy on the untransformed test images, a share in [0, 1]."""
        return float(self._yours()["clean_accuracy_share"].iloc[0])

    def check(self, max_drop: float = 2.0, against: Path | str | None = None,
              reference_model: str | None = None) -> CheckOutcome:
        """``bench check`` of this run folder against ``against`` (a run folder; default:
        the reference compared with). ``max_drop``: the largest tolerated drop in accuracy,
        in percentage points; a row fails when its drop and the lower end of the drop's 95%
        interval both exceed it. ``reference_model`` ("cnn/none"): the family of a
        reference holding several to hold your model against. ChoiceError for a max_drop
        that is not a finite number >= 0, or when there is nothing to check against."""
        from bench.evaluate.check import check_runs, max_drop_value

        if isinstance(max_drop, bool) or not isinstance(max_drop, int | float | str):
            raise ChoiceError(f"max_drop={max_drop!r}: expected a finite number of percentage "
                              "points >= 0, e.g. 2")
        limit = max_drop_value(max_drop)
        folder = Path(against) if against is not None else self.reference
        if folder is None:
            raise ChoiceError(f"{self.folder}: evaluated without a reference; pass against=RUN "
                              "(a run folder) to check against")
        return CheckOutcome(check_runs(self.folder, folder, limit,
                                       reference_model=reference_model), limit,
                            self.folder, folder)


def _transforms(value: str | Sequence[str] | None) -> tuple[str, ...] | None:
    from bench.evaluate.grids import parse_transforms

    if value is None or isinstance(value, str):
        return parse_transforms(value)
    return parse_transforms(",".join(value))


def _grid(value: str | Mapping | None) -> dict[str, tuple[float, ...]]:
    """``"rotate=-30:30:5"`` or ``{"rotate": [0, 15, 30], "scale": "0.8:1.2:0.1"}`` ->
    transform -> magnitudes, validated by ``bench eval --grid``'s parser."""
    from bench.evaluate.grids import parse_grid

    if value is None or isinstance(value, str):
        return parse_grid(value)
    grid: dict[str, tuple[float, ...]] = {}
    for name, spec in value.items():
        if isinstance(spec, str | int | float):
            grid.update(parse_grid(f"{name}={spec}"))
        else:
            grid[name] = tuple(m for one in spec for m in parse_grid(f"{name}={one!r}")[name])
    return grid


def _reference(reference, profile, data: Path | None) -> Path | None:
    """The reference run folder, resolved as ``bench eval`` resolves ``--reference``
    (:func:`bench.evaluate.commands.eval_reference`): ``"auto"`` as the flag left out (the
    checkout's published results, none for your own ``data``), None as
    ``--no-reference``, a run folder (holding rows/) as it is, another path as
    ``--reference PATH`` (then ``<path>/<task>/<run name>``)."""
    from types import SimpleNamespace

    from bench.evaluate.commands import eval_reference

    if reference is None:
        return None
    if isinstance(reference, str) and reference == "auto":
        reference = None
    elif (Path(reference) / "rows").is_dir():
        return Path(reference)
    return eval_reference(SimpleNamespace(no_reference=False, data=data,
                                          reference=None if reference is None
                                          else Path(reference)), profile)


def _options(options: dict) -> tuple[dict, dict]:
    """Split keyword options into InputContract fields and the other EvalRequest fields;
    ChoiceError naming the valid ones for anything else."""
    from bench.evaluate.contract import InputContract
    from bench.evaluate.pipeline import EvalRequest

    contract = {f.name for f in dataclasses.fields(InputContract)}
    request = {f.name for f in dataclasses.fields(EvalRequest)} - set(REQUEST_SET_HERE)
    unknown = set(options) - contract - request
    if unknown:
        raise ChoiceError(f"bench.evaluate: unknown option(s) {', '.join(sorted(unknown))}; "
                          f"valid: {', '.join(sorted(contract | request))}")
    return ({k: v for k, v in options.items() if k in contract},
            {k: v for k, v in options.items() if k in request})


#: EvalRequest fields that evaluate() sets from its own arguments.
REQUEST_SET_HERE = ("model", "profile", "contract", "folder", "command", "data", "reference")


def _stage_data(data, folder: Path) -> Path | None:
    """A path as given; ``(x_test, y_test)`` arrays written to ``<folder>/inputs/`` as the
    npz ``bench eval --data`` reads (uint8 (N, H, W[, C]) images, integer labels)."""
    if data is None or isinstance(data, str | os.PathLike):
        return None if data is None else Path(data)
    x, y = data
    x, y = np.asarray(x), np.asarray(y)
    from bench.data.types import checksum

    path = folder / INPUTS / f"test-{checksum(x, y)[:12]}.npz"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, x_test=x, y_test=y)
    return path


def _describe(model, task, profile, transforms, grid, options) -> str:
    """The call as one line of Python, for the report."""
    shown = model if isinstance(model, str | os.PathLike) else f"<{type(model).__name__}>"
    words = [repr(str(shown)), f"task={task!r}", f"profile={profile!r}"]
    words += [f"{k}={v!r}" for k, v in (("transforms", transforms), ("grid", grid),
                                        *sorted(options.items())) if v is not None]
    return f"bench.evaluate({', '.join(words)})"


def _model_source(model, folder: Path, scale: float, image_shape: Callable[[], tuple]):
    """A context manager giving the source text ``bench eval`` takes for a path or
    ``module:function`` text (as given), a keras.Model (saved under ``<folder>/inputs/``)
    or a callable (served as a module while the block runs)."""
    from contextlib import nullcontext

    from bench import api_models

    if isinstance(model, str | os.PathLike):
        return nullcontext(os.fspath(model))
    import keras

    if isinstance(model, keras.Model):
        return nullcontext(str(api_models.save_keras(model, folder / INPUTS)))
    if callable(model):
        identity = api_models.callable_identity(model, image_shape(), scale)
        return api_models.served_callable(model, identity, folder / INPUTS)
    raise ChoiceError(f"bench.evaluate: model of type {type(model).__name__}; expected a path, "
                      "'package.module:function', a keras.Model or a callable from float32 "
                      "images (N, H, W, C) to outputs (N, K)")


def _stem(model) -> str:
    if isinstance(model, str | os.PathLike):
        text = os.fspath(model)
        if ":" in text and not Path(text).exists():
            return text.rsplit(":", 1)[-1]
        return Path(text).stem or Path(text).name
    from bench.api_models import _name

    return _name(model, "model")


def evaluate(model, task: str = "mnist", transforms: str | Sequence[str] | None = None,
             grid: str | Mapping | None = None, profile: str = "quick", data=None,
             out: Path | str | None = None, reference: Path | str | None = "auto",
             **options) -> EvalResult:
    """Evaluate ``model`` as ``bench eval`` does and return an :class:`EvalResult`.

    model: a path (``.keras``/``.h5``, a SavedModel folder, or any other format ``bench
    eval`` loads), ``"package.module:function"``, an in-memory ``keras.Model`` (saved under
    ``<out>/inputs/``) or a Python callable from float32 images (N, H, W, C), in the input
    range, to outputs (N, K) (served to the pipeline as a function; the probe-batch hash of
    its outputs names it, so a changed function never reuses rows). task: e.g. ``"mnist"``.
    transforms: names to sweep (``"shift_x,rotate"`` or a list); grid: magnitudes in each
    transform's unit, as ``--grid`` text (``"rotate=-30:30:5"``) or a dict (``{"rotate":
    [0, 15, 30]}``); profile: ``smoke``, ``quick`` or ``book`` (grid and test-image count).
    data: your test images, a path (npz with x_test/y_test, or a folder per class) or a
    tuple ``(x_test uint8 (N, H, W[, C]), y_test)``; default the task's data set. out: the
    run folder (default ``runs/eval/<model>-<task>-<profile>``; stored cells are reused).
    reference: ``"auto"`` (as ``bench eval`` without ``--reference``: the checkout's
    published results of the task and profile; none for your own ``data``), None (none), a
    run folder, or a results folder (``--reference``). options: ``input_range`` (``"0-1"``
    or ``"0-255"``), ``outputs`` (``"probs"`` or ``"logits"``) and the other input-contract
    fields; ``classes``, ``source``, ``baseline``, ``seed`` (of the bootstrap), ``force``,
    ``verify_numpy``, ``verbose`` (default False: no progress bars) as for ``bench eval``.

    Raises what the command reports as exit status 2: ChoiceError and its kinds (ModelError,
    DataError...), SanityStop when the clean pass looks like a wrong input contract.
    """
    from bench.catalog.profiles import get_profile
    from bench.evaluate.contract import RANGES, InputContract
    from bench.evaluate.grids import with_grid
    from bench.evaluate.pipeline import EvalRequest, run_eval
    from bench.evaluate.testdata import load_test_data

    chosen = with_grid(get_profile(task, profile), _transforms(transforms), _grid(grid))
    contract_options, request_options = _options(options)
    request_options.setdefault("verbose", False)
    contract = InputContract(**contract_options)
    folder = Path(out) if out is not None else DEFAULT_RUNS / (
        f"{_stem(model)}-{chosen.task}-{chosen.name.value}")
    if folder.exists() and not folder.is_dir():
        raise ChoiceError(f"out={str(folder)!r}: is a file; expected a run folder (created if "
                          "missing)")
    data_path = _stage_data(data, folder)
    ref = _reference(reference, chosen, data_path)
    scale = RANGES[contract.input_range]

    def image_shape() -> tuple:
        return load_test_data(chosen, data_path, request_options.get("classes"),
                              request_options.get("source")).test.x.shape[1:]

    with _model_source(model, folder, scale, image_shape) as source:
        outcome = run_eval(EvalRequest(
            model=source, profile=chosen, contract=contract, folder=folder,
            command=_describe(model, task, profile, transforms, grid, options),
            data=data_path, reference=ref, **request_options))
    return EvalResult(folder, outcome.report, outcome.keys, ref)
