"""The bench command's first minutes: fast help and list without heavy imports, one example
per subcommand, misspellings answered with the subcommand's usage and a suggestion, path
options that resolve the same way from anywhere, and no library log lines."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import bench
from bench import checkout, library_logs
from bench.catalog import TRANSFORMS
from bench.catalog.listing import listing, profile_sizes
from bench.catalog.profiles import PROFILES
from bench.cli import _parser, main

ROOT = Path(bench.__file__).resolve().parent.parent
HEAVY = ("tensorflow", "keras", "pandas", "sklearn")


def _imported_after(argv: list[str]) -> list[str]:
    """The heavy libraries loaded by ``bench ARGV`` in a fresh interpreter."""
    code = ("import sys\nfrom bench.cli import main\ntry:\n    main(sys.argv[1:])\n"
            "except SystemExit:\n    pass\n"
            f"print('LOADED', [m for m in {HEAVY!r} if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    return eval(done.stdout.split("LOADED", 1)[1])


@pytest.mark.parametrize("argv", [["--help"], ["list"], ["run", "--help"]])
def test_help_and_list_import_no_heavy_library(argv):
    assert _imported_after(argv) == []


def test_help_lists_every_subcommand_with_one_example(capsys):
    parser = _parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["--help"])
    text = capsys.readouterr().out
    examples = text.split("examples")[1]
    for name, sub in parser.subcommands().items():
        assert sub.example and sub.example.startswith(f"bench {name}"), name
        assert f"  {sub.example}\n" in examples
        assert sub.example in sub.format_help()  # and in its own --help


def test_misspelt_option_gets_the_subcommands_usage_and_a_suggestion(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "mnist", "--profle", "smoke"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.startswith("usage: bench run ")
    assert "unrecognized arguments: --profle (did you mean --profile?)" in err


def test_misspelt_command_is_suggested(capsys):
    with pytest.raises(SystemExit):
        main(["lsit"])
    assert "(did you mean list?)" in capsys.readouterr().err


def test_a_word_close_to_nothing_gets_no_suggestion(capsys):
    with pytest.raises(SystemExit):
        main(["compare", "a", "b", "--zzzzzz"])
    err = capsys.readouterr().err
    assert "usage: bench compare" in err and "--zzzzzz" in err and "did you mean" not in err


def test_list_prints_each_profiles_sizes_and_each_transforms_grid_per_profile(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == listing()
    lines = out.splitlines()
    for profile in PROFILES.values():
        sizes = profile_sizes(profile)
        assert any(line.split() == " ".join(sizes).split() for line in lines), sizes
        for transform, magnitudes in profile.grid:
            spec = TRANSFORMS[transform]
            grid = ", ".join(spec.format_magnitude(m) for m in magnitudes)
            owners = [line for line in lines if line.startswith(f"    {grid} {spec.unit} (")]
            assert any(f"{profile.task} {profile.name.value}" in line.split(": ", 1)[1]
                       .split(", ") for line in owners), (transform, profile.name)


def test_default_reference_is_the_checkouts_results_wherever_bench_runs(tmp_path,
                                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = _parser().parse_args(["run", "mnist"])
    assert args.reference == checkout.published("results") == ROOT / "results"
    report = _parser().parse_args(["report"])
    assert (report.results, report.out) == (ROOT / "results", ROOT / "reports")


def test_a_reference_folder_that_does_not_exist_is_an_error_saying_where_it_looked(
        tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "mnist", "--profile", "smoke", "--reference", "results",
                 "--out", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err
    assert f"--reference results: no such folder (looked for {tmp_path / 'results'})" in err
    assert not (tmp_path / "runs").exists()


def test_without_a_checkout_report_asks_for_its_folders(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(checkout, "checkout_root", lambda: None)
    assert _parser().parse_args(["run", "mnist"]).reference is None
    assert main(["report"]) == 2
    assert "--results is required: bench is installed without a checkout" in (
        capsys.readouterr().err)


def test_verbose_is_taken_before_and_after_the_subcommand():
    assert _parser().parse_args(["--verbose", "list"]).verbose is True
    assert _parser().parse_args(["list", "--verbose"]).verbose is True
    assert _parser().parse_args(["list"]).verbose is False


def test_quiet_and_verbose_set_the_tensorflow_log_level(monkeypatch):
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")
    library_logs.quiet()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    library_logs.verbose()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    assert not any(isinstance(f, library_logs._QuietTensorFlowImport) for f in sys.meta_path)


def test_stderr_to_devnull_hides_what_is_written_to_file_descriptor_2(capfd):
    with library_logs.stderr_to_devnull():
        os.write(2, b"I0000 from C++\n")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


@pytest.mark.slow
def test_tensorflow_prints_nothing_in_a_quiet_process():
    code = ("from bench import library_logs\nlibrary_logs.quiet()\nimport numpy as np\n"
            "import keras\nm = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
            "m.predict(np.zeros((8, 4), 'float32'), verbose=0)\nprint('done')")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)}, check=True)
    assert done.stdout == "done\n" and done.stderr == ""
