"""Read a number: find each handwritten digit in a drawing or a photo, left to right, and read it.

1. Ink, in a drawing or a photo of paper (`digitpad.ink`), parted into lines of writing.
2. Pieces (`digitpad.pieces`). The ink's connected components; pieces above one another are one
   digit (a 5's flag, a 4 written in two strokes); lines down the page, lines under the digits
   (`digitpad.underlines`), and points, commas and a minus (`digitpad.marks`) are no digits. A
   piece wider than a digit is usually tall may be touching digits: it is offered cut apart
   along the paths that cross fewest strokes, then least ink (`digitpad.cuts`); one wide
   enough to be two digits written into each other is also offered as two overlapping bands of
   its columns (`digitpad.candidates`).
3. Reading. Every way of putting neighbouring pieces and slices together into digits is scored
   by how sure the networks are of each digit, by a few priors on a digit's shape, and by a
   small network trained to tell one whole digit from half of one or two (`whole_digit`), as
   LeCun's check readers did; the best way wins. Each candidate digit's ink alone goes through
   MNIST's steps (`preprocess.from_ink`), all of them through the models in one batch.

The scoring constants, here and in the modules above, were tuned on
`benchmarks/read_numbers.py --seed 1` and `--seed 2` (the latest, SAME_DIGIT_PAIR_COST, also on
`--pen validation`); the figures quoted are for seed 0 and for `--pen`, the new writers.
"""

from collections.abc import Collection
from dataclasses import dataclass, replace
from functools import reduce
from typing import TYPE_CHECKING

import numpy as np

from digitpad.calibration import is_sure
from digitpad.candidates import Found, found_in, ink_of, prior
from digitpad.ink import ink_map
from digitpad.marks import marks_between, spaces_between
from digitpad.pieces import Box, Part, pieces_of, without_lines_down
from digitpad.preprocess import Preprocessed, from_ink, to_mnist

if TYPE_CHECKING:  # TensorFlow loads when something is read, not when this module is imported
    from digitpad.inference import DigitReader

NO_DIGITS = "no digits found: the picture is blank or holds nothing that looks like writing"
DECIDING_MODEL = "cnn"  # the better reader decides how the ink splits into digits
# How much the whole-digit network's log-odds that a candidate is one whole digit count beside
# the digit networks' belief (tuned on the tuning seeds: 0.5 to 2 read alike).
WHOLE_DIGIT_WEIGHT = 1.0
# A run read as two bands scores its two digits' scores plus this: each band holds a sliver of
# its neighbour, and at 0 a wide digit (a 0, a 7) is often read as two (tuned on the tuning
# seeds: -2 to -5 read alike, 0 reads 12 numbers of seed 1 with a digit too many).
PAIR_COST = -3.0
# A pair whose two bands read the same digit scores this much less: both bands of one wide digit
# (a 5 whose flag reaches far to the right, drawn with a thick pen) hold most of it and read as
# it (tuned on the tuning seeds and the pen digits' validation writers: -2 reads 6 numbers right
# that had a digit too many and loses 2 written "22" or "44"; -4 and -8 one number less).
SAME_DIGIT_PAIR_COST = -2.0
# A band of rows with ink, between rows without, is a line of writing when its writing is at least
# LINE_SHARE as tall as the tallest's, measured as the WRITING_HEIGHT_PERCENTILE of its columns'
# ink; a number on two lines was read column by column, each digit over another read as one
# ("123" over "456": "138").
LINE_SHARE = 0.5
WRITING_HEIGHT_PERCENTILE = 90
# and the rows between two lines at least LINE_GAP times as many as the tallest's writing.
LINE_GAP = 0.25
SKIPPED = -1
# Below this, the whole-digit network is sure a candidate is no whole digit, and a number read
# mostly of such is no number. Words were read as numbers: joined-up letters are cut into strokes
# the digit networks are sure of ("Call Anna", in a script font, was "0011417170", every digit
# sure). Counting these beside the digits the CNN is not sure of, 11 of 40 words in four fonts
# (`benchmarks/words.py`) are no number rather than 2, and of 550 numbers (`read_numbers.py
# --seed 1` drawn and photographed, `--seed 2`, `--pen validation`) still the same 2, both read
# wrong. At 0.5, 18 words, but 3 pen numbers read right as well (a barred 7 and an open 4 look
# half-made to it).
WHOLE_DIGIT_SURE = 0.3
# and only where at least this many digits were found: a word is cut into many, and of a lone
# digit, or two, the whole-digit network's doubt alone decided (3 of 300 MNIST digits drawn
# alone, read right and sure, were no number).
WORD_PIECES = 3


def deciding_model(names: Collection[str]) -> str:
    """The CNN, or whichever model there is when it is missing."""
    return DECIDING_MODEL if DECIDING_MODEL in names else next(iter(names))


@dataclass(frozen=True)
class FoundDigit:
    """One digit found in a picture."""

    box: Box  # in the picture's own pixels
    image: np.ndarray  # 28x28 float32 model input, made by `from_ink` from this digit's ink alone


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, …, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def digit_places(positions: Collection[int]) -> str:
    """Digits by their places in a number, counted from 0: "the 1st digit", "the 1st and 3rd
    digits". "Digit 1" of "17" was read as the digit 1, not the first one. ValueError for none."""
    places = [ordinal(i + 1) for i in sorted(set(positions))]
    if not places:
        raise ValueError("no digit to name")
    if len(places) == 1:
        return f"the {places[0]} digit"
    return f"the {', '.join(places[:-1])} and {places[-1]} digits"


