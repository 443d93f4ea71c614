"""Rendering from hand-made rows: tables, generated sentences, significance, front page."""

import numpy as np
import pytest

from bench.analysis import sentences as headlines
from bench.analysis import summary
from bench.render import frontpage
from bench.render.report import render_markdown
from bench.results.loading import RunData
from bench.results.schema import Row, pack_bits

N = 200


def rows_for(family, augmentation, seed, accuracy_at, model_key=None, offset=0):
    """Rows of one model over shift_x -2..2; accuracy_at: magnitude -> share correct.
    Images offset..offset+k-1 are the correct ones, so models compare image by image."""
    out = []
    clean = accuracy_at[0.0]
    for magnitude, accuracy in accuracy_at.items():
        correct = (np.arange(N) >= offset) & (np.arange(N) < offset + round(accuracy * N))
        out.append(Row(
            task="mnist", data="mnist-5k", profile="quick", family=family,
            augmentation=augmentation, seed=seed,
            model_key=model_key or f"{family}-{augmentation}-{seed}", transform="shift_x",
            magnitude=magnitude, group="all", n=N, accuracy=float(correct.mean()),
            clean_accuracy=clean, delta_pp=(float(correct.mean()) - clean) * 100,
            consistency=1.0 if magnitude == 0 else 0.8, mean_abs_change=0.1,
            ci_low=max(0.0, accuracy - 0.05), ci_high=min(1.0, accuracy + 0.05),
            correct_bits=pack_bits(correct)))
    return out


@pytest.fixture
def run():
    rows = []
    for seed in (0, 1):
        bump = 0.02 * seed  # seed 1 of the plain CNN is 2 points better off the identity
        rows += rows_for("cnn", "none", seed, {-2.0: 0.5 + bump, -1.0: 0.8 + bump, 0.0: 0.9,
                                               1.0: 0.8 + bump, 2.0: 0.5 + bump})
        rows += rows_for("cnn", "shift", seed, {-2.0: 0.85, -1.0: 0.9, 0.0: 0.9, 1.0: 0.9,
                                                2.0: 0.85})
        rows += rows_for("mlp", "none", seed, {-2.0: 0.3, -1.0: 0.6, 0.0: 0.9, 1.0: 0.6, 2.0: 0.3})
        # 62 right at +2 px, images 10..71, against 60 (0..59) without augmentation
        rows += rows_for("mlp", "shift", seed, {-2.0: 0.3, -1.0: 0.6, 0.0: 0.9, 1.0: 0.6,
                                                2.0: 0.31}, offset=10)
    models = [{"key": f"{f}-{a}-{s}", "family": f, "augmentation": a, "seed": s,
               "augmentation_ranges": "x", "params": 1000, "train_seconds": 2.0,
               "learning_rate": 0.001, "epochs": 5, "batch_size": 128, "n_train": 4000}
              for f in ("cnn", "mlp") for a in ("none", "shift") for s in (0, 1)]
    dataset = {"name": "mnist-5k", "source": "test", "checksum": "abc", "classes": ["0", "1"],
               "image_shape": [28, 28, 1], "n_train_used": 4000, "n_test_used": N,
               "subset": "all", "counts": {}, "notes": [], "skipped": {"missing file": 2},
               "environment": {"cpu": "test cpu"}}
    return RunData("mnist", "quick", rows, models, [], dataset)


def test_over_seeds_averages_and_spreads(run):
    table = summary.over_seeds(summary.rows_frame(run.rows))
    cell = table[(table.family == "cnn") & (table.augmentation == "none")
                 & (table.magnitude == 2.0)].iloc[0]
    assert cell["accuracy"] == pytest.approx(0.51) and cell["seeds"] == 2
    # sample std (ddof 1) of 0.50 and 0.52 is 0.02 / sqrt(2)
    assert cell["delta_pp"] == pytest.approx(-39.0)
    assert cell["accuracy_std"] == pytest.approx(0.02 / np.sqrt(2))
    assert np.isnan(cell["ci_low"])  # several seeds: spread is the seed std, not one CI


def test_relative_robustness_from_rows(run):
    relative = summary.relative_robustness(summary.rows_frame(run.rows))
    cnn = relative[(relative.family == "cnn") & (relative.augmentation == "none")].iloc[0]
    # seed 0: trapezoid over -2..2 of (0.5, 0.8, 0.9, 0.8, 0.5) = 0.65+0.85+0.85+0.65 = 3.0;
    # divided by clean 0.9 x range 4 = 3.6 -> 0.8333. Seed 1: 0.67+0.86+0.86+0.67 = 3.06
    # -> 0.85. Mean 0.841667, std 0.016667 * sqrt(2) / 2 ... = |0.85 - 0.8333| / sqrt(2)
    assert cnn["mean"] == pytest.approx((3.0 + 3.06) / 2 / 3.6) and cnn["seeds"] == 2
    assert cnn["std"] == pytest.approx((3.06 - 3.0) / 3.6 / np.sqrt(2))


