"""Touching digits cut apart: a piece of ink wider than a digit is offered cut down the paths that
cross fewest strokes, then least ink."""

import cv2
import numpy as np

from digitpad.pieces import Part

# Pieces wider than this many digit heights are offered cut at their thinnest columns, into
# parts at least MIN_PART digit heights wide.
CUT_ASPECT = 0.7
MIN_PART = 0.2
# A cut strays from its column by this much ink a column, so that among equal cuts it goes
# straight down.
CUT_DRIFT = 0.01
# Crossing a stroke costs a cut as much as running this many digit heights through ink: touching
# digits meet in one stroke, and the cut of least ink often passes through a loop instead, two
# thin strokes, and gives half of the loop to the wrong digit (measured on the tuning seeds).
CUT_ENTRY = 0.5


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


def cut_into_parts(labels: np.ndarray, groups: list[Part], digit_height: float) -> list[Part]:
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
