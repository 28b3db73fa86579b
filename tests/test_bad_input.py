"""Bad input, one test each: odd drawings, files that are no digit picture, broken model files.

Whatever comes in, the page and the command line answer in words, never with a traceback.
"""

import io
import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import cv2
import keras
import numpy as np
import pytest
from browser import (
    SEVEN,
    assert_clean,
    draw,
    draw_each_read,
    open_from_sidebar,
    open_pad,
    open_page,
    wait_for_digit,
    wait_until_idle,
)
from PIL import Image
from playwright.sync_api import expect
from streamlit.testing.v1 import AppTest
from test_app import chart_titles, run_app
from test_cli import json_records, run_cli
from test_samples import zip_of

from conftest import REPO, draw_polyline, opaque_canvas, read_only
from digitpad.data import MNIST_ENV, MnistUnavailable, load_mnist
from digitpad.images import PICTURE_UPLOAD_MB, UnreadableImage, decode_image
from digitpad.number import digit_in_picture
from digitpad.store import (
    CHAPTER_DIR,
    SHIPPED_STORE,
    STORE_ENV,
    ModelUnavailable,
    load_model,
    retrain_command,
)
from digitpad.views.ui import load_examples

# --- Drawings: the page under AppTest, each drawing given as the canvas's value -------------


DRAWINGS = {
    "empty canvas": opaque_canvas(0),
    "a single dot": draw_polyline([(140, 140), (140, 140)]),
    "one line across the whole canvas": draw_polyline([(0, 140), (279, 140)]),
    "the canvas filled solid": opaque_canvas(255),
}
NO_INK = {"empty canvas", "the canvas filled solid"}


@pytest.mark.parametrize("name", DRAWINGS)
def test_odd_drawings(name):
    app = run_app(DRAWINGS[name])
    assert not app.exception
    # "As one digit, MLP reads ...": under a verdict that says it is no one digit.
    readings = [
        title.removeprefix("As one digit, ")
        for title in chart_titles(app)
        if title.removeprefix("As one digit, ").startswith(("MLP", "CNN"))
    ]
    if name in NO_INK:
        assert not readings
        assert any("Draw a digit" in info.value for info in app.info)
    else:
        # Whatever the networks make of it, each says so, or says it is not sure.
        assert len(readings) == 2, readings
        assert len(app.get("image")) == 5
    lines = [info.value for info in app.info if info.value.startswith("Too wide for one digit")]
    assert len(lines) == (1 if name == "one line across the whole canvas" else 0), lines
    as_one_digit = [title for title in chart_titles(app) if title.startswith("As one digit, ")]
    assert len(as_one_digit) == 2 * len(lines), as_one_digit


# --- Pictures: decoded, read by the CLI, and uploaded to the page in a real browser ---------


