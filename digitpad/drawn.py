"""Digits drawn the way a person draws them on the app's canvas.

The browser canvas (fabric.js free drawing) paints a smooth path with a round, anti-aliased pen.
This module paints pen strokes (`digitpad.strokes`) the same way, from two sources: MNIST digits,
whose pen path is recovered by thinning the ink to its skeleton, and a tablet dataset that recorded
the pen itself.
"""

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import pairwise
from os import PathLike

import cv2
import numpy as np
from numpy.typing import ArrayLike

from digitpad.data import BadDataFile, npz_arrays
from digitpad.preprocess import MNIST_SIZE, to_mnist
from digitpad.strokes import Strokes, mnist_to_strokes_batch, to_unit_box

CANVAS_SIZE = 280  # the drawing page's pad, square
PEN_WIDTH = 18  # its pen, to start with
PEN_WIDTHS = (4, 40)  # the widths the pages' pen slider offers, thinnest and broadest

Colour = tuple[int, int, int]

# fabric.js draws a pen path as a smooth curve: its corners are cut this many times first.
SMOOTHING_ROUNDS = 2

# The pen is drawn on a finer grid and averaged down: true coverage and fractional pen widths.
SUPERSAMPLE = 4
SHIFT_BITS = 4  # sub-pixel precision of cv2's drawing: 1/16 of a supersampled pixel
# cv2's thick lines are 2*ceil(thickness/2)+1 pixels wide, and anti-aliasing adds this much more.
LINE_AA_SPREAD = 0.44

HEIGHT_RANGE = (0.25, 0.9)
PEN_RANGE = (0.03, 0.30)  # pen width as a fraction of the digit height
MIN_PEN = 1.5
# Least gray-level difference between ink and an opaque background: what preprocessing sees.
MIN_INK_CONTRAST = 100


def chaikin(points: np.ndarray, rounds: int = SMOOTHING_ROUNDS) -> np.ndarray:
    """Polyline with its corners cut Chaikin's way; open ends stay put, loops stay closed."""
    for _ in range(rounds):
        if len(points) < 3:
            return points
        closed = np.array_equal(points[0], points[-1])
        start, end = points[:-1], points[1:]
        cuts = np.stack([0.75 * start + 0.25 * end, 0.25 * start + 0.75 * end], axis=1)
        cuts = cuts.reshape(-1, 2)
        if closed:
            points = np.concatenate([cuts, cuts[:1]])
        else:
            points = np.concatenate([points[:1], cuts[1:-1], points[-1:]])
    return points


def _placement(
    strokes: Strokes, size: int, height_frac: float, centre: tuple[float, float], pen: float
) -> tuple[float, np.ndarray]:
    """Scale and offset taking unit-box points to canvas pixels."""
    everything = np.concatenate(strokes)
    low, high = everything.min(axis=0), everything.max(axis=0)
    extent = high - low
    # The ink's height, pen included, is height_frac of the canvas; a flat stroke uses its width.
    measured = extent[1] if extent[1] > 1e-3 else max(float(extent[0]), 1e-3)
    scale = max(height_frac * size - pen, 1.0) / measured
    scale = min(scale, (size - pen) / max(float(extent.max()), 1e-3))
    half = (extent * scale + pen) / 2
    placed = np.clip(np.float64(centre), half, size - half)
    return scale, placed - (low + extent / 2) * scale


def _to_fixed_point(pixels: np.ndarray) -> np.ndarray:
    """Canvas pixel coordinates as cv2's fixed-point coordinates on the supersampled grid."""
    # Pixel centres sit at integers, so canvas pixel c spans fine pixels c*S .. c*S+S-1.
    fine = (pixels + 0.5) * SUPERSAMPLE - 0.5
    return np.round(fine * (1 << SHIFT_BITS)).astype(np.int32)


def _draw_patch(paths: list[np.ndarray], width: int, height: int, pen: float) -> np.ndarray:
    """Coverage of a width x height patch with the paths (patch pixels) drawn in it."""
    fine = np.zeros((height * SUPERSAMPLE, width * SUPERSAMPLE), np.uint8)
    # A lone point is a zero-length segment, which cv2 draws as a round dot.
    lines = [_to_fixed_point(path if len(path) > 1 else path[[0, 0]])[:, None] for path in paths]
    # cv2's thick lines have round caps and joins; ask for the nearest width it can draw.
    half_width = np.floor((pen * SUPERSAMPLE - 1 - LINE_AA_SPREAD) / 2 + 0.5)
    thickness = max(2 * int(half_width), 1)
    cv2.polylines(fine, lines, False, 255, thickness, cv2.LINE_AA, SHIFT_BITS)
    return cv2.resize(fine, (width, height), interpolation=cv2.INTER_AREA)


