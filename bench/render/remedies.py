"""The front page's answer to "what buys robustness?": every remedy of a run ranked by its
grid worst case, from :mod:`bench.analysis.remedies`.

Two tables per ranked run: the four axes in raw accuracy (clean first), then each remedy's
difference to the plain CNN in grid worst case and beyond the trained range, with its
verdict (the page's Holm family) and its cost. A sentence names the first remedy on each
ranking axis and sets the best grid worst case against bench's goal, as a measured figure.
Where a defence and the model it defends are both ranked, a list sets them against each
other (and the narrow vote against the full one).
"""

from __future__ import annotations

from collections.abc import Sequence

from bench.analysis import conditions, remedies
from bench.analysis.answers import short_pp
from bench.analysis.remedies import (
    GOAL_CLEAN,
    GOAL_GRID,
    GOAL_TASK,
    Ranking,
    Remedy,
    grid_words,
)
from bench.analysis.resample import Estimate, verdict
from bench.analysis.runs import RunView
from bench.analysis.sentences import accuracy_words, counted
from bench.catalog import TASKS
from bench.render.tables import table, with_ci
from bench.results.completeness import retrained_base_notes


def _where(ranking: Ranking) -> str:
    """``MNIST (`book`)``: the ranked run's task and run name."""
    run = ranking.view.run
    return f"{TASKS[run.task].in_sentence} (`{run.profile}`)"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _grid_n(ranking: Ranking) -> str:
    """``; the grid worst case on 1,000``, or that no model has one."""
    ranked = ranking.by_grid()
    return (f"; the grid worst case on {ranked[0].grid.n:,}" if ranked else
            "; no worst-case probe records, so no grid column")


def _ordered(ranking: Ranking) -> list[Remedy]:
    """By grid worst case (highest first), then the remedies without one in catalog order."""
    ranked = ranking.by_grid()
    return ranked + [r for r in ranking.remedies if r not in ranked]


def _rank(estimate: Estimate | None, values: list[float]) -> str:
    """1 + how many of ``values`` lie above the estimate's (equal values share a rank)."""
    if estimate is None:
        return "–"
    return str(1 + sum(value > estimate.value + 1e-12 for value in values))


def _verdict(gain: Estimate | None) -> str:
    return "–" if gain is None else verdict(gain)


def _cost(remedy: Remedy) -> str:
    time = "–" if remedy.training_time is None else f"{remedy.training_time:.1f}x"
    return f"{remedy.forward_passes} / {time}"


def tables(ranking: Ranking) -> list[str]:
    """The accuracy table and the difference table of one ranked run."""
    edge, beyond = (conditions.describe(c) for c in (ranking.edge, ranking.beyond))
    grids = [r.grid.value for r in ranking.remedies if r.grid is not None]
    beyonds = [r.beyond.value for r in ranking.remedies if r.beyond is not None]
    ranks = {r.model: f"{_rank(r.grid, grids)} / {_rank(r.beyond, beyonds)}"
             for r in ranking.remedies}
    accuracy = [[r.label, ranks[r.model], str(r.clean.seeds), with_ci(r.grid),
                 with_ci(r.clean), with_ci(r.edge), with_ci(r.beyond)]
                for r in _ordered(ranking)]
    gains = [[r.label, "–" if r.grid_gain is None else short_pp(r.grid_gain),
              _verdict(r.grid_gain), "–" if r.beyond_gain is None else short_pp(r.beyond_gain),
              _verdict(r.beyond_gain), _cost(r)]
             for r in _ordered(ranking) if r.model != remedies.PLAIN]
    return [
        f"{_capital(_where(ranking))}: test accuracy (%) with [95% intervals] over seeds and "
        "test images "
        f"({ranking.view.n_test:,} test images{_grid_n(ranking)}). *Edge*: {edge}; "
        f"*beyond*: {beyond} (mean of the cells); "
        "*grid*: right under all 775 transforms of Engstrom et al.'s grid (±3 px, ±30°); "
        "*rank*: by grid worst case / by accuracy beyond the trained range (means; equal means "
        "share a rank).", "",
        table(accuracy, ["model / remedy", "rank", "seeds", "grid", "clean", "edge", "beyond"],
              keys=1),
        "", "Differences to the plain CNN in pp, paired by seed and image; *cost*: forward "
        "passes per test image / training time against the plain CNN's (median seconds over "
        "seeds as stored; runs at different times on a shared machine, so only large ratios "
        "mean anything).", "",
        table(gains, ["model / remedy", "grid - CNN", "verdict", "beyond - CNN", "verdict",
                      "cost"], keys=1)]


