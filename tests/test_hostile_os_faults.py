"""Hostile inputs, operating-system faults: each ends `bench` with exit 2 and one line (the
path, what the errno means, what to do), no traceback and no temporary file left behind;
after a disk-full the same command continues to rows identical to an uninterrupted run.

Running as root, chmod cannot make a folder unwritable, so permission faults are simulated
by making ``mkdir`` or ``open`` raise the errno the kernel would; the chmod variant runs
only for a normal user.
"""

from __future__ import annotations

import errno
import json
import os
import pathlib

import keras
import pytest
from tiny_run import error_lines, rows_of, run, run_folder, tiny_npz

from bench.os_faults import describe, replaced_atomically
from bench.results import store as store_module


@pytest.fixture
def source(tmp_path):
    return tiny_npz(tmp_path / "tiny.npz")


@pytest.fixture
def uninterrupted(source, tmp_path_factory):
    """Rows of the run without any fault, trained in a cache of their own."""
    out = tmp_path_factory.mktemp("uninterrupted")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BENCH_CACHE_DIR", str(out / "cache"))
        assert run(source, out) == 0
    return rows_of(out)


def one_line(capsys) -> str:
    """The single error line of stderr (asserting there is one and no traceback)."""
    err = capsys.readouterr().err
    lines = error_lines(err)
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


