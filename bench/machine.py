"""A description of the machine, libraries and code a run used, for provenance."""

from __future__ import annotations

import datetime
import functools
import os
import platform
import subprocess
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent


CPUINFO = Path("/proc/cpuinfo")


@functools.cache
def _first_processor(cpuinfo: Path = CPUINFO) -> dict[str, str] | None:
    """The fields of the first processor in ``cpuinfo`` (read once per path), None without
    the file."""
    if not cpuinfo.is_file():
        return None
    fields: dict[str, str] = {}
    for line in cpuinfo.read_text(errors="replace").splitlines():
        if not line.strip():
            break
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return fields


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, else platform.processor()."""
    return ((_first_processor() or {}).get("model name") or platform.processor()
            or "unknown")


#: Vector extensions named in /proc/cpuinfo's flags, widest first: the first one present is
#: the CPU's ISA in the environment (it picks TensorFlow's, oneDNN's and BLAS's kernels).
VECTOR_EXTENSIONS = ("avx512f", "avx2", "avx", "sse4_2")


def cpu_isa(cpuinfo: Path = CPUINFO) -> str:
    """The widest of :data:`VECTOR_EXTENSIONS` the CPU has (e.g. ``avx2``), ``none`` if it has
    none of them, ``unknown`` without ``cpuinfo``."""
    fields = _first_processor(cpuinfo)
    if fields is None:
        return "unknown"
    flags = set(fields.get("flags", "").split())
    return next((name for name in VECTOR_EXTENSIONS if name in flags), "none")


def onednn() -> str:
    """``on`` or ``off``: whether TensorFlow runs its oneDNN CPU kernels in this process
    (``bench`` turns them on: ``bench/__init__.py``); ``n/a`` under another Keras backend,
    ``unknown`` where TensorFlow no longer has the private function that tells."""
    import keras

    if keras.backend.backend() != "tensorflow":
        return "n/a"
    try:
        from tensorflow.python.util._pywrap_util_port import IsMklEnabled
    except ImportError:
        return "unknown"
    return "on" if IsMklEnabled() else "off"


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
    """CPU, its vector ISA, cores, device, OS, library versions (the image decoders' and
    OpenCV's warps' among them), whether oneDNN ran, code commit and date (UTC) of this
    process: what shapes the results it computes."""
    import cv2
    import keras
    import numpy
    import PIL
    import skimage
    import sklearn

    backend = keras.backend.backend()
    return {
        "cpu": cpu_model(),
        "cpu_isa": cpu_isa(),
        "cores": str(os.cpu_count()),
        "device": compute_device(),
        "os": platform.platform(),
        "python": platform.python_version(),
        backend: __import__(backend).__version__,
        "onednn": onednn(),
        "keras": keras.__version__,
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
        "opencv": cv2.__version__,
        "pillow": PIL.__version__,
        "scikit-image": skimage.__version__,
        "commit": code_commit(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
