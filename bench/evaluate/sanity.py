"""The stop against a silent wrong answer: after the clean pass, a model near chance or one
that puts nearly every image in one class is almost always fed the wrong way (input range,
channel order, class order, image size), not a bad model. No Keras here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Clean accuracy at most this far above chance (a share) triggers the stop.
NEAR_CHANCE = 0.05
#: One class taking more than this share of the predictions triggers the stop.
DOMINANT_SHARE = 0.90


#: The other input range scoring at least this much higher (a share) triggers the stop.
RANGE_GAP = 0.20


def other_range(input_range: str) -> str:
    """The input range bench did not feed (``0-1`` <-> ``0-255``)."""
    return "0-255" if input_range == "0-1" else "0-1"


def range_problem(accuracy: float, other_accuracy: float, input_range: str) -> str | None:
    """The stop's sentence when the clean pass under the other input range scores at least
    RANGE_GAP higher than as fed (shares), else None."""
    if other_accuracy < accuracy + RANGE_GAP:
        return None
    return (f"clean accuracy is {accuracy:.1%} with --input-range {input_range} but "
            f"{other_accuracy:.1%} with --input-range {other_range(input_range)}")


class SanityStop(Exception):
    """The clean pass looks like a wrong input contract; the message says what to try."""


@dataclass(frozen=True)
class CleanCheck:
    """accuracy: clean accuracy (share); chance: 1 / classes; top_class / top_share: the most
    predicted class name and its share of predictions; label_share: that class's share of
    the labels."""

    accuracy: float
    chance: float
    top_class: str
    top_share: float
    label_share: float

    @classmethod
    def of(cls, predicted: np.ndarray, labels: np.ndarray,
           classes: tuple[str, ...]) -> CleanCheck:
        """The check of clean predictions (N,) against labels (N,), both class ids."""
        counts = np.bincount(predicted, minlength=len(classes))
        top = int(counts.argmax())
        return cls(float(np.mean(predicted == labels)), 1.0 / len(classes), classes[top],
                   float(counts[top] / len(predicted)), float(np.mean(labels == top)))

    def problems(self) -> list[str]:
        """What looks wrong, in words ([] when nothing does)."""
        found = []
        if self.accuracy <= self.chance + NEAR_CHANCE:
            found.append(f"clean accuracy {self.accuracy:.1%} is within "
                         f"{NEAR_CHANCE * 100:.0f} points of chance ({self.chance:.1%})")
        if self.top_share > DOMINANT_SHARE and self.top_share > self.label_share + 0.05:
            found.append(f"class {self.top_class!r} takes {self.top_share:.1%} of the "
                         f"predictions (it is {self.label_share:.1%} of the labels)")
        return found

    def stop_message(self, input_range: str) -> str:
        """The message of the stop: what was seen, the likely causes and the flags to try."""
        return stop_message(self.problems(), input_range)


def stop_message(problems: list[str], input_range: str) -> str:
    """The message of the stop: what was seen, the likely causes and the flags to try."""
    other = other_range(input_range)
    return (
        "; ".join(problems) + ". This usually means the model is fed differently from how "
        f"it was trained. Likely causes: the input range (bench fed {input_range}; a model "
        f"with Rescaling(1/255) inside expects 0-255: try --input-range {other}); the "
        "channel order (RGB vs BGR) or count; the class order (--classes must list the names "
        "in the order of the model's outputs); the image size or crop; logits read as "
        "probabilities (--outputs logits). If the model really is this poor, --force "
        "evaluates it anyway."
    )
