"""Every remedy against the plain CNN on the same axes (bench.analysis.remedies) and the
front page's section ranking them (bench.render.remedies), from hand-made rows and
worst-case records with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from rowbuilder import correct_vector, dataset_info, rows_for, run_data

from bench.analysis import remedies, verdicts
from bench.analysis.runs import RunView
from bench.render import remedies as section
from bench.results.schema import pack_bits

SEEDS = (0, 1, 2)
N, GRID_N = 200, 100
RANGES = {"shift_px": 3.0, "rotate_deg": 30.0, "scale_frac": 0.3, "shear_deg": 20.0,
          "worst_of_k": 10}
#: model -> (clean, at the edge, beyond, grid worst case): shares of the images.
MODELS = {
    ("cnn", "none"): (0.98, 0.60, 0.40, 0.0),
    ("cnn", "all"): (0.96, 0.90, 0.80, 0.30),
    ("cnn", "worst-of-k"): (0.95, 0.92, 0.85, 0.50),
    ("cnn", "none+vote"): (0.90, 0.70, 0.50, 0.40),
    ("cnn-aa", "none"): (0.98, 0.62, 0.41, 0.0),
    ("mlp", "none"): (0.97, 0.40, 0.30, 0.0),
}


def _rows(model, seed, shares):
    clean, edge, beyond, _ = shares
    # seeds differ by one image, so every interval has a seed part
    clean, edge, beyond = (s - seed / N for s in (clean, edge, beyond))
    rows = []
    for transform, near, far in (("shift_x", 3.0, 4.0), ("shift_y", 3.0, 4.0),
                                 ("rotate", 30.0, 45.0)):
        rows += rows_for(*model, seed, {0.0: clean, near: edge, -near: edge, far: beyond,
                                        -far: beyond}, n=N, transform=transform,
                         profile="book")
    return rows


def _worst(model, seed, grid):
    correct = correct_vector(GRID_N, max(grid - seed / GRID_N, 0.0))
    return {"probe": "worst_case", "family": model[0], "augmentation": model[1],
            "seed": seed, "model_key": f"{model[0]}-{model[1]}-{seed}", "n_images": GRID_N,
            "grid_worst": float(correct.mean()), "grid_bits": pack_bits(correct)}


def view(probed=True, models=MODELS):
    rows = [r for model, shares in models.items() for s in SEEDS for r in _rows(model, s, shares)]
    probes = [_worst(model, s, shares[3]) for model, shares in models.items() for s in SEEDS]
    return RunView.of(run_data(rows, profile="book", probes=probes if probed else (),
                               dataset=dataset_info(n_test=N, augment=RANGES)))


def test_the_remedies_are_the_cnn_and_its_variants_without_augmentation():
    assert remedies.is_remedy(("cnn", "worst-of-k+vote"))
    assert remedies.is_remedy(("p4-cnn", "none")) and remedies.is_remedy(("cnn-aa", "none"))
    assert not remedies.is_remedy(("cnn-aa", "shift")) and not remedies.is_remedy(("mlp", "none"))


def test_remedies_are_ranked_by_grid_worst_case_on_the_run_s_attack_space():
    ranking = remedies.ranking(view())
    assert ranking.edge == (("shift_x", -3.0), ("shift_x", 3.0), ("shift_y", -3.0),
                            ("shift_y", 3.0), ("rotate", -30.0), ("rotate", 30.0))
    assert {t: abs(m) for t, m in ranking.beyond} == {"shift_x": 4.0, "shift_y": 4.0,
                                                      "rotate": 45.0}
    order = [r.model for r in ranking.by_grid()]
    assert order[:3] == [("cnn", "worst-of-k"), ("cnn", "none+vote"), ("cnn", "all")]
    assert ("mlp", "none") not in {r.model for r in ranking.remedies}
    best = ranking.best()
    assert best.model == ("cnn", "worst-of-k")
    # seeds 0, 1, 2 keep 50, 49 and 48 of 100 images; the plain CNN none
    assert best.grid.value == pytest.approx(0.49) and best.grid.seeds == 3
    assert best.grid_gain.value == pytest.approx(0.49)
    assert best.beyond.value == pytest.approx(0.85 - 1 / N)
    assert best.beyond_gain.value == pytest.approx(0.45)
    vote = next(r for r in ranking.remedies if r.model == ("cnn", "none+vote"))
    assert vote.forward_passes == 10 and best.forward_passes == 1
    assert best.training_time == pytest.approx(1.0)  # every hand-made model trained 2 s


def test_the_section_ranks_states_costs_and_sets_the_best_against_the_goal():
    text, family = verdicts.corrected(lambda: "\n".join(section.section([view()])))
    assert "## What buys robustness: every remedy, ranked" in text
    assert "Of 4 remedies of the CNN on MNIST (`book`): CNN / worst-of-k ranks first" in text
    assert "49.0% (95% CI" in text and "0 of 100 images on every seed" in text
    assert "CNN / worst-of-k ranks first beyond the trained range" in text
    assert "bench's goal of 90% on the grid at 99% clean" in text
    assert "the grid interval lies below 90% and the clean interval below 99%." in text
    lines = text.splitlines()
    assert max(len(line) for line in lines if line.startswith("|")) <= 120
    table_order = [line.split("|")[1].strip() for line in lines
                   if line.startswith("| CNN") and line.count("|") == 8]  # the accuracy table
    assert table_order[0] == "CNN / worst-of-k" and table_order[1] == "CNN / none+vote"
    vote = next(line for line in lines if line.startswith("| CNN / none+vote")
                and line.count("|") == 8)
    assert vote.split("|")[2].strip() == "2 / 3"  # second on the grid, third beyond
    plain = next(line for line in lines if line.startswith("| CNN / none ")
                 and line.count("|") == 8)
    aa = next(line for line in lines if line.startswith("| CNN-AA / none") and line.count("|") == 8)
    assert plain.split("|")[2].strip().startswith("4 /")  # a tie at 0% shares rank 4
    assert aa.split("|")[2].strip().startswith("4 /")
    assert any("| 10 / 1.0x" in line for line in lines if "none+vote" in line)
    # two verdicts per remedy (grid and beyond, against the plain CNN), one Holm family; the
    # vote on the plain CNN is set against it there, so no defence list
    assert family.size == 2 * 4
    assert "What a test-time defence adds" not in text
    assert "significant (Holm" in text


def test_the_takeaway_names_the_best_remedy_with_the_goal():
    found = remedies.takeaway([view()])
    assert found.effect == pytest.approx(0.49)
    assert found.text.startswith("**On MNIST (book), CNN / worst-of-k keeps most on "
                                 "Engstrom's grid** of 4 CNN remedies")
    assert "the plain CNN 0.0%; bench's goal: 90%." in found.text


def test_without_worst_case_records_nothing_is_ranked_on_the_grid():
    ranking = remedies.ranking(view(probed=False))
    assert ranking.best() is None and not ranking.by_grid()
    assert remedies.rankings([view(probed=False)]) == []
    assert remedies.takeaway([view(probed=False)]) is None
    assert section.section([view(probed=False)]) == []


def test_a_run_with_fewer_than_min_ranked_remedies_on_the_grid_is_not_ranked(monkeypatch):
    assert len(remedies.rankings([view()])) == 1  # 4 remedies on the grid
    monkeypatch.setattr(remedies, "MIN_RANKED", 5)
    assert remedies.rankings([view()]) == [] and section.section([view()]) == []


def test_grid_words_say_zero_of_n_where_no_interval_forms():
    ranking = remedies.ranking(view())
    assert remedies.grid_words(ranking.plain.grid) == "0 of 100 images on every seed"
    assert np.isclose(ranking.plain.grid.value, 0.0)


def test_each_defence_is_set_against_the_model_it_defends_and_the_narrow_vote_against_the_full():
    models = {**MODELS, ("cnn", "worst-of-k+vote"): (0.95, 0.90, 0.84, 0.30),
              ("cnn", "worst-of-k+vote-narrow"): (0.95, 0.91, 0.85, 0.45)}
    ranking = remedies.ranking(view(models=models))
    found = {(c.defended.label, c.against.label): c.gain.value
             for c in remedies.defence_contrasts(ranking)}
    # every seed loses one image of 100 in each model, so the paired differences are exact;
    # CNN / none+vote against the plain CNN is in the ranking's own differences
    assert found == pytest.approx({
        ("CNN / worst-of-k+vote", "CNN / worst-of-k"): -0.20,
        ("CNN / worst-of-k+vote-narrow", "CNN / worst-of-k"): -0.05,
        ("CNN / worst-of-k+vote-narrow", "CNN / worst-of-k+vote"): 0.15,
    })
    text, family = verdicts.corrected(lambda: "\n".join(section.section([view(models=models)])))
    assert "What a test-time defence adds to the model it defends" in text
    assert ("- CNN / worst-of-k+vote-narrow minus CNN / worst-of-k+vote: +15.0 [+8.2, +21.8] "
            "pp over 3 seeds, significant (Holm") in text
    assert family.size == 2 * 6 + 3  # 6 remedies against the plain CNN, 3 defence contrasts


def test_a_ranked_defence_of_a_base_trained_again_is_named_under_the_tables():
    from rowbuilder import model_records

    found = view()
    assert section.retrained_lines(remedies.ranking(found)) == []
    models = model_records(found.run.rows)
    for model in models:
        trained_again = model["augmentation"] == "none+vote" and model["seed"] > 0
        model["environment"] = {"commit": "bbb" if trained_again else "aaa"}
    again = RunView.of(run_data(found.run.rows, profile="book", models=models,
                                probes=found.run.probes, dataset=found.run.dataset))
    text = " ".join(section.section([again])[-1].split())
    assert text.startswith("Defences of a model trained again (the model files were not at "
                           "hand): CNN / none+vote: seeds 1, 2 defend CNN / none trained again "
                           "(at bbb; the stored CNN / none at aaa).")


def test_the_same_remedy_of_two_runs_is_two_statements_on_one_page():
    # two tasks' rankings on the front page: the CNN / all of each is its own Holm member
    mnist = view()
    other = RunView.of(run_data(mnist.run.rows, task="fashion-mnist", profile="book",
                                probes=mnist.run.probes, dataset=mnist.run.dataset))
    keys = {remedies.ranking(v).remedies[1].grid_gain.key for v in (mnist, other)}
    assert len(keys) == 2
