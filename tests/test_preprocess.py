"""The drawing-to-MNIST steps on synthetic drawings: always centred and sized like MNIST."""

import cv2
import numpy as np
import pytest

from conftest import draw_polyline, mnist_on_canvas
from digitpad.preprocess import (
    MNIST_CENTRE,
    as_uint8,
    centre_by_mass,
    extract_ink,
    from_ink,
    to_mnist,
)

SEVEN = [(60, 50), (200, 50), (110, 240)]


def centre_of_mass(image):
    moments = cv2.moments(image)
    return moments["m10"] / moments["m00"], moments["m01"] / moments["m00"]


def ink_box(image):
    x, y, w, h = cv2.boundingRect((image > 0.05).astype(np.uint8))
    return w, h


def assert_mnist_like(image):
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0
    assert image.max() > 0.9, "strokes reach full intensity"
    cx, cy = centre_of_mass(image)
    assert abs(cx - MNIST_CENTRE) <= 0.5 and abs(cy - MNIST_CENTRE) <= 0.5, "whole-pixel shift"
    w, h = ink_box(image)
    assert max(w, h) in range(19, 23), "the longer side fits the 20x20 box (plus anti-aliasing)"


@pytest.mark.parametrize(
    "drawing",
    [
        pytest.param(draw_polyline(SEVEN), id="centred"),
        pytest.param(draw_polyline([(140, 40), (140, 240)], width=18), id="one-2px-wide"),
        pytest.param(draw_polyline([(40, 140), (240, 140)], width=18), id="dash-2px-tall"),
        pytest.param(
            draw_polyline([(x // 4 + 5, y // 4 + 5) for x, y in SEVEN], width=4), id="tiny-top-left"
        ),
        pytest.param(
            draw_polyline([(x * 4, y * 4) for x, y in SEVEN], size=1200, width=60), id="huge"
        ),
        pytest.param(draw_polyline(SEVEN, width=45), id="thick"),
        pytest.param(draw_polyline(SEVEN, width=2), id="thin"),
        pytest.param(
            draw_polyline([(x + 60, y + 30) for x, y in SEVEN], size=400), id="off-centre"
        ),
    ],
)
def test_drawings_come_out_centred_and_sized_like_mnist(drawing):
    result = to_mnist(drawing)
    assert result is not None
    assert_mnist_like(result.image)


def test_tall_digit_keeps_its_aspect_ratio():
    result = to_mnist(draw_polyline([(140, 30), (140, 250)], width=10))
    w, h = ink_box(result.image)
    assert h >= 19 and w <= 5, "a '1' stays thin: it is not stretched to fill 20x20"
    assert result.fitted.shape[0] == 20


def test_a_thin_pen_stays_one_stroke_once_fitted_into_20x20():
    # Shrunk by averaging the pixels each output pixel covers, as MNIST was anti-aliased:
    # sampled instead (bilinear), a 2-pixel pen on the 280-pixel pad came out as ten specks.
    fitted = to_mnist(draw_polyline(SEVEN, width=2)).fitted
    count, _ = cv2.connectedComponents((fitted > 0.15).astype(np.uint8))
    assert count - 1 == 1


def test_a_digit_centred_past_the_fields_edge_is_clipped_on_that_side_only():
    # A stroke down the right-hand edge of its 20x20 box: moved left by 5 columns (MNIST's
    # centre 14 less 19) and down by 4 (14 less 9.5, rounded to even), the 5 columns pushed
    # past the left edge are cut, every row kept.
    fitted = np.zeros((20, 20), np.float32)
    fitted[:, 19] = 1.0
    field = centre_by_mass(fitted)
    np.testing.assert_array_equal(field[4:24, 0:15], fitted[:, 5:20])
    assert field.sum() == fitted.sum() and field[:, 14].sum() == 20


def test_dark_on_light_reads_like_light_on_dark():
    light_on_dark = draw_polyline(SEVEN)
    dark_on_light = light_on_dark.copy()
    dark_on_light[..., :3] = 255 - dark_on_light[..., :3]
    a, b = to_mnist(light_on_dark).image, to_mnist(dark_on_light).image
    assert np.abs(a - b).max() < 1e-5


def test_gray_and_rgb_inputs_match_rgba():
    rgba = draw_polyline(SEVEN)
    expected = to_mnist(rgba).image
    assert np.abs(to_mnist(rgba[..., :3]).image - expected).max() < 1e-5
    assert np.abs(to_mnist(rgba[..., 0]).image - expected).max() < 1e-5


def test_a_bold_digit_cropped_close_on_a_transparent_background_is_its_alpha():
    # Its ink covers most of the picture: taken by majority, the background was the ink's, and
    # the digit "looked blank".
    picture = np.zeros((160, 110, 4), np.uint8)  # black ink, transparent around it
    cv2.ellipse(picture, (55, 42), (40, 30), 0, 0, 360, (0, 0, 0, 255), 26)
    cv2.ellipse(picture, (55, 116), (44, 34), 0, 0, 360, (0, 0, 0, 255), 26)
    assert (picture[:, :, 3] > 0).mean() > 0.5
    result = to_mnist(picture)
    assert result is not None
    np.testing.assert_array_equal(result.ink > 0, picture[:, :, 3] > 0)


def test_a_screenshots_clear_corners_are_its_background_not_its_ink():
    picture = np.full((200, 200, 4), 255, np.uint8)  # opaque white
    cv2.line(picture, (100, 30), (100, 170), (0, 0, 0, 255), 14)  # a black "1"
    picture[:10, :10] = picture[:10, -10:] = 0  # two clear rounded corners
    result = to_mnist(picture)
    x, y, width, height = result.box
    assert 85 <= x <= 100 and width < 30 and height > 120, result.box


def test_ink_only_in_alpha_channel():
    """The canvas over a transparent background returns colour where drawn, alpha as coverage."""
    opaque = draw_polyline(SEVEN)
    transparent = np.zeros_like(opaque)
    transparent[..., 0] = 30  # blue-ish ink colour everywhere: only alpha tells ink from paper
    transparent[..., 2] = 200
    transparent[..., 3] = opaque[..., 0]
    assert np.abs(to_mnist(transparent).image - to_mnist(opaque).image).max() < 1e-5


def test_uint16_and_float_inputs():
    rgba = draw_polyline(SEVEN)
    expected = to_mnist(rgba).image
    sixteen = rgba[..., 0].astype(np.uint16) * 257
    assert np.abs(to_mnist(sixteen).image - expected).max() < 1e-3
    assert np.abs(to_mnist(rgba[..., 0] / 255.0).image - expected).max() < 1e-3


def test_a_float_picture_a_little_past_one_is_not_taken_for_0_to_255():
    # Cubic resampling of a 0..1 picture, as a float TIFF may hold, overshoots 1 at sharp edges.
    gray = draw_polyline(SEVEN)[..., 0] / 255.0
    expected = to_mnist(gray).image
    overshot = gray.copy()
    overshot[np.unravel_index(np.argmax(gray), gray.shape)] = 1.02  # on the ink
    assert np.abs(to_mnist(overshot).image - expected).max() < 1e-3
    assert np.abs(to_mnist(gray * 255.0).image - expected).max() < 1e-3  # 0..255 floats still


def test_every_16_bit_level_comes_to_its_nearest_8_bit_one():
    # Scaled by OpenCV in one step (float64 copies of a large 16-bit RGBA upload took 10 GB).
    levels = np.arange(2**16, dtype=np.uint16)
    nearest = np.round(levels / 65535 * 255).astype(np.uint8)
    np.testing.assert_array_equal(as_uint8(levels.reshape(256, 256)).ravel(), nearest)
    rgba = np.stack([levels.reshape(256, 256)] * 4, axis=-1)
    np.testing.assert_array_equal(as_uint8(rgba)[..., 3].ravel(), nearest)


def test_negative_pixels_of_a_signed_type_are_black_not_wrapped_round():
    assert as_uint8(np.array([[-128, -1, 0, 127]], np.int8)).tolist() == [[0, 0, 0, 255]]


@pytest.mark.parametrize("dtype, scale", [(np.int32, 1), (np.int32, 100), (np.int16, 1)])
def test_a_signed_or_32_bit_gray_picture_holding_8_or_16_bit_values_is_read(dtype, scale):
    # A digit in 0..25500 as an int32 TIFF came out blank, on the type's scale of 2**31; one in
    # 0..255 as an int16 TIFF, on 0..32767.
    gray = draw_polyline(SEVEN)[..., 0]
    expected = to_mnist(gray).image
    wide = gray.astype(dtype) * scale
    assert np.abs(to_mnist(wide).image - expected).max() < 0.02


@pytest.mark.parametrize(
    "blank",
    [
        np.zeros((280, 280, 4), np.uint8),  # transparent, nothing drawn
        np.full((280, 280, 4), 255, np.uint8),  # opaque white
        np.full((50, 50, 3), 90, np.uint8),  # filled solid with one colour
        np.full((10, 10), 200, np.uint8) + np.eye(10, dtype=np.uint8) * 5,  # faint noise only
    ],
)
def test_blank_inputs_mean_nothing_drawn(blank):
    assert extract_ink(blank) is None
    assert to_mnist(blank) is None


def test_ink_found_elsewhere_goes_through_the_same_steps():
    # number.py finds each digit's ink itself and hands it to from_ink.
    drawing = draw_polyline(SEVEN)
    ink = extract_ink(drawing)
    np.testing.assert_array_equal(from_ink(ink).image, to_mnist(drawing).image)
    assert from_ink(np.zeros((40, 30), np.float32)) is None


def test_a_bold_digit_covering_most_of_the_pad_is_not_read_inverted():
    bold_one = draw_polyline([(110, 70), (170, 210)], width=150)
    assert (bold_one[..., 0] > 127).mean() > 0.5, "more ink than background"
    result = to_mnist(bold_one)
    assert result.ink[140, 140] == 1.0 and result.ink[5, 275] == 0.0, "the stroke is the ink"
    assert result.box[2] < 250, "cropped to the stroke, not to the whole pad"


def test_a_thin_frame_round_the_picture_is_not_taken_for_its_background():
    framed = draw_polyline(SEVEN)
    cv2.rectangle(framed, (0, 0), (279, 279), (255, 255, 255, 255), 3)
    result = to_mnist(framed)
    assert result.ink[140, 40] == 0.0 and result.ink[50, 100] == 1.0, "paper stays paper"


def test_single_dot_becomes_a_centred_blob():
    dot = draw_polyline([(100, 100), (100, 100)], width=12)
    result = to_mnist(dot)
    assert_mnist_like(result.image)


def test_one_pixel_image():
    result = to_mnist(np.array([[255]], np.uint8))
    assert result is None, "a single uniform pixel has no background to contrast with"


def test_line_across_the_whole_canvas():
    result = to_mnist(draw_polyline([(0, 140), (279, 140)], width=8))
    w, h = ink_box(result.image)
    assert w >= 19 and h <= 4


def test_intermediate_steps_are_consistent():
    result = to_mnist(draw_polyline([(x + 30, y) for x, y in SEVEN]))
    x, y, w, h = result.box
    assert result.cropped.shape == (h, w)
    assert np.array_equal(result.cropped, result.ink[y : y + h, x : x + w])
    assert max(result.fitted.shape) == 20


def test_mnist_digits_survive_a_round_trip(mnist_test):
    """An MNIST digit enlarged onto the canvas comes back close to the original."""
    images, _ = mnist_test
    for digit in images[:20]:
        result = to_mnist(mnist_on_canvas(digit)).image
        original = digit.astype(np.float32) / 255
        correlation = np.corrcoef(result.ravel(), original.ravel())[0, 1]
        assert correlation > 0.85
