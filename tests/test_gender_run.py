"""A whole gender run on a CSV with broken rows: it finishes and reports every reason."""

import dataclasses

import numpy as np
import pytest
from local_server import closed_port_url
from PIL import Image
from test_gender_data import row, write_csv

from bench.catalog.profiles import get_profile
from bench.config import TrainSettings
from bench.render import report
from bench.run import runner

pytestmark = pytest.mark.slow


def face(path, seed, mode="RGB"):
    """A random 60x60 image; class 1 images are brighter so the models can learn a little."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 120, (60, 60, 3), dtype=np.uint8) + (seed % 2) * 100
    image = Image.fromarray(pixels)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.convert(mode).save(path)
    return path


def test_run_on_broken_csv_finishes_and_reports_each_reason(tmp_path):
    faces = tmp_path / "faces"
    rows = []
    for i in range(24):
        face(faces / f"{i}.jpg", i)
        rows.append(row(f"faces/{i}.jpg", ("male", "female")[i % 2]))
    face(faces / "rgba.png", 101, "RGBA")
    face(faces / "one-channel.png", 103, "L")
    (faces / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    rows += [
        row("faces/rgba.png", "female"),       # usable: alpha dropped
        row("faces/one-channel.png", "male"),  # usable: already gray
        row("faces/absent.jpg", "male"),
        row("faces/corrupt.jpg", "female"),
        row("faces/0.jpg", "unsure"),
        row(closed_port_url(), "female"),
    ]
    source = write_csv(tmp_path / "labels.csv", rows)
    profile = dataclasses.replace(
        get_profile("gender", "smoke"),
        train=TrainSettings(epochs=1, batch_size=8, learning_rate=0.001),
        augmentations=("none",),
        grid=(("shift_x", (-2.0, 0.0, 2.0)),),
        clean_floor=0.0,
        data_options=(("per_class", None), ("test_fraction", 0.25), ("timeout_s", 2.0)),
    )
    folder = runner.run_task(profile, tmp_path / "results", source=source, verbose=0)
    text = report.write_report(folder, tmp_path / "reports").read_text()
    # the bullet, with its continuation lines (prose is wrapped at 100 characters)
    bullet = text[text.index("- **Rows skipped**"):].split("\n- ")[0].split("\n\n")[0]
    skipped = " ".join(line.strip() for line in bullet.splitlines())
    for reason in ("missing file: 1", "unreadable image: 1", "label not in classes: 1",
                   "download failed: 1"):
        assert reason in skipped
    assert "n = 7 test images" in " ".join(text.split())  # 26 usable faces, a quarter held out
