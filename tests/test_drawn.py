"""Tests for digitpad.strokes and digitpad.drawn: skeletons, strokes, canvas drawing, drawn sets."""

import itertools
import re

import cv2
import numpy as np
import pytest

from conftest import PENDIGITS_FILE
from digitpad import drawn, strokes, testsets
from digitpad.data import BadDataFile, load_mnist
from digitpad.preprocess import to_mnist
from digitpad.verdict import MNIST_WIDEST, too_wide_for_a_digit

INK = (200, 30, 90)
PAPER = (245, 240, 230)


def typed_digits() -> np.ndarray:
    """Ten MNIST-like 28x28 uint8 digits, typed rather than loaded, so no data file is needed."""
    digits = np.zeros((10, 28, 28), np.uint8)
    for value, digit in enumerate(digits):
        cv2.putText(digit, str(value), (6, 23), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 255, 2, cv2.LINE_AA)
    return digits


def ring(points: int = 40) -> list[np.ndarray]:
    """A closed circle as one stroke in the unit box."""
    angles = np.linspace(0, 2 * np.pi, points)
    return [np.stack([0.5 + 0.5 * np.cos(angles), 0.5 + 0.5 * np.sin(angles)], 1).astype("f4")]


def ink_box(canvas: np.ndarray) -> tuple[int, int, int, int]:
    """x, y, width, height of the clearly inked pixels."""
    return cv2.boundingRect((canvas[:, :, 3] > 127).astype(np.uint8))


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel() - a.mean(), b.ravel() - b.mean()
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


def skeletonize_checked(binary: np.ndarray) -> np.ndarray:
    skeleton = strokes.skeletonize_batch(np.asarray(binary)[None])[0]
    assert skeleton.shape == binary.shape and skeleton.dtype == bool
    return skeleton


def test_skeleton_of_thick_bar_is_one_pixel_wide_and_spans_it():
    bar = np.zeros((21, 60), bool)
    bar[7:14, 5:55] = True
    skeleton = skeletonize_checked(bar)
    columns = np.nonzero(skeleton.any(axis=0))[0]
    assert skeleton.sum(axis=0).max() == 1
    assert skeleton.sum(axis=1).max() >= 40
    assert columns[0] <= 10 and columns[-1] >= 49
    assert np.all(np.diff(columns) == 1)
    assert not skeleton[~bar].any()


def test_skeleton_of_ring_is_a_thin_closed_loop():
    image = np.zeros((40, 40), np.uint8)
    cv2.circle(image, (20, 20), 12, 1, 5)
    skeleton = skeletonize_checked(image)
    # One piece, with the hole kept and no pixel crowded by more than two neighbours' worth.
    count, _ = cv2.connectedComponents(skeleton.astype(np.uint8), connectivity=8)
    holes, _ = cv2.connectedComponents((~skeleton).astype(np.uint8), connectivity=4)
    assert count == 2 and holes == 3
    assert skeleton.sum() < 2 * np.pi * 12 * 1.3


def test_batched_skeletons_match_single_ones():
    ink = typed_digits() > 100
    batch = strokes.skeletonize_batch(ink)
    for image, skeleton in zip(ink, batch, strict=True):
        assert np.array_equal(strokes.skeletonize_batch(image[None])[0], skeleton)


def test_mnist_strokes_fill_the_unit_box():
    for paths in strokes.mnist_to_strokes_batch(typed_digits()):
        assert paths and all(s.dtype == np.float32 and s.shape[1] == 2 for s in paths)
        points = np.concatenate(paths)
        assert points.min() >= 0 and np.isclose(points.max(axis=0).max(), 1)
        assert np.isclose(points.min(axis=0), 0).all()


def loops(paths: list[np.ndarray]) -> int:
    """How many loops the strokes close: the paper they enclose, drawn with a thin pen."""
    canvas = drawn.draw_strokes(
        paths, height_frac=0.8, centre=(140, 140), stroke_width=3, ink=INK, background=None
    )
    regions, _ = cv2.connectedComponents((canvas[:, :, 3] <= 127).astype(np.uint8), connectivity=4)
    return regions - 2  # the paper around the digit, and connectedComponents' own label 0