def _pen_coverage(
    strokes: Strokes, size: int, height_frac: float, centre: tuple[float, float], pen: float
) -> np.ndarray:
    """Ink coverage (uint8, 255 = fully inked) of the strokes drawn with a round pen."""
    coverage = np.zeros((size, size), np.uint8)
    strokes = [np.asarray(s, np.float64).reshape(-1, 2) for s in strokes if len(s)]
    if not strokes:
        return coverage
    scale, offset = _placement(strokes, size, height_frac, centre, pen)
    paths = [chaikin(stroke) * scale + offset for stroke in strokes]
    # Only the digit's own patch is drawn finely: most of the canvas stays blank.
    everything = np.concatenate(paths)
    margin = pen / 2 + 2
    left, top = np.maximum(np.floor(everything.min(axis=0) - margin), 0).astype(int)
    right, bottom = np.minimum(np.ceil(everything.max(axis=0) + margin), size).astype(int)
    corner = np.array([left, top])
    patch = _draw_patch([path - corner for path in paths], right - left, bottom - top, pen)
    coverage[top:bottom, left:right] = patch
    return coverage


def _palette(ink: Colour, background: Colour | None) -> np.ndarray:
    """The RGBA colour of each coverage level 0..255, shape (256, 4) uint8."""
    palette = np.empty((256, 4), np.uint8)
    if background is None:
        # What the browser hands back: the ink's own colour, its coverage in alpha.
        palette[:, :3] = ink
        palette[0, :3] = 0
        palette[:, 3] = np.arange(256)
    else:
        weight = np.arange(256)[:, None] / 255
        palette[:, :3] = np.round(np.array(background) * (1 - weight) + np.array(ink) * weight)
        palette[:, 3] = 255
    return palette


def paint(coverage: np.ndarray, ink: Colour, background: Colour | None) -> np.ndarray:
    """RGBA canvas of ink with this coverage, on a colour or on transparency."""
    # Each pixel's four bytes are looked up at once, as one 32-bit word.
    words = _palette(ink, background).view(np.uint32)[:, 0]
    return words[coverage].view(np.uint8).reshape(*coverage.shape, 4)


def draw_strokes(
    strokes: Strokes,
    *,
    size: int = CANVAS_SIZE,
    height_frac: float,
    centre: tuple[float, float],
    stroke_width: float,
    ink: Colour,
    background: Colour | None,
) -> np.ndarray:
    """RGBA (size, size, 4) uint8 canvas with the strokes drawn by a round, anti-aliased pen."""
    coverage = _pen_coverage(strokes, size, height_frac, centre, stroke_width)
    return paint(coverage, ink, background)


@dataclass(frozen=True)
class DrawnStyle:
    """How one digit is drawn: its size and place, the pen, and the colours."""

    height_frac: float
    centre: tuple[float, float]
    stroke_width: float
    ink: Colour
    background: Colour | None


def luminance(colour: ArrayLike) -> float:
    """Gray level of an RGB colour, weighted as preprocessing's RGB-to-gray conversion."""
    return float(np.dot(colour, (0.299, 0.587, 0.114)))


def _colour_between(rng: np.random.Generator, darkest: float, lightest: float) -> Colour:
    """A random RGB colour whose gray level lies in [darkest, lightest]."""
    while True:
        colour = rng.integers(0, 256, 3)
        if darkest <= luminance(colour) <= lightest:
            return tuple(int(c) for c in colour)


def _colours(rng: np.random.Generator) -> tuple[Colour, Colour | None]:
    """Ink and background: on transparency, dark on light, or light on dark, equally often."""
    polarity = rng.integers(3)
    if polarity == 0:
        return _colour_between(rng, 0, 255), None
    if polarity == 1:
        background = _colour_between(rng, 200, 255)
        return _colour_between(rng, 0, luminance(background) - MIN_INK_CONTRAST), background
    background = _colour_between(rng, 0, 60)
    ink = _colour_between(rng, max(luminance(background) + MIN_INK_CONTRAST, 160), 255)
    return ink, background


def random_style(rng: np.random.Generator, size: int = CANVAS_SIZE) -> DrawnStyle:
    """A random way to draw a digit on a size x size canvas, as people do."""
    height_frac = float(rng.uniform(*HEIGHT_RANGE))
    height = height_frac * size
    # Keep a square of the digit's height on the canvas: room for all but the widest digits.
    centre = (
        float(rng.uniform(height / 2, size - height / 2)),
        float(rng.uniform(height / 2, size - height / 2)),
    )
    thinnest = max(PEN_RANGE[0] * height, MIN_PEN)
    thickest = max(PEN_RANGE[1] * height, thinnest)
    stroke_width = float(np.exp(rng.uniform(np.log(thinnest), np.log(thickest))))
    ink, background = _colours(rng)
    return DrawnStyle(height_frac, centre, stroke_width, ink, background)


def draw_canvases(strokes_list: Iterable[Strokes], seed: int = 0) -> Iterator[np.ndarray]:
    """Each digit's strokes drawn on a canvas in a random style, reproducibly for a seed."""
    rng = np.random.default_rng(seed)
    for strokes in strokes_list:
        yield draw_strokes(strokes, **asdict(random_style(rng)))


