"""How often DigitPad reads a whole handwritten number exactly, digit finding included.

    python benchmarks/read_numbers.py [--count 500] [--seed 0] [--pen [test|validation]] [--photo]
                                      [--digits N] [--plus] [--small-first] [--data mnist.npz]
                                      [--picture PNG] [--whole-digit-sure T]
                                      [--without-whole-digit]

The numbers are written as `digitpad.written_numbers` writes them: 3 to 8 MNIST test digits
redrawn as pen paths in a row 240 pixels tall, like the page's pad, with one pen of random width
and colours, on a light, dark or transparent background, the gaps between digits varied so that
some touch. Prints, per model, the share of numbers read exactly, the share split into
the right number of digits, the per-digit accuracy over numbers split right, and the same digits'
accuracy when each is drawn and read alone: what reading costs beyond finding the digits; and
how many numbers the page marks with a digit the model is not sure of (its card's threshold),
among those it reads wrong and those it reads right, and how many it calls no number.

With --pen, the digits are tablet-pen digits (`../shared/data/pendigits_train_strokes.npz`), drawn
from the strokes the pens made rather than from strokes recovered from MNIST's ink: by default
those of the six writers no model trained or was tuned on, 250 numbers, as many as their 1,498
digits give; `--pen validation` takes the four writers that validate training instead (150
numbers), to tune the reader on without touching the figure it is judged by.

With --photo, each number is written on paper instead and photographed, as a phone takes it: the
same ink in blue or black pen on white, ruled or squared paper, half of them lying on a dark
desk that shows around the paper, turned by up to 6 degrees, under light that falls off across
the picture, a little out of focus, noisy, saved as a JPEG; with --light, in a dimmer room.

With --plus, a plus is written before each number, as before a phone number's country code, in
the number's pen: the digits are the same numbers', moved right to make room, and a number is
read exactly only with its plus. With --small-first, each number's first digit is written at 0.6
to 0.85 of its height, on the line's foot or its middle, where a plus would be: none may be read.
"""

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import common
import cv2
import numpy as np

from digitpad.data import load_mnist
from digitpad.drawn import pen_digit_parts
from digitpad.number import WHOLE_DIGIT_SURE, deciding_model, read_number
from digitpad.preprocess import to_mnist
from digitpad.written_numbers import (
    DIGITS_PER_NUMBER,
    ROW_HEIGHT,
    Number,
    make_numbers,
    make_pen_numbers,
)

# Photos: the paper around the number, as a share of the row's height, each side.
PAPER_MARGIN = (0.2, 0.6)
PAPER = ((225, 245), (225, 245), (215, 240))  # RGB ranges of white paper under the lamp
BLUE_PEN, BLACK_PEN = (30, 50, 150), (35, 35, 40)
PEN_STRENGTH = (0.7, 1.0)  # a ballpoint's ink is not fully opaque
RULES = ("none", "ruled", "squared")
RULE_SPACING = {"ruled": (0.9, 1.3), "squared": (0.45, 0.8)}  # of the digit height
RULE_COLOURS = ((150, 185, 230), (170, 170, 175))  # light blue, gray
LIGHT_FALLOFF = (0.3, 0.55)  # the darkest corner's light, below the brightest's
BLUR_SIGMA = (0.3, 1.2)  # pixels
NOISE_SIGMA = (1.5, 5.0)  # gray levels
JPEG_QUALITY = (60, 92)
DESK_SHARE = 0.5  # of the photos show the desk the paper lies on, around it
DESK_MARGIN = (0.1, 0.6)  # of the row's height, each side
DESKS = ((110, 75, 45), (150, 110, 70), (60, 60, 65), (25, 25, 28))  # woods, gray, black
TILT = 6.0  # degrees either way: a phone is seldom square to the page
# Numbers of 3 to 8 digits, none used twice: about as many as the writers' digits give.
PEN_NUMBERS = {"test": 250, "validation": 150}


