"""How often DigitPad reads a whole handwritten number exactly, digit finding included.

    python benchmarks/read_numbers.py [--count 500] [--seed 0] [--photo] [--data mnist.npz]
                                      [--picture PNG]

Each number has 3 to 8 digits, MNIST test digits redrawn as pen paths (digitpad.drawn) in a row
240 pixels tall, like the page's pad. A number is written with one pen of random width (3-30% of
the digit height) and colours, on a light, dark or transparent background; its digits vary a
little in height and baseline, and the gaps between them vary, 15% of them zero or negative,
so some digits touch. Prints, per model, the share of numbers read exactly, the share split into
the right number of digits, the per-digit accuracy over numbers split right, and the same digits'
accuracy when each is drawn and read alone: what reading costs beyond finding the digits; and
how many numbers the page marks with a digit the model is not sure of (its card's threshold),
among those it reads wrong and those it reads right.

With --photo, each number is written on paper instead and photographed, as a phone takes it: the
same ink in blue or black pen on white, ruled or squared paper, half of them lying on a dark
desk that shows around the paper, turned by up to 6 degrees, under light that falls off across
the picture, a little out of focus, noisy, saved as a JPEG.
"""

import argparse
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import common
import cv2
import numpy as np

from digitpad.data import load_mnist
from digitpad.drawn import CANVAS_SIZE, draw_strokes, paint, random_style
from digitpad.number import read_number
from digitpad.preprocess import to_mnist
from digitpad.strokes import mnist_to_strokes_batch

ROW_HEIGHT = 240
DIGITS_PER_NUMBER = (3, 8)
HEIGHT_RANGE = (0.45, 0.75)  # of the row, for the number; each digit varies by HEIGHT_WOBBLE
HEIGHT_WOBBLE = 0.1
BASELINE_WOBBLE = 0.04  # of the digit height
TOUCH_SHARE = 0.15  # of the gaps, drawn from TOUCH_GAP; the others from GAP
TOUCH_GAP = (-0.15, 0.0)  # of the digit height
GAP = (0.05, 0.5)
MARGIN = 0.3  # of the digit height, left and right
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


@dataclass(frozen=True)
class Number:
    image: np.ndarray  # RGBA
    labels: np.ndarray
    alone: list[np.ndarray]  # each digit's coverage on its own, for reading without segmentation
    touching: bool  # whether any two neighbours' ink meets
    coverage: np.ndarray  # the whole number's ink, 0..255
    height: float  # of its digits, in pixels


def _coverage(strokes, height: float, pen: float, dy: float) -> np.ndarray:
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


def make_number(strokes_list, labels: np.ndarray, rng: np.random.Generator) -> Number:
    style = random_style(rng)
    height = rng.uniform(*HEIGHT_RANGE) * ROW_HEIGHT
    # The style's pen, as the same share of this number's digit height.
    pen = style.stroke_width / (style.height_frac * CANVAS_SIZE) * height
    pieces = [
        _coverage(
            strokes,
            height * rng.uniform(1 - HEIGHT_WOBBLE, 1 + HEIGHT_WOBBLE),
            pen,
            rng.normal(0, BASELINE_WOBBLE * height),
        )
        for strokes in strokes_list
    ]
    gaps = [
        rng.uniform(*(TOUCH_GAP if rng.random() < TOUCH_SHARE else GAP)) * height
        for _ in pieces[1:]
    ]
    margin = round(MARGIN * height)
    lefts = [margin]
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
    return Number(image, labels, pieces, touching, coverage, height)


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


def make_numbers(x_test: np.ndarray, y_test: np.ndarray, count: int, seed: int) -> list[Number]:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(DIGITS_PER_NUMBER[0], DIGITS_PER_NUMBER[1] + 1, count)
    chosen = rng.choice(len(x_test), sizes.sum(), replace=False)
    strokes = mnist_to_strokes_batch(x_test[chosen])
    starts = np.concatenate([[0], np.cumsum(sizes)])
    return [make_number(strokes[a:b], y_test[chosen[a:b]], rng) for a, b in zip(starts, starts[1:])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500, help="numbers to generate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--photo", action="store_true", help="photos of the numbers on paper")
    parser.add_argument("--data", default=None, help="mnist.npz (default: the shared one)")
    parser.add_argument("--store", default=None, help="folder of the models (default: shipped)")
    parser.add_argument("--picture", default=None, help="write the first numbers to this PNG")
    args = parser.parse_args()

    from digitpad.inference import DigitReader
    from digitpad.store import load_models, not_sure_thresholds

    data = args.data or (common.SHARED_MNIST if common.SHARED_MNIST.is_file() else None)
    _, (x_test, y_test) = load_mnist(data)
    numbers = make_numbers(x_test, y_test, args.count, args.seed)
    if args.photo:
        # Photographed with a generator of their own: the same numbers as without --photo.
        camera = np.random.default_rng([args.seed, 1])
        numbers = [replace(n, image=photographed(n, camera)) for n in numbers]
    store = Path(args.store) if args.store else None
    models, problems = load_models(store)
    for problem in problems.values():
        print(problem, file=sys.stderr)
    reader = DigitReader(models, not_sure_thresholds(store))

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
    for name in reader.names:
        read = [np.array([int(d) for d in r.read_by(name)]) for r in readings]
        exact = np.array([np.array_equal(r, n.labels) for r, n in zip(read, numbers)])
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
                f"{doubted[exact].sum()} of the {exact.sum()} read right"
            )
    if args.picture:
        rows = [n.image for n in numbers[:12]]
        width = max(r.shape[1] for r in rows)
        sheet = np.vstack([np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0))) for r in rows])
        code = cv2.COLOR_RGB2BGR if args.photo else cv2.COLOR_RGBA2BGRA
        cv2.imwrite(args.picture, cv2.cvtColor(sheet, code))


if __name__ == "__main__":
    main()
