"""What the networks say together about one digit, in words: the drawing page's first line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:  # inference imports TensorFlow; the drawing page shows before it is in
    from digitpad.inference import Reading

# A drawing fewer pen widths tall than this is mostly blot: a 3 drawn small in a corner with the
# default pen filled its own loops, and "write it more plainly" did not help.
PEN_WIDTHS_TALL = 4


def verdict(readings: dict[str, Reading], titles: dict[str, str]) -> tuple[str, str] | None:
    """What the networks say together, in words, and how sure that is ("info", "success" or
    "warning"); None for a single network sure of its reading, which its bars say alone.
    `titles`: each model's name as the page writes it."""
    said = [reading.said_by(titles[name]) for name, reading in readings.items()]
    sure = [reading.sure for reading in readings.values()]
    digits = {name: reading.digit for name, reading in readings.items()}
    if not any(sure):
        return "info", (
            f"Not sure what this is: {', '.join(said)}. Is it a digit? If it is, try writing it "
            "more plainly."
        )
    if not all(sure):  # one sure, one not: say both, thresholds and all
        return "info", "; ".join(said) + "."
    if len(digits) < 2:
        return None
    if len(set(digits.values())) == 1:
        return "success", f"Both networks read **{next(iter(digits.values()))}**."
    return "warning", (
        "The networks disagree: "
        + ", ".join(f"{titles[name]} reads **{digit}**" for name, digit in digits.items())
        + "."
    )


def sure_digit(readings: dict[str, Reading], first: str) -> int | None:
    """The digit a network is sure of, model `first`'s when it is sure; None when none is.

    What the page offers to save with one click: offered the guess of a network that was not
    sure, a person saving a 7 the CNN took for a 3 was asked "Yes, it is a 3?".
    """
    order = sorted(readings, key=lambda name: name != first)
    return next((readings[name].digit for name in order if readings[name].sure), None)


def small_for_the_pen(ink: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    """Whether the ink in `box` (x, y, width, height) of an ink map is too small for the pen
    that drew it: the pen's width measured on the ink (the widest stroke, twice the deepest
    point's distance to the paper), not the pen chosen now, which may be another."""
    x, y, width, height = box
    strokes = (ink[y : y + height, x : x + width] >= 0.5).astype(np.uint8)
    pen = 2 * float(cv2.distanceTransform(np.pad(strokes, 1), cv2.DIST_L2, 3).max())
    return max(width, height) < PEN_WIDTHS_TALL * pen
