"""Numbers written on the pad, made from MNIST digits: to measure the number reader, and to
teach it which pieces of ink are one whole digit; or made from tablet-pen digits, whose strokes a
hand made, to measure it on new writers.

Each number has 3 to 8 digits, MNIST digits redrawn as pen paths (`digitpad.drawn`) in a row 240
pixels tall, like the page's pad. A number is written with one pen of random width (3-30% of the
digit height) and colours, on a light, dark or transparent background; its digits vary a little
in height and baseline, and the gaps between them vary, 15% of them zero or negative, so some
digits touch.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from digitpad.drawn import CANVAS_SIZE, draw_strokes, paint, random_style
from digitpad.strokes import Strokes, mnist_to_strokes_batch
from digitpad.styles import jittered, path

ROW_HEIGHT = 240
DIGITS_PER_NUMBER = (3, 8)
HEIGHT_RANGE = (0.45, 0.75)  # of the row, for the number; each digit varies by HEIGHT_WOBBLE
HEIGHT_WOBBLE = 0.1
BASELINE_WOBBLE = 0.04  # of the digit height
TOUCH_SHARE = 0.15  # of the gaps, drawn from TOUCH_GAP; the others from GAP
TOUCH_GAP = (-0.15, 0.0)  # of the digit height
GAP = (0.05, 0.5)
MARGIN = 0.3  # of the digit height, left and right
# A plus before the digits, as a phone number's "+44": a pen's cross, this share of the digit
# height, PLUS_GAP before the first digit.
PLUS = [path((0.5, 0.0), (0.5, 1.0)), path((0.0, 0.5), (1.0, 0.5))]
PLUS_HEIGHT = (0.4, 0.75)
PLUS_GAP = (0.1, 0.5)
# Or the first digit written smaller than the rest, which a plus must not be taken for.
SMALL_FIRST = (0.6, 0.85)


@dataclass(frozen=True)
class Number:
    image: np.ndarray  # RGBA
    labels: np.ndarray
    alone: list[np.ndarray]  # each digit's coverage, as tall as the row, trimmed to its columns
    lefts: list[int]  # the column where each digit's coverage starts in the number
    touching: bool  # whether any two neighbours' ink meets
    coverage: np.ndarray  # the whole number's ink, 0..255
    height: float  # of its digits, in pixels

    def digit_masks(self, threshold: int = 1) -> list[np.ndarray]:
        """Each digit's ink (coverage at least `threshold`), in the number's own pixels."""
        masks = []
        for left, piece in zip(self.lefts, self.alone):
            mask = np.zeros(self.coverage.shape, bool)
            mask[:, left : left + piece.shape[1]] = piece >= threshold
            masks.append(mask)
        return masks


def _coverage(strokes: Strokes, height: float, pen: float, dy: float) -> np.ndarray:
    """The digit's ink coverage (0..255) on a square as tall as the row, trimmed to its columns."""
    canvas = draw_strokes(
        strokes,
        size=ROW_HEIGHT,
        height_frac=height / ROW_HEIGHT,
        centre=(ROW_HEIGHT / 2, ROW_HEIGHT / 2 + dy),
        stroke_width=pen,
        ink=(255, 255, 255),
        background=None,
    )
    alpha = canvas[..., 3]
    columns = np.flatnonzero(alpha.any(axis=0))
    return alpha[:, columns[0] : columns[-1] + 1]


