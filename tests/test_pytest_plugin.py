"""bench's pytest plugin: registered through the ``pytest11`` entry point, its ``bench_eval``
fixture runs in a user's own test suite (pytester: an inner pytest session in a temporary
folder), and the README's fixture example passes there as written."""

from __future__ import annotations

import importlib.metadata
import textwrap
from pathlib import Path

import pytest
import tiny_api_model
from tiny_api_model import (
    as_reference_family,
    numpy_model,
    readme_blocks,
    readme_model,
    write_npz,
)

import bench

pytest_plugins = ["pytester"]
#: Options of the inner sessions: without the plugins that take a second to start here.
INNER = ("-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:benchmark")


def test_the_plugin_is_registered_through_the_pytest11_entry_point():
    found = {(e.name, e.value) for e in importlib.metadata.entry_points(group="pytest11")}
    assert ("bench", "bench.pytest_plugin") in found, (
        "bench's pytest11 entry point is missing from the installed metadata; reinstall "
        "with pip install -e .")


def pinning_conftest(npz: Path, reference: Path | None) -> str:
    """A user's conftest.py that pins bench_eval's test images, profile and reference by
    overriding the plugin's fixture (the way a project pins its own data)."""
    return textwrap.dedent(f"""
        import functools
        import pytest

        @pytest.fixture
        def bench_eval(bench_eval):
            return functools.partial(bench_eval, data={str(npz)!r}, profile="smoke",
                                     reference={None if reference is None else str(reference)!r})
    """)


@pytest.fixture(scope="module", autouse=True)
def warm(tmp_path_factory):
    """One evaluation of a Keras file before any pytester starts: pytester runs the inner
    session in this process and, at its end, drops the modules imported since it started,
    and TensorFlow aborts the process when imported a second time. Imported here, they are
    never dropped."""
    folder = tmp_path_factory.mktemp("warm")
    bench.evaluate(readme_model(folder), task="mnist", data=write_npz(folder / "blocks.npz"),
                   profile="smoke", reference=None, out=folder / "run", input_range="0-255",
                   transforms="rotate", grid="rotate=0:30:30").check(against=folder / "run")


@pytest.fixture
def user_project(pytester: pytest.Pytester):
    """The inner project: ``mine.keras`` (pixels 0..255 in) and 40 block images."""
    readme_model(pytester.path)
    return pytester, write_npz(pytester.path / "blocks.npz")


def test_the_readme_fixture_example_passes_in_a_users_suite(user_project, tmp_path):
    pytester, npz = user_project
    code = readme_blocks()[1]
    assert "def test_rotation(bench_eval):" in code
    reference = bench.evaluate(lambda images: numpy_model(images / 255), task="mnist",
                               data=npz, profile="smoke", reference=None,
                               out=tmp_path / "reference", input_range="0-255",
                               transforms="rotate", grid="rotate=-30:30:15")  # as mine.keras
    pytester.makeconftest(pinning_conftest(npz, as_reference_family(reference.folder)))
    pytester.makepyfile(test_robustness=code)
    kept = tmp_path / "kept"
    result = pytester.runpytest(*INNER, f"--bench-eval-out={kept}")
    result.assert_outcomes(passed=1)
    folders = [p for p in kept.iterdir() if p.is_dir()]
    assert [p.name for p in folders] == ["test_robustness.py_test_rotation"]
    assert (folders[0] / "report.md").is_file()


def test_a_failing_gate_fails_the_users_test_with_the_table(user_project):
    """Callables through the fixture: the template match and a copy that lost three of ten
    classes, whose clean accuracy is 30 pp lower."""
    pytester, npz = user_project
    pytester.makepyfile(blocks_model=Path(tiny_api_model.__file__).read_text())
    pytester.makeconftest(pinning_conftest(npz, None))
    pytester.makepyfile(test_gate="""
        import functools
        from blocks_model import numpy_model, template_weights

        def test_worse_fails_the_gate(bench_eval):
            grid = {"transforms": "rotate", "grid": "rotate=0:30:30"}
            mine = bench_eval(numpy_model, task="mnist", **grid)
            weights = template_weights()
            weights[:, 3:6] = 0.0
            worse = bench_eval(functools.partial(numpy_model, weights=weights), task="mnist",
                               **grid)
            assert worse.folder != mine.folder
            assert worse.folder.name.startswith("bench-eval-")
            outcome = worse.check(max_drop=2, against=mine.folder)
            print(outcome)
            assert outcome
    """)
    result = pytester.runpytest(*INNER)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*user/unknown*clean*100.0*70.0*FAIL*",
                                 "*FAIL: * of 2 model x transform rows dropped by more than "
                                 "2 pp*"])
