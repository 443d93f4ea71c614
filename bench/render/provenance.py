"""Where a run's numbers came from: every environment its models were trained and swept in."""

from __future__ import annotations

from collections import defaultdict

from bench.results.loading import RunData


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
