"""Read a face-gender source into rows: the cookbook's CSV, or a folder per class.

Nothing is decoded here; a :class:`Row` says where an image is and what the source says
about it (label, age, race). Checks that need no decoding happen in ``gender.py``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bench.data.types import DataError

#: UTKFace race ids, in id order.
RACES = ("White", "Black", "Asian", "Indian", "Other")

#: UTKFace file names: ``[age]_[gender]_[race]_[datetime].jpg.chip.jpg`` (race may be absent).
_UTKFACE_NAME = re.compile(r"(\d{1,3})_([01])_(?:([0-4])_)?\d")


@dataclass(frozen=True)
class Row:
    """One image of the source.

    line: line number in the CSV (header = 1), None for a folder; image: the image column's
    text (URL or path), or the path relative to the folder; label: the label as written;
    age: years, None when unknown; race: a name (see RACES) or the CSV's text, or None.
    """

    line: int | None
    image: str
    label: str
    age: int | None
    race: str | None

    @property
    def where(self) -> str:
        """How a message points at this row: ``line 17 faces/x.jpg`` or ``male/x.jpg``."""
        return self.image if self.line is None else f"line {self.line} {self.image}"


@dataclass(frozen=True)
class Rows:
    """All rows of a source, with facts for the provenance notes."""

    rows: list[Row]
    has_age: bool
    notes: tuple[str, ...]


def parse_age(text: str) -> int | None:
    """Whole years from ``text`` (``"25"``, ``"25.0"``), None when blank or not a number."""
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and value >= 0 else None


def parse_utkface(name: str) -> tuple[int | None, str | None]:
    """(age, race name) from a UTKFace file name, (None, None) when it does not match."""
    match = _UTKFACE_NAME.match(name)
    if match is None:
        return None, None
    race = match.group(3)
    return int(match.group(1)), (RACES[int(race)] if race is not None else None)


def read_csv_rows(path: Path, image_column: str, label_column: str) -> Rows:
    """Rows of a CSV; DataError names the file, a missing column and the columns found."""
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: not a readable CSV ({error}).") from error
    columns = [str(column) for column in table.columns]
    for column in (image_column, label_column):
        if column not in columns:
            raise DataError(
                f"{path}: no column {column!r}; columns found: {columns}. Rename the CSV's "
                f"image column to {image_column!r} and its label column to {label_column!r}, "
                "or pass a folder with one subfolder per class."
            )
    images = table[image_column].str.strip()
    labels = table[label_column].str.strip()
    has_age = "age" in columns
    ages = [parse_age(value) for value in table["age"]] if has_age else [None] * len(table)
    notes = [
        f"CSV {path}: {len(table):,} rows, image column {image_column!r}, "
        f"label column {label_column!r}."
    ]
    races: list[str | None] = [None] * len(table)
    if "race" in columns:
        raw = table["race"].str.strip()
        given = raw[raw != ""]
        if len(given) and given.isin([str(i) for i in range(len(RACES))]).all():
            races = [RACES[int(value)] if value else None for value in raw]
            notes.append("race ids 0-4 read as UTKFace's " + ", ".join(RACES) + ".")
        else:
            races = [value or None for value in raw]
    columns_in_order = zip(images, labels, ages, races, strict=True)
    rows = [
        Row(index + 2, image, label, age, race)
        for index, (image, label, age, race) in enumerate(columns_in_order)
    ]
    return Rows(rows, has_age, tuple(notes))


def read_folder_rows(folder: Path, classes: tuple[str, ...]) -> Rows:
    """Rows of a folder with one subfolder per class (files found recursively, hidden ones
    left out). Ages and races come from UTKFace file names where they match."""
    wanted = {name.casefold() for name in classes}
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not any(sub.name.casefold() in wanted for sub in subfolders):
        raise DataError(
            f"{folder}: no subfolder named after a class {list(classes)}; subfolders found: "
            f"{[sub.name for sub in subfolders]}. Put each class's images in a folder of its "
            "name, or pass a CSV."
        )
    rows, parsed, hidden = [], 0, 0
    for sub in subfolders:
        for file in sorted(sub.rglob("*")):
            relative = file.relative_to(folder)
            if any(part.startswith(".") for part in relative.parts):
                hidden += 1
                continue
            if not file.is_file() and not file.is_symlink():
                continue  # a folder; a link that leads nowhere is screened (and counted)
            age, race = parse_utkface(file.name)
            parsed += age is not None
            rows.append(Row(None, relative.as_posix(), sub.name, age, race))
    loose = sum(1 for p in folder.iterdir() if p.is_file())
    notes = [
        f"folder {folder}: {len(rows):,} files in {len(subfolders)} subfolders "
        f"({', '.join(sub.name for sub in subfolders)}); age and race read from "
        f"{parsed:,} UTKFace file names ([age]_[gender]_[race]_[datetime]; race ids as "
        f"{', '.join(RACES)}); the folder gives the label."
    ]
    if loose or hidden:
        notes.append(f"ignored {loose:,} files beside the class folders and {hidden:,} hidden.")
    return Rows(rows, parsed > 0, tuple(notes))
