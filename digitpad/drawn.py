"""Digits drawn the way a person draws them on the app's canvas.

The browser canvas (fabric.js free drawing) paints a smooth path with a round, anti-aliased pen.
This module paints pen paths the same way, from two sources: MNIST digits, whose pen path is
recovered by thinning the ink to its skeleton, and a tablet dataset that recorded the pen itself.
Strokes are polylines of (x, y) float32 points in a unit box, y down, the longer side spanning 0..1.
"""

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import pairwise
from os import PathLike

import cv2
import numpy as np
from numpy.typing import ArrayLike

from digitpad.preprocess import MNIST_SIZE, to_mnist

CANVAS_SIZE = 280

Strokes = list[np.ndarray]
Colour = tuple[int, int, int]

# MNIST digits are thinned at twice their size: finer skeletons, smoother paths.
MNIST_UPSCALE = 2
MNIST_INK_THRESHOLD = 100
# Skeleton branches this short (upscaled pixels) that end in the open are thinning artefacts.
SPUR_LENGTH = 3
# Skeleton paths wobble by a pixel; a Gaussian of this spread (upscaled pixels) evens them out.
PATH_SMOOTHING = 1.5
# Douglas-Peucker tolerance (upscaled pixels) for dropping points that add nothing to the shape.
PATH_TOLERANCE = 0.3
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

# 8-neighbours P2..P9 of Zhang and Suen: clockwise from north, as (dy, dx).
NEIGHBOURS = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


