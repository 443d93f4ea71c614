"""Provenance checked, not trusted: which stored models were trained on the data that a run
folder's ``dataset.json`` describes (the report says so: ``render/provenance.py``).

A model record's ``data_checksum`` and dataset.json's ``train_checksum`` are both the
checksum of the training images and labels actually used (after subsetting), so they are
equal exactly when the model was trained on the data the report names. dataset.json files
written before ``train_checksum`` existed can only be checked for models that disagree
among themselves.
"""

from __future__ import annotations

from pathlib import Path

from bench.results.schema import SchemaError

#: The dataset.json field holding the training data's checksum (as in models' records).
TRAIN_CHECKSUM = "train_checksum"


class ProvenanceError(SchemaError):
    """No stored model matches the data dataset.json describes, or it cannot be told."""


def split_by_data(folder: Path, models: list[dict], dataset: dict) -> tuple[list[dict],
                                                                            list[dict]]:
    """(models trained on the data ``dataset`` describes, models trained on other data).

    ProvenanceError, naming the folder, the checksums and what to do, when no model matches,
    or when an older dataset.json (no train_checksum) sits beside models that disagree.
    """
    again = ("run `bench run` again with the data these results should describe (it "
             "rewrites dataset.json), or move the folder aside")
    expected = dataset.get(TRAIN_CHECKSUM)
    found = sorted({str(m.get("data_checksum")) for m in models})
    if expected is None:
        if len(found) > 1:
            raise ProvenanceError(
                f"{folder}: its models were trained on different data (training-data "
                f"checksums {found}) and its dataset.json, written before training-data "
                f"checksums were stored, cannot tell which it describes; {again}"
            )
        return models, []
    matching = [m for m in models if m.get("data_checksum") == expected]
    if models and not matching:
        raise ProvenanceError(
            f"{folder}: none of its {len(models)} models was trained on the data its "
            f"dataset.json describes (training-data checksum {expected}; the models': "
            f"{found}); {again}"
        )
    return matching, [m for m in models if m.get("data_checksum") != expected]
