"""The sets the shipped models are scored on, each made the same way every time.

- MNIST test: the 10,000 test digits as they are.
- Drawn: the same test digits redrawn as canvas drawings (random size 25-90% of the canvas,
  place, pen width, polarity, coloured ink) and put through the real preprocessing. Seeded.
- Pen, held-out writers: digits written with a tablet pen by writers no model trained on.
- Scribbles: ink that is no digit; a model should be unsure of it.
"""

import os

import numpy as np

from digitpad.drawn import pen_digit_parts
from digitpad.training_data import drawn_digits, random_scribbles, rendered_strokes

# Each set's name in the figures: the scoring table's rows, the cards' scores.
MNIST_TEST = "MNIST test"
DRAWN = "drawn"
PEN = "pen, new writers"
SCRIBBLES = "scribbles flagged"

DRAWN_SEED = 0
SCRIBBLE_SEED = 12345
SCRIBBLE_COUNT = 1000


def drawn_test_set(x_test: np.ndarray, workers: int | None = None) -> np.ndarray:
    return drawn_digits(x_test, DRAWN_SEED, workers)


def pen_test_set(
    path: str | os.PathLike, workers: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    strokes, labels = pen_digit_parts(path)["test"]
    return rendered_strokes(strokes, DRAWN_SEED, workers), labels


def scribble_test_set(workers: int | None = None) -> np.ndarray:
    return rendered_strokes(random_scribbles(SCRIBBLE_COUNT, SCRIBBLE_SEED), 0, workers)
