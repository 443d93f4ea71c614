"""``bench run``'s options turned into a profile (``bench.catalog.choices``): a policy named
by ``--augmentations`` on a profile that gives it no range is refused, not trained as a
silent copy of ``none``."""

from __future__ import annotations

import dataclasses

import pytest

from bench.catalog import choices
from bench.catalog.profiles import get_profile
from bench.cli import main
from bench.config import AugmentRanges, ChoiceError


def _without_rotation(task, name):
    """The profile with every range but the rotation's (0 degrees: unchanged images)."""
    profile = get_profile(task, name)
    return dataclasses.replace(profile, augment=dataclasses.replace(profile.augment,
                                                                    rotate_deg=0.0))


def test_a_policy_without_its_range_is_refused():
    profile = dataclasses.replace(_without_rotation("mnist", "smoke"),
                                  augmentations=("none", "rotate"))
    with pytest.raises(ChoiceError, match=r"--augmentations rotate: profile smoke of mnist "
                                          r"gives it no range \(rotate up to 0"):
        choices.check_ranges(profile)
    # the policies that chain it are refused too; those with their ranges pass
    with pytest.raises(ChoiceError, match="--augmentations all: "):
        choices.check_ranges(dataclasses.replace(profile, augmentations=("all",)))
    choices.check_ranges(dataclasses.replace(profile, augmentations=("none", "shift")))


def test_every_stock_profile_gives_its_own_policies_their_ranges():
    from bench.catalog.profiles import PROFILES

    for profile in PROFILES.values():
        choices.check_ranges(profile)


def test_bench_run_refuses_it_before_training(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(choices, "get_profile", _without_rotation)
    code = main(["run", "mnist", "--profile", "smoke", "--augmentations", "none,rotate",
                 "--out", str(tmp_path / "runs"), "--reference", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("bench: error: --augmentations rotate: profile smoke")
    assert "it would train on unchanged images" in err and "Traceback" not in err
    assert not (tmp_path / "runs").exists()


def test_a_range_of_zero_everywhere_refuses_every_policy_but_none():
    profile = dataclasses.replace(get_profile("mnist", "book"), augment=AugmentRanges())
    for policy in ("shift", "rotate", "scale", "all", "shear"):
        with pytest.raises(ChoiceError, match=f"--augmentations {policy}: "):
            choices.check_ranges(dataclasses.replace(profile, augmentations=(policy,)))
    choices.check_ranges(dataclasses.replace(profile, augmentations=("none",)))