def preprocess_canvases(canvases: Iterable[np.ndarray]) -> np.ndarray:
    """(N, 28, 28) float32 model inputs from canvases, all zeros where one holds no ink."""
    blank = np.zeros((MNIST_SIZE, MNIST_SIZE), np.float32)
    images = [
        blank if (prepared := to_mnist(canvas)) is None else prepared.image for canvas in canvases
    ]
    return np.array(images, np.float32).reshape(-1, MNIST_SIZE, MNIST_SIZE)


def make_drawn_canvases(digits: np.ndarray, seed: int = 0) -> Iterator[np.ndarray]:
    """RGBA canvases of MNIST digits drawn in random styles, one at a time."""
    return draw_canvases(mnist_to_strokes_batch(digits), seed)


def make_drawn_set(digits: np.ndarray, seed: int = 0) -> np.ndarray:
    """MNIST digits redrawn on the canvas and preprocessed: (N, 28, 28) float32."""
    return preprocess_canvases(make_drawn_canvases(digits, seed))


PEN_ARRAYS = ("points", "stroke_ptr", "sample_ptr", "labels", "writer")


def load_pen_digits(path: str | PathLike) -> tuple[list[Strokes], np.ndarray, np.ndarray]:
    """Tablet-written digits as (strokes in the unit box, labels, writers)."""
    what = "the pen digits file (pendigits_train_strokes.npz)"
    points, stroke_ptr, sample_ptr, labels, writers = npz_arrays(path, PEN_ARRAYS, what)
    problem = pen_digits_problem(points, stroke_ptr, sample_ptr, labels, writers)
    if problem:
        raise BadDataFile(f"{path} is not {what}: {problem}")
    strokes = np.split(points.astype(np.float32), stroke_ptr[1:-1])
    digits = [to_unit_box(strokes[first:last]) for first, last in pairwise(sample_ptr)]
    return digits, labels, writers


def pen_digits_problem(
    points: np.ndarray,
    stroke_ptr: np.ndarray,
    sample_ptr: np.ndarray,
    labels: np.ndarray,
    writers: np.ndarray,
) -> str | None:
    """What is wrong with the pen digits' arrays, as their README lays them out; None when
    nothing is: points (P, 2), strokes and digits as runs of them, a label and a writer each."""

    def runs(pointers: np.ndarray, items: int) -> bool:
        return (
            pointers.ndim == 1
            and len(pointers) >= 2
            and np.issubdtype(pointers.dtype, np.integer)
            and pointers[0] == 0
            and pointers[-1] == items
            and bool((np.diff(pointers) > 0).all())
        )

    if points.ndim != 2 or points.shape[1] != 2 or not np.issubdtype(points.dtype, np.number):
        return f"points are {points.shape} {points.dtype}, not (P, 2) coordinates"
    if not np.isfinite(points).all():
        return "points hold values that are not finite"
    if not runs(stroke_ptr, len(points)):
        return "stroke_ptr does not cut the points into strokes"
    if not runs(sample_ptr, len(stroke_ptr) - 1):
        return "sample_ptr does not cut the strokes into digits"
    digits = len(sample_ptr) - 1
    if labels.shape != (digits,) or not np.isin(labels, range(10)).all():
        return f"labels are not one digit 0-9 for each of the {digits} digits"
    if writers.shape != (digits,):
        return f"writer is not one writer for each of the {digits} digits"
    missing = [part for part, chosen in PEN_WRITERS.items() if not np.isin(writers, chosen).any()]
    if missing:
        return f"no digits by the {' or '.join(missing)} writers (writers {PEN_WRITERS_SAID})"
    return None


# The tablet set's 30 writers, kept apart: models train on some hands and are tested on others.
PEN_WRITERS = {"train": range(1, 21), "validation": range(21, 25), "test": range(25, 31)}
PEN_WRITERS_SAID = ", ".join(f"{r.start}-{r.stop - 1} {part}" for part, r in PEN_WRITERS.items())


def pen_digit_parts(path: str | PathLike) -> dict[str, tuple[list[Strokes], np.ndarray]]:
    """The tablet digits split by PEN_WRITERS: {part: (strokes, labels)}."""
    strokes, labels, writers = load_pen_digits(path)
    parts = {}
    for part, chosen_writers in PEN_WRITERS.items():
        chosen = np.isin(writers, chosen_writers)
        parts[part] = [s for s, keep in zip(strokes, chosen) if keep], labels[chosen]
    return parts


def render_pen_digits(strokes_list: list[Strokes], seed: int = 0) -> np.ndarray:
    """Pen digits drawn on canvases in random styles and preprocessed: (N, 28, 28) float32."""
    return preprocess_canvases(draw_canvases(strokes_list, seed))
