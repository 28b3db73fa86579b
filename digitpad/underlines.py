"""A line drawn under the digits (a sum's total underlined) found and taken out of the ink."""

from dataclasses import replace

import cv2
import numpy as np

from digitpad.ink import InkMap, pen_width
from digitpad.pieces import HALO, Part

# A line under the digits (a sum's total underlined) is no digit, and touching the digits' feet it
# joined them into one piece, read as a digit or two too many. It is at least UNDERLINE digit
# heights long, and in UNDERLINE_THIN_SHARE of its columns at most UNDERLINE_THICKNESS pens thick
# (elsewhere a digit's foot meets it), under two pieces of ink or more at least UNDERLINED digit
# heights tall, as are its first and last UNDERLINE_END pens. A line that a stroke comes down into
# at an end may be a digit's foot (a 2's, run into a 1's base: "21" read "71") or an underline
# begun at a digit's foot (a 7's): the number is read both ways.
UNDERLINE = 1.5
UNDERLINED = 0.5
UNDERLINE_THICKNESS = 1.5
UNDERLINE_THIN_SHARE = 0.5
UNDERLINE_END = 1.0


def _line_under(own: np.ndarray, digit_height: float, feet: bool) -> tuple[np.ndarray, bool]:
    """Where, in a piece's ink `own`, a line runs under the rest of it (all False if none), and
    whether a line that a stroke comes down into at an end runs there: taken too if `feet`.

    Column by column, the lowest ink of a line under the digits moves at most a pixel from its
    neighbour's, over the whole line, even where a digit's foot touches it; between digits, or
    round a digit's curve, it jumps.
    """
    height = own.shape[0]
    upward = own[::-1]  # row 0 is the bottom
    inked = upward.any(axis=0)
    lowest = upward.argmax(axis=0)
    rows = np.arange(height)[:, None]
    above = ~upward & (rows > lowest)
    thickness = np.where(above.any(axis=0), above.argmax(axis=0), height) - lowest
    steady = inked[1:] & inked[:-1] & (np.abs(np.diff(lowest)) <= 1)
    line = np.zeros(own.shape, bool)
    pen = pen_width(own)
    entered = False
    start = 0
    for stop in [*np.flatnonzero(~steady), len(steady)]:
        # Columns start..stop, each a pixel from the next.
        span = np.s_[start : stop + 1]
        start = stop + 1
        thin = thickness[span] <= UNDERLINE_THICKNESS * pen
        if stop + 1 - span.start < UNDERLINE * digit_height or thin.mean() < UNDERLINE_THIN_SHARE:
            continue
        end = max(1, round(UNDERLINE_END * pen))
        if not (thin[:end].all() and thin[-end:].all()):
            entered = True
            if not feet:
                continue
        across = int(np.ceil(np.median(thickness[span][thin]))) + 1  # and its soft edge
        columns = np.arange(span.start, stop + 1)
        bottom = height - 1 - lowest[span]
        on_line = (rows >= bottom - across + 1) & (rows <= bottom)
        line[:, columns] |= on_line & own[:, columns]
    return line, entered


def _under_digits(above: np.ndarray, digit_height: float) -> bool:
    """Whether the ink `above` a line, over its columns, is digits side by side: the bottom of
    one wide digit (a flat 0, a 2 with a long foot) is as steady as a line under two."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(above.astype(np.uint8), 8)
    tall = stats[1:][stats[1:, cv2.CC_STAT_HEIGHT] >= UNDERLINED * digit_height]
    apart, reach = 0, -1
    for left, width in sorted(tall[:, [cv2.CC_STAT_LEFT, cv2.CC_STAT_WIDTH]].tolist()):
        apart += left >= reach
        reach = max(reach, left + width)
    return apart >= 2


def without_underlines(
    ink: InkMap, labels: np.ndarray, pieces: list[Part], digit_height: float, feet: bool
) -> tuple[InkMap, bool]:
    """The ink without lines drawn under the digits, those that a stroke comes down into at an
    end too if `feet`; and whether there was such a line."""
    lines = np.zeros(ink.mask.shape, bool)
    doubtful = False
    for piece in pieces:
        if piece.width < UNDERLINE * digit_height:
            continue
        box = np.s_[piece.top : piece.bottom, piece.left : piece.right]
        line = np.zeros(ink.mask.shape, bool)
        line[box], entered = _line_under(labels[box] == piece.labels[0], digit_height, feet)
        doubtful |= entered
        if not line.any():
            continue
        columns, rows = np.flatnonzero(line.any(axis=0)), np.flatnonzero(line.any(axis=1))
        over = np.s_[: rows[-1] + 1, columns[0] : columns[-1] + 1]
        if _under_digits((ink.mask & ~line)[over], digit_height):
            lines |= line
    if not lines.any():
        return ink, doubtful
    # The line's soft edge goes with it.
    edge = cv2.dilate(lines.astype(np.uint8), np.ones((2 * HALO + 1, 2 * HALO + 1), np.uint8)) > 0
    mask = ink.mask & ~lines
    strength = np.where(edge & ~mask, 0.0, ink.strength).astype(np.float32)
    return replace(ink, strength=strength, mask=mask), doubtful
