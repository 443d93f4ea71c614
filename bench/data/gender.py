"""Face-gender data set: the cookbook's CSV of image URLs or paths, or a folder per class.

Steps: read the rows (``gender_rows``); screen them without decoding (value, label, URL
scheme, repeated path/URL, missing file, age); per class, open rows in a seeded random
order until ``per_class`` images are usable, so a row that fails is replaced by the next
one of its class (``gender_sample``); split stratified into train and test. Unusable rows
are counted by reason in ``Provenance.skipped`` with a few examples in ``Provenance.notes``.
A class with fewer than ``per_class`` usable images is a DataError (never a silently
unbalanced set); ``per_class=None`` takes every usable image instead.

Decoded images are cached as npz in ``cache_dir()/gender``, keyed by the options and every
screened row (with each local file's size and mtime), so a second load decodes nothing.
A load in which a download failed is not cached, so the next load retries that URL.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from bench.data.gender_rows import Row, Rows, read_csv_rows, read_folder_rows
from bench.data.gender_sample import (
    DOWNLOAD_FAILED,
    Candidate,
    Drawn,
    Skips,
    draw,
    open_candidate,
    screen,
)
from bench.data.paths import cache_dir, data_dir
from bench.data.types import DataError, Dataset, Split, make_dataset
from bench.os_faults import describe, replaced_atomically

log = logging.getLogger(__name__)

DEFAULT_IMAGE_COLUMN = "image_url"
DEFAULT_LABEL_COLUMN = "please_select_the_gender_of_the_person_in_the_picture"
DEFAULT_CLASSES = ("male", "female")
#: Bump when the cache content or the preprocessing changes. 2: RGB -> gray in a fixed
#: float64 order (the same bits on every CPU; a matrix product gave other bits on some).
CACHE_VERSION = 2


def load_gender(
    source: Path | None = None,
    *,
    size: int = 50,
    per_class: int | None = 1000,
    test_fraction: float = 0.1,
    seed: int = 0,
    min_age: int | None = None,
    image_column: str = DEFAULT_IMAGE_COLUMN,
    label_column: str = DEFAULT_LABEL_COLUMN,
    classes: tuple[str, ...] = DEFAULT_CLASSES,
    timeout_s: float = 10.0,
    max_bytes: int = 5_000_000,
    allow_outside_paths: bool = False,
) -> Dataset:
    """Load face images as uint8 gray (N, size, size, 1), labels = index into ``classes``.

    source: a CSV (image column: http(s) URL, or path relative to the CSV) or a folder with
    one subfolder per class; None: ``$BENCH_DATA_DIR/gender/labels.csv``. per_class: images
    drawn per class (None: all usable). min_age: keep people at least this old (years).
    timeout_s / max_bytes: limits per download. allow_outside_paths: read CSV paths and
    symbolic links that resolve outside the data folder (the CSV's or the source folder),
    otherwise skipped as "outside the data folder". ``Split.meta`` has ``image`` (as written),
    ``line`` (CSV), ``age`` and ``race`` where the source gives them.
    """
    classes = tuple(classes)
    _check_options(size, per_class, test_fraction, min_age, classes, timeout_s, max_bytes)
    path = _resolve_source(source)
    if path.is_dir():
        rows, base = read_folder_rows(path, classes), path
    else:
        rows, base = read_csv_rows(path, image_column, label_column), path.parent
    if min_age is not None and not rows.has_age:
        raise DataError(
            f"{path}: min_age={min_age} needs ages, but the source has no 'age' column or "
            "UTKFace file names. Pass min_age=None, or add ages."
        )
    screened = screen(rows, base, classes, min_age, allow_outside_paths)
    _check_counts(
        path,
        [len(p) for p in screened.pools],
        per_class,
        classes,
        screened.skips,
        "after screening",
    )
    cache_file = _cache_file(
        path,
        screened.pools,
        size=size,
        per_class=per_class,
        seed=seed,
        max_bytes=max_bytes,
        classes=classes,
    )
    drawn = _read_cache(cache_file)
    from_cache = drawn is not None
    if drawn is None:
        opener = functools.partial(
            open_candidate, size=size, timeout_s=timeout_s, max_bytes=max_bytes
        )
        drawn = draw(screened.pools, per_class, seed, opener, classes)
    skips = screened.skips.merged(drawn.skips)
    counts = [drawn.labels.count(label) for label in range(len(classes))]
    _check_counts(path, counts, per_class, classes, skips, "after decoding")
    cached = from_cache or DOWNLOAD_FAILED not in drawn.skips.counts
    if not from_cache and cached:
        _write_cache(cache_file, drawn)
    if skips.counts:
        log.warning("gender: skipped rows of %s: %s", path, skips.summary())

    y = np.array(drawn.labels, dtype=np.int64)
    everything = Split(np.stack(drawn.images)[..., np.newaxis], y, _meta_frame(drawn.rows, rows))
    train_index, test_index = _split(path, y, test_fraction, seed, classes)
    notes = [
        *rows.notes,
        f"screened {len(rows.rows):,} rows: usable "
        + ", ".join(
            f"{name} {len(pool):,}" for name, pool in zip(classes, screened.pools, strict=True)
        )
        + (
            f"; min_age={min_age} left out {screened.too_young:,} younger people "
            "(not counted as skipped)."
            if min_age is not None
            else "."
        ),
        _sampling_note(drawn, screened.pools, per_class, seed, classes),
        f"split: sklearn train_test_split stratified by class, test_size={test_fraction}, "
        f"random_state={seed}: train {len(train_index):,} / test {len(test_index):,}.",
        f"images: grayscale ITU-R BT.601 (0.299 R + 0.587 G + 0.114 B, RGB order), alpha "
        f"composited on white, 16-bit scaled by 255/65535, resized to {size}x{size} "
        "(stretched; cv2 INTER_AREA when shrinking).",
        (
            f"decoded images {'read from' if from_cache else 'cached in'} {cache_file}."
            if cached
            else "not cached: a download failed, so the next load retries it."
        ),
        *skips.note_lines(),
    ]
    return make_dataset(
        "gender",
        classes,
        everything.take(train_index),
        everything.take(test_index),
        source=str(path),
        skipped=skips.counts,
        notes=tuple(notes),
    )


def _check_options(
    size: int,
    per_class: int | None,
    test_fraction: float,
    min_age: int | None,
    classes: tuple[str, ...],
    timeout_s: float,
    max_bytes: int,
) -> None:
    """ValueError naming the first option out of range."""
    problems = {
        "size": not _positive_int(size),
        "per_class": per_class is not None and not _positive_int(per_class),
        "test_fraction": not 0.0 < test_fraction < 1.0,
        "min_age": min_age is not None and not (_positive_int(min_age) or min_age == 0),
        "classes": len(classes) < 2
        or len({str(c).casefold() for c in classes}) != len(classes)
        or not all(isinstance(c, str) and c.strip() for c in classes),
        "timeout_s": not timeout_s > 0,
        "max_bytes": not _positive_int(max_bytes),
    }
    values = dict(
        size=size,
        per_class=per_class,
        test_fraction=test_fraction,
        min_age=min_age,
        classes=classes,
        timeout_s=timeout_s,
        max_bytes=max_bytes,
    )
    for name, bad in problems.items():
        if bad:
            raise ValueError(
                f"gender loader: {name}={values[name]!r} is out of range (size, per_class, "
                "max_bytes: integers >= 1; test_fraction in (0, 1); min_age >= 0; "
                "timeout_s > 0; classes: two or more distinct names)."
            )


def _positive_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1


def _resolve_source(source: Path | None) -> Path:
    """The CSV or folder to read; DataError says what to set when there is none."""
    if source is None:
        folder = data_dir()
        if folder is None:
            raise DataError(
                "no face-gender source: set BENCH_DATA_DIR to a folder holding "
                "gender/labels.csv, or pass --source PATH (a CSV, or a folder with one "
                "subfolder per class)."
            )
        path = folder / "gender" / "labels.csv"
        if not path.is_file():
            raise DataError(
                f"{path}: no such file (from BENCH_DATA_DIR={folder}). Put the CSV there, "
                "or pass --source PATH (a CSV, or a folder with one subfolder per class)."
            )
        return path
    path = Path(source).expanduser()
    if not path.exists():
        raise DataError(
            f"{path}: no such file or folder. Pass --source PATH to a CSV of image URLs or "
            "paths, or to a folder with one subfolder per class."
        )
    return path


def _check_counts(
    path: Path,
    counts: list[int],
    per_class: int | None,
    classes: tuple[str, ...],
    skips: Skips,
    stage: str,
) -> None:
    """DataError when no row is usable, or a class has fewer than per_class (or no) images."""
    if sum(counts) == 0:
        raise DataError(
            f"{path}: no usable row {stage} (skipped: {skips.summary()}). Check the image "
            "and label columns, the classes and the paths."
        )
    needed = per_class or 1
    for name, count in zip(classes, counts, strict=True):
        if count < needed:
            raise DataError(
                f"{path}: class {name!r} has {count:,} usable images {stage}, fewer than the "
                f"{needed:,} needed (skipped: {skips.summary()}). Lower per_class, pass "
                "per_class=None to take every usable image (classes may then be unbalanced), "
                "lower min_age, or fix the skipped rows."
            )


def _sampling_note(
    drawn: Drawn,
    pools: list[list[Candidate]],
    per_class: int | None,
    seed: int,
    classes: tuple[str, ...],
) -> str:
    """How the images were drawn, with the numbers."""
    per = ", ".join(
        f"{name} {drawn.labels.count(i):,} of {len(pools[i]):,} usable ({drawn.opened[i]:,} opened)"
        for i, name in enumerate(classes)
    )
    unopened = sum(map(len, pools)) - sum(drawn.opened)
    how = (
        f"per class, rows opened in the order of numpy default_rng([{seed}, class id])"
        f".permutation until {per_class:,} were usable; a row that failed was replaced by the "
        "next of its class"
        if per_class is not None
        else "every usable row, in source order (per_class=None: classes may be unbalanced)"
    )
    return (
        f"sampling: {how}: {per}. Download, decoding and pixel-duplicate checks cover opened "
        f"rows only ({unopened:,} usable rows unopened)."
    )


def _meta_frame(rows: list[Row], source_rows: Rows) -> pd.DataFrame:
    """Per-image attributes: image (as written), line (CSV), age, race where known."""
    all_rows = source_rows.rows
    columns: dict[str, object] = {"image": pd.array([r.image for r in rows], dtype="string")}
    if any(r.line is not None for r in all_rows):
        columns["line"] = pd.array([r.line for r in rows], dtype="Int64")
    if source_rows.has_age:
        columns["age"] = pd.array([r.age for r in rows], dtype="Int64")
    if any(r.race is not None for r in all_rows):
        columns["race"] = pd.array([r.race for r in rows], dtype="string")
    return pd.DataFrame(columns)


def _split(
    path: Path, y: np.ndarray, test_fraction: float, seed: int, classes: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Stratified train/test indices; DataError when the classes are too small to split."""
    try:
        train, test = train_test_split(
            np.arange(len(y)), test_size=test_fraction, stratify=y, random_state=seed
        )
    except ValueError as error:
        counts = {name: int(np.sum(y == i)) for i, name in enumerate(classes)}
        raise DataError(
            f"{path}: cannot split {len(y):,} images {counts} with test_fraction="
            f"{test_fraction} stratified by class ({error}). Load more images per class or "
            "change test_fraction."
        ) from error
    return train, test


def _cache_file(path: Path, pools: list[list[Candidate]], **options: object) -> Path:
    """cache_dir()/gender/<sha256 of the options and every screened row>.npz"""
    digest = hashlib.sha256(
        json.dumps(
            {"version": CACHE_VERSION, "source": str(path.resolve()), **options},
            sort_keys=True,
            default=str,
        ).encode()
    )
    for pool in pools:
        for c in pool:
            r = c.row
            fields = [c.label, r.line, r.image, r.age, r.race, str(c.location), c.signature]
            digest.update(json.dumps(fields).encode())
        digest.update(b"|")
    return cache_dir() / "gender" / f"{digest.hexdigest()[:32]}.npz"


def _read_cache(file: Path) -> Drawn | None:
    """The cached sample, or None when absent or unreadable (then logged and rebuilt)."""
    if not file.is_file():
        return None
    try:
        with np.load(file, allow_pickle=False) as npz:
            images, labels, opened = npz["images"], npz["labels"], npz["opened"]
            rows = [Row(*fields) for fields in json.loads(str(npz["rows"]))]
            skips = Skips(
                json.loads(str(npz["skip_counts"])), json.loads(str(npz["skip_examples"]))
            )
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
        log.warning("gender: ignoring unreadable cache %s (%s); decoding again", file, error)
        return None
    return Drawn(list(images), rows, labels.tolist(), opened.tolist(), skips)


def _write_cache(file: Path, drawn: Drawn) -> None:
    """Store the sample atomically; a failure to write is logged, the load goes on."""
    rows = [[r.line, r.image, r.label, r.age, r.race] for r in drawn.rows]
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        with replaced_atomically(file) as partial, open(partial, "wb") as handle:
            np.savez(
                handle,
                images=np.stack(drawn.images),
                labels=np.array(drawn.labels),
                opened=np.array(drawn.opened),
                rows=np.array(json.dumps(rows)),
                skip_counts=np.array(json.dumps(drawn.skips.counts)),
                skip_examples=np.array(json.dumps(drawn.skips.examples)),
            )
    except OSError as error:  # the temporary file is gone; the load goes on without a cache
        log.warning("gender: could not write cache %s (%s); the next load decodes again",
                    file, describe(error))
