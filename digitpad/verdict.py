"""What the networks say together about one digit, in words, and what the ink's shape says
where they cannot know: the drawing page's first line."""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from digitpad.ink import pen_width
from digitpad.number import digit_places

if TYPE_CHECKING:  # inference imports TensorFlow; the drawing page shows before it is in
    from digitpad.inference import Reading
    from digitpad.number import NumberReading
    from digitpad.preprocess import Preprocessed

# A drawing fewer pen widths tall than this is mostly blot: a 3 drawn small in a corner with the
# default pen filled its own loops, and "write it more plainly" did not help.
PEN_WIDTHS_TALL = 4
# No digit is as wide as this many times its height: MNIST's widest of 70,000 is 2.2 times (a
# flat 2), the 7,494 pen digits' 1.9. A lone bar is, and the networks, which know nothing but
# digits, read one as a 2 or a 7, one of them or both sure of it: a 7's bar, drawn first, was
# "CNN reads 2 (97%)". So is a number written on the pad or uploaded, which the Read a number
# page reads.
WIDER_THAN_ANY_DIGIT = 3
MNIST_WIDEST = 2.2
# Two digits side by side are as wide as this for their height or wider (299 of 300 drawn from
# the validation writers' pen digits), one digit in a third of drawings: only those, and ink in
# groups set apart, are given to the number reader, which takes 15-20 ms, twice a stroke's
# reading.
AS_WIDE_AS_TWO_DIGITS = 0.8
# Groups of ink this far apart, for the ink's height, may be digits even where both networks
# are sure of one: none of 2,000 of the validation writers' digits is, and a third of their
# pairs. Closer, a 4 in two strokes that did not meet was read as "61".
GROUPS_APART = 0.1
# Digits the number reader cuts apart from one piece of ink are said only when each is read this
# surely: at the CNN's own threshold 9 of 1,000 scribbles, tangles cut in two, were called
# several digits; at this, none, and 87% of the validation writers' pairs (93% with no bar,
# mostly lost where the two digits touch).
ONE_PIECE_SURE = 0.999


SMALL_FOR_THE_PEN = "It is small for the pen: draw it bigger, or pick a thinner pen."


def verdict(
    readings: dict[str, Reading], titles: dict[str, str], advice: str | None = None
) -> tuple[str, str] | None:
    """What the networks say together, in words, and how sure that is ("info", "success" or
    "warning"); None for a single network sure of its reading, which its bars say alone.
    `titles`: each model's name as the page writes it; `advice`, what to do where a network
    is not sure, when the page knows better than "write it more plainly" (SMALL_FOR_THE_PEN).

    Without figures, which the bars under it give with each network's threshold: with them, a
    drawing neither network was sure of took three lines beside the pad, and the bars jumped
    down a line and back as the person drew."""
    sure = [reading.sure for reading in readings.values()]
    digits = {name: reading.digit for name, reading in readings.items()}
    if not any(sure):
        # One piece of advice, not two: four lines of it pushed the bars under it down.
        advice = advice or "Is it a digit? If it is, try writing it more plainly."
        guesses = ", ".join(f"{titles[name]}: maybe {digit}" for name, digit in digits.items())
        return "info", f"Not sure what this is ({guesses}). {advice}"
    if not all(sure):  # one sure, one not: say both
        said = [
            f"{titles[name]} reads **{reading.digit}**"
            if reading.sure
            else f"{titles[name]} is not sure (maybe {reading.digit})"
            for name, reading in readings.items()
        ]
        return "info", "; ".join(said) + "." + (f" {advice}" if advice else "")
    if len(digits) < 2:
        return None
    if len(set(digits.values())) == 1:
        return "success", f"Both networks read **{next(iter(digits.values()))}**."
    return "warning", (
        "The networks disagree: "
        + ", ".join(f"{titles[name]} reads **{digit}**" for name, digit in digits.items())
        + "."
    )


def too_wide_for_a_digit(box: tuple[int, int, int, int]) -> tuple[str, str] | None:
    """What the page says of ink in `box` (x, y, width, height) too wide to be one digit (a
    line, a number), in place of the networks' verdict; None for ink shaped as a digit can be."""
    _, _, width, height = box
    if width < WIDER_THAN_ANY_DIGIT * height:
        return None
    # Two lines at most on a 1280 screen, as the verdict it stands for: more moves the bars.
    return "info", (
        f"Too wide for one digit ({width / height:.1f} times as wide as tall; MNIST's widest is "
        f"{MNIST_WIDEST}): a line, or a number?"
    )