def one(size: int = 280, dtype=np.uint8) -> np.ndarray:
    """A "1": one thick vertical stroke, white on black."""
    picture = np.zeros((size, size), dtype)
    top = int(np.iinfo(dtype).max)
    cv2.line(picture, (size // 2, size // 7), (size // 2, size * 6 // 7), top, size // 15)
    return picture


def png(picture: np.ndarray) -> bytes:
    return cv2.imencode(".png", picture)[1].tobytes()


def tiff(picture: np.ndarray) -> bytes:
    return cv2.imencode(".tif", picture)[1].tobytes()


def saved_by_pillow(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, **options)
    return buffer.getvalue()


def animated_gif() -> bytes:
    first, second = Image.fromarray(one()), Image.fromarray(255 - one())
    return saved_by_pillow(first, format="GIF", save_all=True, append_images=[second])


def photo_of_a_one() -> bytes:
    """A "1" in blue ballpoint on ruled paper lit from one side, as a phone saves it: JPEG."""
    coverage = np.zeros((600, 450, 1))
    coverage[160:440, 85:365, 0] = one() / 255.0
    paper = np.full(coverage.shape[:2] + (3,), (222, 234, 238), np.float64)  # BGR
    paper[40::60] = (235, 190, 160)  # light blue rules
    pen = np.array((150, 45, 30), np.float64)
    light = np.linspace(0.55, 1.0, paper.shape[1])[None, :, None]
    picture = (paper * (1 - coverage) + pen * coverage) * light
    picture += np.random.default_rng(0).normal(0, 3, picture.shape)
    return cv2.imencode(".jpg", np.clip(picture, 0, 255).astype(np.uint8))[1].tobytes()


def gray_with_alpha() -> bytes:
    """Transparent, the digit only in the alpha channel: what a drawing app exports."""
    pixels = np.zeros((280, 280, 2), np.uint8)
    pixels[..., 1] = one()
    return saved_by_pillow(Image.fromarray(pixels, "LA"), format="PNG")


def screenshot_with_clear_corners() -> bytes:
    """A dark "1" on white, opaque but for its rounded corners: a window's screenshot."""
    pixels = np.dstack([255 - one()] * 3 + [np.full((280, 280), 255, np.uint8)])
    for rows in (slice(0, 12), slice(-12, None)):
        for columns in (slice(0, 12), slice(-12, None)):
            pixels[rows, columns] = 0  # clear, and black as such pixels often are
    return saved_by_pillow(Image.fromarray(pixels, "RGBA"), format="PNG")


def half_a_grainy_picture(kind: str) -> bytes:
    """The first half of a grainy picture's file, as a download cut short leaves it: libpng's
    own "PNG input buffer is incomplete", OpenCV's "Unexpected end of input stream" and
    Pillow's "Corrupt EXIF data" once came out on stderr."""
    grain = np.random.default_rng(0).integers(0, 60, (280, 280), dtype=np.uint8)
    whole = cv2.imencode(kind, np.maximum(one(), grain))[1].tobytes()
    return whole[: len(whole) // 2]


def float64_tiff(picture: np.ndarray) -> bytes:
    """A TIFF of 64-bit floats in 0..1, as a program saves an array: Pillow cannot read one."""
    return cv2.imencode(".tif", picture.astype(np.float64) / picture.max())[1].tobytes()


def vast_float64_tiff() -> bytes:
    """A small 64-bit float TIFF whose header says 20000x20000: refused before it is decoded."""
    data = bytearray(float64_tiff(one(28)))
    directory = int.from_bytes(data[4:8], "little")  # OpenCV writes little-endian ("II*\0")
    for entry in range(int.from_bytes(data[directory : directory + 2], "little")):
        at = directory + 2 + 12 * entry
        if int.from_bytes(data[at : at + 2], "little") in (256, 257):  # width, height
            data[at + 8 : at + 12] = (20_000).to_bytes(4, "little")
    return bytes(data)


def vast_picture() -> bytes:
    """A 20000x20000 picture in a small file: 400 million pixels once decoded."""
    return saved_by_pillow(Image.new("1", (20_000, 20_000)), format="PNG")


def radiance_hdr() -> bytes:
    return cv2.imencode(".hdr", np.dstack([one().astype(np.float32) / 255] * 3))[1].tobytes()


# name: (file name, how to make its bytes, what becomes of it)
PICTURES = {
    "1x1 pixels": ("dot.png", lambda: png(np.full((1, 1), 255, np.uint8)), "blank"),
    "10000x10000 pixels": ("huge.png", lambda: png(one(10_000)), "digit"),
    "bytes that are no image": ("notes.png", lambda: b"this is not an image", "unreadable"),
    "a truncated PNG": ("cut.png", lambda: png(one())[:300], "unreadable"),
    "half a PNG": ("half.png", lambda: half_a_grainy_picture(".png"), "unreadable"),
    "half a TIFF": ("half.tif", lambda: half_a_grainy_picture(".tif"), "unreadable"),
    "half a BMP": ("half.bmp", lambda: half_a_grainy_picture(".bmp"), "unreadable"),
    "an animated GIF": ("animated.gif", animated_gif, "digit"),
    "a 16-bit PNG": ("deep.png", lambda: png(one(dtype=np.uint16)), "digit"),
    # As a program saves an array: 0..255 in a signed 16-bit TIFF read as blank, on 0..32767;
    # a 64-bit float one was "not a picture read here", as Pillow cannot read it.
    "0..255 in a signed 16-bit TIFF": ("signed.tif", lambda: tiff(one().astype(np.int16)), "digit"),
    "a 64-bit float TIFF": ("float64.tif", lambda: float64_tiff(one()), "digit"),
    "half a 64-bit float TIFF": ("half64.tif", lambda: float64_tiff(one())[:3000], "unreadable"),
    "a 64-bit float TIFF of 20000x20000": ("vast64.tif", vast_float64_tiff, "unreadable"),
    "gray with alpha": ("gray_alpha.png", gray_with_alpha, "digit"),
    "a phone photo of paper": ("photo.jpg", photo_of_a_one, "digit"),
    # Chrome on Windows saves a JPEG as .jfif: the uploader refused it as "image/jpeg files".
    "a JPEG named .jfif": ("photo.jfif", photo_of_a_one, "digit"),
    "a screenshot, its corners clear": ("screenshot.png", screenshot_with_clear_corners, "digit"),
    "20000x20000 pixels in a small file": ("vast.png", vast_picture, "unreadable"),
    # OpenCV reads HDR, whose size would be known only once decoded: refused, as Pillow cannot
    # read its header.
    "a Radiance HDR named .png": ("radiance.png", radiance_hdr, "unreadable"),
    "an empty file": ("empty.png", lambda: b"", "unreadable"),
}


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    """Each picture written to its file, in a folder of their own."""
    folder = tmp_path_factory.mktemp("pictures")
    for filename, make, _ in PICTURES.values():
        (folder / filename).write_bytes(make())
    return folder


@pytest.mark.parametrize("name", PICTURES)
def test_decoding_a_picture(name, pictures):
    filename, _, outcome = PICTURES[name]
    data = (pictures / filename).read_bytes()
    if outcome == "unreadable":
        with pytest.raises(UnreadableImage) as said:
            decode_image(data)
        # Told to "try a PNG or JPEG", of a picture in a format read here that is cut short.
        damaged = {"cut.png": "PNG", "half.png": "PNG", "half.tif": "TIFF", "half.bmp": "BMP"}
        if filename in damaged:
            said_of = f"a damaged {damaged[filename]} file, its picture unreadable: save it again"
            assert str(said.value) == said_of
        if filename == "vast64.tif":  # told from the header, not by decoding it
            assert "20000x20000" in str(said.value)
        return
    result = digit_in_picture(decode_image(data))
    if outcome == "blank":
        assert result is None
    else:
        assert result.image.shape == (28, 28) and result.image.max() == pytest.approx(1)
        # The "1" and not some other part of the picture: an upright stroke down the middle.
        assert result.image[:, 11:17].sum() > 0.9 * result.image.sum()


def test_the_cli_reads_what_it_can_and_names_the_rest(pictures):
    done = run_cli("predict", "--json", str(pictures))
    assert done.returncode == 1, "the files it cannot read"
    assert "Traceback" not in done.stderr
    # A cut file said once, by the CLI, not also by libpng, OpenCV or Pillow.
    for noise in ("libpng", "ERROR", "Warning"):
        assert noise not in done.stderr, done.stderr
    records = json_records(done)
    for filename, _, outcome in PICTURES.values():
        record = records[filename]
        if outcome == "digit":
            assert record["mlp"]["digit"] == record["cnn"]["digit"] == 1, record
        else:
            assert ("blank" if outcome == "blank" else "cannot read") in record["error"], record


def upload(page, path) -> None:
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(path)


@pytest.mark.parametrize("name", PICTURES)
def test_uploading_a_picture(name, pictures, app_url, browser):
    filename, _, outcome = PICTURES[name]
    page = open_pad(browser, app_url)
    wait_until_idle(page)
    upload(page, pictures / filename)
    if outcome == "digit":
        wait_for_digit(page, 1)
    elif outcome == "blank":
        page.get_by_text(f"{filename} looks blank").wait_for()
    else:
        page.get_by_text(f"Cannot read {filename}").wait_for()
    wait_until_idle(page)
    assert_clean(page)
    page.context.close()


def a_seven_on_the_pad(browser, app_url: str):
    """The drawing page on a 1280x800 screen, a 7 drawn on its pad and read."""
    page = open_pad(browser, app_url, viewport={"width": 1280, "height": 800})
    draw(page, SEVEN)
    wait_for_digit(page, 7)
    return page


def test_an_upload_is_read_in_place_of_the_pad_and_one_with_no_digit_leaves_the_pad_read(
    pictures, app_url, browser
):
    page = a_seven_on_the_pad(browser, app_url)
    upload(page, pictures / "dot.png")
    page.get_by_text("dot.png looks blank: there is no digit in it. Reading the pad.").wait_for()
    wait_until_idle(page)
    wait_for_digit(page, 7)  # not "Draw a digit on the black pad" beside a pad holding a 7
    upload(page, pictures / "deep.png")
    wait_for_digit(page, 1)
    page.get_by_text("Reading deep.png in place of the pad").wait_for()
    # The picture read where the pad was, on a 1280x800 screen with the button that brings the
    # pad back: above the pad, it pushed the pad off the screen, and the pad jumped up under the
    # pen when a stroke let the picture go.
    wait_until_idle(page)
    assert page.locator("canvas.upper-canvas").count() == 0
    picture = page.get_by_role("img", name="your picture, deep.png").bounding_box()
    back_to_the_pad = page.get_by_role("button", name="Draw on the pad instead")
    assert picture["y"] + picture["height"] <= 800
    assert back_to_the_pad.bounding_box()["y"] < picture["y"]
    back_to_the_pad.click()
    wait_for_digit(page, 7)  # the pad, which kept its 7
    wait_until_idle(page)
    assert page.get_by_text("Reading deep.png").count() == 0
    assert page.locator("[data-testid=stFileUploaderFile]").count() == 0  # taken out of it
    assert_clean(page)
    page.context.close()


def test_an_uploaded_digit_saved_by_mistake_is_taken_back_and_stays_read(
    pictures, app_url, browser
):
    page = a_seven_on_the_pad(browser, app_url)
    upload(page, pictures / "deep.png")
    wait_for_digit(page, 1)
    wait_until_idle(page)  # a click while the page still ran was lost once, on a busy machine
    page.get_by_role("button", name="Yes, it is a 1").click()
    page.get_by_text("Upload the next one, or draw it on the pad.").wait_for()
    page.get_by_role("button", name="Take it back").click()
    taken_back = re.compile(r"Digit #\d+ \(a 1\) taken back\.")
    expect(page.get_by_role("alertdialog").filter(has_text=taken_back)).to_be_visible()
    page.get_by_role("button", name="Yes, it is a 1").wait_for()  # still read, to save again
    page.get_by_role("button", name="Draw on the pad instead").click()
    wait_for_digit(page, 7)  # the pad kept its 7: taking an upload back leaves the pad be
    assert_clean(page)
    page.context.close()


def test_an_uploaded_picture_is_still_read_back_from_another_page(pictures, app_url, browser):
    # Streamlit forgets an uploader's file with the uploader: the page read the pad instead.
    page = open_pad(browser, app_url)
    draw(page, SEVEN)
    wait_for_digit(page, 7)
    upload(page, pictures / "deep.png")
    wait_for_digit(page, 1)
    open_from_sidebar(page, "Filters")
    page.get_by_role("link", name="Draw a digit").click()
    page.get_by_text("Still reading deep.png, uploaded before you left this page.").wait_for()
    wait_for_digit(page, 1)
    page.get_by_role("button", name="Stop reading deep.png").click()
    wait_for_digit(page, 7)  # the pad, which kept its 7
    assert page.get_by_text("Still reading").count() == 0
    assert_clean(page)
    page.context.close()


def test_a_stroke_on_the_pad_beside_a_blank_upload_takes_it_out_of_the_uploader(
    pictures, app_url, browser
):
    # A stroke says the pad is what the person wants read: the blank upload, not read, was left
    # named in the uploader and under the pad.
    page = open_pad(browser, app_url)
    wait_until_idle(page)
    upload(page, pictures / "dot.png")
    page.get_by_text("dot.png looks blank").wait_for()
    pad_before = page.locator("canvas.upper-canvas").bounding_box()
    draw(page, SEVEN)
    wait_for_digit(page, 7)
    wait_until_idle(page)
    assert page.get_by_text("dot.png looks blank").count() == 0
    assert page.locator("[data-testid=stFileUploaderFile]").count() == 0
    assert page.locator("canvas.upper-canvas").bounding_box() == pad_before
    assert_clean(page)
    page.context.close()


def test_an_upload_over_the_size_limit_is_refused(tmp_path, app_url, browser):
    big = tmp_path / "big.png"
    # A PNG with a megabyte of trailing junk more than a picture may weigh.
    big.write_bytes(png(one()) + bytes((PICTURE_UPLOAD_MB + 1) * 1024 * 1024))
    page = open_pad(browser, app_url)
    wait_until_idle(page)
    upload(page, big)
    said_on_the_page(page, f"File must be {PICTURE_UPLOAD_MB}.0MB or smaller.")
    assert page.locator("[data-testid=stException]").count() == 0
    page.context.close()


def said_on_the_page(page, text: str) -> None:
    """`text` shown where anyone reads it: Streamlit says why an upload was refused to a screen
    reader alone (a pixel's box) and in a tooltip that a finger cannot bring up."""
    said = page.get_by_text(text)
    said.wait_for()
    box = said.bounding_box()
    assert box["width"] > 100 and box["height"] > 10, box


def test_a_file_of_a_type_not_read_is_refused_in_words(tmp_path, app_url, browser):
    drawing = tmp_path / "seven.svg"
    drawing.write_text('<svg xmlns="http://www.w3.org/2000/svg"><path d="M1 1L9 1L4 9"/></svg>')
    page = open_pad(browser, app_url)
    wait_until_idle(page)
    upload(page, drawing)
    said_on_the_page(page, "image/svg+xml files are not allowed.")
    page.context.close()


def forty_two(folder: Path) -> Path:
    """A picture of the number 42, printed black on white, in a file in the folder."""
    number = np.full((120, 300), 255, np.uint8)
    cv2.putText(number, "42", (60, 95), cv2.FONT_HERSHEY_SIMPLEX, 3, 0, 9)
    cv2.imwrite(str(folder / "forty-two.png"), number)
    return folder / "forty-two.png"


def test_a_number_uploaded_to_the_drawing_page_is_read_as_one(tmp_path, app_url, browser):
    # It was read as one digit: "Not sure what this is ... try writing it more plainly".
    page = open_pad(browser, app_url)
    wait_until_idle(page)
    upload(page, forty_two(tmp_path))
    page.get_by_text("Several digits, not one? The CNN reads 42 as a number").wait_for()
    page.get_by_role("button", name="Read it on Read a number").click()
    page.get_by_role("heading", name="Read a number", level=1, exact=True).wait_for()
    page.get_by_text("Reading forty-two.png in place of the pad").wait_for()
    page.get_by_text("Reading forty-two.png, uploaded on Draw a digit.").wait_for()
    wait_until_idle(page)
    # In the pad's place: beside or under the pad, a 1280x720 screen showed an empty pad.
    boxed = page.get_by_role("img", name="forty-two.png with a box round each digit found")
    assert boxed.bounding_box()["y"] + boxed.bounding_box()["height"] <= 720
    assert page.locator("canvas.upper-canvas").count() == 0
    assert_clean(page)
    page.context.close()


def test_a_number_written_on_the_pad_brought_back_is_read_in_place_of_the_photo(
    tmp_path, app_url, browser
):
    page = open_pad(browser, app_url)  # not by the page's address, whose health check is a 404
    open_from_sidebar(page, "Read a number")
    page.locator("canvas.upper-canvas").wait_for()
    upload(page, forty_two(tmp_path))
    page.get_by_text("Reading forty-two.png in place of the pad").wait_for()
    wait_until_idle(page)
    page.get_by_role("button", name="Write on the pad instead").click()
    page.locator("canvas.upper-canvas").wait_for()
    wait_until_idle(page)
    draw_each_read(page, [[(100, 60), (100, 200)], [(250, 60), (350, 60)], [(350, 60), (280, 200)]])
    page.get_by_role("img", name="the pad with a box round each digit found").wait_for()
    wait_until_idle(page)
    assert page.locator("[data-testid=stMetricValue]").first.inner_text() == "17"
    assert page.get_by_text("Reading forty-two.png").count() == 0
    assert page.locator("[data-testid=stFileUploaderFile]").count() == 0
    assert_clean(page)
    page.context.close()


def test_a_photo_without_digits_or_no_photo_leaves_the_number_pad_read(pictures, app_url, browser):
    # The page stopped at "In dot.png: no digits found" (or "Cannot read"), the 17 on its pad
    # unread.
    page = open_pad(browser, app_url)
    open_from_sidebar(page, "Read a number")
    page.locator("canvas.upper-canvas").wait_for()
    draw_each_read(page, [[(100, 60), (100, 200)], [(250, 60), (350, 60)], [(350, 60), (280, 200)]])
    for filename, said in (
        ("dot.png", "In dot.png: no digits found"),
        ("notes.png", "Cannot read notes.png"),
    ):
        upload(page, pictures / filename)
        page.get_by_text(said).wait_for()
        page.get_by_text("Reading the pad.").wait_for()
        wait_until_idle(page)
        assert page.locator("[data-testid=stMetricValue]").first.inner_text() == "17"
    assert_clean(page)
    page.context.close()


def test_a_strip_far_taller_than_wide_is_shown_read(tmp_path, app_url, browser):
    # Shown 400 pixels tall, a strip 2 pixels wide came to a width of 0: a traceback, on every
    # visit to the page while it stayed uploaded.
    strip = np.zeros((1000, 2), np.uint8)
    strip[100:900] = 255
    (tmp_path / "strip.png").write_bytes(png(strip))
    page = open_pad(browser, app_url)  # opened at its own address, Streamlit logs two 404s
    open_from_sidebar(page, "Read a number")
    upload(page, tmp_path / "strip.png")
    page.get_by_text("Each box is one digit found in strip.png").wait_for()
    wait_until_idle(page)
    expect(page.get_by_role("img", name=re.compile("strip.png with a box round"))).to_be_visible()
    assert_clean(page)
    page.context.close()


def test_a_photo_refused_for_its_size_leaves_the_one_read_named(tmp_path, app_url, browser):
    # The page said "Reading your photo" under the refused one's name in the uploader.
    forty_two(tmp_path)
    big = tmp_path / "big.png"
    big.write_bytes(png(one()) + bytes((PICTURE_UPLOAD_MB + 1) * 1024 * 1024))
    page = open_page(browser, f"{app_url}/Read_a_number")
    page.locator("canvas.upper-canvas").wait_for(timeout=90_000)
    upload(page, tmp_path / "forty-two.png")
    page.get_by_text("Reading forty-two.png in place of the pad").wait_for()
    upload(page, big)
    page.get_by_text(f"File must be {PICTURE_UPLOAD_MB}.0MB or smaller.").wait_for()
    wait_until_idle(page)
    page.get_by_text("Reading forty-two.png in place of the pad").wait_for()
    page.context.close()


def test_an_upload_without_the_xsrf_token_is_refused(app_url):
    # What a page on another site could send to the server behind a visitor's back.
    forged = urllib.request.Request(
        f"{app_url}/_stcore/upload_file/some-session/some-file", data=png(one()), method="PUT"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=10)
    assert refused.value.code == 403


# --- Model files: missing, damaged or made for other inputs --------------------------------


def incompatible_model(path) -> None:
    """A sound Keras file of a model for 32x32 pictures and 5 classes: not a DigitPad model."""
    keras.Sequential(
        [keras.Input((32, 32, 1)), keras.layers.Flatten(), keras.layers.Dense(5)]
    ).save(path)


def break_model(store, name: str, kind: str) -> None:
    path = store / f"{name}.keras"
    intact = path.read_bytes()
    path.unlink()  # a link to the shipped file: never write through it
    if kind == "damaged":
        path.write_bytes(intact[: len(intact) // 2])
    elif kind == "incompatible":
        incompatible_model(path)
    elif kind == "the other network":  # an MLP saved as the CNN: a traceback as it loaded
        path.write_bytes((store / f"{OTHER[name].lower()}.keras").read_bytes())


MODEL_FAULTS = ["missing", "damaged", "incompatible", "the other network"]
OTHER = {"mlp": "CNN", "cnn": "MLP"}


@pytest.mark.parametrize("kind", MODEL_FAULTS)
@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_a_bad_model_file_is_named_and_the_other_model_keeps_working(name, kind, store_copy):
    break_model(store_copy, name, kind)
    app = run_app(draw_polyline([(140, 40), (140, 240)]))
    assert not app.exception
    errors = " ".join(error.value for error in app.error)
    assert f"{name}.keras" in errors and retrain_command(name) in errors, errors
    if kind == "damaged":  # Keras called a cut-short file that is there "not found"
        assert "is damaged" in errors and "not found" not in errors, errors
    assert any(title.startswith(f"{OTHER[name]} reads 1") for title in chart_titles(app))


@pytest.mark.parametrize(
    "arrays",
    [
        {
            "images": np.zeros((10, 784), np.uint8),
            "labels": np.arange(10),
            "indices": np.arange(10),
        },
        {"images": np.zeros((10, 28, 28), np.uint8), "labels": np.arange(10)},  # no indices
    ],
    ids=["flattened", "no indices"],
)
def test_shipped_examples_that_are_not_28x28_digits_are_passed_over(store_copy, arrays):
    # A store's examples.npz of flattened digits put a traceback on the drawing page.
    (store_copy / "examples.npz").unlink()  # a link to the shipped file: replaced, not written
    np.savez(store_copy / "examples.npz", **arrays)
    assert load_examples(store_copy) is None  # the other pages' sidebar asks for a drawing
    app = run_app()
    assert not app.exception and not app.image  # no MNIST row
    app = run_app(draw_polyline([(140, 40), (140, 240)]))
    assert not app.exception and any(t.startswith("CNN reads 1") for t in chart_titles(app))


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        # JSON, but no card: each was a traceback on every page, or made every answer unsure.
        "[1, 2]",
        '"a card"',
        '{"calibration": "x"}',
        '{"calibration": {"threshold": "abc"}}',
        '{"calibration": {"threshold": 2}}',
        '{"calibration": {"threshold": true}}',
    ],
)
def test_a_damaged_card_is_warned_of_on_the_page(store_copy, content):
    (store_copy / "mlp.json").unlink()  # a link to the shipped card: replaced, not written
    (store_copy / "mlp.json").write_text(content)
    app = run_app(draw_polyline([(140, 40), (140, 240)]))
    assert not app.exception and not app.error
    (warning,) = [w.value for w in app.warning if "calibrated" in w.value]
    assert warning.startswith("MLP: no calibrated “not sure” threshold in ") and "50%" in warning


def test_with_no_model_the_page_says_why_and_stops(store_copy):
    for name in ("mlp", "cnn"):
        break_model(store_copy, name, "missing")
    app = run_app(draw_polyline([(140, 40), (140, 240)]))
    assert not app.exception
    errors = " ".join(error.value for error in app.error)
    assert retrain_command("mlp") in errors and retrain_command("cnn") in errors
    assert not chart_titles(app)


def test_a_store_that_is_a_file_is_said_so(tmp_path, monkeypatch):
    # "There is no folder README.md to read mlp.keras from", of a file that is there.
    (tmp_path / "README.md").write_text("a file")
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "README.md"))
    app = run_app(draw_polyline([(140, 40), (140, 240)]))
    assert not app.exception
    errors = [error.value for error in app.error]
    said = f"{tmp_path / 'README.md'} is a file, not a folder of models ($DIGITPAD_STORE)."
    assert errors == [said]


def test_a_store_folder_that_is_not_there_is_said_so(tmp_path, monkeypatch):
    # $DIGITPAD_STORE mistyped: each page said "Model file …/mlp.keras is missing. Retrain it",
    # which would have trained into the mistyped folder.
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "mistyped"))
    app = run_app(draw_polyline([(140, 40), (140, 240)]))
    assert not app.exception
    errors = [error.value for error in app.error]
    # Said once, not once a network.
    assert errors == [f"There is no folder {tmp_path / 'mistyped'} of models ($DIGITPAD_STORE)."]


