"""Points, commas and dashes between a number's digits, a minus before them, and spaces between
groups of them."""

from collections.abc import Callable
from itertools import pairwise

import numpy as np

from digitpad.ink import InkMap, pen_width
from digitpad.pieces import Box, Part, merged

# A mark between two digits is written into the number: a point or a comma (a price, "12.50":
# read "1250", a hundred times too much), a dash (a phone number's groups). It is at most MARK_SIZE
# digit heights each way (a dash DASH_WIDTH wide), MARK_PENS pens in size (a dash in a thin pen is
# longer), alone in the gap between them and at least MARK_GAP digit heights from either. A piece
# of a digit broken off (MNIST's, redrawn: 10 of the 500 numbers of read_numbers.py were read with
# a mark without these) lies at its side, is a stroke longer than a mark, or a curve; a gap of 0.1
# missed points written close to a digit, 0.05 reads 1 of 1,000 such numbers with a comma. A point
# sits below MARK_LOW of the digits' height, round, DOT_FILL of its box inked (not a curve); a comma
# there reaches below their foot or is taller than COMMA_ASPECT times its width; a dash lies within
# DASH_LEVEL of their middle, DASH_ASPECT times as wide as tall and at least DASH_PENS pens thick
# (a photo's ruled line, left in pieces by the thresholding, is thinner than the pen). A dash
# before the first digit, within MINUS_GAP digit heights of it, is a minus ("-42" was read "42"):
# MINUS_LENGTH to MINUS_WIDTH digit heights long, the pen's ends left out of the first (a stray
# tick is shorter), MINUS_ASPECT times as wide as tall (a short stroke of a broad pen), at the
# level of the line through the digits' middles carried to it (the first digit alone sits high
# or low, and a photo taken askew tilts the line).
MARK_SIZE = 0.4
DASH_WIDTH = 0.7
MARK_PENS = (0.8, 6.0)
MARK_GAP = 0.05
MARK_LOW = 0.7
DOT_FILL = 0.5
COMMA_ASPECT = 1.5
DASH_LEVEL = 0.15
DASH_ASPECT = 3.0
DASH_PENS = 0.6
MINUS_GAP = 1.0
MINUS_LENGTH = 0.25
MINUS_WIDTH = 1.2
MINUS_ASPECT = 2.0
# A gap between two digits at least SPACE_GAP digit heights wide and SPACE_SHARE times the line's
# usual gap (the median of SPACE_GAPS or more) parts groups of digits, as a phone number's or two
# numbers on a line: written as a space ("12    34" was read "1234"). Digits spaced wide
# throughout are one number; of two or three digits, which gap is the usual one is not known.
SPACE_GAP = 1.0
SPACE_SHARE = 2.5
SPACE_GAPS = 3
# A plus before the first digit (a phone number's "+44"; read as a digit, a sure 4: "444") is a
# piece PLUS_SIZE digit heights across, within PLUS_ASPECT of square, at most MINUS_GAP digit
# heights before the next, its middle within PLUS_LEVEL of the digits' middle, and two strokes
# that cross in its middle (PLUS_MIDDLE of its box): a bar and a stem, each across at least
# PLUS_REACH of its box (within PLUS_SLOPE of the box of its middle: a hand's plus leans). Each
# of its four arms, the outer quarter of its box on each side, is one stroke (one run of ink
# across most of its rows or columns) at most PLUS_ARM pens thick, and at most PLUS_ELSE of its
# ink lies further than half a pen and PLUS_NEAR of its size from both the bar's line (through
# the left and right arms) and the stem's (top and bottom). A 4 is a plus's strokes and one
# more, which lies off both or doubles an arm; a 9's loop, a 2's curve or a 7's bar make two
# strokes or one too broad; a small 8 in a broad pen is a blot, all middle. Chosen on the
# validation writers' numbers (`benchmarks/read_numbers.py --pen validation` with `--plus`, and
# with `--small-first`, whose first digit a plus must not be taken for).
PLUS_SIZE = (0.3, 0.85)
PLUS_ASPECT = 1.6
PLUS_LEVEL = 0.2
PLUS_MIDDLE = (0.35, 0.65)
PLUS_REACH = 0.75
PLUS_SLOPE = 0.2
PLUS_ARM = 1.25
PLUS_NEAR = 0.05
PLUS_ELSE = 0.05


def marks_between(
    passed_over: list[Box],
    digits: list[Box],
    mask: np.ndarray,
    digit_height: float,
    measure_pen: Callable[[], float],
) -> tuple[tuple[int, str], ...]:
    """The marks among the pieces of ink `passed_over` (boxes) that lie between two of the
    `digits` (boxes, left to right) in a line of writing's ink `mask`: (how many digits come
    before it, the mark)."""
    in_gap: dict[int, list[str]] = {}
    for box in passed_over:
        if mark := _mark(box, digits, mask, digit_height, measure_pen):
            in_gap.setdefault(mark[0], []).append(mark[1])
    return tuple((before, kinds[0]) for before, kinds in sorted(in_gap.items()) if len(kinds) == 1)


