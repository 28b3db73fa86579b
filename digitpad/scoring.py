"""Score models on every test set and lay the figures out as a table."""

import os

import numpy as np

from digitpad.calibration import is_sure
from digitpad.evaluation import evaluate_probs
from digitpad.inference import DigitReader
from digitpad.testsets import (
    DRAWN,
    MNIST_TEST,
    PEN,
    SCRIBBLES,
    drawn_test_set,
    pen_test_set,
    scribble_test_set,
)


def build_test_sets(
    x_test: np.ndarray,
    y_test: np.ndarray,
    pen_data: str | os.PathLike | None = None,
) -> dict:
    """{name: (images, labels)}; scribbles have no labels. The pen set needs the pen file."""
    # The pen file first: one that is no pen data fails before the drawn set takes its time.
    pen = {PEN: pen_test_set(pen_data)} if pen_data else {}
    drawn = drawn_test_set(x_test)
    return {
        MNIST_TEST: (x_test, y_test),
        DRAWN: (drawn, y_test),
        **pen,
        SCRIBBLES: (scribble_test_set(), None),
    }


def score(reader: DigitReader, sets: dict, thresholds: dict[str, float | None]) -> dict:
    """{model: {set: accuracy, or for scribbles the share flagged "not sure"}}."""
    scores = {name: {} for name in reader.names}
    for set_name, (images, labels) in sets.items():
        for name, probs in reader.probabilities(images).items():
            if labels is not None:
                scores[name][set_name] = evaluate_probs(probs, labels).accuracy
            elif thresholds.get(name) is not None:
                sure = [is_sure(c, thresholds[name]) for c in probs.max(axis=1)]
                scores[name][set_name] = 1.0 - float(np.mean(sure))
    return scores


def table(scores: dict, label: str = "model") -> str:
    columns = list(dict.fromkeys(col for row in scores.values() for col in row))
    widths = [max(10, len(col) + 2) for col in columns]
    first = max(len(label), *map(len, scores)) + 2
    lines = [f"{label:<{first}}" + "".join(f"{c:>{w}}" for c, w in zip(columns, widths))]
    for name, row in scores.items():
        cells = [f"{row[col]:.2%}" if col in row else "-" for col in columns]
        lines.append(f"{name:<{first}}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths)))
    return "\n".join(lines)
