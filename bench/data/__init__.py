"""Data loading: typed splits, provenance and one loader module per data set.

The registry of data sets (name -> loader) is ``bench.catalog.DATASETS``.
"""

from bench.data.types import DataError, Dataset, Provenance, Split

__all__ = ["Dataset", "DataError", "Provenance", "Split"]