def mnist_like_nine() -> np.ndarray:
    """A 9 whose small loop MNIST's anti-aliasing has blurred: its hole is gray, not black."""
    nine = np.zeros((28, 28), np.uint8)
    cv2.circle(nine, (13, 9), 4, 255, 3, cv2.LINE_AA)
    cv2.line(nine, (17, 9), (15, 24), 255, 3, cv2.LINE_AA)
    return cv2.GaussianBlur(nine, (3, 3), 0.8)


def test_a_small_loop_blurred_to_gray_is_still_a_loop():
    nine = mnist_like_nine()
    # Above the ink threshold, so thresholding alone filled it: the 9 came back a 7.
    assert strokes.MNIST_INK_THRESHOLD < nine[9, 13] < 200
    assert loops(strokes.mnist_to_strokes_batch(nine[None])[0]) == 1


def test_strokes_close_no_loops_the_ink_has_not():
    # Typed digits have crisp holes: as many loops as the font draws (its 0 is slashed by a
    # second loop), none where strokes meet at a corner or a junction.
    found = [loops(paths) for paths in strokes.mnist_to_strokes_batch(typed_digits())]
    assert found == [2, 0, 0, 0, 1, 0, 1, 0, 2, 1]


def test_transparent_canvas_has_ink_only_where_drawn():
    canvas = drawn.draw_strokes(
        ring(), height_frac=0.5, centre=(140, 140), stroke_width=8, ink=INK, background=None
    )
    assert canvas.shape == (drawn.CANVAS_SIZE, drawn.CANVAS_SIZE, 4) and canvas.dtype == np.uint8
    alpha = canvas[:, :, 3]
    assert alpha[140, 140] == 0 and alpha[0, 0] == 0 and alpha.max() == 255
    assert (canvas[alpha > 0, :3] == INK).all()
    assert (canvas[alpha == 0, :3] == 0).all()
    assert 0 < (alpha > 0).mean() < 0.2


def test_canvas_with_background_is_opaque_ink_over_it():
    canvas = drawn.draw_strokes(
        ring(), height_frac=0.5, centre=(140, 140), stroke_width=8, ink=INK, background=PAPER
    )
    assert (canvas[:, :, 3] == 255).all()
    assert tuple(canvas[0, 0, :3]) == PAPER and tuple(canvas[140, 140, :3]) == PAPER
    assert tuple(canvas[140, 74, :3]) == INK  # on the ring, left of centre


@pytest.mark.parametrize("height_frac", [0.25, 0.5, 0.9])
@pytest.mark.parametrize("stroke_width", [1.5, 6.0, 25.0])
def test_drawn_height_and_centre_are_as_asked(height_frac, stroke_width):
    canvas = drawn.draw_strokes(
        ring(),
        height_frac=height_frac,
        centre=(150, 130),
        stroke_width=stroke_width,
        ink=INK,
        background=None,
    )
    x, y, width, height = ink_box(canvas)
    assert abs(height - height_frac * drawn.CANVAS_SIZE) <= 3
    if height_frac < 0.9:  # the tallest digit is nudged back onto the canvas
        assert abs(x + width / 2 - 150) <= 2 and abs(y + height / 2 - 130) <= 2


def test_a_digit_placed_off_the_edge_stays_whole_on_the_canvas():
    canvas = drawn.draw_strokes(
        ring(), height_frac=0.6, centre=(5, 270), stroke_width=10, ink=INK, background=None
    )
    _, _, width, height = ink_box(canvas)
    assert abs(height - 0.6 * drawn.CANVAS_SIZE) <= 3 and abs(width - height) <= 3


