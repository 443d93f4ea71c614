"""A model whose seeds were trained at different code versions is flagged in its report."""

from rowbuilder import model_records, rows_for, run_data

from bench.results.completeness import pooled_notes, retrained_base_notes


def _run(commits):
    rows = [r for seed in range(len(commits))
            for r in rows_for("cnn", "none", seed, {0.0: 0.9, 2.0: 0.7, -2.0: 0.7})]
    models = model_records(rows)
    for model, commit in zip(models, commits, strict=True):
        model["environment"] = {"commit": commit}
    return run_data(rows, models=models)


def test_seeds_of_one_commit_are_not_flagged():
    assert pooled_notes(_run(["aaa", "aaa", "aaa"])) == []


def test_seeds_of_several_commits_are_named_with_their_commits():
    assert pooled_notes(_run(["aaa", "bbb", "aaa"])) == [
        "CNN / none: its 3 seeds were trained at 2 commits (aaa, bbb)"]


def test_the_report_header_flags_the_pooled_model():
    from bench.analysis.runs import RunView
    from bench.render.report import _header

    header = "\n".join(_header(RunView.of(_run(["aaa", "bbb", "ccc"]))))
    assert "**Seeds pooled across code versions**: CNN / none: its 3 seeds" in header


def _defended_run(base_commits, defended_commits):
    """CNN / none and its TTA variant, one seed per commit given."""
    rows = []
    for policy in ("none", "none+tta"):
        rows += [r for seed in range(len(base_commits))
                 for r in rows_for("cnn", policy, seed, {0.0: 0.9, 2.0: 0.7, -2.0: 0.7})]
    models = model_records(rows)
    commits = {"none": base_commits, "none+tta": defended_commits}
    for model in models:
        model["environment"] = {"commit": commits[model["augmentation"]][model["seed"]]}
    return run_data(rows, models=models)


def test_a_defence_of_its_base_models_stored_training_is_not_flagged():
    assert retrained_base_notes(_defended_run(["aaa", "aaa"], ["aaa", "aaa"])) == []


def test_a_defence_of_a_base_trained_again_is_named_with_both_commits():
    from bench.analysis.runs import RunView
    from bench.render.report import _header

    run = _defended_run(["aaa", "aaa", "aaa"], ["aaa", "bbb", "bbb"])
    assert retrained_base_notes(run) == [
        "CNN / none+tta: seeds 1, 2 defend CNN / none trained again (at bbb; the stored "
        "CNN / none at aaa)"]
    assert retrained_base_notes(run, {("cnn", "none")}) == []
    header = " ".join("\n".join(_header(RunView.of(run))).split())
    assert "**Defences of a model trained again**: CNN / none+tta: seeds 1, 2" in header
