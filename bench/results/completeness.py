"""What a stored run lacks against its profile, in words: families, augmentations, seeds,
training images (``bench publish`` refuses such a run unless ``--partial``; its reports say
partial). No Keras here."""

from __future__ import annotations

from bench.catalog import DATASETS, FAMILIES, POLICIES
from bench.catalog.profiles import profile_of_run
from bench.config import Profile
from bench.results.loading import RunData


def pair_label(family: str, augmentation: str) -> str:
    """``MLP / none``: a family trained with a policy, over its seeds."""
    return f"{FAMILIES[family].label} / {augmentation}"


def _families_with_fewer_policies(run: RunData, profile: Profile,
                                  policies: set[str]) -> list[str]:
    """``CNN-GAP, CNN-AA: 1 of 6 augmentations`` for the families trained with fewer of the
    run's augmentations than their profile trains them with (one note per count); ``1 of the
    3 augmentations in this run`` where the run lacks some of the family's policies (named
    in the run's own note)."""
    by_count: dict[tuple[int, int, bool], list[str]] = {}
    for family in profile.families:
        own = {m["augmentation"] for m in run.models if m["family"] == family}
        its_own = set(profile.policies_of(family))
        meant = its_own & policies
        if own and not meant <= own:
            count = (len(own & meant), len(meant), meant < its_own)
            by_count.setdefault(count, []).append(FAMILIES[family].label)
    return [f"{', '.join(labels)}: {count} of "
            + (f"the {of} augmentations in this run" if in_run else f"{of} augmentations")
            for (count, of, in_run), labels in sorted(by_count.items())]


NAMED_UP_TO = 3  # a seed note names its models when it covers at most this many


def _models_with_fewer_seeds(run: RunData, seeds: tuple[int, ...]) -> list[str]:
    """``CNN-GAP / shift: 1 of 5 seeds`` (up to NAMED_UP_TO models named) or ``12 of 20
    models: 3 of 5 seeds`` for the models trained with fewer of the profile's seeds than it
    names (one note per count)."""
    own: dict[tuple[str, str], set[int]] = {}
    for m in run.models:
        own.setdefault((m["family"], m["augmentation"]), set()).add(m["seed"])
    by_count: dict[int, list[str]] = {}
    for (family, policy), model_seeds in own.items():
        count = len(model_seeds & set(seeds))
        if count < len(seeds):
            by_count.setdefault(count, []).append(pair_label(family, policy))
    notes = []
    for count, labels in sorted(by_count.items()):
        which = (", ".join(labels) if len(labels) <= NAMED_UP_TO
                 else f"{len(labels)} of {len(own)} models")
        notes.append(f"{which}: {count} of {len(seeds)} seeds")
    return notes


def partial_notes(run: RunData) -> list[str]:
    """What the run lacks against its profile, in words ([]: complete): families,
    augmentations, seeds (of the run, or of some of its models), training images, families
    trained with fewer augmentations."""
    profile = profile_of_run(run.task, run.profile)
    if profile is None:
        return []
    notes = []
    families = {m["family"] for m in run.models}
    missing = [FAMILIES[f].label for f in profile.families if f not in families]
    if missing:
        notes.append("no " + ", ".join(missing) + " models")
    policies = {m["augmentation"] for m in run.models}
    if set(profile.augmentations) - policies:
        notes.append(f"{len(policies & set(profile.augmentations))} of "
                     f"{len(profile.augmentations)} augmentations")
    seeds = {m["seed"] for m in run.models}
    if set(profile.seeds) - seeds:
        notes.append(f"{len(seeds & set(profile.seeds))} of {len(profile.seeds)} seeds")
    else:
        notes += _models_with_fewer_seeds(run, profile.seeds)
    wanted = profile.n_train or DATASETS[profile.data].full_train
    used = run.dataset.get("n_train_used")
    if wanted and used is not None and used < wanted:
        notes.append(f"{used:,} of {wanted:,} training images")
    return notes + _families_with_fewer_policies(run, profile, policies)


def _commits_by_seed(run: RunData) -> dict[tuple[str, str], dict[int, str]]:
    """(family, augmentation) -> seed -> the commit its training record names."""
    found: dict[tuple[str, str], dict[int, str]] = {}
    for m in run.models:
        commit = str((m.get("environment") or {}).get("commit"))
        found.setdefault((m["family"], m["augmentation"]), {})[m["seed"]] = commit
    return found


def pooled_notes(run: RunData) -> list[str]:
    """``CNN / none: its 5 seeds were trained at 3 commits (a1b2c3d4e5f6, ...)`` for each model
    whose seeds' training records name different code versions (the git commit in each
    model record's environment); [] when every model's seeds share one."""
    notes = []
    for pair, seeds in sorted(_commits_by_seed(run).items()):
        commits = sorted(set(seeds.values()))
        if len(commits) > 1:
            notes.append(f"{pair_label(*pair)}: its {len(seeds)} seeds were trained at "
                         f"{len(commits)} commits ({', '.join(commits)})")
    return notes


def retrained_base_notes(run: RunData,
                         pairs: set[tuple[str, str]] | None = None) -> list[str]:
    """``CNN / none+tta: seeds 0, 1 defend CNN / none trained again (at 852f14a5e1c2; the
    stored CNN / none at b21d1de2bc7d)`` for each defended variant whose wrapped model was
    trained at another commit than its base model's stored record on some seed: the model
    files were not at hand, so the base was trained again, and a difference between the two
    also holds that second training. [] when every defence wraps the stored model. ``pairs``:
    only these (family, augmentation) variants (None: all)."""
    commits = _commits_by_seed(run)
    notes = []
    for (family, policy), seeds in sorted(commits.items()):
        if pairs is not None and (family, policy) not in pairs:
            continue
        defended = POLICIES[policy].defended if policy in POLICIES else None
        base = commits.get((family, defended[0])) if defended else None
        if not base:
            continue
        other = sorted(s for s, commit in seeds.items() if s in base and commit != base[s])
        if other:
            wrapped = sorted({seeds[s] for s in other})
            stored = sorted({base[s] for s in other})
            which = (f"seeds {', '.join(map(str, other))} defend" if len(other) > 1
                     else f"seed {other[0]} defends")
            notes.append(f"{pair_label(family, policy)}: {which} "
                         f"{pair_label(family, defended[0])} trained again (at "
                         f"{', '.join(wrapped)}; the stored {pair_label(family, defended[0])} "
                         f"at {', '.join(stored)})")
    return notes