def _zhang_suen_tables() -> tuple[np.ndarray, np.ndarray]:
    """For each of the 256 neighbourhoods, whether each sub-iteration deletes its centre."""
    bits = (np.arange(256)[:, None] >> np.arange(8)) & 1
    p2, _, p4, _, p6, _, p8, _ = bits.T
    count = bits.sum(axis=1)
    transitions = ((bits == 0) & (np.roll(bits, -1, axis=1) == 1)).sum(axis=1)
    deletable = (count >= 2) & (count <= 6) & (transitions == 1)
    first = deletable & (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
    second = deletable & (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
    return first, second


ZHANG_SUEN_PASSES = _zhang_suen_tables()


def _neighbour_codes(padded: np.ndarray) -> np.ndarray:
    """Each inner pixel's 8 neighbours packed into a byte, bit k for P(k+2)."""
    height, width = padded.shape[1] - 2, padded.shape[2] - 2
    codes = np.zeros((padded.shape[0], height, width), np.uint8)
    for bit, (dy, dx) in enumerate(NEIGHBOURS):
        codes |= padded[:, 1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width] << bit
    return codes


def skeletonize_batch(binaries: np.ndarray) -> np.ndarray:
    """Zhang-Suen skeletons of a batch (N, H, W) of binary images, as bool."""
    binaries = np.asarray(binaries)
    if binaries.ndim != 3:
        raise ValueError(f"expected a batch (N, H, W), got shape {binaries.shape}")
    padded = np.pad(binaries.astype(bool), ((0, 0), (1, 1), (1, 1))).astype(np.uint8)
    # Images drop out once thinned, so the long tail of thick digits costs little.
    active = np.arange(len(padded))
    while active.size:
        thinning = np.zeros(active.size, bool)
        for deletes in ZHANG_SUEN_PASSES:
            subset = padded[active]
            inner = subset[:, 1:-1, 1:-1]
            removed = deletes[_neighbour_codes(subset)] & (inner == 1)
            inner[removed] = 0
            padded[active] = subset
            thinning |= removed.any(axis=(1, 2))
        active = active[thinning]
    return padded[:, 1:-1, 1:-1].astype(bool)


def skeletonize(binary: np.ndarray) -> np.ndarray:
    """One-pixel-wide Zhang-Suen skeleton of a 2D binary image, as bool."""
    return skeletonize_batch(np.asarray(binary)[None])[0]


def _skeleton_graph(skeleton: np.ndarray) -> tuple[np.ndarray, list[list[int]]]:
    """Skeleton pixels as (x, y) points and each one's linked neighbours."""
    on = np.pad(skeleton.astype(bool), 1)
    centre = on[1:-1, 1:-1]
    east, south = on[1:-1, 2:], on[2:, 1:-1]
    # A diagonal link is left out when a pixel beside it already joins the two ends,
    # so staircases trace as one path instead of tiny triangles.
    links = {
        (0, 1): centre & east,
        (1, 0): centre & south,
        (1, 1): centre & on[2:, 2:] & ~east & ~south,
        (1, -1): centre & on[2:, :-2] & ~on[1:-1, :-2] & ~south,
    }
    ys, xs = np.nonzero(centre)
    index = np.full(skeleton.shape, -1, np.int64)
    index[ys, xs] = np.arange(len(ys))
    neighbours: list[list[int]] = [[] for _ in range(len(ys))]
    for (dy, dx), linked in links.items():
        from_y, from_x = np.nonzero(linked)
        for a, b in zip(index[from_y, from_x], index[from_y + dy, from_x + dx]):
            neighbours[a].append(int(b))
            neighbours[b].append(int(a))
    return np.stack([xs, ys], axis=1), neighbours


def _link(a: int, b: int) -> tuple[int, int]:
    """The link between two skeleton pixels, the same whichever way it is walked."""
    return (a, b) if a < b else (b, a)


def _walk(neighbours: list[list[int]], start: int, step: int, walked: set) -> list[int]:
    """Follow links from `start` through `step` until a junction, an end or a walked link."""
    path = [start]
    previous, current = start, step
    while _link(previous, current) not in walked:
        walked.add(_link(previous, current))
        path.append(current)
        if len(neighbours[current]) != 2:
            break
        following = neighbours[current]
        previous, current = current, following[following[0] == previous]
    return path


def _trace_paths(skeleton: np.ndarray) -> list[np.ndarray]:
    """Skeleton as pixel paths between ends and junctions, closed loops included."""
    points, neighbours = _skeleton_graph(skeleton)
    walked: set = set()
    paths = []
    branch_points = [i for i, linked in enumerate(neighbours) if len(linked) != 2]
    # Branch points first so paths run end to end; whatever is left is closed loops.
    for start in branch_points + list(range(len(neighbours))):
        if not neighbours[start]:
            paths.append([start])
        for step in neighbours[start]:
            if _link(start, step) not in walked:
                paths.append(_walk(neighbours, start, step, walked))
    degrees = [len(linked) for linked in neighbours]
    return [points[path] for path in paths if not _is_spur(path, degrees, len(paths))]


def _is_spur(path: list[int], degrees: list[int], path_count: int) -> bool:
    """A short branch from a junction to a free end: a bump in the ink, not a stroke."""
    free_end, joined_end = sorted((degrees[path[0]], degrees[path[-1]]))
    short = len(path) <= SPUR_LENGTH
    return short and path_count > 1 and free_end == 1 and joined_end >= 3


PATH_KERNEL = cv2.getGaussianKernel(2 * round(3 * PATH_SMOOTHING) + 1, PATH_SMOOTHING)[:, 0]


def _smooth(path: np.ndarray) -> np.ndarray:
    """The pixel path as a smooth curve through the same place, ends kept where they are."""
    closed = len(path) > 3 and np.array_equal(path[0], path[-1])
    points = path[:-1] if closed else path
    if len(points) < 3:
        return path.astype(np.float32)
    reach = len(PATH_KERNEL) // 2
    # Loops wrap around; open ends are mirrored through the end point, which pins them in place.
    padding = {"mode": "wrap"} if closed else {"mode": "reflect", "reflect_type": "odd"}
    padded = np.pad(points.astype(np.float64), ((reach, reach), (0, 0)), **padding)
    smoothed = np.stack([np.convolve(padded[:, i], PATH_KERNEL, "valid") for i in (0, 1)], 1)
    curve = smoothed.astype(np.float32).reshape(-1, 1, 2)
    simplified = cv2.approxPolyDP(curve, PATH_TOLERANCE, closed).reshape(-1, 2)
    # A loop ends where it starts, which is how drawing knows to keep it closed.
    return np.concatenate([simplified, simplified[:1]]) if closed else simplified


def to_unit_box(strokes: Strokes) -> Strokes:
    """Strokes shifted and scaled so their box starts at (0, 0) and its longer side is 1."""
    if not strokes:
        return []
    everything = np.concatenate(strokes)
    low = everything.min(axis=0)
    extent = max(float((everything.max(axis=0) - low).max()), 1e-6)
    return [((stroke - low) / extent).astype(np.float32) for stroke in strokes]


def _upscaled_ink(digits: np.ndarray) -> np.ndarray:
    """MNIST digits enlarged for thinning and thresholded to binary ink."""
    size = MNIST_SIZE * MNIST_UPSCALE
    enlarged = [cv2.resize(d, (size, size), interpolation=cv2.INTER_LINEAR) for d in digits]
    return np.stack(enlarged) > MNIST_INK_THRESHOLD


def _skeleton_strokes(skeleton: np.ndarray) -> Strokes:
    """A digit's skeleton as smooth pen strokes in the unit box."""
    return to_unit_box([_smooth(path) for path in _trace_paths(skeleton)])


def mnist_to_strokes_batch(digits: np.ndarray) -> list[Strokes]:
    """Pen paths of a batch of 28x28 uint8 MNIST digits, one list of strokes per digit."""
    digits = np.asarray(digits, np.uint8).reshape(-1, MNIST_SIZE, MNIST_SIZE)
    if not len(digits):
        return []
    return [_skeleton_strokes(skeleton) for skeleton in skeletonize_batch(_upscaled_ink(digits))]


def mnist_to_strokes(digit: np.ndarray) -> Strokes:
    """Pen path of a 28x28 uint8 MNIST digit: polylines in the unit box."""
    return mnist_to_strokes_batch(np.asarray(digit)[None])[0]


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


def load_pen_digits(path: str | PathLike) -> tuple[list[Strokes], np.ndarray, np.ndarray]:
    """Tablet-written digits as (strokes in the unit box, labels, writers)."""
    with np.load(path, allow_pickle=False) as data:
        points, stroke_ptr, sample_ptr = data["points"], data["stroke_ptr"], data["sample_ptr"]
        labels, writers = data["labels"], data["writer"]
    strokes = np.split(points.astype(np.float32), stroke_ptr[1:-1])
    digits = [to_unit_box(strokes[first:last]) for first, last in pairwise(sample_ptr)]
    return digits, labels, writers


# The tablet set's 30 writers, kept apart: models train on some hands and are tested on others.
PEN_WRITERS = {"train": range(1, 21), "validation": range(21, 25), "test": range(25, 31)}


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