@dataclass(frozen=True)
class NumberReading:
    """The digits found, left to right, and each model's probabilities for them."""

    digits: list[FoundDigit]
    probs: dict[str, np.ndarray]  # model name -> (len(digits), 10)
    # How sure the whole-digit network is that each is one whole digit; None without it.
    whole: np.ndarray | None = None
    # Points, commas and dashes between the digits, a minus or a plus before them, spaces between
    # lines: (how many digits come before it, the mark).
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

    def doubts_said(self, name: str, unsure: list[int]) -> str:
        """The digits at positions `unsure` by their places, each with `name`'s best guess:
        "the 2nd digit (maybe 7, 48%), the 5th (maybe 1, 51%)"."""
        return ", ".join(
            f"the {ordinal(i + 1)}{'' if k else ' digit'} (maybe {self.probs[name][i].argmax()}, "
            f"{self.probs[name][i].max():.0%})"
            for k, i in enumerate(unsure)
        )

    def not_whole(self, below: float = WHOLE_DIGIT_SURE) -> list[int]:
        """Positions of the digits the whole-digit network is sure are no one whole digit (half
        of one, two, a letter): less than `below` whole. None of them without that network, or
        where fewer than WORD_PIECES digits were found."""
        if self.whole is None or len(self.digits) < WORD_PIECES:
            return []
        return [i for i, sure in enumerate(self.whole) if sure < below]

    def no_number(
        self, unsure: list[int], title: str, whole_below: float = WHOLE_DIGIT_SURE
    ) -> str | None:
        """Why this is no number, when most of the digits found are ones the deciding model
        (called `title`) is not sure of (positions `unsure`) or no whole digit (`not_whole`);
        None when it reads as one. Noise, a scribble, a blurred photo or a word: a confident
        number would be a guess."""
        others = [i for i in self.not_whole(whole_below) if i not in unsure]
        if 2 * (len(unsure) + len(others)) <= len(self.digits):
            return None
        count = len(self.digits)
        if count == 1:  # "not sure of 1 of the 1 digits it found"
            why = (
                f"the {title} is not sure of the one digit it found"
                if unsure
                else "the one digit found does not look like one whole digit"
            )
        elif not others:
            why = f"the {title} is not sure of {len(unsure)} of the {count} digits it found"
        elif not unsure:
            why = f"of the {count} digits found, {len(others)} do not look like one whole digit"
        else:
            why = (
                f"of the {count} digits found, the {title} is not sure of {len(unsure)} and "
                f"{len(others)} more do not look like one whole digit"
            )
        return f"this does not look like a number: {why} (it would read {self.number})"

    @property
    def deciding_model(self) -> str:
        return deciding_model(self.probs)

    @property
    def number(self) -> str:
        """The CNN's reading, or the other model's when the CNN is missing; "" for no digits."""
        return self.read_by(self.deciding_model) if self.digits else ""


def digit_in_picture(image: np.ndarray) -> Preprocessed | None:
    """A picture of one digit made a model input: a drawing as the pad's (`to_mnist`), a photo
    of paper from the ink found as in a number, its paper's shading, ruled lines and specks
    left out. None when there is no digit."""
    ink = ink_map(image)
    labels, pieces = pieces_of(ink.mask)
    digit = without_lines_down(labels, pieces)
    # A note-taking app's lined page is as flat as a drawing, but its rules and margin are no ink.
    if ink.as_drawn and len(digit) == len(pieces):
        return to_mnist(image)
    if not digit:
        return None
    _, crop, _ = ink_of(ink, labels, digit, reduce(Part.joined, digit))
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
    labels, pieces = pieces_of(ink.mask)
    kept = without_lines_down(labels, pieces)
    if len(kept) < len(pieces):
        down = np.isin(labels, [p.labels[0] for p in pieces if p not in kept])
        ink = replace(ink, strength=np.where(down, 0.0, ink.strength), mask=ink.mask & ~down)
    # A photo's paper leaves specks and bits of its lines, a line of their own below the writing.
    lines = _lines_of_writing(ink.mask) if ink.as_drawn else [(0, len(ink.mask))]
    readings = []
    for top, bottom in lines:
        line = replace(ink, strength=ink.strength[top:bottom], mask=ink.mask[top:bottom])
        found = found_in(line, with_bands=True)
        reading, sureness = _read(found, reader, top)
        if found.foot_or_underline:
            # A 2's foot run into a 1's base, or an underline begun at a 7's foot: the same
            # strokes. Kept, the underline joins the digits; taken out, the 2 loses its foot, and
            # the networks are the less sure of the digits left.
            without, sureness_without = _read(
                found_in(line, with_bands=True, feet=True), reader, top
            )
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
    scores = belief + [prior(c) for c in digits]
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
        _marks_and_spaces(passed_over, digit_boxes, found),
    )
    return reading, float(belief[path].mean()) / len(probs) if path else -np.inf


def _marks_and_spaces(
    passed_over: list[Box], digits: list[Box], found: Found
) -> tuple[tuple[int, str], ...]:
    """The marks among the pieces passed over, and spaces in the wide gaps that hold none."""
    marks = marks_between(passed_over, digits, found.ink.mask, found.digit_height, found.pen)
    marked = {before for before, _ in marks}
    spaces = [s for s in spaces_between(digits, found.digit_height) if s[0] not in marked]
    plus = [(0, "+")] if found.plus and digits else []
    return tuple(sorted([*plus, *marks, *spaces]))


def _in_picture_pixels(box: Box, scale: float) -> Box:
    """A box at the working scale in the picture's own pixels: its corners scaled, so that it
    ends where the digit does (each of x, y, w, h rounded alone, it ran a pixel past the
    picture's edge)."""
    x, y, w, h = box
    left, top, right, bottom = (round(v / scale) for v in (x, y, x + w, y + h))
    return left, top, right - left, bottom - top
