"""The front page's takeaways follow the rules bench.analysis.answers states: an effect
quoted at the trained edge and separately beyond it, its task named unless it holds on
every task, its denominator stated, the largest of several stated as selected."""

import re

import pytest
from rowbuilder import dataset_info, rows_for, run_data

from bench.analysis import answers, verdicts
from bench.analysis.runs import RunView
from bench.render import frontpage
from bench.render.tables import MAX_WIDTH

RANGES = {"shift_px": 3.0, "rotate_deg": 30.0, "scale_frac": 0.3, "shear_deg": 20.0}


def grid(clean, at30, at45, wobble=0.0):
    """Accuracy per rotation magnitude (the same on both sides), shifted by ``wobble``."""
    return {-45.0: at45 + wobble, -30.0: at30 + wobble, 0.0: clean + wobble,
            30.0: at30 + wobble, 45.0: at45 + wobble}


def task_view(task, cnn, mlp, cnn_rotate, seeds=(0, 1, 2, 3, 4)):
    """A run of one task swept under rotation: MLP and CNN without augmentation and the CNN
    with rotate augmentation (trained on ±30°); seeds differ by 1 pp so intervals are real."""
    rows = []
    for seed in seeds:
        wobble = 0.005 * (seed - 2)
        rows += rows_for("mlp", "none", seed, grid(*mlp, wobble), transform="rotate",
                         task=task, n=1000)
        rows += rows_for("cnn", "none", seed, grid(*cnn, wobble), transform="rotate",
                         task=task, n=1000)
        rows += rows_for("cnn", "rotate", seed, grid(*cnn_rotate, wobble), transform="rotate",
                         task=task, n=1000)
    return RunView.of(run_data(rows, task=task, dataset=dataset_info(n_test=1000,
                                                                     augment=RANGES)))


@pytest.fixture(scope="module")
def reversed_views():
    # MNIST: the CNN is 30 pp above the MLP at ±45°; CIFAR-10: 10 pp below it
    mnist = task_view("mnist", cnn=(0.95, 0.70, 0.60), mlp=(0.95, 0.40, 0.30),
                      cnn_rotate=(0.95, 0.90, 0.70))
    cifar = task_view("cifar10", cnn=(0.60, 0.35, 0.25), mlp=(0.50, 0.40, 0.35),
                      cnn_rotate=(0.60, 0.45, 0.30))
    return [mnist, cifar]


def takeaway_lines(page):
    return [line for line in page.split("![")[0].split("\n\n")[1].splitlines()]


def test_a_gap_that_reverses_on_another_task_is_scoped_to_its_task(reversed_views):
    text = answers.cnn_takeaway(answers.kind_results(reversed_views)).text
    assert text.startswith("**On MNIST (quick), a CNN tolerates rotations better than an MLP**")
    assert "Under rotations elsewhere: cifar10 (quick) -10.0" in text
    assert "the largest of 2 gaps (one per task and transform)" in text
    assert "lies above 0 in 1 of 2 five-seed pairs, below 0 in 1 of 2 five-seed." in text


def test_the_rendered_front_page_names_mnist_and_does_not_generalise(reversed_views):
    page = frontpage.render_front_page(reversed_views, forward_pass=False, overview=None)
    first = page.split("How accurate is")[0]
    takeaways = [line for line in first.splitlines() if re.match(r"\d\. ", line)]
    joined = " ".join(first.split())
    assert any("On MNIST (quick), a CNN tolerates rotations" in " ".join(t.split())
               for t in takeaways) or "On MNIST (quick), a CNN tolerates rotations" in joined
    assert "**A CNN tolerates rotations better" not in joined
    assert "significant" not in first  # takeaways print intervals and counts, no verdicts


def test_augmentation_is_quoted_at_its_trained_edge_and_beyond(reversed_views):
    text = answers.augmentation_takeaway(answers.kind_results(reversed_views)).text
    # trained on ±30°: +20 pp there; at ±45°, beyond the range, +10 pp, quoted as beyond
    assert ("(trained on ±30°) takes it from 70.0% to 90.0% under rotations at ±30°, +20.0 pp"
            in text)
    assert "beyond its range, at ±45°, from 60.0% to 70.0%, +10.0" in text
    assert "the largest of 2 gains (one per task and transform)" in text
    assert "lies above 0 in 2 of 2 five-seed pairs" in text
    assert text.startswith("**Augmentation helps the CNN within its trained range**")


def test_an_effect_missing_on_one_task_names_the_task_of_the_quote():
    mnist = task_view("mnist", cnn=(0.95, 0.70, 0.60), mlp=(0.95, 0.40, 0.30),
                      cnn_rotate=(0.95, 0.90, 0.70))
    cifar = task_view("cifar10", cnn=(0.60, 0.35, 0.25), mlp=(0.50, 0.40, 0.35),
                      cnn_rotate=(0.60, 0.35, 0.25), seeds=(0, 1, 2))
    text = answers.augmentation_takeaway(answers.kind_results([mnist, cifar])).text
    assert text.startswith("**On MNIST (quick), augmentation helps the CNN")
    assert "in 1 of 1 five-seed and 0 of 1 three-seed pairs" in text
    assert "not in every pair of CIFAR-10 (quick)." in text


def test_the_page_family_holds_only_the_verdicts_it_prints(reversed_views):
    text, family = verdicts.corrected(lambda: frontpage.render_front_page(
        reversed_views, forward_pass=False, overview=None))
    # no architecture variants here: no statement on the front page gets a verdict
    assert family.size == 0
    assert "No statement on this page gets a significance verdict." in text


def test_the_front_table_gives_one_decimal_real_intervals_and_seeds_per_row(reversed_views):
    page = frontpage.render_front_page(reversed_views, forward_pass=False, overview=None)
    table = [line for line in page.split("How accurate is")[1].split("\n\n")[1].splitlines()]
    header = [cell.strip() for cell in table[0].split("|")[1:-1]]
    assert header[:4] == ["task", "run, seeds", "model", "clean"]
    mlp = [cell.strip() for cell in table[2].split("|")[1:-1]]
    assert mlp[:3] == ["mnist", "`quick`, 5", "MLP"] and re.fullmatch(r"95\.0±\d\.\d", mlp[3])
    assert [cell.strip() for cell in table[3].split("|")[1:3]] == ["n = 1,000", "`quick`, 5"]
    assert all(len(line) <= MAX_WIDTH for line in page.splitlines() if line.startswith("|"))
