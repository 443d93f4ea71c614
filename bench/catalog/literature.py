"""Published figures the reports quote beside the bench's own: never measured here, each with
the place it was read. A point of comparison, not a target (docs/metrics.md, "Engstrom's worst
case")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LiteratureFigure:
    """A published accuracy of ``model`` on ``task``: ``clean`` and ``accuracy`` under the
    adversary ``adversary`` (words), shares in [0, 1]; ``key``: the worst-case record field
    (:meth:`bench.analysis.worst_case.WorstCase.summary`) that measures the same adversary
    here; ``citation``: the publication; ``source``: where the figures were read."""

    task: str
    model: str
    adversary: str
    key: str
    clean: float
    accuracy: float
    citation: str
    source: str


#: Engstrom et al.'s standard MNIST CNN under the worst of 10 random rotation-translations
#: (per image, 10 draws uniform in +-3 px x +-3 px x +-30 degrees; MadryLab/adversarial_spatial,
#: spatial_attack.py, "random_tries": 10): 99.31% clean, 73.32% under that adversary. Read in
#: github.com/cleverhans-lab/cleverhans/pull/510 (by yenchenlin, 2018-08-25), which quotes the
#: paper for the worst-of-n random attack: "Results in [1]: 99.31% to 73.32%". The paper's
#: own table (arXiv 1712.02779) could not be read where this was written, so its grid figure
#: for that model is not quoted anywhere in the bench.
ENGSTROM_MNIST_WORST_OF_10 = LiteratureFigure(
    task="mnist", model="standard MNIST CNN", adversary="the worst of 10 random draws",
    key="random_worst", clean=0.9931, accuracy=0.7332,
    citation="Engstrom et al. (ICML 2019, arXiv 1712.02779)",
    source="as quoted in github.com/cleverhans-lab/cleverhans/pull/510",
)

#: The worst-case figures from the literature, one per task at most.
WORST_CASE = {figure.task: figure for figure in (ENGSTROM_MNIST_WORST_OF_10,)}
