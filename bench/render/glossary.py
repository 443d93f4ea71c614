"""The profiles in words: one table generated from ``bench.catalog.profiles.PROFILES``."""

from __future__ import annotations

from bench.catalog import DATASETS, FAMILIES, TASKS
from bench.catalog.profiles import PROFILES
from bench.config import ProfileName
from bench.render.provenance import MARK
from bench.render.tables import table


def _images(n: int | None, full: int | None) -> str:
    if n is not None:
        return f"{n:,}"
    return f"all ({full:,})" if full else "all"


def profile_glossary() -> str:
    """One table line per task and profile (data, training and test images, epochs, batch,
    seeds), then one bullet per task and profile naming its models (too long for a
    table of MAX_WIDTH characters)."""
    lines, models = [], []
    sizes = list(ProfileName)  # smoke, quick, book
    for (task, name), profile in sorted(PROFILES.items(),
                                        key=lambda item: (TASKS.order(item[0][0]),
                                                          sizes.index(item[0][1]))):
        options = ", ".join(f"{k} {v}" for k, v in profile.data_options)
        lines.append([
            TASKS[task].title, f"`{name.value}`",
            f"`{profile.data}`" + (f" ({options})" if options else ""),
            _images(profile.n_train, DATASETS[profile.data].full_train),
            _images(profile.n_test, None),
            str(profile.train.epochs), str(profile.train.batch_size),
            str(len(profile.seeds)),
        ])
        models.append(f"- {TASKS[task].title} `{name.value}`: " + _model_matrix(profile))
    return "\n".join([table(lines, ["task", "profile", "data", "training images", "test images",
                                    "epochs", "batch", "seeds"], keys=2), "",
                      "Models per profile (families x augmentations):", "", *models])


def _model_matrix(profile) -> str:
    """``MLP, CNN x none, shift; p4-CNN x none``: families grouped by the policies they
    train with."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for family in profile.families:
        groups.setdefault(profile.policies_of(family), []).append(FAMILIES[family].label)
    return "; ".join(", ".join(labels) + " x " + ", ".join(policies)
                     for policies, labels in groups.items())


#: One line per metric and verdict word of the reports (definitions: docs/metrics.md).
TERMS = (
    ("accuracy", "share of test images classified correctly, in %; under a transform, the "
     "mean of both directions (-m and +m) unless a side is named"),
    ("pp", "percentage points: the difference of two accuracies in %"),
    ("headline distance", "the one distance per transform that sentences and the front table "
     "quote (±3 px shifts; else the largest swept, e.g. ±45°)"),
    ("95% interval (confidence interval)", "an interval computed this way covers the true "
     "value (the mean over training seeds and test images of the setting) in 95% of "
     "repetitions of the experiment; it is not where one new run would fall; shown only with "
     "at least 3 seeds"),
    ("95% prediction interval", "where one new training run of the same setting would fall "
     "with 95% probability: wider than the confidence interval, as it adds that run's own "
     "seed spread (the claims' verdicts use it)"),
    ("share of clean accuracy above chance kept", "(accuracy - chance) / (clean accuracy - "
     "chance); shown only where clean accuracy is at least 30 pp above chance, else —"),
    ("relative robustness", "area under the accuracy-vs-magnitude curve above chance over "
     "(clean - chance) times the range (1 = no loss); same 30 pp rule"),
    ("worst-of-grid", "share of test images right at every cell of the run's shift and "
     "rotation grid (Engstrom et al. 2019)"),
    ("random-of-grid", "accuracy at one grid cell drawn at random per image"),
    ("flip rate", "share of test images whose predicted class changes under the transform"),
    ("MAC", "mean absolute change of the probability of the clean prediction"),
    ("equivariance error", "for a feature map: distance to the clean map moved the same "
     "way, relative to its size (0 = moves with the image)"),
    ("invariance error", "for a vector (dense, pooled): distance to the clean output, "
     "relative to its size (0 = unchanged)"),
    ("significant / not shown after Holm", "a difference's verdict: its t-test over seeds "
     "and test images rejects 0 after Holm's correction across the verdicts the page prints "
     "(k tests), or does not; the adjusted p-value is printed beside it. Not shown does not "
     "mean no effect: with 3 seeds a real effect often is not shown (docs/metrics.md)"),
    ("too few seeds to judge", "fewer than 3 seeds: no interval and no verdict"),
    ("consistent / inconsistent / inconclusive / not comparable / untested",
     "a cookbook claim's verdict: the book's figure inside or outside a 95% prediction "
     "interval for one new run of our setting, or that interval wider than ±5 pp "
     "(docs/metrics.md)"),
    (f"{MARK}", "a model trained otherwise than the rest (backend, trainer, device, or "
     "uncommitted code), named beside its table"),
)


def glossary_lines() -> list[str]:
    """One Markdown bullet per term of :data:`TERMS`."""
    return [f"- **{term}**: {meaning}." for term, meaning in TERMS]
