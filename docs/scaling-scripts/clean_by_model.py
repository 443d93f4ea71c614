"""Clean test accuracy of every model in run folders, with its trainer and learning rate.

Usage: python docs/scaling-scripts/clean_by_model.py RUN_FOLDER [RUN_FOLDER ...]
(e.g. results/cifar10/book): one line per model, from its identity cell of ``shift_x``
(group ``all``), so models trained by different trainers can be set side by side.
"""

import json
import sys
from pathlib import Path


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


for folder in map(Path, sys.argv[1:]):
    for model in sorted(lines(folder / "models.jsonl"),
                        key=lambda m: (m["augmentation"], m["seed"])):
        clean = [row for row in lines(folder / "rows" / f"{model['key']}.jsonl")
                 if row["transform"] == "shift_x" and row["magnitude"] == 0
                 and row["group"] == "all"]
        accuracy = f"{clean[0]['accuracy'] * 100:.2f}% (n = {clean[0]['n']:,})" if clean else "-"
        print(f"{folder}: {model['family']} {model['augmentation']} seed {model['seed']}, "
              f"lr {model['learning_rate']:g}, trainer {model.get('trainer') or 'tf.data'}: "
              f"clean {accuracy}")
