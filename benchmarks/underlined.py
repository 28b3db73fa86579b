"""How DigitPad reads a number someone has underlined, as a sum's total is.

    python benchmarks/underlined.py [--count 150] [--seed 5] [--pen validation|test]

Numbers of tablet-pen digits (`written_numbers.make_pen_numbers`) on the pad, each also with a
line drawn under it by hand in the same pen: from a little before its first digit to a little past
its last, sloping by up to 4 degrees and bowed a little, either clear of the digits (0.1 to 0.3
digit heights below the lowest ink) or touching them (its centre from the lowest ink to 0.05 digit
heights below it). Prints the share of numbers the CNN reads exactly, plain and underlined.
"""

import argparse

import common
import cv2
import numpy as np

from digitpad.drawn import pen_digit_parts
from digitpad.ink import pen_width
from digitpad.number import read_number
from digitpad.written_numbers import Number, make_pen_numbers

GAPS = {"clear of the digits": (0.1, 0.3), "touching them": (0.0, 0.05)}  # of the digit height
OVERHANG = (0.0, 0.3)  # of the digit height, at each end
SLOPE = 4.0  # degrees either way
BOW = 0.04  # of the line's length, at most, up or down at its middle


def underlined(number: Number, gap: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """The number's picture with a line drawn under it in its own pen: RGBA."""
    image = number.image.copy()
    ink = number.coverage >= 128
    rows, columns = np.nonzero(ink)
    pen = max(1, round(pen_width(ink)))
    start = columns.min() - rng.uniform(*OVERHANG) * number.height
    end = columns.max() + rng.uniform(*OVERHANG) * number.height
    xs = np.linspace(start, end, 40)
    slope = np.tan(np.radians(rng.uniform(-SLOPE, SLOPE)))
    bow = rng.uniform(-BOW, BOW) * (end - start)
    middle = (start + end) / 2
    ys = (xs - middle) * slope + bow * (1 - ((xs - middle) / (middle - start)) ** 2)
    # Its highest point under the digits lies this far below their lowest ink.
    under = (xs >= columns.min()) & (xs <= columns.max())
    ys += rows.max() + pen / 2 + rng.uniform(*gap) * number.height - ys[under].min()
    full = np.unravel_index(np.argmax(number.coverage), ink.shape)  # the pen's own colour
    colour = image[full].tolist()
    path = np.round(np.stack([xs, ys], axis=1)).astype(np.int32)
    bottom = int(path[:, 1].max()) + pen + 2
    if bottom > image.shape[0]:
        image = np.pad(image, ((0, bottom - image.shape[0]), (0, 0), (0, 0)), mode="edge")
    cv2.polylines(image, [path], False, colour, pen, cv2.LINE_AA)
    return image


def main() -> None:
    parser = argparse.ArgumentParser(description=common.description(__doc__))
    parser.add_argument("--count", type=common.count, default=150)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--pen", default="validation", choices=("test", "validation"))
    args = parser.parse_args()
    reader = common.app_reader()
    strokes, labels = pen_digit_parts(common.PEN_DIGITS)[args.pen]
    numbers = make_pen_numbers(strokes, labels, args.count, args.seed)
    truth = ["".join(map(str, n.labels)) for n in numbers]
    print(f"{len(numbers)} numbers ({args.pen} writers, seed {args.seed})")
    plain = np.mean([read_number(n.image, reader).number == t for n, t in zip(numbers, truth)])
    print(f"plain: read exactly {plain:.1%}")
    for name, gap in GAPS.items():
        rng = np.random.default_rng([args.seed, len(name)])
        read = [read_number(underlined(n, gap, rng), reader).number for n in numbers]
        exact = np.mean([r == t for r, t in zip(read, truth)])
        print(f"underlined, {name}: read exactly {exact:.1%}")


if __name__ == "__main__":
    main()
