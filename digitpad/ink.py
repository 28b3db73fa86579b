"""Where the ink is in a drawing, or in a photo of writing on paper.

A drawing has a flat background (most pixels share one gray) and its ink is what differs from it,
as in `preprocess`. A photo of paper has uneven light: the paper's light is divided out, the ink
thresholded adaptively, and long straight lines (ruled or squared paper) removed; ink is looked
for only on the paper, not on a desk that shows around it.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from digitpad.preprocess import (
    MIN_CONTRAST,
    as_uint8,
    background_level,
    flattened,
    ink_in_alpha,
    ink_strength,
    scaled,
    to_gray,
)

# Pictures are segmented at most this big: a digit needs tens of pixels, not thousands.
WORK_SIDE = 1200
# A drawing's background is flat: this share of pixels lies within FLAT_TOLERANCE of one gray.
FLAT_SHARE = 0.6
FLAT_TOLERANCE = 2
# Or the whole drawing is two grays, its background's and its ink's, but for its strokes'
# anti-aliased rims: a bold digit can cover so much that neither gray reaches FLAT_SHARE.
TWO_TONE_SHARE = 0.9
# A flat picture whose ink lies on both sides of its background's gray, the lesser side at least
# this share of the picture and of the ink, is paper on a desk: the paper lighter than the desk,
# the writing darker. A drawing's ink is lighter than its background or darker, not both.
BOTH_SIDES_SHARE = 0.002
BOTH_SIDES_INK = 0.01
# On a flat background, ink differs from it by this share of the strongest ink; fainter pixels
# are the pen's anti-aliased edge, kept in a digit's crop but not used to join pieces.
INK_SHARE = 0.3
# A dark photo is of paper, not of a board, where its darkest gray is this many times further
# below its typical gray than its lightest is above (paper at a quarter of its light read "11"
# for "1713245", its ink taken for the board and the paper for chalk).
DIM_PAPER = 2.0
# Photos: the paper's light is taken over this share of the shorter side, wider than any stroke...
LIGHT_WINDOW = 1 / 3
# ...and ink is at least this many gray levels (of 255) darker than the paper around it.
PHOTO_INK_LEVELS = 20
# Straight ink longer than this share of the paper's width (height) is a ruled line. Lines are
# looked for with the page turned level: a phone is seldom square to it, and lines tilted by
# more than a pixel over their length escaped. Tilts up to MAX_TILT degrees are levelled.
RULED_LINE = (1 / 5, 1 / 2)
MAX_TILT = 20.0
# Ink running across at least this share of the paper, less thick on average than this share of
# its length, is a margin or rule, whether found as a line or not: writing is thicker for its
# length, or shorter.
RULE_SPAN = 0.85
RULE_THICKNESS = 0.015
# Lines across this share of a flat picture's width are a lined page's rules: taken out of the
# drawing where they are fainter than its writing (where no writing crosses them, at most
# FAINT_RULE as strong as its median), as a note-taking app or a scanner gives them, else,
# RULED_LINES of them or more, read as a photo is. Looked for in all the ink at least RULE_INK
# of the strongest: pale rules are fainter than INK_SHARE, but they still joined the digits.
RULED_ACROSS = 0.8
RULED_LINES = 3
FAINT_RULE = 0.6
RULE_INK = 0.08
# And thinner than the pen that wrote: a 7's bar drawn lighter than its stem, across a picture
# cropped to it, is as thick as the stem (and was taken out, the 7 read as a 1).
THIN_RULE = 0.75
# Paper lying on a darker desk: a median over this share of the shorter side wipes out most
# of the writing but keeps the paper's edge, across which the light changes by at least
# PAPER_EDGE gray levels a pixel, to a desk at most DESK_SHADE as light as the paper.
PAPER_SMOOTHING = 1 / 15
PAPER_EDGE = 10.0
DESK_SHADE = 0.55
# A piece of a photo's ink whose mean darkness is under this share of the pen's is the paper's,
# not the pen's: the edge of a card on a lighter desk, where the light leaves the card darker
# than the desk beside it (a darkness of 0.12 against the pen's 0.7 and more), was read as a "1"
# after the number. The pen's is the median piece's, among pieces at least LARGE_SHARE of the
# largest one's size: the darkest tenth of all the ink was a black pen lying on a page written
# in pencil, or one digit gone over in ink, and the pencil digits were taken for paper; and the
# bits of ruled lines left, each a piece, outnumber the digits on a card.
FAINT_PIECE = 0.35
LARGE_SHARE = 0.1
# And only under this darkness, whatever the pen's: one digit of a number written lighter (a pen
# running dry, 0.20 at a pencil's gray of 185), or pencil beside a pen lying on the page ten
# times a digit's size, was dropped with it.
FAINT_FLOOR = 0.15
# Ink is looked for this many pixels inside the paper's edge, not on the edge itself.
PAPER_INSET = 3


@dataclass(frozen=True)
class InkMap:
    """How inked each pixel is, and which pixels count as ink, at the working scale."""

    strength: np.ndarray  # float32 in [0, 1]
    mask: np.ndarray  # bool
    scale: float  # working pixels per picture pixel
    as_drawn: bool  # a drawing, nothing taken out of it: read as the pad's drawings are


def shrunk(image: np.ndarray, scale: float) -> np.ndarray:
    """The picture scaled down by `scale`, averaging pixels; never enlarged."""
    return image if scale >= 1.0 else scaled(image, scale, cv2.INTER_AREA)


def is_flat(gray: np.ndarray) -> bool:
    """Whether the picture was drawn rather than photographed: its background one gray, as on
    the pad or in a generated picture, or the whole of it two grays, as a bold drawing is; and
    its ink on one side of that gray. A sheet of paper on an evenly lit desk is as flat, but the
    desk is its background, the sheet lighter and the writing darker."""
    counts = np.bincount(gray.ravel(), minlength=256)
    window = np.ones(2 * FLAT_TOLERANCE + 1)
    near = np.convolve(counts, window, "same") / gray.size  # the share within tolerance of each
    first = int(np.argmax(near))
    others = near.copy()
    others[max(0, first - 2 * FLAT_TOLERANCE) : first + 2 * FLAT_TOLERANCE + 1] = 0  # no overlap
    if near[first] < FLAT_SHARE and near[first] + others.max() < TWO_TONE_SHARE:
        return False
    return not _ink_on_both_sides(gray)


def _ink_on_both_sides(gray: np.ndarray) -> bool:
    # Each side's ink measured against that side's own strongest: the writing may be only a
    # little darker than a dark desk, however much lighter the sheet is.
    difference = gray.astype(np.int16) - background_level(gray)
    shares = []
    for side in (difference, -difference):
        strongest = int(side.max())
        if strongest < MIN_CONTRAST:
            return False
        shares.append(np.count_nonzero(side >= max(MIN_CONTRAST, INK_SHARE * strongest)))
    lesser = min(shares)
    return lesser >= BOTH_SIDES_SHARE * gray.size and lesser >= BOTH_SIDES_INK * sum(shares)


def _lines_across(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """Where lines run across RULED_ACROSS of the picture's width in `mask`, levelled first,
    and how many there are."""
    rows, columns = mask.shape
    length = _odd(columns * RULED_ACROSS)
    # Lines that long, turned at most MAX_TILT, span this many columns: a number on the pad
    # seldom does, and is spared the Hough transform (20 ms of its 26 a stroke).
    if np.count_nonzero(mask.any(axis=0)) < length * np.cos(np.radians(MAX_TILT)):
        return np.zeros(mask.shape, bool), 0
    tilt = _tilt(mask, length)
    # Levelled, as a scan is seldom square to the page, and the lines found turned back.
    level = _turned(mask, tilt, (columns, rows)) if tilt else mask
    thick = cv2.dilate(level.astype(np.uint8), np.ones((3, 3), np.uint8))
    runs = cv2.morphologyEx(thick, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    lines, _ = cv2.connectedComponents(runs)
    if tilt:
        runs = _turned(runs, -tilt, (columns, rows))
    return runs.astype(bool), lines - 1  # the first label is the background


def _rules(strength: np.ndarray, mask: np.ndarray) -> np.ndarray | None:
    """Where a drawing's ink (`strength`, `mask`) is a lined page's rules, fainter and thinner
    than its writing, across it or down it (a note-taking app's page, its margin), to be taken
    out (lines down only where there are such lines across); None when it holds RULED_LINES
    lines or more across it as strong (lined paper scanned, or lit evenly, to be read as a photo
    is). Either is as flat as a drawing, but its lines are no writing, and they joined its
    digits into one (a margin was a "1" before them). A hand-drawn underline, or a "1" as tall
    as the picture, is as strong as the digits, and stays."""
    across = _faint_lines(strength, mask)
    if across is None or not across.any():
        return across
    # Only on a lined page: looked for on every number written on the pad, lines down cost a
    # third more time (a number's digits reach from the pad's top nearly to its foot).
    down = _faint_lines(strength.T, mask.T)
    return across if down is None else across | down.T


def _faint_lines(strength: np.ndarray, mask: np.ndarray) -> np.ndarray | None:
    """Where lines run across the ink, fainter and thinner than its writing, leaving where the
    pen crosses them; None where RULED_LINES lines or more across it are not."""
    faint = strength >= RULE_INK
    runs, count = _lines_across(faint)
    writing = ~runs & mask
    if not count or not writing.any():
        return np.zeros(mask.shape, bool)
    (line_level, thickness), pen_level = _line_level(strength, runs), np.median(strength[writing])
    fainter = line_level <= FAINT_RULE * pen_level
    if not fainter or thickness > THIN_RULE * pen_width(writing):
        return None if count >= RULED_LINES else np.zeros(mask.shape, bool)
    # Where the pen crosses a line it is stronger than the line alone: that stays ink.
    return runs & (strength < (line_level + pen_level) / 2)


def _line_level(strength: np.ndarray, runs: np.ndarray) -> tuple[float, float]:
    """How strong and how thick the lines in `runs` are where no writing crosses them: of each
    line's strongest pixel in each column it runs through, the lower quartile, and of its
    pixels of ink (RULE_INK) in each column, the median (the writing crosses the lines in
    fewer columns than either, and is stronger and thicker there)."""
    count, lines = cv2.connectedComponents(runs.astype(np.uint8))
    levels, thicknesses = [], []
    for line in range(1, count):
        on_line = lines == line
        columns = on_line.any(axis=0)
        levels.append(np.where(on_line, strength, 0).max(axis=0)[columns])
        thicknesses.append(np.count_nonzero(on_line & (strength >= RULE_INK), axis=0)[columns])
    return (
        float(np.percentile(np.concatenate(levels), 25)),
        float(np.median(np.concatenate(thicknesses))),
    )


def pen_width(ink: np.ndarray) -> float:
    """The width of the pen that drew `ink` (a mask): twice its area over its outline's length
    (holes' included), as a stroke w wide and L long covers about wL pixels inside an outline
    2L long. The ink's widest point is wider where strokes cross."""
    strokes = np.pad(ink.astype(np.uint8), 1)  # outlines closed where the ink meets the edge
    outlines, _ = cv2.findContours(strokes, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    outline = sum(cv2.arcLength(line, closed=True) for line in outlines)
    return 2 * float(np.count_nonzero(strokes)) / max(outline, 1.0)


def _drawing_ink(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # As preprocess.extract_ink, without shrinking the picture, and with a mask of the ink
    # strong enough to find digits by.
    strength = ink_strength(gray)
    if strength is None:
        return np.zeros(gray.shape, np.float32), np.zeros(gray.shape, bool)
    return strength, strength >= INK_SHARE


def _odd(size: float) -> int:
    return max(3, int(size) // 2 * 2 + 1)


def _writing_is_light(gray: np.ndarray) -> bool:
    """Whether the writing is lighter than what it is written on (chalk on a board).

    Judged by the middle of the picture, where the writing is: most of a photo of paper lying
    on a dark desk may be desk. A dark middle is a board, or paper in dim light: paper's ink
    reaches far below its gray, a board's chalk far above it.
    """
    height, width = gray.shape
    middle = gray[height // 4 : height - height // 4, width // 4 : width - width // 4]
    darkest, typical, lightest = np.percentile(middle, [1, 50, 99])
    if typical >= 128:
        return False
    # Twice as far: a board with little chalk on it, both tails its own grain, stays a board.
    return not typical - darkest > DIM_PAPER * (lightest - typical)


def _pen_gray(image: np.ndarray, gray: np.ndarray, light_writing: bool) -> np.ndarray:
    """Gray in which a coloured pen stands out: it is dark in at least one channel on paper."""
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        return gray
    channels = as_uint8(image)
    if image.shape[2] == 4:
        if ink_in_alpha(channels):
            return gray  # to_gray already took the ink from alpha
        channels = flattened(channels)
    channels = cv2.resize(channels, gray.shape[::-1], interpolation=cv2.INTER_AREA)
    return channels.max(axis=2) if light_writing else channels.min(axis=2)


def _photo_ink(gray: np.ndarray, light_writing: bool) -> tuple[np.ndarray, np.ndarray]:
    if light_writing:  # on a dark board: made dark on light
        gray = 255 - gray
    window = _odd(min(gray.shape) * LIGHT_WINDOW)
    # Closing wipes out strokes narrower than the window, leaving the paper and its shading.
    # On the picture carried on past its edges: closed as it is, light falling off towards an
    # edge came out brighter there than it is, and a band along that edge became ink.
    padded = cv2.copyMakeBorder(gray, *[window] * 4, cv2.BORDER_REPLICATE)
    closed = cv2.morphologyEx(padded, cv2.MORPH_CLOSE, np.ones((window, window), np.uint8))
    paper = closed[window:-window, window:-window]
    # Smoothed, but never brighter than the closing: blurred across the paper's edge, a desk
    # beside it looked darker than the paper it was taken for, and a band of it became ink.
    paper = np.minimum(paper, cv2.blur(paper, (window, window))).astype(np.float32)
    darkness = np.clip(1.0 - gray / np.maximum(paper, 1.0), 0.0, 1.0).astype(np.float32)
    evenly_lit = cv2.GaussianBlur(np.round((1.0 - darkness) * 255).astype(np.uint8), (3, 3), 0)
    mask = cv2.adaptiveThreshold(
        evenly_lit,
        255,
        cv2.ADAPTIVE_THRESH_GAUSSIAN_C,
        cv2.THRESH_BINARY_INV,
        window,
        PHOTO_INK_LEVELS,
    )
    # Only on the paper: a desk that shows around it, in a strip narrower than the window, is
    # darker than the light the closing took for the paper's.
    on_paper = _paper(gray)
    # Lines are looked for in everything darker than the paper: the threshold above loses a
    # faint line beside a bold digit, and a line in pieces is no longer long.
    darker = (evenly_lit <= 255 - PHOTO_INK_LEVELS) & on_paper
    ink = (mask > 0) & on_paper
    _, _, paper_width, paper_height = cv2.boundingRect(on_paper.astype(np.uint8))
    lines = _ruled_lines(darker, on_paper, paper_width, paper_height) & darker
    if lines.any() and (ink & ~lines).any():
        # Where the pen crosses a line it is darker than the line alone: that stays ink.
        line_level = np.median(darkness[lines])
        pen_level = np.median(darkness[ink & ~lines])
        ink &= ~lines | (darkness >= (line_level + pen_level) / 2)
    ink &= ~_lines_not_writing(ink, lines, on_paper)
    return darkness, ink & ~_faint_pieces(ink, darkness)


def _faint_pieces(ink: np.ndarray, darkness: np.ndarray) -> np.ndarray:
    """Pieces of ink far fainter than the pen's (FAINT_PIECE), and faint in themselves
    (FAINT_FLOOR): the paper's, not writing."""
    if not ink.any():
        return ink
    _, labels = cv2.connectedComponents(ink.astype(np.uint8), connectivity=8)
    inked = labels[ink]
    # Each piece's size and mean darkness, by piece number (0, the paper, has no ink).
    area = np.bincount(inked)
    mean = np.bincount(inked, darkness[ink]) / np.maximum(area, 1)
    large = area[1:] >= LARGE_SHARE * area[1:].max()
    pen = np.median(mean[1:][large])
    faint = np.flatnonzero(mean < min(FAINT_PIECE * pen, FAINT_FLOOR))
    return np.isin(labels, faint[faint > 0])


def _lines_not_writing(ink: np.ndarray, lines: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """Pieces of ink that are the paper's, not writing:
    - wholly on found lines and reaching the paper's edge: a stretch of a margin darker than
      the rest of it where the light is brightest (its top was read as a "1"); a pen crossing
      a line runs on beyond it, writing keeps off the edge, and an upright "1", long enough to
      be taken for a line, is wholly on one too;
    - running nearly across the whole paper and thin for their length: a margin or rule that
      line finding missed, blurred, turned or seen in perspective (such a margin, read as a "1"
      as tall as the page, made the digits beside it specks).
    """
    count, pieces, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8))
    left, top, width, height = cv2.boundingRect(paper.astype(np.uint8))
    x, y, w, h, area = stats.T
    at_edge = (x <= left) | (y <= top) | (x + w >= left + width) | (y + h >= top + height)
    off_lines = np.zeros(count, bool)
    off_lines[pieces[ink & ~lines]] = True
    length = np.maximum(w, h)
    across = np.maximum(w / max(width, 1), h / max(height, 1)) >= RULE_SPAN
    thin = area / np.maximum(length, 1) < RULE_THICKNESS * length
    not_writing = (at_edge & ~off_lines) | (across & thin)
    not_writing[0] = False  # the background
    return not_writing[pieces]


def _paper(gray: np.ndarray) -> np.ndarray:
    """Where the paper is: all of the picture, unless a darker desk shows around it.

    The desk is the darker side of Otsu's threshold on the picture with its writing smoothed
    away, where it reaches the picture's border, when it is much darker than the paper and
    parted from it by a sharp edge: light falling off across a page is a gentle slope.
    """
    everywhere = np.ones(gray.shape, bool)
    smooth = cv2.medianBlur(gray, _odd(min(gray.shape) * PAPER_SMOOTHING))
    _, bright = cv2.threshold(smooth, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    _, labels = cv2.connectedComponents(1 - bright, connectivity=4)
    border = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    desk = np.isin(labels, np.setdiff1d(border, [0]))
    if not desk.any() or desk.all() or not bright.any():
        return everywhere
    if np.median(smooth[desk]) > DESK_SHADE * np.median(smooth[bright > 0]):
        return everywhere
    edge = desk & ~cv2.erode(desk.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    edge[[0, -1]], edge[:, [0, -1]] = False, False  # the picture's border is no paper edge
    # Sobel's 3x3 kernel weighs a pixel's gradient eight times.
    steepness = np.hypot(cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1))
    if not edge.any() or np.median(steepness[edge]) / 8 < PAPER_EDGE:
        return everywhere
    inset = np.ones((2 * PAPER_INSET + 1, 2 * PAPER_INSET + 1), np.uint8)
    return cv2.erode((~desk).astype(np.uint8), inset).astype(bool)


def _tilt(darker: np.ndarray, length: int) -> float:
    """How many degrees the long lines running across `darker` are turned from level, clockwise
    as seen; 0 when there are none."""
    segments = cv2.HoughLinesP(
        darker.astype(np.uint8), 1, np.pi / 360, max(1, length // 2), None, length, 3
    )
    if segments is None:
        return 0.0
    x1, y1, x2, y2 = segments.reshape(-1, 4).T.astype(np.float64)
    # Only lines across: ruled and squared paper both have them, and a long stroke down, a
    # slanted "1", is no guide to how the page lies.
    tilts = (np.degrees(np.arctan2(y2 - y1, x2 - x1)) + 90) % 180 - 90
    tilts = tilts[np.abs(tilts) <= MAX_TILT]
    return float(np.median(tilts)) if len(tilts) else 0.0


def _turned(mask: np.ndarray, degrees: float, size: tuple[int, int]) -> np.ndarray:
    """The mask turned by `degrees` about its centre onto a canvas of `size` (width, height),
    centred on it."""
    height, width = mask.shape
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    turn[:, 2] += np.array(size) / 2 - np.array([width, height]) / 2
    return cv2.warpAffine(mask.astype(np.uint8), turn, size, flags=cv2.INTER_NEAREST) > 0


def _ruled_lines(darker: np.ndarray, on_paper: np.ndarray, width: int, height: int) -> np.ndarray:
    """Where long straight lines run across paper this wide and high: a band a little wider
    than they are, with the ends of lines that the paper's edge cuts short.

    A line turned a little runs off the paper before it is long: at its edge, such an end was
    left as ink, a "1" as tall as the paper. Where the paper has lines, beyond it counts as line;
    on plain paper, a digit that runs off the edge is no line.
    """
    tilt = _tilt(darker, _odd(width * RULED_LINE[0]))
    rows, columns = darker.shape
    # Turned level on a canvas that holds all of it, corners included, and back again.
    side = int(np.ceil(np.hypot(rows, columns)))
    if tilt:
        darker, on_paper = (_turned(m, tilt, (side, side)) for m in (darker, on_paper))
    # Thickened first, so a line that is a little slanted still runs the kernel's length.
    thick = cv2.dilate(darker.astype(np.uint8), np.ones((3, 3), np.uint8))
    kernels = (
        np.ones((1, _odd(width * RULED_LINE[0])), np.uint8),
        np.ones((_odd(height * RULED_LINE[1]), 1), np.uint8),
    )

    def long_runs(mask: np.ndarray) -> np.ndarray:
        return np.bitwise_or.reduce([cv2.morphologyEx(mask, cv2.MORPH_OPEN, k) for k in kernels])

    lines = long_runs(thick)
    if (lines & darker).any():
        lines = long_runs(thick | ~on_paper)
    if not tilt:
        return lines > 0
    back = _turned(lines, -tilt, (side, side))
    top, left = (side - rows) // 2, (side - columns) // 2
    return back[top : top + rows, left : left + columns]


def ink_map(image: np.ndarray) -> InkMap:
    """The ink of a drawing or of a photo of writing on paper, at the working scale."""
    image = np.asarray(image)
    gray = to_gray(image)
    scale = min(1.0, WORK_SIDE / max(gray.shape))
    gray = shrunk(gray, scale)
    strength, mask = _drawing_ink(gray) if is_flat(gray) else (None, None)
    rules = None if strength is None else _rules(strength, mask)
    if rules is None:
        light_writing = _writing_is_light(gray)
        strength, mask = _photo_ink(_pen_gray(image, gray, light_writing), light_writing)
        return InkMap(strength, mask, scale, as_drawn=False)
    if not rules.any():
        return InkMap(strength, mask, scale, as_drawn=True)
    strength = np.where(rules, 0.0, strength).astype(np.float32)
    return InkMap(strength, mask & ~rules, scale, as_drawn=False)