@pytest.mark.parametrize("kind", MODEL_FAULTS)
def test_the_cli_names_a_bad_model_file_and_reads_with_the_other(kind, store_copy, tmp_path):
    break_model(store_copy, "cnn", kind)
    picture = tmp_path / "one.png"
    picture.write_bytes(png(one()))
    done = run_cli("predict", "--json", str(picture))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "cnn.keras" in done.stderr and retrain_command("cnn") in done.stderr
    record = json.loads(done.stdout)
    assert record["mlp"]["digit"] == 1 and "cnn" not in record


def test_the_retrain_command_writes_where_the_model_is_read_from(tmp_path, monkeypatch):
    # Said of a store named by --store, it wrote the model into model_store/ instead.
    monkeypatch.delenv(STORE_ENV, raising=False)
    assert retrain_command("cnn", SHIPPED_STORE) == "python train.py --model cnn"
    assert retrain_command("cnn", tmp_path) == f"python train.py --model cnn --out {tmp_path}"
    chapter = SHIPPED_STORE / CHAPTER_DIR
    assert retrain_command("mlp", chapter) == (
        f"python train.py --model mlp --recipe chapter --out {chapter}"
    )
    empty = tmp_path / "store"  # no models in it
    empty.mkdir()
    picture = tmp_path / "one.png"
    picture.write_bytes(png(one()))
    done = run_cli("--store", str(empty), "predict", str(picture))
    assert f"Retrain it with `python train.py --model cnn --out {empty}`" in done.stderr


