"""Where a run's numbers came from: every environment its models were trained and swept in,
and the training data they were checked against."""

from __future__ import annotations

from collections import defaultdict

from bench.analysis.coverage import pair_label
from bench.results.loading import RunData
from bench.results.trained_on import TRAIN_CHECKSUM


def _describe(environment: dict) -> str:
    return ", ".join(f"{key} {value}" for key, value in environment.items())


def environment_lines(run: RunData) -> list[str]:
    """One bullet per distinct environment, naming the models (and the step: training or
    sweep) it produced. Models stored before environments travelled with them fall back to
    the run's dataset.json environment, marked as such."""
    uses: dict[str, list[str]] = defaultdict(list)
    for model in run.models:
        label = f"{model['family']}/{model['augmentation']}/s{model['seed']}"
        for step, key in (("training", "environment"), ("sweep", "sweep_environment")):
            if model.get(key):
                uses[_describe(model[key])].append(f"{label} {step}")
    if not uses:
        legacy = run.dataset.get("environment", {})
        return ["- **Environment** (recorded in dataset.json by the last run that wrote this "
                "folder; these models predate per-model environments): " + _describe(legacy)]
    everything = 2 * len(run.models)
    return ["- **Environment** ("
            + (f"all {len(run.models)} models, training and sweep" if len(steps) == everything
               else ", ".join(steps)) + f"): {environment}"
            for environment, steps in uses.items()]


def training_data_line(run: RunData) -> str:
    """One bullet saying how the models' training data was checked against dataset.json, and
    naming the model records left out because they were trained on other data."""
    expected = run.dataset.get(TRAIN_CHECKSUM)
    if expected is None:
        shown = ", ".join(f"`{c}`" for c in sorted({str(m.get("data_checksum"))
                                                      for m in run.models}))
        line = (f"- **Training data of the models**: checksum {shown} (this dataset.json "
                "predates training-data checksums, so it is not compared).")
    else:
        line = (f"- **Training data of the models**: checksum `{expected}`, the same as the "
                "data above for every model shown.")
    if run.other_data_models:
        labels = ", ".join(f"{m['family']}/{m['augmentation']}/s{m['seed']} "
                           f"(`{m.get('data_checksum')}`)" for m in run.other_data_models)
        line += (f" **Left out: {len(run.other_data_models)} model record(s) of this folder "
                 f"trained on other data**, with their rows: {labels}.")
    return line


#: The setting the published models are trained in (``bench.run.train``: TensorFlow, its
#: tf.data trainer, on a CPU, from committed code); a model trained otherwise is flagged.
REFERENCE_BACKEND, REFERENCE_TRAINER, REFERENCE_DEVICE = "tensorflow", "tf.data", "CPU"
BACKENDS = ("tensorflow", "jax", "torch")
#: The mark beside a flagged model in tables.
MARK = "†"


def model_flags(record: dict) -> list[str]:
    """How one model record's training differs from the reference setting, in words:
    backend, trainer, device, oneDNN recorded off, a working tree with uncommitted changes
    ([]: it does not)."""
    environment = record.get("environment") or {}
    out = []
    backend = next((name for name in BACKENDS if name in environment), None)
    if backend is not None and backend != REFERENCE_BACKEND:
        out.append(f"{backend} backend")
    trainer = record.get("trainer")
    if trainer and trainer != REFERENCE_TRAINER:
        out.append(f"`{trainer}` trainer")
    device = environment.get("device")
    if device and device != REFERENCE_DEVICE:
        out.append(f"on {device}")
    if environment.get("onednn") == "off":  # recorded since the field exists; older: unknown
        out.append("without TensorFlow's oneDNN kernels")
    commit = str(environment.get("commit", ""))
    if commit.endswith("+dirty"):
        out.append(f"from a working tree with uncommitted changes (`{commit}`)")
    return out


def flags_by_model(run: RunData) -> dict[tuple[str, str], str]:
    """(family, augmentation) -> how its models' training differs from the reference, over
    all its seeds (absent: not at all)."""
    found: dict[tuple[str, str], dict[str, None]] = defaultdict(dict)
    for record in run.models:
        for flag in model_flags(record):
            found[(record["family"], record["augmentation"])][flag] = None
    return {model: ", ".join(flags) for model, flags in found.items() if flags}


def flag_line(entries: dict[str, str], compact: bool = False) -> str:
    """``† Trained otherwise than ...: <model>: <how>; ...`` with models of the same
    flags joined; ``entries``: model label -> how it was trained. ``compact`` (the front
    page's first screen) leaves out what the other models were trained with."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for label, words in entries.items():
        grouped[words].append(label)
    reference = "" if compact else (
        f"Trained otherwise than the other published models ({REFERENCE_BACKEND}, "
        f"`{REFERENCE_TRAINER}` trainer, {REFERENCE_DEVICE}, committed code): ")
    return (f"{MARK} {reference}"
            + "; ".join(f"{', '.join(models)}: {words}" for words, models in grouped.items())
            + ".")


def flag_note(run: RunData, compact: bool = False) -> list[str]:
    """One line naming the flagged models of a run and how they were trained ([]: none)."""
    flags = flags_by_model(run)
    return [flag_line({pair_label(f, a): words
                       for (f, a), words in flags.items()}, compact)] if flags else []
