"""Every subcommand's help example works as a user would type it, in the order a user would:
the smoke run first (it trains into a fresh cache), then the commands that read it, in a
folder of their own holding a copy of the published smoke reference."""

from __future__ import annotations

import shlex
import shutil

import pytest

from bench import checkout
from bench.cli import _parser, main

pytestmark = pytest.mark.slow

#: The order in which the examples build on one another (anything else runs last).
ORDER = ("run", "list", "compare", "check", "export", "eval", "publish", "report")
#: Examples only parsed here: ``bench reproduce``'s trains a published architecture on the
#: 60,000 MNIST training digits, 3 seeds of 10 epochs (about 35 minutes on 2 cores); its
#: code runs on tiny data in tests/test_reproductions.py.
PARSED_ONLY = ("reproduce",)


def examples() -> list[tuple[str, str]]:
    """(subcommand, example command line) for every subcommand, in ``ORDER``."""
    found = {name: sub.example for name, sub in _parser().subcommands().items()}
    rank = {name: ORDER.index(name) if name in ORDER else len(ORDER) for name in found}
    return sorted(found.items(), key=lambda item: rank[item[0]])


def test_every_help_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BENCH_CACHE_DIR", str(tmp_path / "cache"))
    shutil.copytree(checkout.published(checkout.RESULTS) / "mnist" / "smoke",
                    tmp_path / "results" / "mnist" / "smoke")
    expected = {"check": (0, 1)}  # the gate's verdict is the run's to give; 2 would be a fault
    for name, example in examples():
        words = shlex.split(example)
        assert words[:2] == ["bench", name]
        if name in PARSED_ONLY:
            assert _parser().parse_args(words[1:]).command == name
            continue
        if name == "eval":  # the example's model: one the smoke run trained
            shutil.copy(next((tmp_path / "cache" / "models").glob("*.keras")),
                        tmp_path / words[2])
        status = main(words[1:])
        err = capsys.readouterr().err
        assert status in expected.get(name, (0,)), f"{example}: exit {status}\n{err}"
    assert (tmp_path / "reports" / "README.md").is_file()
    assert (tmp_path / "runs" / "eval" / "my_model-mnist-smoke" / "report.md").is_file()
