"""The bench command: exit codes and messages on bad input (no training here)."""

import numpy as np
import pytest

from bench.cli import main


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "mnsit"],
         "unknown task 'mnsit'; valid choices: mnist, fashion-mnist, gender, cifar10"),
        (["run", "mnist", "--profile", "fast"], "valid choices: smoke, quick, book"),
        (["run", "mnist", "--data", "mnist-50k"], "unknown data set"),
        (["run", "gender", "--data", "mnist-5k"], "task 'gender' cannot use data set 'mnist-5k'"),
        (["run", "mnist", "--seeds", "0,x"], "--seeds must be comma-separated integers"),
        (["run", "mnist", "--families", "cnn,rnn"], "unknown model family 'rnn'"),
        (["run", "mnist", "--augmentations", "flip"], "unknown augmentation 'flip'"),
    ],
)
def test_unknown_names_exit_2_with_the_choices(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_malformed_npz_exits_2_naming_the_file(tmp_path, capsys):
    bad = tmp_path / "mnist.npz"
    np.savez(bad, x_train=np.zeros((2, 28, 28), np.uint8))
    code = main(["run", "mnist", "--profile", "smoke", "--data", "mnist", "--source", str(bad),
                 "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and str(bad) in err and "missing keys" in err


def test_report_without_results_says_what_to_run(tmp_path, capsys):
    assert main(["report", "--results", str(tmp_path / "none"), "--out", str(tmp_path)]) == 2
    assert "bench run TASK" in capsys.readouterr().err


def test_list_names_every_task(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "profiles: book, quick, smoke" in out and "cifar10" in out and "shift_x" in out
