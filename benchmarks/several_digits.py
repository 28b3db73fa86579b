"""How often the drawing page says "Several digits, not one?": of two digits written side by side
on its square pad, which it should, and of one digit, which it should not.

    .venv/bin/python benchmarks/several_digits.py [--pen test] [--count 300] [--seed 0]

The pad reads one digit at a time; a drawing as wide as two digits that the networks are not both
sure of is also read as a number, and called several digits when the number reader finds two or
more that the CNN is sure of, or most of them where it is not sure of the drawing as one digit
(`digitpad.verdict`). Two digits: tablet-pen digits of the chosen
writers (test: the six no model trained or was tuned on; validation: the four the width rule was
chosen on), a random 25-60% of the pad tall, side by side with gaps from a slight overlap to a
tenth of the pad, a pen of 5 to 25 pixels. One digit: those writers' digits alone, 25-90% of the
pad tall, anywhere, a pen of 4 to 40 pixels, MNIST's test digits drawn as `evaluate` draws its
drawn set, and scribbles (the scribble test set's tangles) drawn as those writers' digits are.
Prints the share called several digits, and the number reader's time on a stroke.
"""

import argparse
import time

import common
import numpy as np

from digitpad.charts import MODEL_TITLES
from digitpad.data import load_mnist
from digitpad.drawn import CANVAS_SIZE, draw_strokes, make_drawn_canvases, pen_digit_parts
from digitpad.number import read_number
from digitpad.pieces import ink_groups
from digitpad.preprocess import to_mnist
from digitpad.testsets import SCRIBBLE_SEED
from digitpad.training_data import random_scribbles
from digitpad.verdict import may_be_a_number, several_digits

WHITE, BLACK = (255, 255, 255), (0, 0, 0)


def drawn(strokes, height: float, centre: tuple[float, float], pen: float) -> np.ndarray:
    """One digit in white on the pad's black, as the pad returns it."""
    return draw_strokes(
        strokes, height_frac=height, centre=centre, stroke_width=pen, ink=WHITE, background=BLACK
    )


def two_digits(rng: np.random.Generator, strokes: list) -> np.ndarray:
    first, second = rng.choice(len(strokes), 2)
    height, gap = rng.uniform(0.25, 0.6), rng.uniform(-0.03, 0.1)
    pen = float(rng.choice([5, 8, 12, 18, 25]))
    apart = (0.7 * height + gap) / 2  # from the middle to each digit's centre, pen digits ~0.7 wide
    return np.maximum(
        *(
            drawn(strokes[i], height, ((0.5 + side * apart) * CANVAS_SIZE, y * CANVAS_SIZE), pen)
            for i, side, y in zip((first, second), (-1, 1), rng.uniform(0.35, 0.65, 2))
        )
    )


def one_digit(rng: np.random.Generator, strokes: list) -> np.ndarray:
    centre = tuple(rng.uniform(0.3, 0.7, 2) * CANVAS_SIZE)
    pen = float(rng.choice([4, 8, 12, 18, 25, 40]))
    return drawn(strokes[rng.integers(len(strokes))], rng.uniform(0.25, 0.9), centre, pen)


def main() -> None:
    parser = argparse.ArgumentParser(description=common.description(__doc__))
    parser.add_argument("--pen", choices=["test", "validation"], default="test")
    parser.add_argument("--count", type=common.count, default=300, help="drawings of each kind")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    reader = common.app_reader()
    strokes, _ = pen_digit_parts(common.PEN_DIGITS)[args.pen]
    _, (mnist_test, _) = load_mnist(common.mnist_file(None))
    scribbles = random_scribbles(args.count, SCRIBBLE_SEED)  # the scribble test set's
    rng = np.random.default_rng(args.seed)
    sets = {
        f"two {args.pen} writers' digits side by side": [
            two_digits(rng, strokes) for _ in range(args.count)
        ],
        f"one {args.pen} writers' digit": [one_digit(rng, strokes) for _ in range(args.count)],
        "one MNIST test digit, drawn": list(make_drawn_canvases(mnist_test[: args.count])),
        "a scribble": [one_digit(rng, scribbles) for _ in range(args.count)],
    }
    print(common.machine())
    for name, canvases in sets.items():
        called, seconds = 0, []
        for canvas in canvases:
            result = to_mnist(canvas)
            readings = reader.read_one(result.image).readings
            groups = ink_groups(result.ink)
            if may_be_a_number(result.box, groups, readings):
                start = time.perf_counter()
                number = read_number(canvas, reader)
                seconds.append(time.perf_counter() - start)
                called += several_digits(number, groups, readings, MODEL_TITLES) is not None
        share = f"{called} of {len(canvases)} ({called / len(canvases):.1%})"
        print(f"{name}: called several digits, {share}")
        timed = common.percentiles(seconds) if seconds else "not asked"
        print(f"  the number reader, on those that may be a number: {timed}")


if __name__ == "__main__":
    main()
