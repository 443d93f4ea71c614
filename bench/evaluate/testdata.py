"""The test images of ``bench eval``: the task's data set (as ``bench run`` finds it) or the
user's ``--data`` (an npz with ``x_test``/``y_test``, or a folder per class), subset to the
profile's number of test images exactly as ``bench run`` subsets them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.config import ChoiceError, Profile
from bench.data.folders import parse_class_names
from bench.data.npz import read_test_npz
from bench.data.types import DataError, Split, check_labels_in_range, checksum


@dataclass(frozen=True)
class TestData:
    """test: the images evaluated (uint8 (N, H, W, C), after subsetting); classes: names in
    the order of the model's outputs; info: provenance as stored in dataset.json (the same
    keys ``bench run`` writes, so a reference on the same images is recognised)."""

    test: Split
    classes: tuple[str, ...]
    info: dict


def _class_names(classes: str | None, n_classes: int, where: str) -> tuple[str, ...]:
    if classes is None:
        return tuple(str(i) for i in range(n_classes))
    names = parse_class_names(classes)
    if len(names) < n_classes:
        raise ChoiceError(f"--classes names {len(names)} classes but {where} has labels "
                          f"0..{n_classes - 1}; list one name per class, in output order")
    return names


def _as_images(x: np.ndarray, path: Path) -> np.ndarray:
    """uint8 (N, H, W, C) from (N, H, W) or (N, H, W, C) integer pixels 0..255."""
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4:
        raise DataError(f"{path}: x_test has shape {x.shape}; expected (N, H, W) or "
                        "(N, H, W, C) images")
    if x.dtype != np.uint8:
        if not np.issubdtype(x.dtype, np.integer) or x.min() < 0 or x.max() > 255:
            raise DataError(f"{path}: x_test is {x.dtype} in [{x.min()}, {x.max()}]; expected "
                            "uint8 pixels 0..255 (bench scales them by --input-range)")
        x = x.astype(np.uint8)
    return x


def _read_folders(path: Path, classes: str | None) -> tuple[np.ndarray, np.ndarray, tuple]:
    from bench.data.folders import read_class_folders

    names = (parse_class_names(classes) if classes is not None
             else tuple(sorted(p.name for p in path.iterdir()
                               if p.is_dir() and not p.name.startswith("."))))
    if not names:
        raise DataError(f"{path}: no class folders; expected {path}/<class>/*.png")
    images = read_class_folders(path, names)
    x, y = images.x, images.y
    if np.array_equal(x[..., 0], x[..., 1]) and np.array_equal(x[..., 0], x[..., 2]):
        x = x[..., :1]  # grey files decode as three equal channels
    return x, y, names


def user_data(path: Path, classes: str | None, profile: Profile,
              subset: callable) -> TestData:
    """The test split of ``--data PATH`` with ``--classes`` names, subset as the profile
    says (``subset(split, n, seed)``: Split.subset)."""
    path = Path(path)
    if path.is_dir():
        x, y, names = _read_folders(path, classes)
        kind = "image folder per class"
    elif path.is_file():
        x, y = read_test_npz(path)  # non-empty, ids 0..MAX_CLASSES-1
        x = _as_images(x, path)
        if y.ndim != 1 or len(y) != len(x) or not np.issubdtype(y.dtype, np.integer):
            raise DataError(f"{path}: y_test is {y.dtype} {y.shape}; expected ({len(x)},) "
                            "integer class ids")
        names = _class_names(classes, int(y.max()) + 1, str(path))
        kind = "npz (x_test, y_test)"
    else:
        raise DataError(f"--data {path}: no such file or folder; expected an npz with "
                        "x_test/y_test or a folder with one subfolder of images per class")
    y = y.astype(np.int64)
    check_labels_in_range(y, len(names), str(path))
    full = Split(x, y)
    test = subset(full, profile.n_test, profile.subset_seed)
    info = {
        "name": f"user:{path.name}", "source": str(path), "kind": kind,
        "checksum": checksum(full.x, full.y), "classes": list(names),
        "image_shape": list(x.shape[1:]), "n_test_used": len(test.y),
        "counts": {"test": {name: int(np.sum(test.y == i)) for i, name in enumerate(names)}},
        "subset": (f"stratified subset of {profile.n_test or 'all'} test images, seed "
                   f"{profile.subset_seed}"),
    }
    return TestData(test, names, info)


def task_data(profile: Profile, source: Path | None) -> TestData:
    """The task's test split under ``profile``, exactly as ``bench run`` evaluates it."""
    from bench.run import runner

    prepared = runner.prepare(profile, source)
    return TestData(prepared.test, tuple(prepared.dataset.classes), prepared.describe(profile))


def load_test_data(profile: Profile, data: Path | None, classes: str | None,
                   source: Path | None = None) -> TestData:
    """``--data`` when given, else the task's data set."""
    if data is None:
        task = task_data(profile, source)
        return task if classes is None else in_output_order(task, classes)
    return user_data(data, classes, profile, lambda split, n, seed: split.subset(n, seed))


def in_output_order(task: TestData, classes: str) -> TestData:
    """The task's test images with labels renumbered to the model's output order
    (``--classes``/``--class-order``: the task's class names, each once, in the order of the
    model's outputs); DataError naming the names missing or unknown."""
    order = parse_class_names(classes, "--class-order")
    missing = [name for name in task.classes if name not in order]
    unknown = [name for name in order if name not in task.classes]
    if missing or unknown:
        raise DataError(f"--class-order {classes!r}: expected the task's classes "
                        f"({', '.join(task.classes)}) each once in the model's output order; "
                        + "; ".join(part for part in (
                            f"missing {', '.join(missing)}" if missing else "",
                            f"unknown {', '.join(unknown)}" if unknown else "") if part))
    renumber = np.array([order.index(name) for name in task.classes])
    test = Split(task.test.x, renumber[task.test.y])
    return TestData(test, order, {**task.info, "classes": list(order)})


def class_order_note(classes: Sequence[str]) -> str:
    """How the class ids map to names, for the start line and the report."""
    return ", ".join(f"{i}={name}" for i, name in enumerate(classes))