def test_the_cli_with_no_model_says_why(store_copy, tmp_path):
    for name in ("mlp", "cnn"):
        break_model(store_copy, name, "damaged")
    picture = tmp_path / "one.png"
    picture.write_bytes(png(one()))
    done = run_cli("predict", str(picture))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert retrain_command("mlp") in done.stderr and retrain_command("cnn") in done.stderr


# --- MNIST that cannot be had --------------------------------------------------------------


def test_mnist_that_cannot_be_downloaded_is_said_so_in_one_kind_of_error(monkeypatch):
    # Keras raises a bare Exception when the download fails: callers catch only this one kind.
    def offline():
        raise Exception("URL fetch failure on https://storage.googleapis.com/: None -- no route")

    monkeypatch.delenv(MNIST_ENV, raising=False)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(MnistUnavailable, match="could not download it: URL fetch failure"):
        load_mnist()


def test_an_mnist_file_that_is_missing_or_not_mnist_is_said_so(tmp_path):
    with pytest.raises(MnistUnavailable, match="no file at"):
        load_mnist(tmp_path / "nope.npz")
    (tmp_path / "notes.npz").write_text("not an array")
    with pytest.raises(MnistUnavailable, match="is not MNIST as Keras saves it"):
        load_mnist(tmp_path / "notes.npz")


