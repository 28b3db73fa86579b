"""How often the Read a number page reads a number written on its pad, in headless chromium.

    .venv/bin/python benchmarks/pad_numbers.py [--count 100] [--seed 0] [--pen validation]
                                               [--pen-width 8] [--phone] [--without-browser]
                                               [--wrong DIR]

Each number is 3 to 8 tablet-pen digits of the six writers no model trained or was tuned on
(`--pen validation`: the four that validate training), laid out as `digitpad.written_numbers`
lays out its numbers (a height for the number, each digit a little taller or shorter and higher
or lower, varied gaps, 15% of them closed), shrunk where it would not fit the 800x240 pad (with
--phone, the phone's 340x150, in a phone's browser), and drawn with the mouse on the page's pad,
its pen set to --pen-width (the page's own by default), stroke by stroke as the writer's pen
moved, on a freshly loaded page. The canvas draws the strokes as it draws a person's, and the
page reads what it drew: the whole path, browser and server, that `read_numbers.py` skips.
Prints the share read exactly by the CNN, the numbers it read wrong, and how many numbers the
page read differently from the reader given the canvas's own pixels (none, if the page shows
what it read of the last stroke).

With --without-browser the same strokes are drawn with `cv2.polylines` and read by the reader
alone: seconds rather than minutes, to compare pens.
"""

import argparse
import base64
import sys
from pathlib import Path

import common
import cv2
import numpy as np
from browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE_SCREEN,
    PHONE_USER_AGENT,
    open_page,
    running_app,
    wait_for_pad,
    wait_until_idle,
)
from playwright.sync_api import sync_playwright

from digitpad.drawn import pen_digit_parts
from digitpad.number import read_number
from digitpad.number_view import PAD, PHONE_PAD, pad_pen_width
from digitpad.preprocess import to_mnist
from digitpad.written_numbers import (
    BASELINE_WOBBLE,
    GAP,
    HEIGHT_RANGE,
    HEIGHT_WOBBLE,
    MARGIN,
    TOUCH_GAP,
    TOUCH_SHARE,
    chosen_digits,
)

PHONE = {  # an iPhone 14's screen and browser
    "viewport": PHONE_SCREEN,
    "device_scale_factor": 3,
    "is_mobile": True,
    "user_agent": PHONE_USER_AGENT,
}
NUMBER = "[data-testid=stMetricValue]"  # the first is the CNN's reading
PEN_SLIDER = "[data-testid=stSidebar] [data-testid=stSlider] input[type=range]"
# The canvas's own pixels: the pad is a component in a shadow root, its strokes on the lower
# canvas.
CANVAS_PIXELS = """() => {
    const roots = [...document.querySelectorAll('*')].map(e => e.shadowRoot).filter(Boolean);
    const canvas = roots.map(r => r.querySelector('canvas.dc-canvas.lower-canvas')).find(Boolean);
    return canvas.toDataURL('image/png');
}"""


def laid_out(
    digits: list, rng: np.random.Generator, pad: tuple[int, int] = PAD
) -> list[list[np.ndarray]]:
    """Each of a number's digits (strokes in the unit box) as strokes in pad pixels, left to
    right."""
    pad_width, pad_height = pad
    height = rng.uniform(*HEIGHT_RANGE) * pad_height
    placed, left = [], MARGIN * height
    for digit in digits:
        points = np.concatenate(digit)
        low, high = points.min(axis=0), points.max(axis=0)
        scale = height * rng.uniform(1 - HEIGHT_WOBBLE, 1 + HEIGHT_WOBBLE) / (high - low)[1]
        centre = pad_height / 2 + rng.normal(0, BASELINE_WOBBLE * height)
        top = centre - scale * (high - low)[1] / 2
        placed.append([(s - low) * scale + (left, top) for s in digit])
        gap = rng.uniform(*(TOUCH_GAP if rng.random() < TOUCH_SHARE else GAP)) * height
        left += scale * (high - low)[0] + gap
    right = max(s[:, 0].max() for digit in placed for s in digit) + MARGIN * height
    # A number too long for the pad is written smaller, as a person would, about its middle row.
    shrink = min(1.0, pad_width / right)
    middle = (0, pad_height / 2)
    return [[(s - middle) * shrink + middle for s in digit] for digit in placed]


def write(page, strokes: list[np.ndarray]) -> None:
    """The strokes drawn with the mouse, one move a point the pen recorded."""
    box = page.locator("canvas.upper-canvas").bounding_box()
    for stroke in strokes:
        points = stroke + (box["x"], box["y"])
        page.mouse.move(*points[0])
        page.mouse.down()
        for x, y in points[1:]:
            page.mouse.move(x, y)
        page.mouse.up()


def set_pen(page, width: int) -> None:
    """The page's pen slider moved to `width`, a key press a pixel."""
    slider = page.locator(PEN_SLIDER)
    steps = width - int(slider.input_value())
    slider.focus()
    for _ in range(abs(steps)):
        page.keyboard.press("ArrowRight" if steps > 0 else "ArrowLeft")
    page.wait_for_function(
        "([selector, width]) => document.querySelector(selector)?.value == width",
        arg=[PEN_SLIDER, width],
    )
    wait_until_idle(page)