def defence_lines(ranking: Ranking) -> list[str]:
    """Each defended remedy against its own base model and the narrow vote against the full
    one, in grid worst case, one bullet each (empty where no pair is ranked)."""
    found = remedies.defence_contrasts(ranking)
    if not found:
        return []
    return ["", "What a test-time defence adds to the model it defends (and the narrow vote to "
            "the full one), in grid worst case, paired by seed and image over the seeds both "
            "hold:", "",
            *(f"- {c.defended.label} minus {c.against.label}: {short_pp(c.gain)} pp over "
              f"{counted(c.gain.seeds, 'seed')}, {verdict(c.gain)}." for c in found)]


def retrained_lines(ranking: Ranking) -> list[str]:
    """The ranked run's defences whose base model was trained again (empty where none)."""
    notes = retrained_base_notes(ranking.view.run, {r.model for r in ranking.remedies})
    if not notes:
        return []
    return ["", "Defences of a model trained again (the model files were not at hand): "
            + "; ".join(notes) + ". A difference between such a defence and its base also "
            "holds the second training."]


def _position(estimate: Estimate, goal: float) -> str:
    """Where an interval lies against a goal: ``below 90%``, ``at or above 90%``, or
    ``across 90%``."""
    if estimate.high < goal:
        return f"below {goal:.0%}"
    return f"at or above {goal:.0%}" if estimate.low >= goal else f"across {goal:.0%}"


def goal_words(best: Remedy) -> str:
    """The best grid worst case against bench's goal, in words its intervals support."""
    return (f"Against bench's goal of {GOAL_GRID:.0%} on the grid at {GOAL_CLEAN:.0%} clean "
            f"(a measured figure, not a test): {best.label} keeps {grid_words(best.grid)} at "
            f"{accuracy_words(best.clean)} clean; the grid interval lies "
            f"{_position(best.grid, GOAL_GRID)} and the clean interval "
            f"{_position(best.clean, GOAL_CLEAN)}.")


def sentence(ranking: Ranking) -> str:
    """Which remedy ranks first by grid worst case and which beyond the trained range, each
    against the plain CNN, and how many remedies were ranked."""
    best = ranking.best()
    plain = ranking.plain
    beyond = max((r for r in ranking.remedies if r.beyond is not None and r is not plain),
                 key=lambda r: r.beyond.value, default=None)
    parts = [f"Of {counted(len(ranking.remedies) - 1, 'remedy', 'remedies')} of the CNN on "
             f"{_where(ranking)}"]
    if best is not None:
        parts.append(f"{best.label} ranks first by its mean grid worst case, "
                     f"{grid_words(best.grid)} against the plain CNN's "
                     f"{grid_words(plain.grid)}")
    if beyond is not None and plain.beyond is not None:
        parts.append(f"{beyond.label} ranks first beyond the trained range, "
                     f"{accuracy_words(beyond.beyond)} against {accuracy_words(plain.beyond)}")
    text = ", ".join(parts[:1]) + ": " + "; ".join(parts[1:]) + "."
    if best is None or ranking.view.run.task != GOAL_TASK:
        return text
    return f"{text} {goal_words(best)}"


def section(views: Sequence[RunView]) -> list[str]:
    """The section (empty when no run ranks a remedy)."""
    found = remedies.rankings(views)
    if not found:
        return []
    out = ["", "## What buys robustness: every remedy, ranked", "",
           f"Which remedy keeps a CNN right when images move? Each run that measured at least "
           f"{remedies.MIN_RANKED} remedies of the CNN on Engstrom's grid, every remedy on the "
           "same axes (docs/metrics.md, \"Every remedy, ranked\"); the other runs' remedies "
           "are in their task reports.", ""]
    for ranking in found:
        out += [sentence(ranking), "", *tables(ranking), *defence_lines(ranking),
                *retrained_lines(ranking), ""]
    return out[:-1]