def may_be_a_number(
    box: tuple[int, int, int, int], groups: list[tuple[int, int]], readings: dict[str, Reading]
) -> bool:
    """Whether ink in `box` (x, y, width, height), its groups side by side spanning the columns
    `groups` (`pieces.ink_groups`), may be several digits, worth reading as a number: as wide
    as two digits with no digit every network is sure of, or in groups set apart. Two digits
    drawn on the pad were mostly "not sure", asked to be written "more plainly"; a 1 beside a 4
    was "Both networks read 4"; two 1s, narrower than two digits, "not sure"."""
    _, _, width, height = box
    apart = any(
        right_start - left_end >= GROUPS_APART * height
        for (_, left_end), (right_start, _) in pairwise(groups)
    )
    wide = width >= AS_WIDE_AS_TWO_DIGITS * height
    return apart or (wide and agreed_digit(readings) is None)


def several_digits(
    number: NumberReading,
    groups: list[tuple[int, int]],
    readings: dict[str, Reading],
    titles: dict[str, str],
) -> tuple[str, str] | None:
    """What the page says of a drawing, in `groups` side by side (`pieces.ink_groups`) and read
    by each network as one digit (`readings`), that the number reader finds two or more digits
    in (`number`), in place of the networks' verdict; None where it is one digit (in two
    strokes, say) or no number (a scribble).

    Digits apart, its deciding model must be sure of each, or of most where it is not sure of
    the drawing as one digit either (as the Read a number page says of a number): a 5 drawn with
    the broadest pen, which the CNN read as a 5 (96%), was "58, not sure of digit 1". Digits cut
    apart from one piece of ink must each be read at ONE_PIECE_SURE."""
    model = number.deciding_model
    unsure = number.unsure(model, readings[model].threshold)
    count = len(number.digits)
    if count < 2:
        return None
    if len(groups) < count:
        if number.probs[model].max(axis=1).min() < ONE_PIECE_SURE:
            return None
    elif (unsure and readings[model].sure) or number.no_number(unsure, titles[model]):
        return None
    doubts = f", not sure of {digit_places(unsure)}" if unsure else ""
    return "info", (
        f"Several digits, not one? The {titles[model]} reads **{number.number}** as a "
        f"number{doubts}; this page reads one digit at a time."
    )


def agreed_digit(readings: dict[str, Reading]) -> int | None:
    """The digit every network is sure of; None when one is not sure or they disagree.

    What the page offers to save with one click, as "Yes" to its verdict: offered one network's
    sure digit while the other was not sure, a person who drew an L was asked "Yes, it is a 2?"
    (the CNN: "maybe 6"); offered a guess no network was sure of, one saving a 7 the CNN took
    for a 3 was asked "Yes, it is a 3?". Otherwise the person picks the digit.
    """
    digits = {reading.digit for reading in readings.values()}
    sure = all(reading.sure for reading in readings.values())
    return digits.pop() if sure and len(digits) == 1 else None


def drawing_verdict(
    result: Preprocessed, readings: dict[str, Reading], titles: dict[str, str], drawn: bool
) -> tuple[str, str] | None:
    """The networks' verdict on one digit (`verdict`); of a digit drawn on the pad (`drawn`)
    that is small for the pen it was drawn with, advice to draw it bigger rather than more
    plainly, and no good word for it: a blot read "8" at 99% was "Both networks read 8"."""
    small = drawn and small_for_the_pen(result.ink, result.box)
    # Not sure: this advice in place of "more plainly"; sure, none (said below).
    said = verdict(readings, titles, SMALL_FOR_THE_PEN if small else None)
    if not small or (said and said[0] == "info"):
        return said
    # Sure of it (one network alone has no verdict: its bars say it), and doubted here.
    name, reading = next(iter(readings.items()))
    read = said[1] if said else f"{titles[name]} reads **{reading.digit}**."
    return "info", f"{read} {SMALL_FOR_THE_PEN}"


def small_for_the_pen(ink: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    """Whether the ink in `box` (x, y, width, height) of an ink map is too small for the pen
    that drew it: the pen's width measured on the ink, not the pen chosen now, which may be
    another.

    The pen measured by its area over its outline (`ink.pen_width`): the ink's widest point,
    measured before, is wider where strokes cross, and a 1 with a flag and a base, drawn the
    pad's height with the broadest pen, was "small for the pen".
    """
    x, y, width, height = box
    pen = pen_width(ink[y : y + height, x : x + width] >= 0.5)
    return max(width, height) < PEN_WIDTHS_TALL * pen
