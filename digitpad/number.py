"""Read a number: find each handwritten digit in a drawing or a photo, left to right, and read it.

1. Ink, in a drawing or a photo of paper (`digitpad.ink`).
2. Pieces. The ink's connected components; pieces above one another are one digit (a 5's flag, a
   4 written in two strokes). A piece wider than a digit is usually tall may be touching digits:
   it is offered cut apart along the paths that cross fewest strokes, then least ink; one
   wide enough to be two digits written into each other is also offered as two overlapping
   bands of its columns.
3. Reading. Every way of putting neighbouring pieces and slices together into digits is scored
   by how sure the networks are of each digit, by a few priors on a digit's shape, and by a
   small network trained to tell one whole digit from half of one or two (`whole_digit`), as
   LeCun's check readers did; the best way wins. Each candidate digit's ink alone goes through
   MNIST's steps (`preprocess.from_ink`), all of them through the models in one batch.

The scoring constants were tuned on `benchmarks/read_numbers.py --seed 1` and `--seed 2` (the
latest, SAME_DIGIT_PAIR_COST, also on `--pen validation`); the figures quoted are for seed 0 and
for `--pen`, the new writers.
"""

import itertools
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from functools import cache, partial, reduce
from typing import TYPE_CHECKING

import cv2
import numpy as np

from digitpad.calibration import is_sure
from digitpad.ink import InkMap, ink_map, pen_width
from digitpad.preprocess import (
    INK_FLOOR,
    Preprocessed,
    from_ink,
    to_mnist,
)

if TYPE_CHECKING:  # TensorFlow loads when something is read, not when this module is imported
    from digitpad.inference import DigitReader

NO_DIGITS = "no digits found: the picture is blank or holds nothing that looks like writing"
DECIDING_MODEL = "cnn"  # the better reader decides how the ink splits into digits

# Pieces smaller than this share of the largest piece's area are specks of dirt or noise; of
# the rest, the MAX_PIECES largest are kept, so a picture of a texture cannot take minutes.
SPECK_SHARE = 0.015
MAX_PIECES = 60
# Pieces whose horizontal extents overlap by this share of the narrower one are one digit,
# unless together they would be wider than MERGED_ASPECT times their height.
MERGE_OVERLAP = 0.5
MERGED_ASPECT = 1.2
# The digits' height is this percentile of the heights of pieces at least TALL_SHARE of the
# tallest: most digits are about as tall as the tallest.
TALL_SHARE = 0.5
DIGIT_HEIGHT_PERCENTILE = 75
# A piece LINE_ASPECT times as tall as it is wide, and more than LINE_DOWN times as tall as the
# digits or thinner than THIN_LINE times their pen, is a line down the page (a notebook's margin, a
# fold), no digit: read as a "1" as tall as the page, it was the digits' height, and the digits,
# far shorter, were passed over as specks.
LINE_ASPECT = 4.0
LINE_DOWN = 2.5
THIN_LINE = 0.3
# A digit is at least DIGIT_PENS pens tall, and at least half as tall as wide: a dot, a dash or an
# underline is none, and a "1" beside one alone was taken for a margin 2.5 times as tall.
DIGIT_PENS = 3.0
# Pieces wider than this many digit heights are offered cut at their thinnest columns, into
# parts at least MIN_PART digit heights wide.
CUT_ASPECT = 0.7
MIN_PART = 0.2
# Every digit read scores this much: the models are as sure of two digits read as one as of
# either alone, and this evens the odds.
DIGIT_BONUS = 1.0
# Cutting a piece costs CUT_COST in log-likelihood, plus CUT_STROKE_COST for each stroke the
# cut crosses beyond one.
CUT_COST = 1.0
CUT_STROKE_COST = 2.0
# A cut strays from its column by this much ink a column, so that among equal cuts it goes
# straight down.
CUT_DRIFT = 0.01
# Crossing a stroke costs a cut as much as running this many digit heights through ink: touching
# digits meet in one stroke, and the cut of least ink often passes through a loop instead, two
# thin strokes, and gives half of the loop to the wrong digit (measured on the tuning seeds).
CUT_ENTRY = 0.5
# A digit is at most this many digit heights wide, made of at most MAX_PARTS pieces and parts
# no further apart than JOIN_GAP digit heights.
MAX_ASPECT = 1.6
MAX_PARTS = 5
JOIN_GAP = 0.1
# A candidate digit shorter than SHORT digit heights is likely a flag or a dot: its score is
# lowered by SHORT_PENALTY times the log of how much shorter.
SHORT = 0.75
SHORT_PENALTY = 10.0
# A candidate wider than WIDE digit heights is likely two digits: its score is lowered by
# WIDE_PENALTY for each digit height more.
WIDE = 1.0
WIDE_PENALTY = 4.0
# How much the whole-digit network's log-odds that a candidate is one whole digit count beside
# the digit networks' belief (tuned on the tuning seeds: 0.5 to 2 read alike).
WHOLE_DIGIT_WEIGHT = 1.0
# Two digits written into each other (a 1 inside a 0's curve) share columns, so no cut between
# columns parts them: a run at least OVERLAP_MIN_WIDTH digit heights wide is also offered as two
# bands of its columns, each OVERLAP_WIDTHS wide, overlapping by OVERLAP digit heights.
OVERLAP_MIN_WIDTH = 0.9
OVERLAP_WIDTHS = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
OVERLAP = (0.03, 0.35)
# A run read as two bands scores its two digits' scores plus this: each band holds a sliver of
# its neighbour, and at 0 a wide digit (a 0, a 7) is often read as two (tuned on the tuning
# seeds: -2 to -5 read alike, 0 reads 12 numbers of seed 1 with a digit too many).
PAIR_COST = -3.0
# A pair whose two bands read the same digit scores this much less: both bands of one wide digit
# (a 5 whose flag reaches far to the right, drawn with a thick pen) hold most of it and read as
# it (tuned on the tuning seeds and the pen digits' validation writers: -2 reads 6 numbers right
# that had a digit too many and loses 2 written "22" or "44"; -4 and -8 one number less).
SAME_DIGIT_PAIR_COST = -2.0
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
# A band of rows with ink, between rows without, is a line of writing when its writing is at least
# LINE_SHARE as tall as the tallest's, measured as the WRITING_HEIGHT_PERCENTILE of its columns'
# ink; a number on two lines was read column by column, each digit over another read as one
# ("123" over "456": "138").
LINE_SHARE = 0.5
WRITING_HEIGHT_PERCENTILE = 90
# and the rows between two lines at least LINE_GAP times as many as the tallest's writing.
LINE_GAP = 0.25
# Each digit's crop keeps ink this many pixels around its pieces: the pen's soft edge.
HALO = 2
# The score of leaving a digit-sized part out of every digit: far below any reading's. A part
# smaller than SHORT digit heights each way costs less, by the square of its size, which is its
# biggest piece's (a colon is two dots, not a mark as tall as both): a stray dot, a colon or a
# tick between two digits is no digit, and reading it as a "1" is worse than passing it over
# (measured on the tuning seeds; a "1" down to 0.4 digit heights is still read).
SKIP_SCORE = -20.0
SKIPPED = -1
Box = tuple[int, int, int, int]  # x, y, width, height


