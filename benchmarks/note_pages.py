"""How DigitPad reads writing on a note-taking app's lined page: a screenshot, or a scan.

    python benchmarks/note_pages.py [--count 100] [--seed 4] [--pen validation|test]

Numbers of tablet-pen digits (`written_numbers.make_pen_numbers`) in a dark or blue pen on a
white page, with margins of 0.1 to 1.2 digit heights, and pale rules (light blue, gray, pale
blue or pink) every 0.8 to 1.4 digit heights, 0 (no rules), 1 or 2 pixels thick. Prints, for each
thickness, the share of numbers the CNN reads exactly (Read a number, `read`) and the share of
their digits, each on such a page of its own, that it reads as it reads the digit alone on a
plain page (the drawing page's upload, `predict`).
"""

import argparse

import common
import numpy as np

from digitpad.drawn import pen_digit_parts
from digitpad.number import digit_in_picture, read_number
from digitpad.preprocess import to_mnist
from digitpad.written_numbers import make_pen_numbers

RULE_COLOURS = [(150, 185, 230), (190, 190, 195), (215, 225, 245), (200, 160, 160)]
PENS = [(20, 20, 20), (30, 50, 150)]
MARGIN = (0.1, 1.2)  # of the digit height, each side
SPACING = (0.8, 1.4)  # of the digit height, between rules


def note_page(
    coverage: np.ndarray, rule: int, height: float, rng: np.random.Generator
) -> np.ndarray:
    """`coverage` (0..255), of digits `height` pixels tall, written on a white page ruled with
    lines `rule` pixels thick: RGB."""
    margin = int(rng.uniform(*MARGIN) * height)
    ink = np.pad(coverage, margin)[..., None] / 255.0
    page = np.full(ink.shape[:2] + (3,), 255.0 if rng.random() < 0.5 else 250.0)
    spacing = rng.uniform(*SPACING) * height
    colour = RULE_COLOURS[rng.integers(len(RULE_COLOURS))]
    if rule:
        for y in np.arange(rng.uniform(0, spacing), page.shape[0], spacing):
            page[int(y) : int(y) + rule] = colour
    pen = np.array(PENS[rng.integers(len(PENS))], np.float64)
    return (page * (1 - ink) + pen * ink).astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=common.description(__doc__))
    parser.add_argument("--count", type=common.count, default=100)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--pen", default="validation", choices=("test", "validation"))
    args = parser.parse_args()
    reader = common.app_reader()
    strokes, labels = pen_digit_parts(common.PEN_DIGITS)[args.pen]
    numbers = make_pen_numbers(strokes, labels, args.count, args.seed)
    digits = [(piece, n.height) for n in numbers for piece in n.alone]
    alone = reader.probabilities(np.stack([to_mnist(np.pad(p, 20)).image for p, _ in digits]))
    print(f"{len(numbers)} numbers of {len(digits)} digits ({args.pen} writers, seed {args.seed})")
    for rule in (0, 1, 2):
        rng = np.random.default_rng([args.seed, rule])
        pages = [note_page(n.coverage, rule, n.height, rng) for n in numbers]
        exact = np.mean(
            [read_number(page, reader).read_by("cnn") == "".join(map(str, n.labels))
             for page, n in zip(pages, numbers)]
        )  # fmt: skip
        found = [digit_in_picture(note_page(piece, rule, height, rng)) for piece, height in digits]
        images = [np.zeros((28, 28), np.float32) if f is None else f.image for f in found]
        read = reader.probabilities(np.stack(images))["cnn"].argmax(axis=1)
        as_alone = np.mean(read == alone["cnn"].argmax(axis=1))
        print(
            f"rules {rule} px: numbers read exactly {exact:.1%}; single digits read as alone "
            f"{as_alone:.1%}"
        )


if __name__ == "__main__":
    main()