def test_the_pen_is_as_wide_as_asked_and_placed_to_a_fraction_of_a_pixel():
    line = [np.float32([[0, 0], [0, 1]])]
    columns = np.arange(drawn.CANVAS_SIZE)
    for step, width in enumerate([*np.arange(1.5, 6.01, 0.25), 12.0, 30.0]):
        middle = 140 + 0.1 * (step % 10)
        canvas = drawn.draw_strokes(
            line,
            height_frac=0.5,
            centre=(middle, 140),
            stroke_width=width,
            ink=INK,
            background=None,
        )
        coverage = canvas[140, :, 3] / 255
        assert abs(coverage.sum() - width) <= 0.2
        assert abs(coverage @ columns / coverage.sum() - middle) <= 0.05


def test_random_styles_cover_the_ranges_asked_for():
    rng = np.random.default_rng(1)
    styles = [drawn.random_style(rng) for _ in range(600)]
    size = drawn.CANVAS_SIZE
    for style in styles:
        height = style.height_frac * size
        assert 0.25 <= style.height_frac <= 0.9
        assert max(0.03 * height, 1.5) - 1e-9 <= style.stroke_width <= 0.3 * height + 1e-9
        assert all(height / 2 <= c <= size - height / 2 for c in style.centre)
        if style.background is not None:
            contrast = abs(drawn.luminance(style.ink) - drawn.luminance(style.background))
            assert contrast >= drawn.MIN_INK_CONTRAST
    transparent = sum(s.background is None for s in styles)
    dark_ink = sum(s.background is not None and drawn.luminance(s.background) > 128 for s in styles)
    assert 150 < transparent < 250 and 150 < dark_ink < 250
    widths = np.array([s.stroke_width / (s.height_frac * size) for s in styles])
    assert widths.min() < 0.05 and widths.max() > 0.25


def test_drawn_set_is_reproducible_for_a_seed_and_differs_for_another():
    digits = typed_digits()[:6]
    first = drawn.make_drawn_set(digits, seed=3)
    assert first.shape == (6, 28, 28) and first.dtype == np.float32
    assert (first.reshape(6, -1).max(axis=1) > 0.5).all()
    assert np.array_equal(first, drawn.make_drawn_set(digits, seed=3))
    assert not np.allclose(first, drawn.make_drawn_set(digits, seed=4))


def test_drawn_canvases_are_rgba_canvases():
    canvases = list(drawn.make_drawn_canvases(typed_digits()[:3], seed=0))
    assert len(canvases) == 3
    assert all(c.shape == (drawn.CANVAS_SIZE, drawn.CANVAS_SIZE, 4) for c in canvases)


def test_drawn_mnist_digits_still_look_like_themselves(mnist_test):
    digits = mnist_test[0][:40]
    redrawn = drawn.make_drawn_set(digits, seed=0)
    originals = [to_mnist(digit).image for digit in digits]
    matched = np.mean([correlation(a, b) for a, b in zip(redrawn, originals, strict=True)])
    # Against another digit's original the likeness should fall well away.
    shifted = np.mean([correlation(a, b) for a, b in zip(redrawn, np.roll(originals, 1, 0))])
    assert matched > 0.5 and matched > shifted + 0.3


def test_the_pen_test_set_is_of_writers_no_model_learnt_from(monkeypatch):
    # Its figure is the README's "new writers": the validation writers' digits calibrate the
    # networks and choose between them.
    if not PENDIGITS_FILE.is_file():
        pytest.skip(f"no pen digits file at {PENDIGITS_FILE}")
    monkeypatch.setattr(testsets, "rendered_strokes", lambda strokes, seed, workers: strokes)
    strokes_list, labels = testsets.pen_test_set(PENDIGITS_FILE)
    _, all_labels, writers = drawn.load_pen_digits(PENDIGITS_FILE)
    new = np.isin(writers, drawn.PEN_WRITERS["test"])
    assert len(strokes_list) == new.sum() and labels.tolist() == all_labels[new].tolist()
    learnt_from = [*drawn.PEN_WRITERS["train"], *drawn.PEN_WRITERS["validation"]]
    assert not set(drawn.PEN_WRITERS["test"]) & set(learnt_from)


