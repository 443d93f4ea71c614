"""A description of the machine, libraries and code a run used, for provenance."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, else platform.processor()."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def code_commit() -> str:
    """The git commit of the bench code (``+dirty`` with uncommitted changes), or
    ``unknown`` outside a git checkout."""
    try:
        commit = subprocess.run(["git", "-C", str(_REPO), "rev-parse", "--short=12", "HEAD"],
                                capture_output=True, text=True, timeout=5, check=True)
        status = subprocess.run(["git", "-C", str(_REPO), "status", "--porcelain",
                                 "--untracked-files=no", "--", "bench"],
                                capture_output=True, text=True, timeout=5, check=True)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit.stdout.strip() + ("+dirty" if status.stdout.strip() else "")


def compute_device() -> str:
    """The devices Keras' backend computes on: ``CPU`` or the accelerator names."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        return ", ".join(gpu.name for gpu in gpus) if gpus else "CPU"
    if backend == "jax":
        import jax

        devices = [d for d in jax.devices() if d.platform != "cpu"]
        return ", ".join(d.device_kind for d in devices) if devices else "CPU"
    return f"{backend} (device not inspected)"


def environment() -> dict[str, str]:
    """CPU, cores, device, OS, library versions, code commit and date (UTC) of this
    process: what shapes the results it computes."""
    import keras
    import numpy
    import sklearn

    backend = keras.backend.backend()
    return {
        "cpu": cpu_model(),
        "cores": str(os.cpu_count()),
        "device": compute_device(),
        "os": platform.platform(),
        "python": platform.python_version(),
        backend: __import__(backend).__version__,
        "keras": keras.__version__,
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
        "commit": code_commit(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