class _FillsTheDisk:
    """A file whose ``write`` stores half the text, then fails as a full disk does."""

    def __init__(self, handle):
        self.handle = handle

    def write(self, text):
        self.handle.write(text[: len(text) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self.handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.handle.close()


@pytest.mark.slow
def test_disk_full_while_storing_rows_is_one_line_and_the_rerun_gives_identical_rows(
        source, tmp_path, monkeypatch, capsys, uninterrupted):
    appends = []

    def open_until_full(path, mode="r", **kwargs):
        handle = open(path, mode, **kwargs)
        if "a" in mode and "rows" in str(path):
            appends.append(path)
            if len(appends) == 3:  # the third cell finds the disk full, mid-line
                return _FillsTheDisk(handle)
        return handle

    monkeypatch.setattr(store_module, "open", open_until_full, raising=False)
    assert run(source, tmp_path / "out") == 2
    line = one_line(capsys)
    assert f"{appends[-1]}: No space left on device (ENOSPC)" in line
    assert "free some disk space" in line and "run the same command again" in line

    monkeypatch.setattr(store_module, "open", open, raising=False)  # space freed
    assert run(source, tmp_path / "out") == 0
    after = rows_of(tmp_path / "out")
    assert after.keys() == uninterrupted.keys()
    for name, data in after.items():
        lines = data.splitlines(keepends=True)
        cut = [text for text in lines if text not in uninterrupted[name].splitlines(True)]
        assert len(cut) == 1 and not _parses(cut[0])  # the half line, kept as found, skipped
        assert b"".join(text for text in lines if text not in cut) == uninterrupted[name]


@pytest.mark.slow
def test_disk_full_while_caching_a_model_leaves_no_temporary_file_and_the_rerun_gives_identical_rows(  # noqa: E501
        source, tmp_path, monkeypatch, capsys, isolated_cache, uninterrupted):
    save = keras.Model.save

    def save_until_full(model, path, *args, **kwargs):
        pathlib.Path(path).write_bytes(b"PK\x03\x04 half a model")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(keras.Model, "save", save_until_full)
    assert run(source, tmp_path / "out") == 2
    line = one_line(capsys)
    assert "No space left on device (ENOSPC)" in line and str(isolated_cache) in line
    assert not list(isolated_cache.rglob("tmp-*"))  # the 3 MB temporary model is gone

    monkeypatch.setattr(keras.Model, "save", save)
    assert run(source, tmp_path / "out") == 0
    assert rows_of(tmp_path / "out") == uninterrupted


def _parses(line: bytes) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


def _refuse_mkdir_under(monkeypatch, folder, code):
    """mkdir of ``folder`` or anything below it raises ``code``, as on a read-only or
    forbidden folder."""
    mkdir = pathlib.Path.mkdir

    def refusing(path, *args, **kwargs):
        if str(path).startswith(str(folder)):
            raise OSError(code, os.strerror(code), str(path))
        return mkdir(path, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "mkdir", refusing)


@pytest.mark.slow
@pytest.mark.parametrize("code, words", [(errno.EACCES, "Permission denied (EACCES)"),
                                         (errno.EROFS, "Read-only file system (EROFS)")])
def test_permission_denied_or_read_only_out_is_one_line(code, words, source, tmp_path,
                                                        monkeypatch, capsys):
    out = tmp_path / "out"
    _refuse_mkdir_under(monkeypatch, out, code)
    assert run(source, out) == 2
    line = one_line(capsys)
    assert f"{out}" in line and words in line and "--out" in line


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_out_folder_is_one_line_for_a_normal_user(source, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o500)
    try:
        assert run(source, out) == 2
    finally:
        out.chmod(0o700)
    assert "Permission denied (EACCES)" in one_line(capsys)


@pytest.mark.slow
def test_permission_denied_on_the_model_cache_is_one_line(source, tmp_path, monkeypatch,
                                                          capsys, isolated_cache):
    _refuse_mkdir_under(monkeypatch, isolated_cache, errno.EACCES)
    assert run(source, tmp_path / "out") == 2
    line = one_line(capsys)
    assert str(isolated_cache) in line and "Permission denied (EACCES)" in line
    assert "BENCH_CACHE_DIR" in line


@pytest.mark.slow
def test_out_through_a_symlink_loop_is_one_line(source, tmp_path, capsys):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    assert run(source, loop / "runs") == 2
    line = one_line(capsys)
    assert str(loop) in line and "(ELOOP)" in line and "fix or remove the link" in line


@pytest.mark.slow
def test_a_cache_dir_that_is_a_file_is_one_line(source, tmp_path, monkeypatch, capsys):
    (tmp_path / "cache-file").write_text("not a folder")
    monkeypatch.setenv("BENCH_CACHE_DIR", str(tmp_path / "cache-file"))
    assert run(source, tmp_path / "out") == 2
    line = one_line(capsys)
    assert str(tmp_path / "cache-file") in line and "a file stands where a folder" in line
    assert rows_of(tmp_path / "out") == {}  # nothing half-done was stored


def test_a_write_that_fails_without_a_path_is_named_after_its_file(tmp_path):
    target = tmp_path / "dataset.json"
    with pytest.raises(OSError) as caught, replaced_atomically(target) as partial:
        partial.write_text("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert caught.value.filename == str(target) and caught.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []  # neither the target nor the temporary file


def test_an_os_error_with_a_message_of_its_own_is_that_message():
    assert describe(FileNotFoundError("runs/x: no stored rows")) == "runs/x: no stored rows"


def test_an_unknown_errno_still_names_the_path_and_its_meaning():
    line = describe(OSError(errno.EXDEV, os.strerror(errno.EXDEV), "/a", None, "/b"))
    assert line.startswith("/a -> /b: Invalid cross-device link (EXDEV); ")


@pytest.mark.slow
def test_run_folder_helper_matches_the_cli(source, tmp_path):
    """The tests above read the folder the CLI writes: make sure it is that one."""
    assert run(source, tmp_path / "out") == 0
    assert (run_folder(tmp_path / "out") / "report.md").is_file()


def test_ctrl_c_while_writing_removes_the_temporary_file(tmp_path):
    target = tmp_path / "model.keras"
    target.write_bytes(b"the previous model")
    with pytest.raises(KeyboardInterrupt), replaced_atomically(target) as partial:
        partial.write_bytes(b"half")
        raise KeyboardInterrupt
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]
    assert target.read_bytes() == b"the previous model"  # untouched
