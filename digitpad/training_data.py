"""The robust recipe's training data: MNIST as people draw it, and pen styles it lacks.

Every image here has been through the app's own preprocessing, so the models train on exactly
what they will see: MNIST digits redrawn as canvas strokes at random sizes, pen widths and
colours; digits written with a tablet pen by people outside MNIST (a barred 7, a flagged 1, an
open 4); and scribbles that are no digit, whose target is "all ten equally likely", so a model
learns to be unsure of them.
"""

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from digitpad import NUM_CLASSES
from digitpad.drawn import make_drawn_set, render_pen_digits
from digitpad.strokes import Strokes

CHUNK = 2000  # digits per worker task: big enough to amortise the process hop


def in_parallel(
    make: Callable[[Sequence, int], np.ndarray], items: Sequence, seed: int, workers: int | None
) -> np.ndarray:
    """make(chunk, chunk_seed) over CHUNK-sized chunks of items, in worker processes."""
    chunks = [(items[i : i + CHUNK], seed * 100_003 + i) for i in range(0, len(items), CHUNK)]
    if not chunks:  # none asked for, such as `train.py --signs 0`
        return np.empty((0, 28, 28), np.float32)
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(chunks) == 1:
        return np.concatenate([make(*chunk) for chunk in chunks])
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return np.concatenate(list(pool.map(make, *zip(*chunks))))


def drawn_digits(digits: np.ndarray, seed: int, workers: int | None = None) -> np.ndarray:
    """MNIST digits redrawn as canvas drawings and preprocessed, one random style each."""
    return in_parallel(make_drawn_set, digits, seed, workers)


def rendered_strokes(
    strokes_list: list[Strokes], seed: int, workers: int | None = None
) -> np.ndarray:
    """Pen strokes drawn on the canvas in random styles and preprocessed."""
    return in_parallel(render_pen_digits, strokes_list, seed, workers)


def random_scribbles(count: int, seed: int) -> list[Strokes]:
    """Tangles of 1-3 random curves in the unit box: ink that is no digit."""
    rng = np.random.default_rng(seed)
    scribbles = []
    for _ in range(count):
        strokes = [
            rng.random((rng.integers(5, 16), 2)).astype(np.float32)
            for _ in range(rng.integers(1, 4))
        ]
        scribbles.append(strokes)
    return scribbles


def uniform_targets(count: int) -> np.ndarray:
    return np.full((count, NUM_CLASSES), 1.0 / NUM_CLASSES, np.float32)


def one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(NUM_CLASSES, dtype=np.float32)[np.asarray(labels, int)]