def deciding_model(names: Collection[str]) -> str:
    """The CNN, or whichever model there is when it is missing."""
    return DECIDING_MODEL if DECIDING_MODEL in names else next(iter(names))


@dataclass(frozen=True)
class FoundDigit:
    """One digit found in a picture."""

    box: Box  # in the picture's own pixels
    image: np.ndarray  # 28x28 float32 model input, made by `from_ink` from this digit's ink alone


@dataclass(frozen=True)
class NumberReading:
    """The digits found, left to right, and each model's probabilities for them."""

    digits: list[FoundDigit]
    probs: dict[str, np.ndarray]  # model name -> (len(digits), 10)
    # How sure the whole-digit network is that each is one whole digit; None without it.
    whole: np.ndarray | None = None
    # Points, commas and dashes between the digits, a minus before them, spaces between lines:
    # (how many digits come before it, the mark).
    marks: tuple[tuple[int, str], ...] = ()

    def followed_by(self, below: "NumberReading") -> "NumberReading":
        """This line of writing and the one `below` it, a space between them."""
        count = len(self.digits)
        return NumberReading(
            self.digits + below.digits,
            {name: np.concatenate([p, below.probs[name]]) for name, p in self.probs.items()},
            None if self.whole is None else np.concatenate([self.whole, below.whole]),
            self.marks + ((count, " "),) + tuple((count + i, m) for i, m in below.marks),
        )

    def read_by(self, name: str) -> str:
        """The digits `name` reads, with the marks written between them."""
        marks: dict[int, str] = {}
        for before, mark in self.marks:  # a space between lines, then the minus of the second
            marks[before] = marks.get(before, "") + mark
        return "".join(
            marks.get(i, "") + str(int(p.argmax())) for i, p in enumerate(self.probs[name])
        )

    def unsure(self, name: str, threshold: float | None) -> list[int]:
        """Positions of the digits `name` reads below its "not sure" threshold (its card's)."""
        return [i for i, p in enumerate(self.probs[name]) if not is_sure(p.max(), threshold)]

    def no_number(self, unsure: list[int], title: str) -> str | None:
        """Why this is no number, when the deciding model (called `title`) is not sure of most
        of the digits found (positions `unsure`); None when it reads as one. Noise, a scribble
        or a blurred photo: a confident number would be a guess."""
        if 2 * len(unsure) <= len(self.digits):
            return None
        return (
            f"this does not look like a number: the {title} is not sure of {len(unsure)} of "
            f"the {len(self.digits)} digits it found (it would read "
            f"{self.read_by(self.deciding_model)})"
        )

    @property
    def deciding_model(self) -> str:
        return deciding_model(self.probs)

    @property
    def number(self) -> str:
        """The CNN's reading, or the other model's when the CNN is missing; "" for no digits."""
        return self.read_by(self.deciding_model) if self.digits else ""


