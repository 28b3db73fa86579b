"""Would normalising the pen's width help? The shipped models on the drawn and pen test sets,
preprocessed as shipped and with every stroke made MNIST's width first (tried, not shipped).

The width is measured on the ink's crop enlarged to WORK pixels (twice the ink's area over its
outline's length, the width of a long stroke), then eroded or dilated with a round kernel toward
TARGET of the crop's longer side, MNIST's pen in its 20x20 box; within TOLERANCE it is left.

    .venv/bin/python benchmarks/stroke_width.py
"""

import common
import cv2
import keras
import numpy as np

from digitpad import preprocess
from digitpad.drawn import draw_canvases, make_drawn_canvases, pen_digit_parts
from digitpad.store import load_model
from digitpad.testsets import DRAWN, DRAWN_SEED, PEN
from digitpad.training_data import in_parallel

WORK = 80
TARGET = 0.12
TOLERANCE = 1.3


def stroke_width(ink: np.ndarray) -> float:
    binary = (ink > 0.5).astype(np.uint8)
    contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    outline = sum(cv2.arcLength(contour, True) for contour in contours)
    return 2 * float(binary.sum()) / max(outline, 1.0)


def normalised(cropped: np.ndarray) -> np.ndarray:
    """The crop with its strokes eroded or dilated to MNIST's width, cropped again."""
    scale = WORK / max(cropped.shape)
    size = (max(1, round(cropped.shape[1] * scale)), max(1, round(cropped.shape[0] * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    enlarged = np.pad(cv2.resize(cropped, size, interpolation=interpolation), 8)
    width, target = stroke_width(enlarged), TARGET * WORK
    if target / TOLERANCE <= width <= target * TOLERANCE:
        return cropped
    side = 2 * round(abs(width - target) / 2) + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    changed = (cv2.erode if width > target else cv2.dilate)(enlarged, kernel)
    rows, cols = np.nonzero(changed > preprocess.INK_FLOOR)
    if not len(rows):
        return cropped
    return changed[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def both_ways(canvases) -> np.ndarray:
    """(N, 2, 28, 28): each canvas's model input as shipped, and with the pen normalised first."""
    pairs = []
    for canvas in canvases:
        prepared = preprocess.to_mnist(canvas)
        if prepared is None:
            pairs.append(np.zeros((2, 28, 28), np.float32))
            continue
        fitted = preprocess.fit_into_box(normalised(prepared.cropped)).astype(np.float32)
        pairs.append(np.stack([prepared.image, preprocess.centre_by_mass(fitted)]))
    return np.array(pairs)


def drawn_chunk(digits: np.ndarray, seed: int) -> np.ndarray:
    return both_ways(make_drawn_canvases(digits, seed))


def pen_chunk(strokes: list, seed: int) -> np.ndarray:
    return both_ways(draw_canvases(strokes, seed))


def accuracy(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
    return float(
        (model.predict(images[..., None], batch_size=500, verbose=0).argmax(1) == labels).mean()
    )


def main() -> None:
    x_test, y_test, store = common.mnist_test_and_store(__doc__.splitlines()[0])
    pen_strokes, pen_labels = pen_digit_parts(common.PEN_DIGITS)["test"]
    # The test sets' own chunks and seeds (testsets.py), so the same drawings.
    drawn = in_parallel(drawn_chunk, x_test, DRAWN_SEED, None)
    pen = in_parallel(pen_chunk, pen_strokes, DRAWN_SEED, None)
    sets = {
        DRAWN: (drawn[:, 0], drawn[:, 1], y_test),
        PEN: (pen[:, 0], pen[:, 1], pen_labels),
    }
    print(common.machine())
    print(f"pen normalised to {TARGET} of the digit's longer side (left within x{TOLERANCE})")
    for name in ("mlp", "cnn"):
        model = load_model(name, store)
        for set_name, (shipped, normal, labels) in sets.items():
            as_shipped, as_normal = (accuracy(model, x, labels) for x in (shipped, normal))
            print(
                f"  {name} {set_name:<17} as shipped {as_shipped:.2%}   normalised {as_normal:.2%}"
            )


if __name__ == "__main__":
    main()