def test_pen_digits_load_into_the_unit_box():
    if not PENDIGITS_FILE.is_file():
        pytest.skip(f"no pen digits file at {PENDIGITS_FILE}")
    strokes_list, labels, writers = drawn.load_pen_digits(PENDIGITS_FILE)
    assert len(strokes_list) == len(labels) == len(writers) == 7494
    assert set(labels.tolist()) == set(range(10))
    assert writers.min() == 1 and writers.max() == 30
    for paths in strokes_list[:200]:
        points = np.concatenate(paths)
        assert points.dtype == np.float32 and points.min() >= 0
        assert np.isclose(points.max(axis=0).max(), 1)
    images = drawn.render_pen_digits(strokes_list[:5], seed=0)
    assert images.shape == (5, 28, 28) and images.dtype == np.float32
    assert (images.reshape(5, -1).max(axis=1) > 0.5).all()


def test_no_digit_drawn_or_in_mnist_is_too_wide_for_a_digit(mnist_file):
    # The page calls ink WIDER_THAN_ANY_DIGIT times as wide as tall too wide for one digit, and
    # says MNIST's widest digit is MNIST_WIDEST times: true of its 70,000, and of no drawn digit.
    (train, _), (test, _) = load_mnist(mnist_file)
    images = np.concatenate([train, test])
    rows, cols = (images > 0).any(2), (images > 0).any(1)
    heights = 28 - rows[:, ::-1].argmax(1) - rows.argmax(1)
    widths = 28 - cols[:, ::-1].argmax(1) - cols.argmax(1)
    assert round((widths / heights).max(), 1) == MNIST_WIDEST
    drawn_digits = drawn.make_drawn_canvases(test[:1000], seed=3)
    if PENDIGITS_FILE.is_file():  # other writers' styles, every fifth of their 7,494 digits
        pen_strokes, _, _ = drawn.load_pen_digits(PENDIGITS_FILE)
        drawn_digits = itertools.chain(drawn_digits, drawn.draw_canvases(pen_strokes[::5]))
    too_wide = [
        i for i, canvas in enumerate(drawn_digits) if too_wide_for_a_digit(to_mnist(canvas).box)
    ]
    assert too_wide == []


def pen_arrays(**changed) -> dict[str, np.ndarray]:
    """Three one-stroke digits, one by a training, a validation and a test writer."""
    arrays = {
        "points": np.tile([[0.0, 0.0], [1.0, 2.0], [2.0, 0.0]], (3, 1)),
        "stroke_ptr": np.array([0, 3, 6, 9]),
        "sample_ptr": np.array([0, 1, 2, 3]),
        "labels": np.array([1, 7, 4]),
        "writer": np.array([1, 21, 25]),
    }
    return {**arrays, **changed}


@pytest.mark.parametrize(
    ("changed", "problem"),
    [
        ({"points": np.zeros(18)}, "not (P, 2) coordinates"),
        ({"points": np.full((9, 2), np.nan)}, "not finite"),
        ({"stroke_ptr": np.array([0, 3, 3, 9])}, "stroke_ptr does not cut"),  # an empty stroke
        ({"stroke_ptr": np.array([0, 3, 6, 12])}, "stroke_ptr does not cut"),
        ({"sample_ptr": np.array([0, 1, 2])}, "sample_ptr does not cut"),
        ({"labels": np.array([1, 7])}, "labels are not one digit 0-9 for each of the 3 digits"),
        ({"labels": np.array([1, 7, 12])}, "labels are not one digit 0-9"),
        ({"writer": np.array([1, 21])}, "writer is not one writer for each"),
        ({"writer": np.array([1, 2, 3])}, "no digits by the validation or test writers"),
    ],
)
def test_pen_digits_that_are_not_laid_out_as_their_readme_says_are_refused(
    tmp_path, changed, problem
):
    path = tmp_path / "pendigits.npz"
    np.savez(path, **pen_arrays())
    digits, labels, writers = drawn.load_pen_digits(path)  # as laid out: read
    assert len(digits) == 3 and labels.tolist() == [1, 7, 4] and writers.tolist() == [1, 21, 25]
    np.savez(path, **pen_arrays(**changed))
    with pytest.raises(BadDataFile, match=re.escape(problem)):
        drawn.load_pen_digits(path)