@dataclass(frozen=True, eq=False)
class Part:
    """Ink pieces, or a slice of them between two cuts, that may be one digit or part of one."""

    labels: tuple[int, ...]  # connected components of the ink mask
    left: int  # the box of its ink; right and bottom exclusive
    right: int
    top: int
    bottom: int
    # A slice keeps, in each row from first_row on, the columns starts[row]..ends[row] - 1.
    first_row: int = 0
    starts: np.ndarray | None = None
    ends: np.ndarray | None = None
    # How many strokes the cut parting it from the slice on its left crosses.
    cut_strokes: int | None = None

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def joined(self, other: "Part") -> "Part":
        """Both pieces whole, in the box around both; for slices, only that box means anything."""
        return Part(
            self.labels + other.labels,
            min(self.left, other.left),
            max(self.right, other.right),
            min(self.top, other.top),
            max(self.bottom, other.bottom),
        )

    def mask(self, labels: np.ndarray, top: int, left: int) -> np.ndarray:
        """Its ink in `labels`, a window whose corner is at (top, left) in the picture."""
        own = np.isin(labels, self.labels)
        if self.starts is None:
            return own
        rows = np.clip(
            np.arange(top, top + labels.shape[0]) - self.first_row, 0, len(self.starts) - 1
        )
        columns = np.arange(left, left + labels.shape[1])
        return own & (columns >= self.starts[rows, None]) & (columns < self.ends[rows, None])


def _pieces(mask: np.ndarray) -> tuple[np.ndarray, list[Part]]:
    labels, stats = _components(mask)
    return labels, _kept(stats)