def test_worst_of_grid_needs_every_cell_correct(run):
    worst = summary.worst_of_grid(run.rows, {"shift_x": 3})
    cnn = worst[(worst.family == "cnn") & (worst.augmentation == "none")].iloc[0]
    # the first 100 (seed 0) or 104 (seed 1) images are right everywhere
    assert cnn["mean"] == pytest.approx(0.51)


def test_sentences_state_numbers_and_significance(run):
    table = summary.over_seeds(summary.rows_frame(run.rows))
    text = " ".join(headlines.sentences(table, run.rows, "MNIST"))
    assert "horizontal shift of 2 px" in text
    assert "the CNN keeps 51.0% of its 90.0% clean accuracy" in text
    # CNN: 85% vs 50% / 52% on the same images -> +34 pp, significant;
    # MLP: 31% vs 30% -> +1 pp (12 images won, 10 lost per seed), not significant.
    assert "the CNN from 51.0% to 85.0% (+34.0 pp" in text and "significant)" in text
    assert "the MLP from 30.0% to 31.0% (+1.0 pp" in text and "not significant" in text
    assert "edge of the range" not in text  # no trained ranges given


def test_sentences_quote_the_trained_range(run):
    table = summary.over_seeds(summary.rows_frame(run.rows))
    text = " ".join(headlines.sentences(table, run.rows, "MNIST", {"shift_x": 1.0}))
    # at +1 px: plain CNN 80% / 82% -> 81%, with shift augmentation 90%
    assert ("At a horizontal shift of 1 px, the edge of the range shift augmentation trains "
            "on, it moves the CNN from 81.0% to 90.0%") in text


def test_compare_is_significant_only_when_seeds_agree(run):
    # Seed 1 of the plain MLP gets 90% at +2 px: there augmentation loses by 59 points,
    # while in seed 0 it wins by 1 point. The pooled interval excludes 0, the seeds disagree.
    rows = [r for r in run.rows
            if not (r.family == "mlp" and r.augmentation == "none" and r.seed == 1)]
    rows += rows_for("mlp", "none", 1, {0.0: 0.9, 2.0: 0.9})
    diff, low, high, significant = headlines.compare(rows, ("mlp", "shift"), ("mlp", "none"),
                                                     "shift_x", 2.0)
    assert diff == pytest.approx((1.0 - 59.0) / 2) and high < 0  # the interval alone: yes
    assert not significant  # the sign rule: no


def test_markdown_has_every_section_and_the_numbers(run):
    text = render_markdown(run, {"shift_x": "figures/mnist-shift_x.png"})
    for heading in ("## Findings", "## Plots", "## Clean accuracy", "## Horizontal shift",
                    "## Robustness summary", "## Setup and provenance"):
        assert heading in text
    assert "![shift_x](figures/mnist-shift_x.png)" in text
    assert "| -2 " in text and "51.0 ± 1.4 (-39.0)" in text
    assert "missing file: 2" in text and "test cpu" in text
    assert "n = 200 test images per cell, 2 seed(s)" in text


def test_front_page_links_and_tabulates_every_run(run):
    text = frontpage.render_front_page([run], forward_pass=True)
    assert "[mnist/quick](mnist.md)" in text and "(forward_pass.md)" in text
    assert "## Headlines" in text and "On MNIST (`quick` profile)" in text
    line = next(li for li in text.splitlines() if "| CNN " in li and "| none " in li)
    assert "| 90.0 ± 0.0 " in line  # clean, two seeds
    assert "| 51.0 ± 1.4 " in line  # largest shift: mean of -2 and +2 px, over seeds
    assert "±2 px" in line


def test_no_rows_is_a_clear_error():
    with pytest.raises(ValueError, match="bench run"):
        frontpage.render_front_page([], forward_pass=False)


def test_random_of_grid_lies_between_worst_and_best(run):
    rnd = summary.random_of_grid(run.rows, {"shift_x": 3})
    cnn = rnd[(rnd.family == "cnn") & (rnd.augmentation == "none")].iloc[0]
    assert 0.5 < cnn["mean"] < 0.9  # worst is 0.5, the clean (best) cell 0.9
    only_clean = summary.random_of_grid(run.rows, {"shift_x": 0})
    assert only_clean["mean"].tolist() == pytest.approx([0.9] * 4)
