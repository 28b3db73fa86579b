"""Make the README's pictures: the app after drawing a 4, and the 4 through each preprocessing step.

    .venv/bin/python docs/make_pictures.py

Starts the app on a free port (as the browser tests do), draws with the mouse in Debian's chromium.
"""

import sys
from pathlib import Path

import cv2
import numpy as np
from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
sys.path[:0] = [str(DOCS.parent), str(DOCS.parent / "tests")]
from browser import CHROMIUM, CHROMIUM_ARGS, draw, running_app  # noqa: E402

from digitpad.charts import pixelated  # noqa: E402
from digitpad.preprocess import to_mnist  # noqa: E402

FOUR = [[(90, 40), (60, 160), (190, 160)], [(160, 60), (150, 250)]]


def screenshot() -> None:
    with running_app() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1180})
        page.goto(url)
        page.locator("canvas.upper-canvas").wait_for(timeout=90_000)
        draw(page, FOUR)
        page.get_by_text("Both networks read").wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=DOCS / "screenshot.png", full_page=True)
        browser.close()


def steps_picture() -> None:
    """The same 4, drawn with OpenCV the way the pad draws it, through each step."""
    drawing = np.zeros((280, 280), np.uint8)
    for stroke in FOUR:
        cv2.polylines(drawing, [np.array(stroke, np.int32)], False, 255, 18, cv2.LINE_AA)
    result = to_mnist(drawing)
    size = 168
    panels = [
        cv2.resize(result.ink, (size, size), interpolation=cv2.INTER_AREA),
        pixelated(result.cropped, size),
        pixelated(result.fitted, size),
        pixelated(result.image, size),
    ]
    tiles = []
    for panel in panels:
        tile = np.full((size, size), 0.25, np.float32)
        h, w = panel.shape
        tile[(size - h) // 2 : (size - h) // 2 + h, (size - w) // 2 : (size - w) // 2 + w] = panel
        tiles.append(np.pad(tile, 6, constant_values=1.0))
    cv2.imwrite(str(DOCS / "preprocessing.png"), (np.hstack(tiles) * 255).astype(np.uint8))


if __name__ == "__main__":
    screenshot()
    steps_picture()
    print(f"wrote {DOCS / 'screenshot.png'} and {DOCS / 'preprocessing.png'}")
