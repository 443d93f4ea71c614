"""The cookbook's own column operations on the mean "1" (ch. 4, "Inaccuracy of traditional
neural networks when images are translated"), reproduced exactly, beside bench's whole-image
shift. Each maps one image (H, W, C), float, 0..255, to a new array; columns are axis 1.

- ``book_left_1px``: the book's loop ``pic[:, i] = pic[:, i + 1]`` for i < 20: columns 0-19
  take columns 1-20 (column 20 stays as it was, so it appears twice; the text: 1 px left);
- ``book_right_1px``: ``pic[:, i] = pic2[:, i - 1]`` for 6 < i < 26: columns 7-25 take the
  original columns 6-24 (column 6 stays; the text says "2 pixels", the code moves 1);
- ``shift_right_2px``: what the text says, the whole image 2 px right, zero fill (bench's
  ``shift_x`` at +2).
"""

from __future__ import annotations

import numpy as np

from bench.catalog import TRANSFORMS
from bench.config import Fill

#: (height, width) of the images the book's loops are written for.
SIZE = (28, 28)


def book_left_1px(image: np.ndarray) -> np.ndarray:
    """Columns 0-19 take columns 1-20."""
    moved = image.copy()
    moved[:, 0:20] = image[:, 1:21]
    return moved


def book_right_1px(image: np.ndarray) -> np.ndarray:
    """Columns 7-25 take columns 6-24."""
    moved = image.copy()
    moved[:, 7:26] = image[:, 6:25]
    return moved


def shift_right_2px(image: np.ndarray) -> np.ndarray:
    """The whole image 2 px right, zero fill."""
    return TRANSFORMS["shift_x"].apply(image[None], 2.0, fill=Fill.ZERO)[0]


#: Operation name (as stored in the ``mean_one_book`` probe) -> function.
OPERATIONS = {
    "book_left_1px": book_left_1px,
    "book_right_1px": book_right_1px,
    "shift_right_2px": shift_right_2px,
}