def spaces_between(digits: list[Box], digit_height: float) -> tuple[tuple[int, str], ...]:
    """The spaces between groups of `digits` (boxes, left to right): (how many digits come
    before it, " ")."""
    gaps = [right[0] - (left[0] + left[2]) for left, right in pairwise(digits)]
    if len(gaps) < SPACE_GAPS:
        return ()
    usual = max(0.0, float(np.median(gaps)))
    return tuple(
        (before, " ")
        for before, gap in enumerate(gaps, start=1)
        if gap >= SPACE_GAP * digit_height and gap >= SPACE_SHARE * usual
    )


def _mark(
    box: Box,
    digits: list[Box],
    mask: np.ndarray,
    digit_height: float,
    measure_pen: Callable[[], float],
) -> tuple[int, str] | None:
    """The mark a piece of ink (its box) is between two of the `digits` (boxes, left to right),
    or before the first (a minus), and how many of them come before it; None if it is none."""
    x, y, w, h = box
    if h > MARK_SIZE * digit_height:  # first: most pieces offered are digits
        return None
    before = sum(left + width / 2 <= x + w / 2 for left, _, width, _ in digits)
    if before == len(digits) or w > (DASH_WIDTH if before else MINUS_WIDTH) * digit_height:
        return None
    right = digits[before]
    gap = MARK_GAP * digit_height
    if x + w > right[0] - gap:
        return None
    if before and x < digits[before - 1][0] + digits[before - 1][2] + gap:
        return None
    if not before and x + w < right[0] - MINUS_GAP * digit_height:
        return None  # a minus stands by its number
    pen = measure_pen()
    if not before and w - pen < MINUS_LENGTH * digit_height:
        return None
    if max(w, h) < MARK_PENS[0] * pen or h > MARK_PENS[1] * pen:
        return None
    if before:
        top = min(digits[before - 1][1], right[1])
        foot = max(d[1] + d[3] for d in digits[before - 1 : before + 1])
    else:
        top, foot = _line_at(digits, x + w / 2)
    # Alone in its gap, top to foot: two dots, a colon or a digit of MNIST's broken in two,
    # redrawn, are passed over (a time is written less often than such a digit is read).
    column = mask[min(top, y) : max(foot, y + h), x : x + w].copy()
    column[y - min(top, y) : y - min(top, y) + h] = False
    if column.any():
        return None
    level = (y + h / 2 - top) / (foot - top)  # 0 at the digits' top, 1 at their foot
    dot = max(w, h) <= 2 * min(w, h) and mask[y : y + h, x : x + w].mean() >= DOT_FILL
    wide = w > min(MARK_SIZE * digit_height, MARK_PENS[1] * pen)
    if wide and not abs(level - 0.5) < DASH_LEVEL:
        return None  # as wide as a dash, where no dash is written
    aspect = DASH_ASPECT if before else MINUS_ASPECT
    dash = abs(level - 0.5) < DASH_LEVEL and w >= aspect * h and h >= DASH_PENS * pen
    if before and level >= MARK_LOW and (h > COMMA_ASPECT * w or y + h > foot + gap):
        return before, ","
    if before and level >= MARK_LOW and dot:
        return before, "."
    return (before, "-") if dash else None


def _line_at(digits: list[Box], column: float) -> tuple[int, int]:
    """The top and foot of a line of `digits` (boxes) at `column`: their median height about the
    straight line through their middles (the first digit's own box with fewer than three)."""
    if len(digits) < 3:
        _, top, _, height = digits[0]
        return top, top + height
    middles = [(x + w / 2, y + h / 2) for x, y, w, h in digits]
    slope, offset = np.polyfit(*zip(*middles), 1)
    half = np.median([h for _, _, _, h in digits]) / 2
    middle = slope * column + offset
    return max(0, round(middle - half)), round(middle + half)  # a steep line stays in the picture


def mark_pieces(
    ink: InkMap,
    pieces: list[Part],
    stats: np.ndarray,
    digit_height: float,
    measure_pen: Callable[[], float],
) -> list[Box]:
    """The pieces of ink (`pieces`, or on a drawing every piece `components` found, `stats`)
    that are points or commas between the digits' pieces beside them: left among the digits'
    parts, a point near a digit was read as part of it ("0.99" read "099")."""
    digits = [
        (d.left, d.top, d.width, d.height)
        for d in merged([p for p in pieces if p.height > MARK_SIZE * digit_height])
    ]
    if len(digits) < 2:
        return []
    digits.sort(key=lambda d: d[0] + d[2] / 2)
    # Specks too on a drawing: nothing but the pen makes them there, and a point far smaller than
    # the digits was passed over as one. A photo's paper has specks of its own.
    boxes = (
        [(int(x), int(y), int(w), int(h)) for x, y, w, h, _ in stats[1:]]
        if ink.as_drawn
        else [(p.left, p.top, p.width, p.height) for p in pieces]
    )
    in_gap: dict[int, list[tuple[Box, str]]] = {}
    for box in boxes:
        if mark := _mark(box, digits, ink.mask, digit_height, measure_pen):
            in_gap.setdefault(mark[0], []).append((box, mark[1]))
    # A dash between digits is left to the digits: as often a 5's flag or a 7's bar drawn apart.
    # A minus is taken out here, before a long one is cut into slices as digits written wide.
    return [
        marks[0][0]
        for before, marks in in_gap.items()
        if len(marks) == 1 and (marks[0][1] in ".," or not before)
    ]


