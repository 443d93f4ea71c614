"""Screen face-gender rows without decoding, then draw and decode a seeded sample per class.

Every unusable row gets exactly one reason from :data:`REASONS` (the first check it fails,
in that order) and is counted in a :class:`Skips`, which also keeps a few examples.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bench.data import download
from bench.data.confined import OUTSIDE, SYMLINK_LOOP, UNREADABLE_ENTRY, entry_fault, is_inside
from bench.data.gender_rows import Row, Rows
from bench.data.images import ImageError, ImageTooLarge, load_gray
from bench.data.types import DataError

MISSING_VALUE = "missing label/image value"
BAD_LABEL = "label not in classes"
UNSUPPORTED_SCHEME = download.UNSUPPORTED_SCHEME
DUPLICATE = "duplicate image"
MISSING_FILE = "missing file"
AGE_UNKNOWN = "age unknown"
DOWNLOAD_FAILED = download.FAILED
TOO_LARGE = download.TOO_LARGE
UNREADABLE = "unreadable image"

#: Every skip reason, in the order the checks run.
REASONS = (
    MISSING_VALUE,
    BAD_LABEL,
    UNSUPPORTED_SCHEME,
    OUTSIDE,
    DUPLICATE,
    MISSING_FILE,
    SYMLINK_LOOP,
    UNREADABLE_ENTRY,
    AGE_UNKNOWN,
    DOWNLOAD_FAILED,
    TOO_LARGE,
    UNREADABLE,
)

#: Examples kept per reason for the report.
EXAMPLES_PER_REASON = 3
#: Threads that fetch and decode images (downloads wait on the network, decoding
#: releases the GIL in Pillow and OpenCV).
WORKERS = 8
_DETAIL_CHARS = 160


@dataclass
class Skips:
    """Rows left out: counts by reason and up to EXAMPLES_PER_REASON example lines each."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, reason: str, where: str, detail: str) -> None:
        """Count one row skipped for ``reason`` (one of REASONS)."""
        if reason not in REASONS:
            raise ValueError(f"unknown skip reason {reason!r}; known: {REASONS}")
        self.counts[reason] = self.counts.get(reason, 0) + 1
        kept = self.examples.setdefault(reason, [])
        if len(kept) < EXAMPLES_PER_REASON:
            text = detail if len(detail) <= _DETAIL_CHARS else detail[: _DETAIL_CHARS - 3] + "..."
            kept.append(f"{where} ({text})")

    def merged(self, other: Skips) -> Skips:
        """Both tallies together, reasons in REASONS order."""
        counts = {r: self.counts.get(r, 0) + other.counts.get(r, 0) for r in REASONS}
        examples = {
            r: (self.examples.get(r, []) + other.examples.get(r, []))[:EXAMPLES_PER_REASON]
            for r in REASONS
        }
        return Skips(
            {r: n for r, n in counts.items() if n}, {r: e for r, e in examples.items() if e}
        )

    def summary(self) -> str:
        """``reason: n, reason: n`` in REASONS order, or ``none``."""
        parts = [f"{r}: {self.counts[r]:,}" for r in REASONS if self.counts.get(r)]
        return ", ".join(parts) or "none"

    def note_lines(self) -> list[str]:
        """``skipped (reason): line 17 x.jpg (detail)`` for every kept example."""
        return [f"skipped ({r}): {e}" for r in REASONS for e in self.examples.get(r, [])]


@dataclass(frozen=True)
class Candidate:
    """A row that passed screening. location: the URL, or the absolute file path;
    signature: (size, mtime_ns) of a local file, None for a URL."""

    row: Row
    label: int
    location: str | Path
    signature: tuple[int, int] | None
    inside: bool = True

    @property
    def where(self) -> str:
        """How a message points at the row: as written, or only its line number when its
        path leads outside the data folder (allowed by --allow-outside-paths)."""
        return self.row.where if self.inside or self.row.line is None else f"line {self.row.line}"

    def hide_outside(self, text: str) -> str:
        """``text`` with the file's path replaced when it lies outside the data folder."""
        return text if self.inside else text.replace(str(self.location), "(outside the data "
                                                                           "folder)")


@dataclass(frozen=True)
class Screened:
    """Usable rows per class (index = class id), rows skipped, rows under min_age."""

    pools: list[list[Candidate]]
    skips: Skips
    too_young: int