def make_number(
    strokes_list: Sequence[Strokes],
    labels: np.ndarray,
    rng: np.random.Generator,
    touch_share: float = TOUCH_SHARE,
    plus: np.random.Generator | None = None,
    small_first: np.random.Generator | None = None,
) -> Number:
    """The digits written in a row; given a generator `plus`, a plus drawn from it before them,
    or `small_first`, the first digit written smaller (SMALL_FIRST of the height drawn from it, on
    the line's foot or its middle), the digits otherwise written as they would be without."""
    style = random_style(rng)
    height = rng.uniform(*HEIGHT_RANGE) * ROW_HEIGHT
    # The style's pen, as the same share of this number's digit height.
    pen = style.stroke_width / (style.height_frac * CANVAS_SIZE) * height
    sizes = [
        (height * rng.uniform(1 - HEIGHT_WOBBLE, 1 + HEIGHT_WOBBLE),
         rng.normal(0, BASELINE_WOBBLE * height))
        for _ in strokes_list
    ]  # fmt: skip
    if small_first is not None:
        smaller = sizes[0][0] * small_first.uniform(*SMALL_FIRST)
        on_foot = small_first.random() < 0.5
        sizes[0] = (smaller, sizes[0][1] + ((sizes[0][0] - smaller) / 2 if on_foot else 0.0))
    pieces = [_coverage(strokes, tall, pen, dy) for strokes, (tall, dy) in zip(strokes_list, sizes)]
    gaps = [
        rng.uniform(*(TOUCH_GAP if rng.random() < touch_share else GAP)) * height
        for _ in pieces[1:]
    ]
    margin = round(MARGIN * height)
    lefts = [margin]
    if plus is not None:
        sign = _coverage(
            jittered(PLUS, plus),
            height * plus.uniform(*PLUS_HEIGHT),
            pen,
            plus.normal(0, BASELINE_WOBBLE * height),
        )
        pieces.insert(0, sign)
        gaps.insert(0, plus.uniform(*PLUS_GAP) * height)
    for piece, gap in zip(pieces, gaps):
        lefts.append(max(0, round(lefts[-1] + piece.shape[1] + gap)))
    width = max(left + p.shape[1] for left, p in zip(lefts, pieces)) + margin
    coverage = np.zeros((ROW_HEIGHT, width), np.uint8)
    touching = False
    for left, piece in zip(lefts, pieces):
        spot = coverage[:, left : left + piece.shape[1]]
        touching |= bool((np.minimum(spot, piece) > 0).any())
        np.maximum(spot, piece, out=spot)
    image = paint(coverage, style.ink, style.background)
    digits = slice(0 if plus is None else 1, len(pieces))
    return Number(image, labels, pieces[digits], lefts[digits], touching, coverage, height)


def chosen_digits(
    rng: np.random.Generator,
    available: int,
    count: int,
    digits_per_number: tuple[int, int] = DIGITS_PER_NUMBER,
) -> list[np.ndarray]:
    """Which of `available` digits each of `count` numbers is written with, none used twice."""
    least, most = digits_per_number
    sizes = rng.integers(least, most + 1, count)
    chosen = rng.choice(available, sizes.sum(), replace=False)
    return np.split(chosen, np.cumsum(sizes)[:-1])


def _write(
    strokes: Sequence[Strokes],
    labels: np.ndarray,
    numbers: list[np.ndarray],
    rng: np.random.Generator,
    touch_share: float,
    plus: np.random.Generator | None,
    small_first: np.random.Generator | None,
) -> list[Number]:
    """The numbers, each given as its digits' indices into `labels`; their strokes are
    `strokes`, in the same order."""
    starts = np.cumsum([0] + [len(digits) for digits in numbers])
    return [
        make_number(strokes[a:b], labels[digits], rng, touch_share, plus, small_first)
        for a, b, digits in zip(starts, starts[1:], numbers)
    ]


def make_numbers(
    digits: np.ndarray,
    labels: np.ndarray,
    count: int,
    seed: int,
    touch_share: float = TOUCH_SHARE,
    plus: bool = False,
    small_first: bool = False,
    digits_per_number: tuple[int, int] = DIGITS_PER_NUMBER,
) -> list[Number]:
    """`count` numbers of `digits_per_number` (least, most) MNIST digits drawn from `digits`,
    none used twice, with `touch_share` of the gaps between digits closed; with `plus` a plus
    before each, with `small_first` its first digit written smaller."""
    rng = np.random.default_rng(seed)
    numbers = chosen_digits(rng, len(digits), count, digits_per_number)
    strokes = mnist_to_strokes_batch(digits[np.concatenate(numbers)])
    return _write(strokes, labels, numbers, rng, touch_share, *_variations(seed, plus, small_first))


def make_pen_numbers(
    strokes: Sequence[Strokes],
    labels: np.ndarray,
    count: int,
    seed: int,
    touch_share: float = TOUCH_SHARE,
    plus: bool = False,
    small_first: bool = False,
) -> list[Number]:
    """`count` numbers written with tablet-pen digits drawn from `strokes`, none used twice:
    strokes a hand made, where MNIST's are recovered from its ink; with `plus` a plus before
    each, with `small_first` its first digit written smaller."""
    rng = np.random.default_rng(seed)
    numbers = chosen_digits(rng, len(strokes), count)
    chosen = [strokes[i] for i in np.concatenate(numbers)]
    return _write(chosen, labels, numbers, rng, touch_share, *_variations(seed, plus, small_first))


def _variations(
    seed: int, plus: bool, small_first: bool
) -> tuple[np.random.Generator | None, np.random.Generator | None]:
    """Generators for the pluses written before numbers and the first digits written smaller,
    apart from the numbers' own: the same numbers are written with them or without."""
    return (
        np.random.default_rng([seed, 2]) if plus else None,
        np.random.default_rng([seed, 3]) if small_first else None,
    )
