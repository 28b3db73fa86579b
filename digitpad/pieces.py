"""Pieces of ink: the connected components of a picture's ink, which of them are one digit, how
tall its digits are, and which are lines down the page rather than writing."""

from dataclasses import dataclass

import cv2
import numpy as np

from digitpad.ink import pen_width

Box = tuple[int, int, int, int]  # x, y, width, height

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
# Each digit's crop keeps ink this many pixels around its pieces: the pen's soft edge.
HALO = 2


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


def pieces_of(mask: np.ndarray) -> tuple[np.ndarray, list[Part]]:
    labels, stats = components(mask)
    return labels, kept_pieces(stats)


def components(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mask's connected pieces of ink: their labels, and each one's box and area."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    return labels, stats


def kept_pieces(stats: np.ndarray) -> list[Part]:
    """The pieces of ink (`components`' stats) less specks."""
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
    _, pieces = pieces_of(ink >= 0.5)
    return [(group.left, group.right) for group in merged(pieces)]


def _one_digit(a: Part, b: Part) -> bool:
    overlap = min(a.right, b.right) - max(a.left, b.left)
    both = a.joined(b)
    return overlap >= MERGE_OVERLAP * min(a.width, b.width) and both.width <= MERGED_ASPECT * (
        both.height
    )


def merged(pieces: list[Part]) -> list[Part]:
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


def height_of_digits(pieces: list[Part]) -> float:
    tallest = max(p.height for p in pieces)
    tall = [p.height for p in pieces if p.height >= TALL_SHARE * tallest]
    return float(np.percentile(tall, DIGIT_HEIGHT_PERCENTILE))


def without_lines_down(labels: np.ndarray, pieces: list[Part]) -> list[Part]:
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
            p in upright and p.height > LINE_DOWN * height_of_digits(digits) for p in taller
        ):
            lines += [p for p in taller if p not in lines]
    return [p for p in pieces if p not in lines]


def _digit_like(piece: Part, pen: float) -> bool:
    """Whether a piece may be a digit by its shape: several pens tall, and not flat."""
    return piece.height >= DIGIT_PENS * pen and 2 * piece.height >= piece.width
