"""Hostile inputs: one case per defect class, each with the handling it must get.

- **error**: ``bench`` exits 2 with one line naming the value and what is expected, and no
  stored row, model record, dataset.json or cached model changes (``test_bad_input_*``);
- **counted skip**: a face-gender row whose download stalls, never ends, comes short or is
  too large is skipped and counted by reason, within the deadline (``test_download_*``);
- **recomputed**: a damaged store line is skipped with a warning naming file and line,
  and its cell is computed again (``test_damaged_store_*``).

``bench run`` here writes under ``--out`` = the stored results, so a change would show.
Downloads go to a local server on 127.0.0.1 only. Property-based tests (Hypothesis) feed
the npz and CSV readers arbitrary input: they return data or raise DataError, nothing else.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import pickle
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from local_server import body, drip, serve, short_body, slow, slow_headers
from rowbuilder import rows_for

from bench.cli import main
from bench.data.gender import load_gender
from bench.data.gender_rows import read_csv_rows
from bench.data.gender_sample import DOWNLOAD_FAILED, TOO_LARGE, screen
from bench.data.mnist import read_npz
from bench.data.types import DataError
from bench.results.loading import load_rows
from bench.results.schema import SCHEMA_VERSION, row_record
from bench.results.store import ResultStore

LABEL = "please_select_the_gender_of_the_person_in_the_picture"
#: Run folders the cases below would write to, each holding a stored model beforehand.
RUN_FOLDERS = ("mnist/smoke-mnist", "mnist/smoke", "cifar10/smoke", "gender/smoke")


def snapshot(*roots: Path) -> dict[str, str]:
    """sha256 of every file under ``roots``: any write, new file or removal shows."""
    return {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest()
        for root in roots if root.exists()
        for path in sorted(root.rglob("*")) if path.is_file()
    }


def store_model(folder: Path, key: str = "k1", checksum: str = "aaaa") -> None:
    """A run folder holding one model's record, two cells and matching dataset.json."""
    (folder / "rows").mkdir(parents=True)
    rows = rows_for("cnn", "none", 0, {0.0: 0.9, 1.0: 0.5}, model_key=key)
    (folder / "rows" / f"{key}.jsonl").write_text(
        "".join(json.dumps(row_record(r)) + "\n" for r in rows))
    record = {"key": key, "family": "cnn", "augmentation": "none", "seed": 0,
              "data_checksum": checksum, "augmentation_ranges": "none", "params": 10,
              "train_seconds": 1.0, "learning_rate": 0.001, "epochs": 1, "batch_size": 8,
              "n_train": 4, "history": {"loss": [0.5]}, "schema_version": SCHEMA_VERSION}
    (folder / "models.jsonl").write_text(json.dumps(record) + "\n")
    (folder / "dataset.json").write_text(json.dumps({
        "name": "mnist", "source": "earlier.npz", "checksum": "full", "classes": ["0", "1"],
        "image_shape": [28, 28, 1], "n_train_used": 4, "n_test_used": 200, "subset": "all",
        "counts": {}, "notes": [], "environment": {}, "train_checksum": checksum,
        "schema_version": SCHEMA_VERSION}))


@pytest.fixture
def stored(tmp_path, isolated_cache):
    """Results with a stored model in every run folder a case could touch, and a cached
    model; returns (results folder, snapshot function)."""
    results = tmp_path / "results"
    for name in RUN_FOLDERS:
        store_model(results / name)
    (isolated_cache / "models").mkdir(parents=True)
    (isolated_cache / "models" / "k1.keras").write_bytes(b"weights")
    (isolated_cache / "models" / "k1.json").write_text('{"key": "k1"}')
    return results, lambda: snapshot(results, isolated_cache)


def mnist_npz(path: Path, **overrides: object) -> Path:
    """An npz in the Keras layout (20 train, 10 test 28x28 images), with ``overrides``."""
    arrays = {"x_train": np.zeros((20, 28, 28), np.uint8), "y_train": np.arange(20) % 10,
              "x_test": np.zeros((10, 28, 28), np.uint8), "y_test": np.arange(10)}
    arrays.update(overrides)
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
    return path