def _components(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mask's connected pieces of ink: their labels, and each one's box and area."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    return labels, stats


def _kept(stats: np.ndarray) -> list[Part]:
    """The pieces of ink (`_components`' stats) less specks."""
    areas = stats[1:, cv2.CC_STAT_AREA]
    if not len(areas):
        return []
    kept = {int(i) + 1 for i in np.argsort(-areas, kind="stable")[:MAX_PIECES]}
    return [
        Part((label,), int(x), int(x + w), int(y), int(y + h))
        for label, (x, y, w, h, area) in enumerate(stats[1:], start=1)
        if label in kept and area >= SPECK_SHARE * areas.max()
    ]


def ink_groups(ink: np.ndarray) -> list[tuple[int, int]]:
    """The columns, first and past the last, of each group of ink (0 to 1) side by side, left
    to right: pieces above one another (a 5's flag) taken as one, as a number's digits are first
    looked for."""
    _, pieces = _pieces(ink >= 0.5)
    return [(group.left, group.right) for group in _merged(pieces)]


def _one_digit(a: Part, b: Part) -> bool:
    overlap = min(a.right, b.right) - max(a.left, b.left)
    both = a.joined(b)
    return overlap >= MERGE_OVERLAP * min(a.width, b.width) and both.width <= MERGED_ASPECT * (
        both.height
    )


def _merged(pieces: list[Part]) -> list[Part]:
    """Pieces joined while any two lie above one another, left to right."""
    groups = list(pieces)
    joining = True
    while joining:
        joining = False
        for i in range(len(groups)):
            partner = next(
                (j for j in range(i + 1, len(groups)) if _one_digit(groups[i], groups[j])), None
            )
            if partner is not None:
                groups[i] = groups[i].joined(groups.pop(partner))
                joining = True
                break
    return sorted(groups, key=lambda g: (g.left, g.top))


def _cut_columns(profile: np.ndarray, shortest: int) -> list[int]:
    """Where a group may hold two digits: columns cheapest to cut, `shortest` from the ends."""
    smooth = np.convolve(profile.astype(np.float32), np.ones(3) / 3, mode="same")
    inside = np.arange(shortest, len(profile) - shortest)
    minima = [c for c in inside if smooth[c] <= smooth[c - 1] and smooth[c] < smooth[c + 1]]
    cuts: list[int] = []
    for column in sorted(minima, key=lambda c: smooth[c]):
        if all(abs(column - cut) >= shortest for cut in cuts):
            cuts.append(column)
    return sorted(cuts)


def _cut_path(ink: np.ndarray, column: int, reach: int, entry: float) -> np.ndarray:
    """Per row, where a cut from top to bottom that starts near `column` crosses fewest
    strokes, then least ink; `entry` is the price of a stroke, in pixels of ink.

    Touching digits lean and curl into each other: a cut that may bend one column a row
    finds the gap between them where a straight one would slice through both.
    """
    height, width = ink.shape
    low, high = max(1, column - reach), min(width - 1, column + reach + 1)
    # Ink costs a pixel and entering it `entry` more; straying from the column a little, so
    # that ties go straight down.
    window = ink[:, low:high]
    cost = window + CUT_DRIFT * np.abs(np.arange(low, high) - column)
    total = cost[0] + entry * window[0]
    came_from = np.zeros((height, high - low), np.int8)
    # Per column, the cost of arriving from the left, straight above and the right, and
    # whether that step comes off ink; the edges have no neighbour beyond them. One array for
    # every row: this loop runs per stroke.
    options = np.full((3, high - low), np.inf)
    came_off_ink = np.zeros((3, high - low), bool)
    columns = np.arange(high - low)
    for row in range(1, height):
        options[0, 1:], options[1], options[2, :-1] = total[:-1], total, total[1:]
        previous = window[row - 1]
        came_off_ink[0, 1:], came_off_ink[1], came_off_ink[2, :-1] = (
            previous[:-1],
            previous,
            previous[1:],
        )
        options += entry * (window[row] & ~came_off_ink)
        step = options.argmin(axis=0)
        came_from[row] = step - 1
        total = options[step, columns] + cost[row]
    path = np.empty(height, np.int64)
    path[-1] = int(total.argmin())
    for row in range(height - 1, 0, -1):
        path[row - 1] = path[row] + came_from[row, path[row]]
    return low + path


def _strokes_down(ink: np.ndarray) -> np.ndarray:
    """How many strokes a cut straight down each column crosses: where ink starts."""
    return (np.diff(ink.astype(np.int8), axis=0, prepend=0) == 1).sum(axis=0)


def _strokes_crossed(ink: np.ndarray, path: np.ndarray) -> int:
    """How many strokes a cut down this path of columns, one a row, crosses."""
    return int(_strokes_down(ink[np.arange(len(path)), path]))


def _parts(labels: np.ndarray, groups: list[Part], digit_height: float) -> list[Part]:
    """The groups, the wide ones cut where their ink is thinnest, left to right."""
    parts = []
    shortest = max(1, round(MIN_PART * digit_height))
    for group in groups:
        if group.width <= CUT_ASPECT * digit_height:
            parts.append(group)
            continue
        ink = np.isin(labels[group.top : group.bottom, group.left : group.right], group.labels)
        cuts: list[np.ndarray] = []
        # Cuts start where a straight one would cost least, priced as the bent cut is.
        entry = CUT_ENTRY * digit_height
        for column in _cut_columns(ink.sum(axis=0) + entry * _strokes_down(ink), shortest):
            path = _cut_path(ink, column, shortest, entry)
            # Cuts bent towards the same gap are one cut; later ones never cross earlier ones.
            if cuts:
                path = np.maximum(path, cuts[-1])
                if np.abs(path - cuts[-1]).mean() < shortest / 2:
                    continue
            cuts.append(path)
        edges = [np.zeros(group.height, np.int64), *cuts, np.full(group.height, group.width)]
        columns = np.arange(group.width)
        for index, (start, end) in enumerate(zip(edges, edges[1:])):
            own = ink & (columns >= start[:, None]) & (columns < end[:, None])
            if not own.any():
                continue
            x, y, w, h = cv2.boundingRect(own.astype(np.uint8))
            parts.append(
                Part(
                    group.labels,
                    group.left + x,
                    group.left + x + w,
                    group.top + y,
                    group.top + y + h,
                    group.top,
                    group.left + start,
                    group.left + end,
                    _strokes_crossed(ink, start) if index else None,
                )
            )
    return parts


@dataclass(frozen=True)
class Candidate:
    """Consecutive parts start..end that may be one digit."""

    start: int
    end: int  # exclusive
    box: Box  # working pixels
    image: np.ndarray  # 28x28 model input
    height: float  # in digit heights
    width: float
    cut_strokes: int | None  # crossed by the cut parting it from the part on its left, if any
    mask: np.ndarray  # its ink within its box

    @property
    def shape_features(self) -> list[float]:
        """What the whole-digit network knows of it beside its image: height and width in
        digit heights, whether it was cut from the ink on its left, and how many strokes the cut
        crossed."""
        cut = self.cut_strokes is not None
        return [self.height, self.width, float(cut), float(self.cut_strokes or 0)]


def _prior(candidate: Candidate) -> float:
    """Log-likelihood that a candidate's shape is one digit, before it is read."""
    shortness = min(1.0, candidate.height / SHORT)
    prior = DIGIT_BONUS + SHORT_PENALTY * float(np.log(shortness))
    prior -= WIDE_PENALTY * max(0.0, candidate.width - WIDE)
    if candidate.cut_strokes is not None:
        # Touching digits meet in one stroke: a cut crossing two (through a 0) is more likely
        # cutting one digit in two.
        prior -= CUT_COST + CUT_STROKE_COST * max(0, candidate.cut_strokes - 1)
    return prior


def _candidate_runs(parts: list[Part], digit_height: float) -> list[tuple[int, int, Part]]:
    runs = []
    for start in range(len(parts)):
        run = parts[start]
        runs.append((start, start + 1, run))
        for end in range(start + 1, min(start + MAX_PARTS, len(parts))):
            following = parts[end]
            if following.left > run.right + JOIN_GAP * digit_height:
                break
            run = run.joined(following)
            if run.width > MAX_ASPECT * digit_height:
                break
            runs.append((start, end + 1, run))
    return runs


def _ink_of(
    ink: InkMap, labels: np.ndarray, parts: list[Part], run: Part
) -> tuple[Box, np.ndarray, np.ndarray]:
    """The run's box, its ink alone with its soft edge (as `preprocess.from_ink` takes it), and
    which pixels of the box are its ink."""
    top, bottom = max(0, run.top - HALO), min(labels.shape[0], run.bottom + HALO)
    left, right = max(0, run.left - HALO), min(labels.shape[1], run.right + HALO)
    window = labels[top:bottom, left:right]
    own = np.zeros(window.shape, np.uint8)
    for part in parts:
        own |= part.mask(window, top, left)
    # The soft edge around the run's ink, but never a neighbour's ink.
    neighbours = (window > 0) & (own == 0)
    soft = (cv2.dilate(own, np.ones((2 * HALO + 1, 2 * HALO + 1), np.uint8)) > 0) & ~neighbours
    crop = ink.strength[top:bottom, left:right] * soft
    # Faint pencil in a photo is still ink once it has been found: full strength, as
    # extract_ink scales a drawing's ink, and its faint halo dropped the same way.
    crop = crop / max(float(crop.max()), 1e-6)
    crop[crop < INK_FLOOR] = 0.0
    x, y, w, h = cv2.boundingRect(own)
    return (left + x, top + y, w, h), crop, own[y : y + h, x : x + w] > 0


def _skip_score(part: Part, piece_sizes: dict[int, int], digit_height: float) -> float:
    biggest = min(max(part.height, part.width), max(piece_sizes[label] for label in part.labels))
    size = min(1.0, biggest / (SHORT * digit_height))
    return SKIP_SCORE * size**2


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


def _without_underlines(
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


def _digit_height(pieces: list[Part]) -> float:
    tallest = max(p.height for p in pieces)
    tall = [p.height for p in pieces if p.height >= TALL_SHARE * tallest]
    return float(np.percentile(tall, DIGIT_HEIGHT_PERCENTILE))


def _without_lines_down(labels: np.ndarray, pieces: list[Part]) -> list[Part]:
    """The pieces less lines down the page beside the digits: much taller than the digits, or
    much thinner than the pen that wrote them."""
    upright = [p for p in pieces if p.height >= LINE_ASPECT * p.width]
    if not upright:
        return pieces
    # The pen of the digits that are no straight strokes, or of all (a "1" beside a margin).
    others = [p for p in pieces if p not in upright] or pieces
    writing = pen_width(np.isin(labels, [p.labels[0] for p in others]))
    lines = [
        p
        for p in upright
        if pen_width(labels[p.top : p.bottom, p.left : p.right] == p.labels[0])
        < THIN_LINE * writing
    ]
    tallest_first = sorted(pieces, key=lambda p: -p.height)
    pen = pen_width(np.isin(labels, [p.labels[0] for p in pieces]))
    for count in range(1, len(pieces)):
        taller = tallest_first[:count]
        # Beside a dot, a dash or an underline alone, a "1" is the only digit there is.
        digits = [p for p in tallest_first[count:] if _digit_like(p, pen)]
        if digits and all(
            p in upright and p.height > LINE_DOWN * _digit_height(digits) for p in taller
        ):
            lines += [p for p in taller if p not in lines]
    return [p for p in pieces if p not in lines]


def _digit_like(piece: Part, pen: float) -> bool:
    """Whether a piece may be a digit by its shape: several pens tall, and not flat."""
    return piece.height >= DIGIT_PENS * pen and 2 * piece.height >= piece.width


@dataclass(frozen=True)
class Found:
    """Every candidate digit in a picture, and what reading needs beside them."""

    ink: InkMap
    skip_scores: list[float]  # the score of leaving out each part
    candidates: list[Candidate]  # each run of parts that may be a digit
    bands: list[Candidate]  # each band of a run that may be two digits written into each other
    pairs: list[tuple[int, int]]  # the bands, left and right, that may be two such digits
    part_pieces: list[list[Box]]  # the boxes of each part's pieces of ink (none for a slice)
    digit_height: float
    pen: Callable[[], float]  # the pen's width on the ink, measured once, if a mark needs it
    marks: list[Box] = field(default_factory=list)  # pieces left out of the digits as marks
    # Whether a line under the digits that a stroke comes down into at an end was seen: kept
    # unless `_found` was asked to take such lines out.
    foot_or_underline: bool = False


def _found(ink: InkMap, with_bands: bool, feet: bool = False) -> Found:
    labels, stats = _components(ink.mask)
    pieces = _without_lines_down(labels, _kept(stats))
    if not pieces:
        return Found(ink, [], [], [], [], [], 0.0, _pen(ink))
    digit_height = _digit_height(pieces)
    without, foot_or_underline = _without_underlines(ink, labels, pieces, digit_height, feet)
    if without is not ink:
        ink = without
        labels, stats = _components(ink.mask)
        pieces = _without_lines_down(labels, _kept(stats))
        digit_height = _digit_height(pieces)
    pen = _pen(ink)
    marks = _mark_pieces(ink, pieces, stats, digit_height, pen)
    pieces = [p for p in pieces if (p.left, p.top, p.width, p.height) not in marks]
    parts = _parts(labels, _merged(pieces), digit_height)
    candidates, bands, pairs = [], [], []
    for start, end, run in _candidate_runs(parts, digit_height):
        box, crop, mask = _ink_of(ink, labels, parts[start:end], run)
        prepared = from_ink(crop)
        if prepared is not None:
            height, width = box[3] / digit_height, box[2] / digit_height
            cut_strokes = parts[start].cut_strokes
            candidates.append(
                Candidate(start, end, box, prepared.image, height, width, cut_strokes, mask)
            )
        # A column without ink parts a run's digits: the plain candidates cut there.
        if with_bands and run.width >= OVERLAP_MIN_WIDTH * digit_height and mask.any(0).all():
            run_bands, run_pairs = _overlapping_bands((start, end), run, crop, digit_height)
            pairs += [(len(bands) + left, len(bands) + right) for left, right in run_pairs]
            bands += run_bands
    piece_sizes = {p.labels[0]: max(p.height, p.width) for p in pieces}
    skip_scores = [_skip_score(part, piece_sizes, digit_height) for part in parts]
    boxes = {p.labels[0]: (p.left, p.top, p.width, p.height) for p in pieces}
    # A slice cut from a piece is never a mark: a mark is ink of its own.
    part_pieces = [
        [boxes[label] for label in part.labels] if part.starts is None else [] for part in parts
    ]
    return Found(
        ink,
        skip_scores,
        candidates,
        bands,
        pairs,
        part_pieces,
        digit_height,
        pen,
        marks,
        foot_or_underline,
    )


def _pen(ink: InkMap) -> Callable[[], float]:
    """The width of the pen on `ink`, measured at the first call: most readings need none."""
    return cache(partial(pen_width, ink.mask))


def find_candidates(image: np.ndarray) -> tuple[InkMap, list[float], list[Candidate]]:
    """The ink, the score of leaving out each part, and every run of parts that may be a digit."""
    found = _found(ink_map(image), with_bands=False)
    return found.ink, found.skip_scores, found.candidates


def _band(
    span: tuple[int, int],
    crop: np.ndarray,
    origin: tuple[int, int],
    columns: tuple[int, int],
    digit_height: float,
) -> Candidate | None:
    """The ink of the run of parts `span` (`crop`, its corner at `origin` in the picture)
    between two columns."""
    top, left = origin
    band = np.zeros_like(crop)
    low, high = columns[0] - left, columns[1] - left
    band[:, low:high] = crop[:, low:high]
    prepared = from_ink(band)
    if prepared is None:
        return None
    x, y, w, h = prepared.box  # of the band's ink, as from_ink cropped it
    # The right half is cut from the ink on its left where its band begins. That edge runs
    # through the left digit's strokes wherever the two overlap, so how many it crosses says
    # nothing of a digit cut in two: it counts as one stroke, as a cut between touching digits.
    cut_strokes = 1 if low > 0 else None
    box = (left + x, top + y, w, h)
    height, width = h / digit_height, w / digit_height
    mask = prepared.cropped > 0
    return Candidate(*span, box, prepared.image, height, width, cut_strokes, mask)


def _overlapping_bands(
    span: tuple[int, int], run: Part, crop: np.ndarray, digit_height: float
) -> tuple[list[Candidate], list[tuple[int, int]]]:
    """A run wide enough to be two digits written into each other (its ink `crop`, as
    `_ink_of` gives it), offered as two overlapping bands of its columns: the bands, and each
    pair's left and right band in them."""
    top, left = max(0, run.top - HALO), max(0, run.left - HALO)
    widths = [f * digit_height for f in OVERLAP_WIDTHS]
    low, high = (share * digit_height for share in OVERLAP)
    fits = [
        ((left, round(run.left + left_width)), (round(run.right - right_width), run.right + HALO))
        for left_width, right_width in itertools.product(widths, widths)
        if low <= left_width + right_width - run.width <= high
    ]
    # A band takes part in several pairs: each is read once.
    bands: list[Candidate] = []
    place: dict[tuple[int, int], int] = {}
    for columns in dict.fromkeys(columns for fit in fits for columns in fit):
        band = _band(span, crop, (top, left), columns, digit_height)
        if band is not None:
            place[columns] = len(bands)
            bands.append(band)
    return bands, [(place[a], place[b]) for a, b in fits if a in place and b in place]


def digit_in_picture(image: np.ndarray) -> Preprocessed | None:
    """A picture of one digit made a model input: a drawing as the pad's (`to_mnist`), a photo
    of paper from the ink found as in a number, its paper's shading, ruled lines and specks
    left out. None when there is no digit."""
    ink = ink_map(image)
    labels, pieces = _pieces(ink.mask)
    digit = _without_lines_down(labels, pieces)
    # A note-taking app's lined page is as flat as a drawing, but its rules and margin are no ink.
    if ink.as_drawn and len(digit) == len(pieces):
        return to_mnist(image)
    if not digit:
        return None
    _, crop, _ = _ink_of(ink, labels, digit, reduce(Part.joined, digit))
    return from_ink(crop)


# 3. Reading


def _best_reading(
    skip_scores: list[float], spans: list[tuple[int, int]], scores: np.ndarray
) -> list[int]:
    """The spans (start, end) of parts that cover the parts once each with the highest total
    score, in order."""
    part_count = len(skip_scores)
    best = np.full(part_count + 1, -np.inf)
    best[0] = 0.0
    chosen = [SKIPPED] * (part_count + 1)
    by_end: dict[int, list[int]] = {}
    for index, (_, end) in enumerate(spans):
        by_end.setdefault(end, []).append(index)
    for end in range(1, part_count + 1):
        # A part no candidate covers (no ink left after cutting) is passed over, at a cost.
        best[end] = best[end - 1] + skip_scores[end - 1]
        for index in by_end.get(end, []):
            total = best[spans[index][0]] + scores[index]
            if total > best[end]:
                best[end], chosen[end] = total, index
    path, at = [], part_count
    while at > 0:
        if chosen[at] == SKIPPED:
            at -= 1
        else:
            path.append(chosen[at])
            at = spans[chosen[at]][0]
    return path[::-1]


def read_number(image: np.ndarray, reader: "DigitReader") -> NumberReading:
    """The digits in a picture of a number and every model's reading of each; a number drawn on
    several lines is read line by line, a space between them."""
    ink = ink_map(image)
    # A margin down the page is in no line of writing: beside two, it made a third.
    labels, pieces = _pieces(ink.mask)
    kept = _without_lines_down(labels, pieces)
    if len(kept) < len(pieces):
        down = np.isin(labels, [p.labels[0] for p in pieces if p not in kept])
        ink = replace(ink, strength=np.where(down, 0.0, ink.strength), mask=ink.mask & ~down)
    # A photo's paper leaves specks and bits of its lines, a line of their own below the writing.
    lines = _lines_of_writing(ink.mask) if ink.as_drawn else [(0, len(ink.mask))]
    readings = []
    for top, bottom in lines:
        line = replace(ink, strength=ink.strength[top:bottom], mask=ink.mask[top:bottom])
        found = _found(line, with_bands=True)
        reading, sureness = _read(found, reader, top)
        if found.foot_or_underline:
            # A 2's foot run into a 1's base, or an underline begun at a 7's foot: the same
            # strokes. Kept, the underline joins the digits; taken out, the 2 loses its foot, and
            # the networks are the less sure of the digits left.
            without, sureness_without = _read(_found(line, with_bands=True, feet=True), reader, top)
            if sureness_without > sureness:
                reading = without
        if reading.digits:
            readings.append(reading)
    if not readings:
        return NumberReading([], {name: np.zeros((0, 10), np.float32) for name in reader.names})
    reading = reduce(NumberReading.followed_by, readings)
    # Within the picture, whatever the working scale's rounding gave.
    height, width = image.shape[:2]
    inside = [
        replace(digit, box=(x, y, min(x + w, width) - x, min(y + h, height) - y))
        for digit in reading.digits
        for x, y, w, h in [digit.box]
    ]
    return replace(reading, digits=inside)


def _lines_of_writing(mask: np.ndarray) -> list[tuple[int, int]]:
    """The rows, first and past the last, of each line of writing, top to bottom: bands of rows
    with ink, parted by rows without, those less than LINE_SHARE as tall as the tallest (an
    underline clear of the digits, a floating flag) joined to the nearest, as are two parted by
    a sliver; all the rows for one line."""
    inked = np.flatnonzero(mask.any(axis=1))
    if not len(inked):
        return []
    parted = np.flatnonzero(np.diff(inked) > 1)
    bands = list(zip(inked[np.r_[0, parted + 1]], inked[np.r_[parted, len(inked) - 1]] + 1))
    heights = [_writing_height(mask[top:bottom]) for top, bottom in bands]
    tallest = max(heights)
    lines = [band for band, height in zip(bands, heights) if height >= LINE_SHARE * tallest]
    # Lines part by a gap; an 8 drawn as two loops that do not meet, by a sliver. (Loops further
    # apart are two 0s: digits written wide are as wide as loops, two lines of them as far apart.)
    kept = lines[:1]
    for line in lines[1:]:
        if line[0] - kept[-1][1] >= LINE_GAP * tallest:
            kept.append(line)
        else:
            kept[-1] = (kept[-1][0], line[1])
    lines = kept
    for top, bottom in bands:
        nearest = min(lines, key=lambda line: max(line[0] - bottom, top - line[1]))
        at = lines.index(nearest)
        lines[at] = (min(nearest[0], top), max(nearest[1], bottom))
    # Each reaches halfway to the next: the ink's soft edge, and the paper round it, read with it.
    middles = [(upper[1] + lower[0]) // 2 for upper, lower in zip(lines, lines[1:])]
    return list(zip([0, *middles], [*middles, len(mask)]))


def _writing_height(band: np.ndarray) -> float:
    """How tall the writing in a band of rows is: most of its columns' ink, from top to foot, is
    at most this tall. A line drawn under the digits, sloping, spans many rows, and is a pen's
    width tall in each column."""
    columns = band.any(axis=0)
    first = band.argmax(axis=0)
    last = len(band) - 1 - band[::-1].argmax(axis=0)
    return float(np.percentile((last - first + 1)[columns], WRITING_HEIGHT_PERCENTILE))


def _read(found: Found, reader: "DigitReader", top: int) -> tuple[NumberReading, float]:
    """The digits found in a line of writing whose first row is `top` of the picture's, at the
    working scale, and how sure the networks are of them: the mean log probability they give
    the digits read."""
    candidates, pairs = found.candidates, found.pairs
    if not candidates:
        empty = {name: np.zeros((0, 10), np.float32) for name in reader.names}
        return NumberReading([], empty), -np.inf
    # Every digit that may be read, alone or as one of a pair, read in one batch.
    digits = candidates + found.bands
    images = np.stack([c.image for c in digits])
    probs = reader.probabilities(images)
    read = probs[deciding_model(probs)].argmax(axis=1)
    # How much every model believes the deciding model's digit: two digits read as one, or half
    # a digit, fool the networks in different ways.
    belief = sum(np.log(np.maximum(p[np.arange(len(p)), read], 1e-9)) for p in probs.values())
    scores = belief + [_prior(c) for c in digits]
    shapes = np.array([c.shape_features for c in digits])
    whole = reader.whole_digit_probabilities(images, shapes)
    if whole is not None:
        sure = np.clip(whole, 1e-6, 1 - 1e-6)
        scores += WHOLE_DIGIT_WEIGHT * (np.log(sure) - np.log1p(-sure))  # log-odds
    count = len(candidates)
    lefts, rights = count + np.array(pairs, int).reshape(-1, 2).T
    spans = [(c.start, c.end) for c in candidates + [digits[i] for i in lefts]]
    pair_scores = scores[lefts] + scores[rights] + PAIR_COST
    pair_scores += SAME_DIGIT_PAIR_COST * (read[lefts] == read[rights])
    span_scores = np.concatenate([scores[:count], pair_scores])
    chosen = _best_reading(found.skip_scores, spans, span_scores)
    path = []
    for index in chosen:
        pair = index - count
        path += [index] if pair < 0 else [lefts[pair], rights[pair]]
    covered = {part for index in chosen for part in range(*spans[index])}
    passed_over = found.marks + [
        box for i, boxes in enumerate(found.part_pieces) if i not in covered for box in boxes
    ]
    digit_boxes = [digits[i].box for i in path]
    reading = NumberReading(
        [
            FoundDigit(_in_picture_pixels((x, top + y, w, h), found.ink.scale), digits[i].image)
            for i, (x, y, w, h) in zip(path, digit_boxes)
        ],
        {name: p[path] for name, p in probs.items()},
        None if whole is None else whole[path],
        _marks(passed_over, digit_boxes, found),
    )
    return reading, float(belief[path].mean()) / len(probs) if path else -np.inf


def _in_picture_pixels(box: Box, scale: float) -> Box:
    """A box at the working scale in the picture's own pixels: its corners scaled, so that it
    ends where the digit does (each of x, y, w, h rounded alone, it ran a pixel past the
    picture's edge)."""
    x, y, w, h = box
    left, top, right, bottom = (round(v / scale) for v in (x, y, x + w, y + h))
    return left, top, right - left, bottom - top


def _marks(passed_over: list[Box], digits: list[Box], found: Found) -> tuple[tuple[int, str], ...]:
    """The marks among the pieces of ink `passed_over` (boxes) that lie between two of the
    `digits` (boxes, left to right): (how many digits come before it, the mark)."""
    in_gap: dict[int, list[str]] = {}
    for box in passed_over:
        if mark := _mark(box, digits, found.ink.mask, found.digit_height, found.pen):
            in_gap.setdefault(mark[0], []).append(mark[1])
    return tuple((before, kinds[0]) for before, kinds in sorted(in_gap.items()) if len(kinds) == 1)


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


def _mark_pieces(
    ink: InkMap,
    pieces: list[Part],
    stats: np.ndarray,
    digit_height: float,
    measure_pen: Callable[[], float],
) -> list[Box]:
    """The pieces of ink (`pieces`, or on a drawing every piece `_components` found, `stats`)
    that are points or commas between the digits' pieces beside them: left among the digits'
    parts, a point near a digit was read as part of it ("0.99" read "099")."""
    digits = [
        (d.left, d.top, d.width, d.height)
        for d in _merged([p for p in pieces if p.height > MARK_SIZE * digit_height])
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
