"""Cold start: from `streamlit run app.py` to a canvas that takes strokes, in a fresh process.

The browser is started first and not timed, as a visitor's would be. The clock starts when the
server process is spawned; the page is opened as soon as the server answers its health check.
The page draws its canvas first and loads the models beside it, so the pad takes strokes during
TensorFlow's import: the last figure is the reading of a stroke drawn the moment the canvas
shows, which waits for the models.

    .venv/bin/python benchmarks/cold_start.py            # 3 starts; target <= 6 s to the canvas
"""

import argparse
import statistics
import time

import common
from browser import CHROMIUM, CHROMIUM_ARGS, ONE, draw, open_page, running_app, wait_for_digit
from playwright.sync_api import sync_playwright


def one_start(browser) -> dict[str, float]:
    start = time.monotonic()
    with running_app() as url:
        marks = {"server answers": time.monotonic() - start}
        page = open_page(browser, url)
        page.locator("canvas.upper-canvas").wait_for(timeout=120_000)
        marks["canvas on screen"] = time.monotonic() - start
        draw(page, ONE)
        wait_for_digit(page, 1)
        marks["first stroke read"] = time.monotonic() - start
        page.context.close()
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=common.description(__doc__))
    parser.add_argument("--runs", type=common.count, default=3)
    args = parser.parse_args()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        runs = [one_start(browser) for _ in range(args.runs)]
        browser.close()

    print(common.machine())
    print(f"cold start over {args.runs} fresh server processes (seconds from spawn)")
    for mark in runs[0]:
        values = [run[mark] for run in runs]
        listed = "  ".join(f"{v:5.2f}" for v in values)
        print(f"  {mark:<18} median {statistics.median(values):5.2f} s   ({listed})")


if __name__ == "__main__":
    main()
