"""Every way a line of writing's ink may split into digits: its pieces, less marks and
underlines, cut where digits touch, and each run of neighbouring parts that may be one digit made
a model input, with a prior on its shape; a run wide enough to be two digits written into each
other is also offered as two overlapping bands of its columns. `number.read_number` reads them
and picks the best way.

The constants here were tuned with `number`'s (see its docstring)."""

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial

import cv2
import numpy as np

from digitpad.cuts import cut_into_parts
from digitpad.ink import InkMap, ink_map, pen_width
from digitpad.marks import mark_pieces, plus_sign
from digitpad.pieces import (
    HALO,
    Box,
    Part,
    components,
    height_of_digits,
    kept_pieces,
    merged,
    without_lines_down,
)
from digitpad.preprocess import INK_FLOOR, from_ink
from digitpad.underlines import without_underlines

# Every digit read scores this much: the models are as sure of two digits read as one as of
# either alone, and this evens the odds.
DIGIT_BONUS = 1.0
# Cutting a piece costs CUT_COST in log-likelihood, plus CUT_STROKE_COST for each stroke the
# cut crosses beyond one.
CUT_COST = 1.0
CUT_STROKE_COST = 2.0
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
# Two digits written into each other (a 1 inside a 0's curve) share columns, so no cut between
# columns parts them: a run at least OVERLAP_MIN_WIDTH digit heights wide is also offered as two
# bands of its columns, each OVERLAP_WIDTHS wide, overlapping by OVERLAP digit heights.
OVERLAP_MIN_WIDTH = 0.9
OVERLAP_WIDTHS = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
OVERLAP = (0.03, 0.35)
# The score of leaving a digit-sized part out of every digit: far below any reading's. A part
# smaller than SHORT digit heights each way costs less, by the square of its size, which is its
# biggest piece's (a colon is two dots, not a mark as tall as both): a stray dot, a colon or a
# tick between two digits is no digit, and reading it as a "1" is worse than passing it over
# (measured on the tuning seeds; a "1" down to 0.4 digit heights is still read).
SKIP_SCORE = -20.0


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


def prior(candidate: Candidate) -> float:
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


def ink_of(
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
    # unless `found_in` was asked to take such lines out.
    foot_or_underline: bool = False
    plus: bool = False  # whether a plus was written before the digits, left out of them


def found_in(ink: InkMap, with_bands: bool, feet: bool = False) -> Found:
    labels, stats = components(ink.mask)
    pieces = without_lines_down(labels, kept_pieces(stats))
    if not pieces:
        return Found(ink, [], [], [], [], [], 0.0, _pen(ink))
    digit_height = height_of_digits(pieces)
    without, foot_or_underline = without_underlines(ink, labels, pieces, digit_height, feet)
    if without is not ink:
        ink = without
        labels, stats = components(ink.mask)
        pieces = without_lines_down(labels, kept_pieces(stats))
        digit_height = height_of_digits(pieces)
    pen = _pen(ink)
    marks = mark_pieces(ink, pieces, stats, digit_height, pen)
    pieces = [p for p in pieces if (p.left, p.top, p.width, p.height) not in marks]
    plus = plus_sign(ink.mask, labels, pieces, digit_height, pen)
    pieces = [p for p in pieces if p is not plus]
    parts = cut_into_parts(labels, merged(pieces), digit_height)
    candidates, bands, pairs = [], [], []
    for start, end, run in _candidate_runs(parts, digit_height):
        box, crop, mask = ink_of(ink, labels, parts[start:end], run)
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
        plus is not None,
    )


def _pen(ink: InkMap) -> Callable[[], float]:
    """The width of the pen on `ink`, measured at the first call: most readings need none."""
    return cache(partial(pen_width, ink.mask))


def find_candidates(image: np.ndarray) -> tuple[InkMap, list[float], list[Candidate]]:
    """The ink, the score of leaving out each part, and every run of parts that may be a digit."""
    found = found_in(ink_map(image), with_bands=False)
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
    `ink_of` gives it), offered as two overlapping bands of its columns: the bands, and each
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