def mnist_like(path, **changed) -> None:
    """A small file of MNIST's four arrays, some of them `changed`."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8)
    arrays = dict(x_train=images, y_train=np.arange(12) % 10, x_test=images[:6])
    np.savez(path, **{**arrays, "y_test": np.arange(6) % 10, **changed})


@pytest.mark.parametrize(
    "changed, problem",
    [
        ({"x_test": np.zeros((6, 784), np.uint8)}, r"x_test is \(6, 784\), not \(digits, 28, 28\)"),
        ({"x_train": np.zeros((12, 28, 28), np.float32)}, "x_train holds float32, not uint8"),
        ({"y_test": np.array([0, 1, 42, 3, 4, 5])}, "y_test holds labels other than the digits"),
        ({"y_train": np.arange(5)}, "y_train is \\(5,\\), not one label for each of 12 digits"),
        ({"x_test": np.zeros((0, 28, 28), np.uint8)}, r"x_test is \(0, 28, 28\)"),
    ],
)
def test_arrays_that_are_not_mnist_are_refused_before_anything_is_written(
    tmp_path, changed, problem
):
    # A flattened copy "trained" to 100% and was scored 0%, which `evaluate --record` wrote
    # into the model cards; labels out of range ended in a traceback after train.py had written
    # an empty examples.npz into the store.
    mnist_like(tmp_path / "odd.npz", **changed)
    with pytest.raises(MnistUnavailable, match=problem):
        load_mnist(tmp_path / "odd.npz")
    store = tmp_path / "store"
    store.mkdir()
    done = run_cli("--store", str(store), "evaluate", "--data", str(tmp_path / "odd.npz"))
    assert done.returncode == 2 and "error: cannot load MNIST" in done.stderr, done.stderr
    assert not any(store.iterdir())


def test_evaluate_record_into_a_store_that_cannot_be_written_says_so_before_scoring(
    tmp_path, store_copy, tiny_mnist
):
    # Said as a traceback ("[Errno 30] Read-only file system") after minutes of scoring.
    pen_digits = tmp_path / "pen.npz"  # never read: the store is looked at first
    pen_digits.touch()
    with read_only(store_copy):
        done = run_cli(
            "--store", str(store_copy), "evaluate", "--record", "--data", str(tiny_mnist),
            "--pen-data", str(pen_digits),
        )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-3000:]
    assert f"error: --record: cannot write the model cards in {store_copy}" in done.stderr
    assert "MNIST test" not in done.stdout, "nothing is scored"


def test_a_damaged_mnist_file_is_said_so_not_a_traceback(tmp_path, mnist_file):
    # A half-copied download: its compressed arrays fail to inflate (zlib), which no message
    # caught, so evaluate and train.py ended in a traceback.
    data = bytearray(mnist_file.read_bytes())
    data[1000:1200] = bytes(255 - b for b in data[1000:1200])
    damaged = tmp_path / "mnist.npz"
    damaged.write_bytes(bytes(data))
    with pytest.raises(MnistUnavailable, match="is not MNIST as Keras saves it"):
        load_mnist(damaged)
    done = run_cli("--store", str(tmp_path), "evaluate", "--data", str(damaged))
    assert done.returncode == 2 and "error: cannot load MNIST" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_picture_of_two_channels_is_said_so(monkeypatch):
    # No file we could make decodes so, but OpenCV's codecs may: the pages and the CLI then
    # catch one kind of error, not whatever preprocessing would raise.
    monkeypatch.setattr(cv2, "imdecode", lambda data, flags: np.zeros((8, 8, 2), np.uint8))
    png = cv2.imencode(".png", np.zeros((8, 8), np.uint8))[1].tobytes()
    with pytest.raises(UnreadableImage, match="a picture of 2 channels"):
        decode_image(png)


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


SHIPPED_EXAMPLES = {"images": np.zeros((10, 28, 28), np.uint8), "labels": np.arange(10)}
DAMAGED_NPZ = {
    # A .npy saved under the .npz's name: np.load hands back the array, and `with` failed.
    "one array": npy_bytes(SHIPPED_EXAMPLES["images"]),
    # A copy cut short, or a member that is no .npy: a zipfile.BadZipFile or raw bytes, each a
    # traceback on the drawing page, every page's sidebar and the Training report.
    "cut short": npz_bytes(**SHIPPED_EXAMPLES)[:300],
    "member no array": zip_of(
        {"images.npy": npy_bytes(SHIPPED_EXAMPLES["images"]), "labels.npy": b"garbage"}
    ),
    # Whole arrays, but not the digits the file is for: the Training report read a mistake's
    # "indices" that were not there.
    "flattened digits": npz_bytes(images=np.zeros((10, 784), np.uint8), labels=np.arange(10)),
}


@pytest.mark.parametrize("damage", DAMAGED_NPZ)
def test_a_damaged_shipped_npz_is_passed_over(store_copy, damage):
    for name in ("examples.npz", "cnn.mistakes.npz"):
        (store_copy / name).unlink()  # a link to the shipped file: replaced, not written
        (store_copy / name).write_bytes(DAMAGED_NPZ[damage])
    assert load_examples(store_copy) is None
    app = run_app(draw_polyline([(140, 40), (140, 240)]))
    assert not app.exception and any(t.startswith("CNN reads 1") for t in chart_titles(app))
    report = AppTest.from_file(str(REPO / "pages" / "1_Training_report.py"), default_timeout=120)
    assert not report.run().exception


def test_a_shipped_model_file_missing_is_restored_from_git_before_retraining(tmp_path, monkeypatch):
    # "Retrain it" alone: half an hour of training for a file that git holds.
    shipped = tmp_path / "digitpad" / "model_store"
    shipped.mkdir(parents=True)
    monkeypatch.setattr("digitpad.store.SHIPPED_STORE", shipped)
    monkeypatch.delenv(STORE_ENV, raising=False)
    with pytest.raises(ModelUnavailable) as said:
        load_model("cnn")
    assert "`git checkout -- model_store/cnn.keras`" in str(said.value)
    assert "retrain it with `python train.py --model cnn`" in str(said.value)
