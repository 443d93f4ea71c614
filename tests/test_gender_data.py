"""The face-gender loader on tiny CSVs and folders built here, broken rows included."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from local_server import body, closed_port_url, serve, slow
from PIL import Image

from bench.catalog.datasets import load
from bench.data import gender_sample
from bench.data.gender import load_gender
from bench.data.gender_rows import parse_utkface
from bench.data.gender_sample import (
    AGE_UNKNOWN,
    BAD_LABEL,
    DOWNLOAD_FAILED,
    DUPLICATE,
    MISSING_FILE,
    MISSING_VALUE,
    TOO_LARGE,
    UNREADABLE,
    UNSUPPORTED_SCHEME,
)
from bench.data.types import DataError

LABEL = "please_select_the_gender_of_the_person_in_the_picture"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("BENCH_DATA_DIR", raising=False)


def noise_image(path: Path, seed: int, kind: str = "rgb") -> Path:
    """A small random image (distinct per seed) saved as ``kind``: rgb, rgba, gray, gray16."""
    rng = np.random.default_rng(seed)
    shape = {"rgb": (12, 12, 3), "rgba": (12, 12, 4), "gray": (12, 12), "gray16": (12, 12)}[kind]
    pixels = rng.integers(0, 256, shape, dtype=np.uint8)
    if kind == "gray16":
        pixels = pixels.astype(np.uint16) * 257
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


def flat_image(path: Path, value: int) -> Path:
    """A 12x12 gray PNG with every pixel equal to ``value``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((12, 12), value, dtype=np.uint8)).save(path)
    return path


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    """A CSV in the cookbook's layout; columns are the union of the rows' keys."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def row(image: str, label: str, **extra: object) -> dict[str, object]:
    return {"image_url": image, LABEL: label, **extra}


def counting_load_gray(monkeypatch) -> list[Path]:
    """Record every path the loader decodes (the real decoding still happens)."""
    calls: list[Path] = []
    real = gender_sample.load_gray

    def spy(path, size):
        calls.append(Path(path))
        return real(path, size)

    monkeypatch.setattr(gender_sample, "load_gray", spy)
    return calls


def test_broken_rows_are_skipped_and_counted_by_reason(tmp_path):
    faces = tmp_path / "faces"
    noise_image(faces / "m1.jpg", 1)
    noise_image(faces / "m2.jpg", 2)
    noise_image(faces / "gray.png", 3, "gray")
    noise_image(faces / "deep.png", 4, "gray16")
    noise_image(faces / "f1.jpg", 5)
    noise_image(faces / "alpha.png", 6, "rgba")
    noise_image(faces / "f2.jpg", 7)
    noise_image(faces / "unsure.jpg", 8)
    shutil.copy(faces / "f1.jpg", faces / "f1-copy.jpg")
    (faces / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (faces / "notes.jpg").write_text("<html>moved</html>")
    source = write_csv(tmp_path / "labels.csv", [
        row("faces/m1.jpg", "male"),            # line 2
        row("faces/m2.jpg", "male"),
        row("faces/gray.png", "male"),
        row("faces/deep.png", "male"),
        row("faces/f1.jpg", "female"),          # line 6
        row("faces/alpha.png", "female"),
        row("faces/f2.jpg", "female"),
        row("faces/absent.jpg", "male"),        # line 9: missing file
        row("faces/corrupt.jpg", "female"),     # unreadable
        row("faces/unsure.jpg", "unsure"),      # label not in classes
        row("faces/m1.jpg", "male"),            # line 12: same path as line 2
        row("faces/f1-copy.jpg", "female"),     # same pixels as line 6
        row("faces/m2.jpg", ""),                # missing label
        row("ftp://example.org/x.jpg", "male"),
        row(closed_port_url(), "female"),       # line 16: download failed
        row("faces/notes.jpg", "male"),         # unreadable (not an image)
    ])
    data = load_gender(source, size=8, per_class=None, test_fraction=0.3, timeout_s=2.0)
    assert data.provenance.skipped == {
        MISSING_VALUE: 1, BAD_LABEL: 1, UNSUPPORTED_SCHEME: 1, DUPLICATE: 2,
        MISSING_FILE: 1, DOWNLOAD_FAILED: 1, UNREADABLE: 2,
    }
    counts = data.provenance.counts
    assert counts["train"]["male"] + counts["test"]["male"] == 4
    assert counts["train"]["female"] + counts["test"]["female"] == 3
    assert data.image_shape == (8, 8, 1) and data.train.x.dtype == np.uint8
    notes = "\n".join(data.provenance.notes)
    assert "skipped (missing file): line 9 faces/absent.jpg" in notes
    assert "skipped (duplicate image): line 12 faces/m1.jpg (same path/URL as line 2" in notes
    assert "line 13 faces/f1-copy.jpg (same pixels as line 6 faces/f1.jpg)" in notes
    assert "not cached: a download failed" in notes
    used = set(data.train.meta["image"]) | set(data.test.meta["image"])
    assert used == {f"faces/{n}" for n in
                    ("m1.jpg", "m2.jpg", "gray.png", "deep.png", "f1.jpg", "alpha.png", "f2.jpg")}


def test_meta_and_labels_stay_aligned_with_their_images(tmp_path):
    rows = []
    for i in range(6):
        for label, offset in (("male", 0), ("female", 100)):
            value = 10 * i + offset
            flat_image(tmp_path / f"{label}{i}.png", value)
            rows.append(row(f"{label}{i}.png", label, age=20 + value, race=i % 5))
    source = write_csv(tmp_path / "labels.csv", rows)
    data = load_gender(source, size=4, per_class=5, test_fraction=0.2, seed=3)
    for split in (data.train, data.test):
        for pixels, label, (_, meta) in zip(split.x, split.y, split.meta.iterrows(), strict=True):
            value = int(meta["age"]) - 20
            assert np.all(pixels == value)
            assert meta["image"].startswith(data.classes[label])
            assert meta["line"] >= 2
    assert data.provenance.counts == {"train": {"male": 4, "female": 4},
                                      "test": {"male": 1, "female": 1}}
    races = set(data.train.meta["race"]) | set(data.test.meta["race"])
    assert races <= {"White", "Black", "Asian", "Indian", "Other"}


def test_only_sampled_rows_are_decoded_and_failures_are_replaced(tmp_path, monkeypatch):
    rows = [row(str(noise_image(tmp_path / f"m{i}.jpg", i)), "male") for i in range(3)]
    for i in range(3):
        (tmp_path / f"bad{i}.jpg").write_bytes(b"broken")
        rows.append(row(f"bad{i}.jpg", "male"))
    rows += [row(f"f{i}.jpg", "female") for i in range(10)]
    for i in range(10):
        noise_image(tmp_path / f"f{i}.jpg", 100 + i)
    source = write_csv(tmp_path / "labels.csv", rows)
    calls = counting_load_gray(monkeypatch)
    data = load_gender(source, size=4, per_class=3, test_fraction=0.34)
    assert data.provenance.skipped == {UNREADABLE: 3}
    assert len(data.train.y) + len(data.test.y) == 6
    assert len(calls) == 6 + 3  # every male row (3 failed, replaced) and 3 of 10 female rows
    assert "male 3 of 6 usable (6 opened), female 3 of 10 usable (3 opened)" in "\n".join(
        data.provenance.notes
    )


def test_a_class_short_of_per_class_is_an_error_naming_it(tmp_path):
    rows = [row(str(noise_image(tmp_path / f"m{i}.jpg", i)), "male") for i in range(3)]
    rows += [row(str(noise_image(tmp_path / f"f{i}.jpg", 50 + i)), "female") for i in range(5)]
    (tmp_path / "bad.jpg").write_bytes(b"broken")
    rows.append(row("bad.jpg", "male"))
    source = write_csv(tmp_path / "labels.csv", rows)
    with pytest.raises(DataError, match=r"class 'male' has 3 usable images after decoding"):
        load_gender(source, size=4, per_class=4)
    with pytest.raises(DataError, match=r"class 'male' has 4 usable images after screening.*"
                                         r"per_class=None"):
        load_gender(source, size=4, per_class=5)


def test_second_load_reads_the_cache_and_a_changed_file_invalidates_it(tmp_path, monkeypatch):
    rows = [row(str(noise_image(tmp_path / f"{c}{i}.jpg", 10 * k + i)), c)
            for k, c in enumerate(("male", "female")) for i in range(4)]
    source = write_csv(tmp_path / "labels.csv", rows)
    first = load_gender(source, size=6, per_class=None, test_fraction=0.25)
    calls = counting_load_gray(monkeypatch)
    second = load_gender(source, size=6, per_class=None, test_fraction=0.25)
    assert calls == []
    assert second.provenance.checksum == first.provenance.checksum
    assert any("read from" in note for note in second.provenance.notes)
    noise_image(tmp_path / "male0.jpg", 999)
    third = load_gender(source, size=6, per_class=None, test_fraction=0.25)
    assert len(calls) == 8
    assert third.provenance.checksum != first.provenance.checksum


def test_the_seed_decides_the_sample(tmp_path):
    rows = [row(str(noise_image(tmp_path / f"{c}{i}.png", 100 * k + i)), c)
            for k, c in enumerate(("male", "female")) for i in range(12)]
    source = write_csv(tmp_path / "labels.csv", rows)
    a = load_gender(source, size=4, per_class=4, test_fraction=0.25, seed=1)
    b = load_gender(source, size=4, per_class=4, test_fraction=0.25, seed=1)
    c = load_gender(source, size=4, per_class=4, test_fraction=0.25, seed=2)
    assert a.provenance.checksum == b.provenance.checksum
    assert set(a.train.meta["image"]) != set(c.train.meta["image"])


def test_min_age_filters_and_counts_unknown_ages(tmp_path):
    ages = {"m0": 30, "m1": 40, "m2": 10, "m3": "", "f0": 25, "f1": 50, "f2": 12, "f3": "n/a"}
    rows = [row(str(noise_image(tmp_path / f"{name}.png", i)),
                "male" if name[0] == "m" else "female", age=age)
            for i, (name, age) in enumerate(ages.items())]
    source = write_csv(tmp_path / "labels.csv", rows)
    data = load_gender(source, size=4, per_class=2, test_fraction=0.5, min_age=18)
    assert data.provenance.skipped == {AGE_UNKNOWN: 2}
    assert set(data.train.meta["age"]) | set(data.test.meta["age"]) == {30, 40, 25, 50}
    assert any("left out 2 younger people" in note for note in data.provenance.notes)
    no_ages = write_csv(tmp_path / "plain.csv", [row(r["image_url"], r[LABEL]) for r in rows])
    with pytest.raises(DataError, match="min_age=18 needs ages"):
        load_gender(no_ages, size=4, per_class=2, min_age=18)


def test_missing_column_names_file_column_and_columns_found(tmp_path):
    source = write_csv(tmp_path / "odd.csv", [{"url": "a.jpg", "gender": "male"}])
    with pytest.raises(DataError, match=r"odd\.csv: no column 'image_url'.*\['url', 'gender'\]"):
        load_gender(source)


def test_default_source_needs_bench_data_dir(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="BENCH_DATA_DIR"):
        load_gender(None)
    monkeypatch.setenv("BENCH_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match=r"gender/labels\.csv: no such file"):
        load_gender(None)
    folder = tmp_path / "gender"
    rows = [row(str(noise_image(folder / f"{c}{i}.png", 10 * k + i)), c)
            for k, c in enumerate(("male", "female")) for i in range(2)]
    write_csv(folder / "labels.csv", rows)
    data = load("gender", per_class=2, test_fraction=0.5, size=4)
    assert data.provenance.source == str(folder / "labels.csv")


def test_folder_per_class_with_utkface_names(tmp_path):
    root = tmp_path / "images"
    names = {
        "male": ["25_0_2_20170116174525125.jpg.chip.jpg", "39_0_20170116174525126.jpg.chip.jpg",
                 "61_0_0_20170116174525127.jpg.chip.jpg"],
        "female": ["30_1_1_20170116174525128.jpg.chip.jpg", "portrait.jpg",
                   "8_1_3_20170116174525129.jpg.chip.jpg"],
        "unsure": ["20_0_4_20170116174525130.jpg.chip.jpg"],
    }
    for k, (folder, files) in enumerate(names.items()):
        for i, name in enumerate(files):
            noise_image(root / folder / name, 10 * k + i)
    (root / "male" / ".DS_Store").write_bytes(b"finder")
    (root / "README.txt").write_text("faces")
    data = load_gender(root, size=4, per_class=3, test_fraction=1 / 3)
    assert data.provenance.skipped == {BAD_LABEL: 1}
    meta = pd.concat([data.train.meta, data.test.meta])
    by_image = meta.set_index("image")
    assert by_image.loc["male/25_0_2_20170116174525125.jpg.chip.jpg", "race"] == "Asian"
    assert by_image.loc["male/39_0_20170116174525126.jpg.chip.jpg", "age"] == 39
    assert by_image.isna().loc["male/39_0_20170116174525126.jpg.chip.jpg", "race"]
    assert by_image.isna().loc["female/portrait.jpg", "age"]
    assert "line" not in meta.columns
    notes = "\n".join(data.provenance.notes)
    assert "ignored 1 files beside the class folders and 1 hidden" in notes


def test_folder_without_class_folders_is_an_error(tmp_path):
    noise_image(tmp_path / "faces" / "a" / "x.png", 1)
    with pytest.raises(DataError, match=r"no subfolder named after a class.*\['a'\]"):
        load_gender(tmp_path / "faces")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("25_0_2_20170116174525125.jpg.chip.jpg", (25, "Asian")),
        ("1_1_4_20161221193646128.jpg.chip.jpg", (1, "Other")),
        ("39_1_20170116174525125.jpg.chip.jpg", (39, None)),
        ("face.jpg", (None, None)),
    ],
)
def test_parse_utkface(name, expected):
    assert parse_utkface(name) == expected


def test_race_text_that_is_not_an_id_is_kept(tmp_path):
    rows = [row(str(noise_image(tmp_path / f"{c}{i}.png", 10 * k + i)), c, race="Latino")
            for k, c in enumerate(("male", "female")) for i in range(2)]
    data = load_gender(write_csv(tmp_path / "l.csv", rows), size=4, per_class=2,
                       test_fraction=0.5)
    assert set(data.train.meta["race"]) == {"Latino"}


def test_urls_are_fetched_once_and_cached(tmp_path):
    with serve() as server:
        rows = []
        for k, label in enumerate(("male", "female")):
            for i in range(3):
                png = noise_image(tmp_path / "served" / f"{label}{i}.png", 10 * k + i)
                server.routes[f"/{label}{i}.png"] = body(png.read_bytes())
                rows.append(row(server.url(f"/{label}{i}.png"), label))
        source = write_csv(tmp_path / "urls.csv", rows)
        first = load_gender(source, size=4, per_class=None, test_fraction=0.34)
        assert sum(server.hits.values()) == 6
        resized = load_gender(source, size=6, per_class=None, test_fraction=0.34)
        again = load_gender(source, size=4, per_class=None, test_fraction=0.34)
        assert sum(server.hits.values()) == 6
    assert resized.image_shape == (6, 6, 1)
    assert again.provenance.checksum == first.provenance.checksum


def test_url_failures_are_counted_and_retried_next_time(tmp_path):
    with serve() as server:
        rows = []
        for k, label in enumerate(("male", "female")):
            for i in range(2):
                png = noise_image(tmp_path / "served" / f"{label}{i}.png", 10 * k + i)
                server.routes[f"/{label}{i}.png"] = body(png.read_bytes())
                rows.append(row(server.url(f"/{label}{i}.png"), label))
        server.routes["/slow.png"] = slow(1.5, b"late")
        server.routes["/big.png"] = body(b"x" * 50_000)
        server.routes["/page.png"] = body(b"<html>gone</html>", content_type="text/html")
        rows += [
            row(server.url("/gone.png"), "male"),
            row(server.url("/slow.png"), "female"),
            row(closed_port_url(), "male"),
            row(server.url("/big.png"), "female"),
            row(server.url("/page.png"), "male"),
            row("file:///etc/hostname", "female"),
        ]
        source = write_csv(tmp_path / "urls.csv", rows)
        options = dict(size=4, per_class=None, test_fraction=0.5, timeout_s=0.3, max_bytes=20_000)
        data = load_gender(source, **options)
        assert data.provenance.skipped == {
            UNSUPPORTED_SCHEME: 1, DOWNLOAD_FAILED: 3, TOO_LARGE: 1, UNREADABLE: 1,
        }
        load_gender(source, **options)
        assert server.hits["/male0.png"] == 1
        assert server.hits["/gone.png"] == 2


def test_too_few_images_to_split_is_a_data_error(tmp_path):
    rows = [row(str(noise_image(tmp_path / f"{c}{i}.png", 10 * k + i)), c)
            for k, c in enumerate(("male", "female")) for i in range(2)]
    source = write_csv(tmp_path / "labels.csv", rows)
    with pytest.raises(DataError, match=r"cannot split 4 images .*test_fraction=0.1"):
        load_gender(source, size=4, per_class=None, test_fraction=0.1)


@pytest.mark.parametrize(
    "options",
    [{"size": 0}, {"per_class": 0}, {"test_fraction": 1.0}, {"classes": ("male",)},
     {"classes": ("male", "Male")}, {"min_age": -1}, {"timeout_s": 0}, {"max_bytes": 0}],
)
def test_bad_options_are_value_errors(tmp_path, options):
    source = write_csv(tmp_path / "labels.csv", [row("a.png", "male")])
    with pytest.raises(ValueError, match=next(iter(options))):
        load_gender(source, **options)
