"""Is a piece of ink cut from a number one whole digit? A small network that helps the number
reader cut.

The digit networks learnt from single digits: shown half of a wide 0, or two touching digits,
they are often as sure as of a whole digit, having seen neither. This network has seen both:
every candidate the reader (`digitpad.number`) offers in numbers written with MNIST training
digits (`digitpad.written_numbers`), labelled whole when it holds nearly all of one digit's ink
and little of any other's. Its log-odds join each candidate's score.
"""

import os
from concurrent.futures import ProcessPoolExecutor

import cv2
import keras
import numpy as np
from keras import layers

from digitpad import INPUT_SHAPE
from digitpad.candidates import find_candidates
from digitpad.ink import INK_SHARE
from digitpad.store import WHOLE_DIGIT, WHOLE_DIGIT_SHAPE_FEATURES
from digitpad.written_numbers import DIGITS_PER_NUMBER, Number, make_numbers

NAME = WHOLE_DIGIT
# A candidate is one whole digit when it holds this share of one digit's ink and at most
# STRAY_SHARE of any other's (touching digits share a few pixels).
WHOLE_SHARE = 0.9
STRAY_SHARE = 0.15
# Numbers per worker task: each takes a tenth of a second to write and cut.
CHUNK = 250
# The numbers it learns from have this share of their gaps closed, against 15% in the benchmark:
# touching digits are where cutting is hard. Measured on the tuning seeds, numbers read exactly:
# 85.2% and 85.0% with 15%, 85.4% and 86.0% with 40%.
TOUCH_SHARE = 0.4


def build() -> keras.Model:
    """Two small conv blocks on the candidate's 28x28 image; its shape joins before the end."""
    image = keras.Input(shape=INPUT_SHAPE, name="image")
    shape = keras.Input(shape=(WHOLE_DIGIT_SHAPE_FEATURES,), name="shape")
    x = layers.Conv2D(16, 3, activation="relu", name="conv1")(image)
    x = layers.MaxPooling2D(name="pool1")(x)
    x = layers.Conv2D(32, 3, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Concatenate(name="with_shape")([x, shape])
    x = layers.Dense(64, activation="relu", name="dense")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    whole = layers.Dense(1, activation="sigmoid", name="whole")(x)
    return keras.Model([image, shape], whole, name=NAME)


def labelled_candidates(number: Number) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reader's candidates in one number: images, shape features, and 1 for a whole digit."""
    ink, _, candidates = find_candidates(number.image)
    if not candidates:
        return (
            np.zeros((0, 28, 28), np.float32),
            np.zeros((0, WHOLE_DIGIT_SHAPE_FEATURES)),
            np.zeros(0),
        )
    working = ink.mask.shape[::-1]
    digits = [
        cv2.resize(mask.astype(np.uint8), working, interpolation=cv2.INTER_AREA) > 0
        for mask in number.digit_masks(round(INK_SHARE * 255))
    ]
    sizes = np.array([max(1, digit.sum()) for digit in digits])
    whole = []
    for candidate in candidates:
        x, y, w, h = candidate.box
        held = np.array([(d[y : y + h, x : x + w] & candidate.mask).sum() for d in digits]) / sizes
        most = int(held.argmax())
        others = np.delete(held, most)
        whole.append(held[most] >= WHOLE_SHARE and (others <= STRAY_SHARE).all())
    return (
        np.stack([c.image for c in candidates]),
        np.array([c.shape_features for c in candidates], np.float32),
        np.array(whole, np.float32),
    )


def _labelled_numbers(
    digits: np.ndarray, labels: np.ndarray, count: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    numbers = make_numbers(digits, labels, count, seed, TOUCH_SHARE)
    found = [labelled_candidates(n) for n in numbers]
    return tuple(np.concatenate(part) for part in zip(*found))


def numbers_per_task(digit_count: int, count: int) -> list[int]:
    """How many numbers each worker task writes, from its own share of `digit_count` digits
    (none used twice): `count` in all, fewer when the digits are too few (a smoke test's)."""
    counts = [min(CHUNK, count - start) for start in range(0, count, CHUNK)]
    most = digit_count // max(1, len(counts)) // DIGITS_PER_NUMBER[1]
    return [min(n, most) for n in counts]


def training_set(
    digits: np.ndarray, labels: np.ndarray, count: int, seed: int, workers: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidates from `count` numbers written with these digits: images, shapes, labels."""
    counts = numbers_per_task(len(digits), count)
    share = len(digits) // len(counts)
    tasks = [
        (digits[i * share : (i + 1) * share], labels[i * share : (i + 1) * share], n, seed + i)
        for i, n in enumerate(counts)
    ]
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(tasks) == 1:
        found = [_labelled_numbers(*task) for task in tasks]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            found = list(pool.map(_labelled_numbers, *zip(*tasks)))
    return tuple(np.concatenate(part) for part in zip(*found))
