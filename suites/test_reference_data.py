"""The published references' data decodes to the same bytes here.

Every run folder under ``results/`` stores in its ``dataset.json`` the checksum of the
training images and labels its models were trained on (``train_checksum``). Loading the
folder's profile here must give the same checksum, or its numbers cannot be reproduced and
``bench run --extend-reference`` refuses it: another copy of the data set, or a decoder whose
bits depend on the CPU (the face photos' RGB -> gray once did). Needs the data sets:
``BENCH_DATA_DIR=../shared/datasets pytest suites/test_reference_data.py``; a folder whose
data is absent skips with the loader's reason (MNIST ``quick`` and ``smoke`` use the
5,000-digit copy a package ships and always run).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.catalog.profiles import profile_of_run
from bench.data.types import DataError, checksum
from bench.results.trained_on import TRAIN_CHECKSUM
from bench.run.runner import prepare

RESULTS = Path(__file__).resolve().parent.parent / "results"
PUBLISHED = sorted(path.parent for path in RESULTS.glob("*/*/dataset.json"))


def test_the_repository_publishes_references():
    assert len(PUBLISHED) >= 5, f"{RESULTS}: fewer published run folders than expected"


@pytest.mark.parametrize("folder", PUBLISHED, ids=lambda f: f"{f.parent.name}-{f.name}")
def test_the_reference_data_decodes_to_its_checksum_here(folder):
    expected = json.loads((folder / "dataset.json").read_text())[TRAIN_CHECKSUM]
    profile = profile_of_run(folder.parent.name, folder.name)
    assert profile is not None, f"{folder}: its name is no profile of {folder.parent.name}"
    try:
        prepared = prepare(profile, None)
    except DataError as error:
        pytest.skip(f"{profile.task} data not available: {error}")
    here = checksum(prepared.train.x, prepared.train.y)
    assert here == expected, (
        f"{folder}: its models were trained on data of checksum {expected}, the data loaded "
        f"here ({prepared.dataset.provenance.source}) gives {here}: another copy of the data "
        "set, or a decoder that gives other pixels on this machine (compare the environments "
        "in its models.jsonl with this one)")
