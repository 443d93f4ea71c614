"""The catalog: one spec object per idea, and the registries built from them.

``TRANSFORMS`` (swept transforms), ``POLICIES`` (augmentation), ``FAMILIES`` (model
families), ``TASKS`` and ``DATASETS``; profiles live in ``bench.catalog.profiles``.
Everything else reads these registries, so a new item appears in grids, tables,
sentences, plots and the front page, or fails loudly where it lacks a piece.
Importing the catalog never imports Keras or TensorFlow.
"""

from bench.catalog.datasets import DATASETS, DatasetSpec
from bench.catalog.families import FAMILIES, FamilySpec
from bench.catalog.policies import POLICIES, PolicySpec
from bench.catalog.tasks import TASKS, TaskSpec
from bench.catalog.transforms import TRANSFORMS, TransformSpec

__all__ = [
    "DATASETS", "DatasetSpec", "FAMILIES", "FamilySpec", "POLICIES", "PolicySpec",
    "TASKS", "TaskSpec", "TRANSFORMS", "TransformSpec",
]