def screen(rows: Rows, base: Path, classes: tuple[str, ...], min_age: int | None,
           allow_outside_paths: bool = False) -> Screened:
    """Check every row without decoding; relative paths are taken from ``base``, the data
    folder, and a path resolving outside it is skipped (its path never printed) unless
    ``allow_outside_paths``."""
    index = {name.casefold(): i for i, name in enumerate(classes)}
    pools: list[list[Candidate]] = [[] for _ in classes]
    skips, first_seen, too_young = Skips(), {}, 0
    for row in rows.rows:
        if not row.image or not row.label:
            skips.add(MISSING_VALUE, row.where, "empty image or label")
            continue
        label = index.get(row.label.casefold())
        if label is None:
            skips.add(BAD_LABEL, row.where, f"label {row.label!r}, classes {list(classes)}")
            continue
        scheme = download.url_scheme(row.image)
        if scheme is not None and scheme not in download.SCHEMES:
            skips.add(UNSUPPORTED_SCHEME, row.where, f"scheme {scheme!r}")
            continue
        location = row.image if scheme else Path(os.path.abspath(base / row.image))
        candidate = Candidate(row, label, location, None,
                              inside=bool(scheme) or is_inside(location, base))
        where = candidate.where
        if not candidate.inside and not allow_outside_paths:
            skips.add(OUTSIDE, where,
                      "resolves outside the data folder; --allow-outside-paths reads it")
            continue
        if str(location) in first_seen:
            skips.add(DUPLICATE, where, f"same path/URL as {first_seen[str(location)]}")
            continue
        first_seen[str(location)] = where
        if isinstance(location, Path):
            signature = _file_signature(location)
            if signature is None:
                skips.add(entry_fault(location) or MISSING_FILE, where,
                          candidate.hide_outside(f"no readable file {location}"))
                continue
            candidate = dataclasses.replace(candidate, signature=signature)
        if min_age is not None and row.age is None:
            skips.add(AGE_UNKNOWN, where, f"min_age={min_age} needs an age")
            continue
        if min_age is not None and row.age < min_age:
            too_young += 1
            continue
        pools[label].append(candidate)
    return Screened(pools, skips, too_young)


def _file_signature(path: Path) -> tuple[int, int] | None:
    """(size in bytes, mtime in ns) of a regular file, None when there is none."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns) if stat.S_ISREG(info.st_mode) else None


@dataclass(frozen=True)
class Outcome:
    """What opening one candidate gave: pixels (size, size) uint8 and their digest, or a
    skip reason with its detail."""

    pixels: np.ndarray | None = None
    digest: str = ""
    reason: str = ""
    detail: str = ""


def open_candidate(candidate: Candidate, size: int, timeout_s: float, max_bytes: int) -> Outcome:
    """Fetch (URLs) and decode one candidate; every failure becomes a reason, none raises."""
    try:
        path = candidate.location
        if isinstance(path, str):
            path = download.fetch(path, timeout_s=timeout_s, max_bytes=max_bytes)
        pixels, digest = load_gray(path, size)
    except download.DownloadError as error:
        return Outcome(reason=error.reason, detail=str(error))
    except ImageTooLarge as error:
        return Outcome(reason=TOO_LARGE, detail=candidate.hide_outside(str(error)))
    except ImageError as error:
        return Outcome(reason=UNREADABLE, detail=candidate.hide_outside(str(error)))
    return Outcome(pixels, digest)


@dataclass
class Drawn:
    """The decoded sample: images (N, size, size) uint8, their candidates' rows and class
    ids in draw order, rows opened per class, and the rows skipped while decoding."""

    images: list[np.ndarray] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)
    skips: Skips = field(default_factory=Skips)


#: Consecutive failed downloads after which a class is given up (an unreachable host).
GIVE_UP_AFTER = 50


def draw(
    pools: list[list[Candidate]],
    wanted: int | None,
    seed: int,
    opener: Callable[[Candidate], Outcome],
    classes: tuple[str, ...],
) -> Drawn:
    """Per class, open rows in the order of ``default_rng([seed, class id]).permutation``
    until ``wanted`` images are usable (None: all rows, in source order). A pixel-identical
    image seen before (in any class) is skipped as a duplicate. DataError, with the counts,
    after GIVE_UP_AFTER downloads of a class failed in a row."""
    drawn, seen = Drawn(), {}
    with ThreadPoolExecutor(WORKERS) as pool_executor:
        for label, pool in enumerate(pools):
            if wanted is None:
                order, target = np.arange(len(pool)), len(pool)
            else:
                order = np.random.default_rng([seed, label]).permutation(len(pool))
                target = min(wanted, len(pool))
            taken, position, failed_run = 0, 0, 0
            bar = tqdm(total=target, desc=f"gender {classes[label]}", unit="img", disable=None)
            while taken < target and position < len(order):
                # at most GIVE_UP_AFTER at a time, so an unreachable host is seen early
                size = min(target - taken, GIVE_UP_AFTER)
                batch = [pool[i] for i in order[position : position + size]]
                position += len(batch)
                for candidate, outcome in zip(batch, pool_executor.map(opener, batch), strict=True):
                    where = candidate.where
                    failed_run = failed_run + 1 if outcome.reason == DOWNLOAD_FAILED else 0
                    if failed_run >= GIVE_UP_AFTER:
                        bar.close()
                        raise DataError(
                            f"gender class {classes[label]!r}: {failed_run} downloads failed "
                            f"in a row ({position} of its {len(pool)} rows opened, {taken} "
                            f"usable; last: {outcome.detail}); the image host looks "
                            "unreachable: check the network or point --source at local "
                            "copies of the images")
                    if outcome.pixels is None:
                        drawn.skips.add(outcome.reason, where, outcome.detail)
                    elif outcome.digest in seen:
                        drawn.skips.add(DUPLICATE, where, f"same pixels as {seen[outcome.digest]}")
                    else:
                        seen[outcome.digest] = where
                        drawn.images.append(outcome.pixels)
                        drawn.rows.append(candidate.row)
                        drawn.labels.append(label)
                        taken += 1
                        bar.update(1)
            bar.close()
            drawn.opened.append(position)
    return drawn