def photographed(number: Number, rng: np.random.Generator) -> np.ndarray:
    """The number written on paper and photographed with a phone: RGB."""
    margins = [round(rng.uniform(*PAPER_MARGIN) * ROW_HEIGHT) for _ in range(4)]
    coverage = np.pad(number.coverage, ((margins[0], margins[1]), (margins[2], margins[3])))
    height, width = coverage.shape
    paper = np.empty((height, width, 3), np.float64)
    blank = [rng.uniform(*channel) for channel in PAPER]
    paper[:] = blank
    rule = RULES[rng.integers(len(RULES))]
    if rule != "none":
        spacing = rng.uniform(*RULE_SPACING[rule]) * number.height
        colour = RULE_COLOURS[rng.integers(len(RULE_COLOURS))]
        rows, columns = np.mgrid[0:height, 0:width]
        # Thin lines, each a little slanted as the phone is never quite square to the page.
        tilt = rng.uniform(-0.02, 0.02)
        across = np.abs((rows + tilt * columns) / spacing % 1 - 0.5) * spacing > spacing / 2 - 1
        if rule == "squared":
            across |= (
                np.abs((columns - tilt * rows) / spacing % 1 - 0.5) * spacing > spacing / 2 - 1
            )
        paper[across] = colour
    pen = np.array(BLUE_PEN if rng.random() < 0.5 else BLACK_PEN, np.float64)
    ink = coverage[..., None] / 255.0 * rng.uniform(*PEN_STRENGTH)
    picture = paper * (1 - ink) + pen * ink
    if rng.random() < DESK_SHARE:
        edges = [round(rng.uniform(*DESK_MARGIN) * ROW_HEIGHT) for _ in range(4)]
        desk = DESKS[rng.integers(len(DESKS))]
        picture = cv2.copyMakeBorder(picture, *edges, cv2.BORDER_CONSTANT, value=desk)
        height, width = picture.shape[:2]
    else:
        desk = blank  # what shows in the corners turned in: more paper
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), rng.uniform(-TILT, TILT), 1.0)
    picture = cv2.warpAffine(
        picture, turn, (width, height), borderMode=cv2.BORDER_CONSTANT, borderValue=desk
    )
    # The lamp on one side: light falls off linearly across the page, in a random direction.
    angle = rng.uniform(0, 2 * np.pi)
    rows, columns = np.mgrid[0:height, 0:width]
    along = np.cos(angle) * columns / width + np.sin(angle) * rows / height
    along = (along - along.min()) / max(float(np.ptp(along)), 1e-6)
    picture *= (1 - rng.uniform(*LIGHT_FALLOFF) * along)[..., None]
    picture = cv2.GaussianBlur(picture, (0, 0), rng.uniform(*BLUR_SIGMA))
    picture += rng.normal(0, rng.uniform(*NOISE_SIGMA), picture.shape)
    picture = np.clip(picture, 0, 255).astype(np.uint8)
    quality = int(rng.integers(*JPEG_QUALITY))
    _, jpeg = cv2.imencode(
        ".jpg", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    return cv2.cvtColor(cv2.imdecode(jpeg, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def dimmed(photo: np.ndarray, light: float) -> np.ndarray:
    """A photo as taken in `light` of the light: every gray scaled down, as a camera that does
    not make up for a dim room saves it."""
    return photo if light == 1.0 else np.round(photo * light).astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=common.description(__doc__))
    parser.add_argument(
        "--count", type=common.count, help="numbers to generate (500; 250 with --pen)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--pen",
        nargs="?",
        const="test",
        choices=("test", "validation"),
        help="digits from these writers' pen strokes",
    )
    parser.add_argument("--photo", action="store_true", help="photos of the numbers on paper")
    parser.add_argument(
        "--light",
        type=float,
        default=1.0,
        help="with --photo, the share of the light the photos are taken in (0.35: a dim room)",
    )
    parser.add_argument(
        "--digits",
        type=common.count,
        help="every number this many digits long (default: 3 to 8; MNIST digits only)",
    )
    parser.add_argument("--plus", action="store_true", help="a plus before each number")
    parser.add_argument(
        "--small-first", action="store_true", help="each number's first digit written smaller"
    )
    parser.add_argument("--data", default=None, help=common.MNIST_HELP)
    parser.add_argument("--store", default=None, help="folder of the models (default: shipped)")
    parser.add_argument("--picture", default=None, help="write the first numbers to this PNG")
    parser.add_argument(
        "--whole-digit-sure",
        type=float,
        default=WHOLE_DIGIT_SURE,
        help="below this the whole-digit network is sure a digit is none (a word's letters)",
    )
    parser.add_argument(
        "--without-whole-digit",
        action="store_true",
        help="cut numbers by the shape of their ink alone, as before the whole-digit network",
    )
    args = parser.parse_args()
    if args.digits and args.pen:
        parser.error("--digits: numbers of MNIST digits only, not --pen")

    from digitpad.inference import DigitReader
    from digitpad.store import ModelUnavailable, load_models, load_whole_digit, not_sure_thresholds

    if args.pen:
        strokes, labels = pen_digit_parts(common.PEN_DIGITS)[args.pen]
        count = args.count or PEN_NUMBERS[args.pen]
        numbers = make_pen_numbers(
            strokes, labels, count, args.seed, plus=args.plus, small_first=args.small_first
        )
    else:
        _, (x_test, y_test) = load_mnist(common.mnist_file(args.data))
        count = args.count or 500
        lengths = (args.digits, args.digits) if args.digits else DIGITS_PER_NUMBER
        numbers = make_numbers(
            x_test, y_test, count, args.seed, plus=args.plus, small_first=args.small_first,
            digits_per_number=lengths,
        )  # fmt: skip
    written = "+" if args.plus else ""
    if args.photo:
        # Photographed with a generator of their own: the same numbers as without --photo.
        camera = np.random.default_rng([args.seed, 1])
        numbers = [replace(n, image=dimmed(photographed(n, camera), args.light)) for n in numbers]
    store = Path(args.store) if args.store else None
    models, problems = load_models(store)
    for problem in problems.values():
        print(problem, file=sys.stderr)
    try:
        whole_digit = None if args.without_whole_digit else load_whole_digit(store)
    except ModelUnavailable as problem:
        sys.exit(f"{problem} Or pass --without-whole-digit.")
    reader = DigitReader(models, not_sure_thresholds(store), whole_digit)

    started = time.perf_counter()
    readings = [read_number(n.image, reader) for n in numbers]
    seconds = (time.perf_counter() - started) / len(numbers)
    alone = [to_mnist(np.pad(piece, ROW_HEIGHT // 2)).image for n in numbers for piece in n.alone]
    alone_probs = reader.probabilities(np.stack(alone))
    labels = np.concatenate([n.labels for n in numbers])
    split_right = np.array([len(r.digits) == len(n.labels) for r, n in zip(readings, numbers)])
    touching = np.array([n.touching for n in numbers])
    starts = np.cumsum([len(n.labels) for n in numbers])[:-1]

    print(
        f"{len(numbers)} numbers of {len(labels)} digits (seed {args.seed}), "
        f"{touching.sum()} with touching digits; {seconds * 1000:.0f} ms a number"
    )
    print(f"split into the right number of digits: {split_right.mean():.1%}")
    # None are written but the plus: a point, a comma, a dash or a minus read is wrong.
    marked = sum(any(m != (0, "+") for m in r.marks) for r in readings)
    print(f"with a mark among the digits: {marked}")
    plus_read = sum((0, "+") in r.marks for r in readings)
    print(f"{'the plus read' if args.plus else 'a plus read where none is written'}: {plus_read}")
    for name in reader.names:
        read = [r.probs[name].argmax(axis=1) for r in readings]
        exact = np.array(
            [
                r.read_by(name) == written + "".join(map(str, n.labels))
                for r, n in zip(readings, numbers)
            ]
        )
        right_digits = np.concatenate(
            [r == n.labels for r, n, ok in zip(read, numbers, split_right) if ok]
        )
        alone_right = alone_probs[name].argmax(axis=1) == labels
        # Numbers whose every digit is read right when drawn alone: what perfect finding gives.
        ceiling = np.mean([piece.all() for piece in np.split(alone_right, starts)])
        print(
            f"{name}: numbers read exactly {exact.mean():.1%} "
            f"(touching {exact[touching].mean():.1%}, others {exact[~touching].mean():.1%}), "
            f"{ceiling:.1%} with every digit drawn alone; digits {right_digits.mean():.2%} "
            f"where split right, {alone_right.mean():.2%} drawn alone"
        )
        threshold = reader.thresholds.get(name)
        if threshold is not None:
            doubted = np.array([bool(r.unsure(name, threshold)) for r in readings])
            print(
                f"{name}: a digit marked not sure (below {threshold:.0%}) in "
                f"{doubted[~exact].sum()} of the {(~exact).sum()} numbers read wrong and "
                f"{doubted[exact].sum()} of the {exact.sum()} read right; of the "
                f"{(~exact & ~doubted).sum()} read wrong without one, "
                f"{(~exact & ~doubted & ~split_right).sum()} split wrong"
            )
            if name == deciding_model(reader.names):  # whose doubts make a number no number
                called_none = np.array(
                    [
                        bool(r.no_number(r.unsure(name, threshold), name, args.whole_digit_sure))
                        for r in readings
                    ]
                )
                print(
                    f"called no number: {called_none.sum()}, {(called_none & exact).sum()} "
                    "of them read right"
                )
    if args.picture:
        rows = [n.image for n in numbers[:12]]
        width = max(r.shape[1] for r in rows)
        sheet = np.vstack([np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0))) for r in rows])
        code = cv2.COLOR_RGB2BGR if args.photo else cv2.COLOR_RGBA2BGRA
        cv2.imwrite(args.picture, cv2.cvtColor(sheet, code))


if __name__ == "__main__":
    main()