def plus_sign(
    mask: np.ndarray,
    labels: np.ndarray,
    pieces: list[Part],
    digit_height: float,
    measure_pen: Callable[[], float],
) -> Part | None:
    """The piece of ink (of `pieces`, components of `labels` in the ink `mask`) that is a plus
    written before the digits, or None."""
    low, high = PLUS_SIZE
    groups = merged(pieces)
    # A speck before it is no digit; a piece that others join into a digit (a 5's flag drawn
    # apart) is part of the digit.
    first = min(
        (g for g in groups if max(g.width, g.height) >= low * digit_height),
        key=lambda g: g.left,
        default=None,
    )
    if first is None or len(first.labels) > 1:
        return None
    size = max(first.width, first.height)
    if size > high * digit_height or size > PLUS_ASPECT * min(first.width, first.height):
        return None
    digits = sorted(
        (
            (g.left, g.top, g.width, g.height)
            for g in groups
            if g.left > first.left and g.height > MARK_SIZE * digit_height
        ),
        key=lambda d: d[0] + d[2] / 2,
    )
    if not digits or not 0 < min(d[0] for d in digits) - first.right <= MINUS_GAP * digit_height:
        return None
    top, foot = _line_at(digits, first.left + first.width / 2)
    if abs((first.top + first.bottom) / 2 - (top + foot) / 2) > PLUS_LEVEL * (foot - top):
        return None
    window = labels[first.top : first.bottom, first.left : first.right]
    ink = (
        first.mask(window, first.top, first.left)
        & mask[first.top : first.bottom, first.left : first.right]
    )
    # Its own pen where thinner than the digits': a small 4 in a thinner pen passed for a plus.
    return first if _crossed(ink, min(measure_pen(), pen_width(ink))) else None


def _crossed(ink: np.ndarray, pen: float) -> bool:
    """Whether `ink` (a piece's box) is a bar and a stem crossing in its middle, four arms of
    one thin stroke each."""
    height, width = ink.shape
    low, high = PLUS_MIDDLE
    bar, stem = int(ink.sum(axis=1).argmax()), int(ink.sum(axis=0).argmax())
    return (
        low <= bar / height <= high
        and low <= stem / width <= high
        and _reach(ink, bar, pen / 2 + PLUS_SLOPE * height) >= PLUS_REACH * width
        and _reach(ink.T, stem, pen / 2 + PLUS_SLOPE * width) >= PLUS_REACH * height
        and all(_one_thin_stroke(arm, pen) for arm in _arms(ink))
        and _off_the_strokes(ink, pen) <= PLUS_ELSE
    )


def _off_the_strokes(ink: np.ndarray, pen: float) -> float:
    """The share of `ink` (a piece's box) off both the bar, the straight line through its left
    and right arms, and the stem, the line through its top and bottom arms: a 4's third stroke."""
    height, width = ink.shape
    rows, columns = np.nonzero(ink)
    sideways = (columns < width / 4) | (columns >= width - width / 4)
    upright = (rows < height / 4) | (rows >= height - height / 4)
    if len(set(columns[sideways])) < 2 or len(set(rows[upright])) < 2:
        return 1.0
    slope, offset = np.polyfit(columns[sideways], rows[sideways], 1)
    off_bar = np.abs(rows - slope * columns - offset) / np.hypot(1, slope)
    lean, foot = np.polyfit(rows[upright], columns[upright], 1)
    off_stem = np.abs(columns - lean * rows - foot) / np.hypot(1, lean)
    near = pen / 2 + PLUS_NEAR * max(height, width)
    return float(((off_bar > near) & (off_stem > near)).mean())


def _reach(ink: np.ndarray, row: int, half: float) -> int:
    """How many columns of `ink` the rows within `half` of `row` have ink in."""
    return int(ink[max(0, round(row - half)) : round(row + half) + 1].any(axis=0).sum())


def _arms(ink: np.ndarray) -> list[np.ndarray]:
    """The outer quarter of `ink` (a piece's box) on each side, each turned so that its stroke
    runs down it, row by row."""
    height, width = ink.shape
    across, down = max(1, width // 4), max(1, height // 4)
    return [ink[:, :across].T, ink[:, -across:].T, ink[:down], ink[-down:]]


def _one_thin_stroke(arm: np.ndarray, pen: float) -> bool:
    """Whether most rows of `arm` cross one run of ink, at most PLUS_ARM pens long."""
    edges = np.diff(np.pad(arm.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    runs = (edges == 1).sum(axis=1)
    return bool(np.median(runs) == 1 and np.median(arm.sum(axis=1)) <= PLUS_ARM * pen)
