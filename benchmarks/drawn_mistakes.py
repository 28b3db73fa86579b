"""Where a model's mistakes on the drawn test set come from: MNIST's own digit, a blot, the pen.

    .venv/bin/python benchmarks/drawn_mistakes.py --data ../shared/data/mnist.npz

For each shipped model: its mistakes on the drawn set; how many of them it also makes on the
same digits as MNIST drew them; how many of the rest are digits whose MNIST ink holds a blot (its
deepest pixel, the distance to the ink's edge, at least BLOT times its median depth: mostly a loop
the writer's pen filled in, which thinning turns into a line); and its share of mistakes by the
redrawing's pen width, a fraction of the digit's height.
"""

import common
import cv2
import numpy as np

from digitpad.drawn import CANVAS_SIZE, random_style
from digitpad.evaluation import as_model_input
from digitpad.store import load_model
from digitpad.strokes import upscaled_ink
from digitpad.testsets import DRAWN_SEED, drawn_test_set
from digitpad.training_data import CHUNK

BLOT = 3.0
PEN_BANDS = [0.03, 0.05, 0.08, 0.12, 0.18, 0.31]


def blot_depth(ink: np.ndarray) -> float:
    """The ink's deepest pixel over its median depth, on the ink that thinning sees."""
    depth = cv2.distanceTransform(ink.astype(np.uint8), cv2.DIST_L2, 5)
    inside = depth[depth > 0]
    return float(depth.max() / np.median(inside)) if len(inside) else 0.0


def pen_fractions(count: int) -> np.ndarray:
    """Each drawn test digit's pen width over its height: the styles the drawn set drew."""
    fractions = []
    # The drawn set's chunks and seeds (training_data.in_parallel, drawn.draw_canvases).
    for start in range(0, count, CHUNK):
        rng = np.random.default_rng(DRAWN_SEED * 100_003 + start)
        for _ in range(min(CHUNK, count - start)):
            style = random_style(rng)
            fractions.append(style.stroke_width / (style.height_frac * CANVAS_SIZE))
    return np.array(fractions)


def main() -> None:
    x_test, y_test, store = common.mnist_test_and_store(__doc__)
    drawn = drawn_test_set(x_test)
    blotted = np.array([blot_depth(ink) for ink in upscaled_ink(x_test)]) >= BLOT
    pens = pen_fractions(len(x_test))
    print(common.machine())
    print(f"{blotted.sum()} of {len(x_test)} MNIST test digits hold a blot (deepest >= {BLOT}x)")
    for name in ("mlp", "cnn"):
        model = load_model(name, store)
        drawn_wrong, mnist_wrong = (
            model.predict(as_model_input(images), batch_size=1000, verbose=0).argmax(axis=1)
            != y_test
            for images in (drawn, x_test.astype(np.float32) / 255)
        )
        rest = drawn_wrong & ~mnist_wrong
        print(
            f"{name}: {drawn_wrong.sum()} mistakes on the drawn set; "
            f"{(drawn_wrong & mnist_wrong).sum()} also on the digit as MNIST drew it; "
            f"of the rest, {(rest & blotted).sum()} blotted digits "
            f"({drawn_wrong[blotted].mean():.1%} of blotted digits misread drawn, "
            f"{mnist_wrong[blotted].mean():.1%} as MNIST drew them)"
        )
        for low, high in zip(PEN_BANDS, PEN_BANDS[1:]):
            band = (pens >= low) & (pens < high)
            print(
                f"  pen {low:.0%} to {high:.0%} of the height: "
                f"{drawn_wrong[band].mean():.2%} misread of {band.sum()}"
            )


if __name__ == "__main__":
    main()