def drawn_by_opencv(
    strokes: list[np.ndarray], width: int, pad_size: tuple[int, int] = PAD
) -> np.ndarray:
    """The strokes as the pad would hold them, drawn by OpenCV: white on transparent, RGBA."""
    pad = np.zeros((pad_size[1], pad_size[0], 4), np.uint8)
    paths = [np.round(s * 16).astype(np.int32) for s in strokes]  # 4 bits of subpixel
    cv2.polylines(pad, paths, False, (255, 255, 255, 255), width, cv2.LINE_AA, shift=4)
    return pad


def page_reading(page) -> str:
    """The number the page shows once it has read the last stroke: two readings in a row,
    half a second apart with the script idle, that agree."""
    last = None
    while True:
        page.wait_for_timeout(500)
        wait_until_idle(page)
        shown = page.locator(NUMBER).first
        now = shown.inner_text() if shown.count() else ""
        if now == last:
            return now
        last = now


def canvas_pixels(page) -> np.ndarray:
    """What the pad holds, RGBA: the strokes on a transparent canvas."""
    png = base64.b64decode(page.evaluate(CANVAS_PIXELS).split(",", 1)[1])
    bgra = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
    return cv2.cvtColor(bgra, cv2.COLOR_BGRA2RGBA)


def main() -> None:
    parser = argparse.ArgumentParser(description=common.description(__doc__))
    parser.add_argument("--count", type=common.count, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pen", choices=("test", "validation"), default="test")
    parser.add_argument("--pen-width", type=int, help="pixels (default: the page's)")
    parser.add_argument("--phone", action="store_true", help="the page's pad on a phone")
    parser.add_argument("--without-browser", action="store_true", help="draw with OpenCV")
    parser.add_argument("--wrong", type=Path, help="folder for the pad of each number read wrong")
    args = parser.parse_args()
    pad_size = PHONE_PAD if args.phone else PAD
    args.pen_width = args.pen_width or pad_pen_width(pad_size[1])

    from digitpad.inference import DigitReader
    from digitpad.store import load_models, load_whole_digit, not_sure_thresholds

    strokes, labels = pen_digit_parts(common.PEN_DIGITS)[args.pen]
    rng = np.random.default_rng(args.seed)
    numbers = [
        ("".join(map(str, labels[chosen])), laid_out([strokes[i] for i in chosen], rng, pad_size))
        for chosen in chosen_digits(rng, len(strokes), args.count)
    ]
    models, _ = load_models()
    reader = DigitReader(models, not_sure_thresholds(), load_whole_digit())

    def readings():
        """Each number's pad and the number read from it."""
        if args.without_browser:
            for _, digits in numbers:
                pad = drawn_by_opencv(sum(digits, []), args.pen_width, pad_size)
                yield pad, read_number(pad, reader).number
            return
        with running_app() as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _, digits in numbers:
                page = open_page(browser, f"{url}/Read_a_number", **(PHONE if args.phone else {}))
                page.get_by_text("Write a number on the black pad").wait_for(timeout=120_000)
                set_pen(page, args.pen_width)
                wait_for_pad(page)
                write(page, sum(digits, []))
                read = page_reading(page)  # first: then the pad holds the last stroke too
                yield canvas_pixels(page), read
                page.context.close()
            browser.close()

    wrong, differ = [], 0
    for index, ((number, _), (pad, read)) in enumerate(zip(numbers, readings())):
        print(f"{index + 1}/{len(numbers)}: {number} read {read}", file=sys.stderr, flush=True)
        differ += read != read_number(pad, reader).number
        if read != number:
            wrong.append(f"{number} read {read or 'nothing'}")
            if args.wrong:
                args.wrong.mkdir(parents=True, exist_ok=True)
                picture = cv2.cvtColor(pad, cv2.COLOR_RGBA2BGRA)
                cv2.imwrite(str(args.wrong / f"{index}_{number}_read_{read}.png"), picture)

    how = "drawn by OpenCV" if args.without_browser else "on the page's pad in chromium"
    how += f" ({'a phone' if args.phone else 'a computer'}'s pad)"
    digits = sum(len(number) for number, _ in numbers)
    print(
        f"{len(numbers)} numbers of {digits} pen digits ({args.pen} writers, seed {args.seed}), "
        f"{how}, pen {args.pen_width} px"
    )
    print(f"cnn: read exactly {1 - len(wrong) / len(numbers):.1%}")
    if args.without_browser:
        alone = [
            drawn_by_opencv(d, args.pen_width, pad_size) for _, digits in numbers for d in digits
        ]
        read_alone = reader.probabilities(np.stack([to_mnist(a).image for a in alone]))["cnn"]
        truth = [int(digit) for number, _ in numbers for digit in number]
        print(f"cnn: each digit drawn alone, read {np.mean(read_alone.argmax(1) == truth):.2%}")
    else:
        print(f"page and reader of the canvas's pixels differ on {differ}")
    print("read wrong:", ", ".join(wrong))


if __name__ == "__main__":
    main()