def truncated_npz(path: Path) -> Path:
    data = mnist_npz(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


class _RunsCode:
    """Unpickling this runs code that creates ``marker``: a crafted CIFAR-10 batch."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').close()",))


def crafted_batches(folder: Path, marker: Path) -> Path:
    """A cifar-10-batches-py folder whose first batch runs code when unpickled."""
    folder.mkdir(parents=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        with open(folder / name, "wb") as handle:
            pickle.dump({b"data": _RunsCode(marker), b"labels": [0]}, handle, protocol=2)
    return folder


def cifar_tree_with_two_faults(root: Path) -> Path:
    """A 32x32 PNG tree (one image per class) with a stray text file and a corrupt PNG."""
    from bench.data.cifar10 import CLASSES

    for split in ("train", "test"):
        for name in CLASSES:
            (root / split / name).mkdir(parents=True)
            cv2.imwrite(str(root / split / name / "0.png"), np.zeros((32, 32, 3), np.uint8))
    (root / "train" / "cat" / "notes.txt").write_text("not an image")
    (root / "train" / "dog" / "1.png").write_bytes(b"\x89PNG cut short")
    return root


def gender_csv(path: Path, columns: tuple[str, str]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerow(["a.jpg", "male"])
    return path


def npz_with_one_lonely_class(path: Path) -> Path:
    """2,100 training images (more than the smoke profile's 2,000), one of them class 9."""
    y = np.arange(2100) % 9
    y[0] = 9
    return mnist_npz(path, x_train=np.zeros((2100, 28, 28), np.uint8), y_train=y)


RUN_MNIST = ["run", "mnist", "--profile", "smoke", "--data", "mnist"]
RUN_CIFAR = ["run", "cifar10", "--profile", "smoke"]

#: id -> (arguments after ``bench`` given tmp_path, fragments the error line must hold).
#: {tmp} in a fragment stands for tmp_path. Arguments come before data, so the first
#: group needs no data at all.
BAD_INPUTS: dict[str, tuple[Callable[[Path], list[str]], list[str]]] = {
    "seed negative": (lambda t: [*RUN_MNIST, "--seeds", "-1"],
                      ["--seeds: -1 is out of range", "expected integers 0..4294967295"]),
    "seed of 2**32": (lambda t: [*RUN_MNIST, "--seeds", "0,4294967296"],
                      ["--seeds: 4294967296 is out of range", "0..4294967295"]),
    "seed not a number": (lambda t: [*RUN_MNIST, "--seeds", "0,x"],
                          ["--seeds must be comma-separated integers, got '0,x'"]),
    "seed repeated": (lambda t: [*RUN_MNIST, "--seeds", "1,2,1"],
                      ["--seeds: 1 is given twice", "expected distinct seeds"]),
    "--out is a file": (lambda t: [*RUN_MNIST, "--out", str(_file(t / "o.txt"))],
                        ["--out {tmp}/o.txt: {tmp}/o.txt is a file; expected a folder"]),
    "--out under a file": (
        lambda t: [*RUN_MNIST, "--out", str(_file(t / "o.txt") / "sub")],
        ["--out {tmp}/o.txt/sub: {tmp}/o.txt is a file; expected a folder"]),
    "--reference is a file": (
        lambda t: [*RUN_MNIST, "--reference", str(_file(t / "ref.txt"))],
        ["--reference {tmp}/ref.txt: {tmp}/ref.txt is a file; expected a folder"]),
    "--trained not a folder": (
        lambda t: [*RUN_MNIST, "--trained", str(t / "nowhere")],
        ["--trained {tmp}/nowhere: no such folder", "bench.run.device_train"]),
    "--learning-rate not a number": (
        lambda t: [*RUN_MNIST, "--learning-rate", "nan"],
        ["--learning-rate must be between 0 and 1, got nan"]),
    "report --results is a file": (
        lambda t: ["report", "--results", str(_file(t / "r.txt"))],
        ["--results {tmp}/r.txt: {tmp}/r.txt is a file"]),
    "report --out is a file": (
        lambda t: ["report", "--out", str(_file(t / "o.md"))],
        ["--out {tmp}/o.md: {tmp}/o.md is a file"]),
    "publish --results is a file": (
        lambda t: ["publish", str(t / "results" / "mnist" / "smoke"), "--results",
                   str(_file(t / "r.txt"))],
        ["--results {tmp}/r.txt: {tmp}/r.txt is a file"]),
    "unknown family": (lambda t: [*RUN_MNIST, "--families", "cnn,rnn"],
                       ["unknown model family 'rnn'", "valid choices"]),
    "npz with empty arrays": (
        lambda t: [*RUN_MNIST, "--source", str(mnist_npz(
            t / "e.npz", x_train=np.zeros((0, 28, 28), np.uint8), y_train=np.zeros(0, int),
            x_test=np.zeros((0, 28, 28), np.uint8), y_test=np.zeros(0, int)))],
        ["{tmp}/e.npz: the train split holds no images", "expected at least one image"]),
    "npz with an empty test split": (
        lambda t: [*RUN_MNIST, "--source", str(mnist_npz(
            t / "e.npz", x_test=np.zeros((0, 28, 28), np.uint8), y_test=np.zeros(0, int)))],
        ["{tmp}/e.npz: the test split holds no images", "expected at least one image"]),
    "text file as npz": (
        lambda t: [*RUN_MNIST, "--source", str(_file(t / "m.npz", "x_train,y_train\n"))],
        ["{tmp}/m.npz: not a zip archive, not an npz file", "expected an npz in the Keras"]),
    "pickle as npz": (
        lambda t: [*RUN_MNIST, "--source", str(_file(t / "m.npz", pickle.dumps([1])))],
        ["{tmp}/m.npz: a Python pickle, not an npz file", "expected an npz"]),
    "folder as npz": (
        lambda t: [*RUN_MNIST, "--source", str(_folder(t / "m.npz"))],
        ["{tmp}/m.npz: is a folder", "pass --source PATH to an npz in the Keras layout"]),
    "missing npz": (lambda t: [*RUN_MNIST, "--source", str(t / "absent.npz")],
                    ["{tmp}/absent.npz: no such file", "Keras layout"]),
    "npz cut in half": (lambda t: [*RUN_MNIST, "--source", str(truncated_npz(t / "c.npz"))],
                        ["{tmp}/c.npz: not a readable npz file"]),
    "npz of Python objects": (
        lambda t: [*RUN_MNIST, "--source", str(mnist_npz(
            t / "o.npz", x_train=np.array([{"a": 1}] * 20, dtype=object)))],
        ["{tmp}/o.npz: x_train is an array of Python objects", "never loads",
         "expected numeric arrays"]),
    "npz missing a key": (lambda t: [*RUN_MNIST, "--source", str(mnist_npz(t / "k.npz",
                                                                          y_test=None))],
                          ["{tmp}/k.npz: missing keys ['y_test']", "Expected the Keras layout"]),
    "npz of floats": (
        lambda t: [*RUN_MNIST, "--source", str(mnist_npz(
            t / "f.npz", x_train=np.zeros((20, 28, 28), np.float32)))],
        ["{tmp}/f.npz: x_train is float32 (20, 28, 28); expected uint8 (N, 28, 28)"]),
    "labels out of range": (
        lambda t: [*RUN_MNIST, "--source", str(mnist_npz(
            t / "l.npz", y_train=np.array([-1, 12] + [0] * 18)))],
        ["{tmp}/l.npz y_train: labels outside 0..9: 2 of 20 labels, values -1, 12",
         "expected class ids 0..9"]),
    "a class too small to subset": (
        lambda t: [*RUN_MNIST, "--source", str(npz_with_one_lonely_class(t / "s.npz"))],
        ["cannot draw 2,000 of 2,100 images stratified by class", "9: 1"]),
    "crafted CIFAR-10 batch": (
        lambda t: [*RUN_CIFAR, "--source", str(crafted_batches(t / "cifar-10-batches-py",
                                                               t / "marker"))],
        ["cifar-10-batches-py/data_batch_1: refused: it asks for",
         "exec, which is not plain data", "holds only numpy arrays, lists, dicts, strings"]),
    "image folder with two faults": (
        lambda t: [*RUN_CIFAR, "--source", str(cifar_tree_with_two_faults(t / "tree"))],
        ["{tmp}/tree/train: 2 problems", "cat/notes.txt: not an image file",
         "dog/1.png: cannot be decoded"]),
    "gender CSV without its columns": (
        lambda t: ["run", "gender", "--profile", "smoke", "--source",
                   str(gender_csv(t / "faces.csv", ("url", "gender")))],
        ["{tmp}/faces.csv: no column 'image_url'; columns found: ['url', 'gender']",
         "Rename the CSV's image column to 'image_url'"]),
    "report: dataset.json of other data": (
        lambda t: ["report", "--results", str(_retarget(t / "results"))],
        ["mnist/smoke: none of its 1 models was trained on the data", "checksum zzzz"]),
    "report: damaged dataset.json": (
        lambda t: ["report", "--results", str(_damage(t / "results", "dataset.json"))],
        ["mnist/smoke/dataset.json: not valid JSON", "run the same `bench run` again"]),
    "report: rows of a newer schema": (
        lambda t: ["report", "--results", str(_newer_rows(t / "results"))],
        [f"k1.jsonl: schema_version {SCHEMA_VERSION + 1} is not one this bench reads",
         "upgrade bench"]),
}


def _file(path: Path, content: str | bytes = "x") -> Path:
    if isinstance(content, str):
        path.write_text(content)
    else:
        path.write_bytes(content)
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _retarget(results: Path) -> Path:
    """dataset.json of mnist/smoke now describes data no stored model was trained on."""
    path = results / "mnist" / "smoke" / "dataset.json"
    path.write_text(path.read_text().replace('"train_checksum": "aaaa"',
                                             '"train_checksum": "zzzz"'))
    return results


def _damage(results: Path, name: str) -> Path:
    path = results / "mnist" / "smoke" / name
    path.write_text(path.read_text()[:30])
    return results


def _newer_rows(results: Path) -> Path:
    path = results / "mnist" / "smoke" / "rows" / "k1.jsonl"
    path.write_text(path.read_text().replace(f'"schema_version": {SCHEMA_VERSION}',
                                             f'"schema_version": {SCHEMA_VERSION + 1}'))
    return results


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exits_2_naming_the_value_and_changes_nothing(case, stored, tmp_path,
                                                                capsys):
    results, state = stored
    argv = BAD_INPUTS[case][0](tmp_path)
    (tmp_path / "published").mkdir()  # --reference must be an existing folder
    defaults = {"run": {"--out": results, "--reference": tmp_path / "published"},
                "report": {"--results": results, "--out": tmp_path / "reports"},
                "publish": {"--results": tmp_path / "reference"}}[argv[0]]
    for option, value in defaults.items():
        if option not in argv:
            argv += [option, str(value)]
    before = state()
    code = main(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("bench: error:")]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    for fragment in BAD_INPUTS[case][1]:
        assert fragment.format(tmp=tmp_path) in lines[0], lines[0]
    assert state() == before  # no stored row, record, dataset.json or cached model changed
    assert not (tmp_path / "marker").exists()  # no code from data ran


@pytest.fixture
def server():
    with serve() as state:
        yield state


def _png(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (8, 8), dtype=np.uint8)
    return cv2.imencode(".png", pixels)[1].tobytes()


#: id -> (route serving the bad row, skip reason, words of the skip's detail).
BAD_DOWNLOADS = {
    "headers sent slowly": (slow_headers(lines=40, pause_s=0.1, data=b""), DOWNLOAD_FAILED,
                            "not complete after 0.5 s"),
    "a body that never ends": (drip(chunks=10_000, chunk=b"x", pause_s=0.01), DOWNLOAD_FAILED,
                               "not complete after 0.5 s"),
    "no answer at all in time": (slow(3.0, b"late"), DOWNLOAD_FAILED,
                                 "not complete after 0.5 s"),
    "a body cut short": (short_body(declared=1000, data=b"x" * 10), DOWNLOAD_FAILED,
                         "sent 10 of 1,000 bytes"),
    "too large": (body(b"x" * 30_000), TOO_LARGE, "30,000 bytes > 20,000"),
}


@pytest.mark.parametrize("case", list(BAD_DOWNLOADS))
def test_download_that_stalls_or_misbehaves_is_a_counted_skip(case, server, tmp_path):
    """Four good faces per class and one bad URL: the load ends with the bad row counted
    under its reason (the deadline bounds it: connect, headers and body together)."""
    route, reason, detail = BAD_DOWNLOADS[case]
    server.routes["/bad.png"] = route
    rows = [[server.url("/bad.png"), "female"]]
    for i, label in enumerate(["male", "female"] * 4):
        server.routes[f"/{i}.png"] = body(_png(i))
        rows.append([server.url(f"/{i}.png"), label])
    with (tmp_path / "faces.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([["image_url", LABEL], *rows])
    data = load_gender(tmp_path / "faces.csv", size=8, per_class=None, test_fraction=0.5,
                       timeout_s=0.5, max_bytes=20_000)
    assert data.provenance.skipped == {reason: 1}
    assert len(data.train.y) + len(data.test.y) == 8
    assert any(detail in note and "/bad.png" in note for note in data.provenance.notes)


#: id -> how a rows file's second line is damaged.
DAMAGED_LINES = {
    "cut short with a newline": lambda line: line[:40],
    "not JSON at all": lambda line: "\x00\x00garbage",
    "a JSON array": lambda line: "[1, 2, 3]",
    "a row that lacks fields": lambda line: json.dumps({"task": "mnist",
                                                        "schema_version": SCHEMA_VERSION}),
}


@pytest.mark.parametrize("case", list(DAMAGED_LINES))
def test_damaged_store_line_is_skipped_named_and_its_cell_recomputed(case, tmp_path, caplog):
    results = tmp_path / "results"
    folder = results / "mnist" / "smoke"
    store_model(folder)
    path = folder / "rows" / "k1.jsonl"
    first, second = path.read_text().splitlines()
    path.write_text(f"{first}\n{DAMAGED_LINES[case](second)}\n")
    assert main(["report", "--results", str(results), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "mnist-smoke.md").is_file()
    assert f"{path}" in caplog.text and "line 2" in caplog.text
    with ResultStore(folder) as store:
        assert store.done_cells("k1", n_groups=1) == {("shift_x", 0.0)}  # 1.0: computed again
        store.append_rows(rows_for("cnn", "none", 0, {0.0: 0.9, 1.0: 0.5}, model_key="k1")[1:])
    assert [r.magnitude for r in load_rows(folder)] == [0.0, 1.0]
    assert path.read_text().splitlines()[1] == DAMAGED_LINES[case](second)  # kept as found


#: Shapes of arbitrary arrays: small ones of any rank, and image stacks of MNIST's size.
SHAPES = st.one_of(st.lists(st.integers(0, 6), max_size=4).map(tuple),
                   st.tuples(st.integers(0, 4), st.just(28), st.just(28)))
ANY_ARRAY = hnp.arrays(st.sampled_from([np.uint8, np.int64, np.int8, np.float32, np.bool_]),
                       SHAPES)
PROPERTIES = settings(max_examples=80, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def keras_layouts(draw) -> dict[str, np.ndarray]:
    """Near-valid Keras-layout arrays: 0 to 3 images per split, labels -2..11 of any signed
    integer type, now and then an arbitrary array in a key's place or a key left out."""
    arrays = {}
    for split in ("train", "test"):
        n = draw(st.integers(0, 3))
        arrays[f"x_{split}"] = draw(st.one_of(hnp.arrays(np.uint8, (n, 28, 28)), ANY_ARRAY))
        arrays[f"y_{split}"] = draw(st.one_of(
            hnp.arrays(st.sampled_from([np.int64, np.int16, np.int8]), (n,),
                       elements=st.integers(-2, 11)),
            ANY_ARRAY))
    dropped = draw(st.sets(st.sampled_from(sorted(arrays)), max_size=1))
    return {key: value for key, value in arrays.items() if key not in dropped}


@PROPERTIES
@given(arrays=keras_layouts())
def test_any_npz_is_read_or_refused_with_a_data_error(arrays, tmp_path):
    path = tmp_path / "any.npz"
    np.savez(path, **arrays)
    try:
        data = read_npz(path)
    except DataError as error:
        assert str(path) in str(error)
    else:
        for split in (data.train, data.test):
            assert split.x.dtype == np.uint8 and split.x.shape[1:] == (28, 28, 1)
            assert len(split.y) > 0 and split.y.min() >= 0 and split.y.max() <= 9


@PROPERTIES
@given(content=st.binary(max_size=300))
def test_any_bytes_as_npz_are_refused_with_a_data_error(content, tmp_path):
    path = tmp_path / "any.npz"
    path.write_bytes(content)
    with pytest.raises(DataError, match="any.npz"):
        read_npz(path)


CELLS = st.text(st.characters(codec="utf-8"), max_size=12)
COLUMNS = st.lists(st.sampled_from(["image_url", LABEL, "age", "race", "x", ""]),
                   min_size=1, max_size=4)


@st.composite
def csv_texts(draw) -> str | bytes:
    """A gender CSV: well-formed with arbitrary cells, or any text or bytes at all."""
    columns = draw(COLUMNS)
    rows = draw(st.lists(st.lists(CELLS, min_size=len(columns), max_size=len(columns)),
                         max_size=5))
    buffer = io.StringIO()
    csv.writer(buffer).writerows([columns, *rows])
    return draw(st.one_of(st.just(buffer.getvalue()), st.text(max_size=300),
                          st.binary(max_size=300)))


@PROPERTIES
@given(content=csv_texts())
def test_any_csv_is_read_or_refused_with_a_data_error(content, tmp_path):
    path = tmp_path / "faces.csv"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    try:
        rows = read_csv_rows(path, "image_url", LABEL)
    except DataError as error:
        assert str(path) in str(error)
    else:
        assert all(isinstance(row.image, str) and isinstance(row.label, str)
                   and (row.age is None or row.age >= 0) for row in rows.rows)
        screened = screen(rows, tmp_path, ("male", "female"), min_age=None)  # never raises
        assert sum(map(len, screened.pools)) + sum(screened.skips.counts.values()) \
            == len(rows.rows)
