"""Would normalising the pen's width help? The shipped models on drawn and pen digits,
preprocessed as shipped and with the strokes made MNIST's width first (tried, not shipped).

The width is measured on the ink's crop enlarged to WORK pixels (twice the ink's area over its
outline's length, the width of a long stroke), then eroded or dilated with a round kernel toward
TARGET of the crop's longer side, MNIST's pen in its 20x20 box, unless it is within a tolerance of
it: every stroke so (as first tried), or only thick ones thinned, or only thin ones thickened, at
several tolerances. Scored on the test sets and on validation digits (MNIST's last 5,000 training
digits redrawn, the pen digits of writers 21-24, drawn with the seed train.py validates with), on
which a variant would be chosen.

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
# name: (tolerance, which pens are changed: "every", "thick" ones thinned, "thin" ones thickened)
VARIANTS = {
    "every pen x1.3": (1.3, "every"),
    "thick only x1.3": (1.3, "thick"),
    "x1.6": (1.6, "thick"),
    "x2": (2.0, "thick"),
    "x2.5": (2.5, "thick"),
    "thin only x1.3": (1.3, "thin"),
    "thin only x2": (2.0, "thin"),
}
VALIDATION = 5000
VALIDATION_SEED = 1000  # train.py's seed 1 + 999, as it draws its validation digits


def stroke_width(ink: np.ndarray) -> float:
    binary = (ink > 0.5).astype(np.uint8)
    contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    outline = sum(cv2.arcLength(contour, True) for contour in contours)
    return 2 * float(binary.sum()) / max(outline, 1.0)


def normalised(cropped: np.ndarray, tolerance: float, which: str) -> np.ndarray:
    """The crop with its strokes eroded (or dilated) to MNIST's width, cropped again."""
    scale = WORK / max(cropped.shape)
    size = (max(1, round(cropped.shape[1] * scale)), max(1, round(cropped.shape[0] * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    enlarged = np.pad(cv2.resize(cropped, size, interpolation=interpolation), 8)
    width, target = stroke_width(enlarged), TARGET * WORK
    thick, thin = width > target * tolerance, width < target / tolerance
    if not ((thick and which != "thin") or (thin and which != "thick")):
        return cropped
    side = 2 * round(abs(width - target) / 2) + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    changed = (cv2.erode if width > target else cv2.dilate)(enlarged, kernel)
    rows, cols = np.nonzero(changed > preprocess.INK_FLOOR)
    if not len(rows):
        return cropped
    return changed[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def every_way(canvases) -> np.ndarray:
    """(N, 1 + len(VARIANTS), 28, 28): each canvas's model input as shipped, then with the pen
    normalised each way first."""
    inputs = []
    for canvas in canvases:
        prepared = preprocess.to_mnist(canvas)
        if prepared is None:
            inputs.append(np.zeros((1 + len(VARIANTS), 28, 28), np.float32))
            continue
        ways = [prepared.image]
        for tolerance, which in VARIANTS.values():
            fitted = preprocess.fit_into_box(normalised(prepared.cropped, tolerance, which))
            ways.append(preprocess.centre_by_mass(fitted.astype(np.float32)))
        inputs.append(np.stack(ways))
    return np.array(inputs)


def drawn_chunk(digits: np.ndarray, seed: int) -> np.ndarray:
    return every_way(make_drawn_canvases(digits, seed))


def pen_chunk(strokes: list, seed: int) -> np.ndarray:
    return every_way(draw_canvases(strokes, seed))


def accuracy(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
    return float(
        (model.predict(images[..., None], batch_size=500, verbose=0).argmax(1) == labels).mean()
    )


def main() -> None:
    (x_train, y_train), (x_test, y_test), store = common.mnist_and_store(__doc__)
    pen = pen_digit_parts(common.PEN_DIGITS)
    (pen_val, pen_val_labels), (pen_test, pen_test_labels) = pen["validation"], pen["test"]
    sets = {
        "drawn, validation digits": (
            in_parallel(drawn_chunk, x_train[-VALIDATION:], VALIDATION_SEED, None),
            y_train[-VALIDATION:],
        ),
        "pen, writers 21-24": (
            in_parallel(pen_chunk, pen_val, VALIDATION_SEED, None),
            pen_val_labels,
        ),
        # The test sets' own chunks and seeds (testsets.py), so the same drawings.
        DRAWN: (in_parallel(drawn_chunk, x_test, DRAWN_SEED, None), y_test),
        PEN: (in_parallel(pen_chunk, pen_test, DRAWN_SEED, None), pen_test_labels),
    }
    print(common.machine())
    print(f"pen made {TARGET} of the digit's longer side wide, unless within the tolerance")
    print(f"  {'':<32}{'as shipped':>12}" + "".join(f"{name:>17}" for name in VARIANTS))
    for name in ("mlp", "cnn"):
        model = load_model(name, store)
        for set_name, (images, labels) in sets.items():
            scores = [accuracy(model, images[:, way], labels) for way in range(1 + len(VARIANTS))]
            cells = [f"{scores[0]:>12.2%}", *(f"{score:>17.2%}" for score in scores[1:])]
            print(f"  {name} {set_name:<28}" + "".join(cells))


if __name__ == "__main__":
    main()
