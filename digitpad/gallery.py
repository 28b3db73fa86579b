"""Small sets of MNIST test digits shipped beside the models, so pages need no dataset.

`<name>.mistakes.npz`: every test digit the model gets wrong, with its probabilities.
`examples.npz`: the first few test digits of each class, to pick from when nothing is drawn.
"""

from pathlib import Path

import numpy as np

from digitpad.data import BadDataFile, npz_contents
from digitpad.evaluation import Evaluation

EXAMPLES_PER_DIGIT = 10


def save_mistakes(path: Path, images: np.ndarray, labels: np.ndarray, result: Evaluation) -> None:
    wrong = result.misclassified
    np.savez_compressed(
        path,
        indices=wrong,
        images=np.asarray(images)[wrong],
        labels=np.asarray(labels)[wrong],
        probs=result.probs[wrong].astype(np.float32),
    )


def save_examples(path: Path, images: np.ndarray, labels: np.ndarray) -> None:
    labels = np.asarray(labels)
    chosen = np.concatenate([np.flatnonzero(labels == d)[:EXAMPLES_PER_DIGIT] for d in range(10)])
    np.savez_compressed(
        path, indices=chosen, images=np.asarray(images)[chosen], labels=labels[chosen]
    )


def typical_examples(images: np.ndarray, labels: np.ndarray) -> np.ndarray | None:
    """One example of each digit 0 to 9, the one nearest to its digit's mean image (the most
    typical), as (10, 28, 28); None when a digit has no example."""
    images, labels = np.asarray(images), np.asarray(labels)
    typical = []
    for digit in range(10):
        shown = images[labels == digit].astype(np.float32)
        if len(shown) == 0:
            return None
        typical.append(shown[((shown - shown.mean(axis=0)) ** 2).sum(axis=(1, 2)).argmin()])
    return np.stack(typical).astype(images.dtype)


def load_npz(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays of a shipped .npz (never pickled objects), or None when it is missing or
    damaged: the page goes without what it shows."""
    try:
        return npz_contents(path)
    except BadDataFile:
        return None
