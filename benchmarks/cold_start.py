"""Cold start: from `streamlit run serve.py` to a canvas that takes strokes, in a fresh process.

The browser is started first and not timed, as a visitor's would be. The clock starts when the
server process is spawned; the page is opened as soon as the server answers its health check, or
--open-after seconds after the spawn, as a person opens it. serve.py loads the models as the
server starts; app.py only once a page is opened, which draws its canvas first and loads them
beside it. The last figure is the reading of a stroke drawn the moment the canvas shows, which
waits for any model not yet in.

    .venv/bin/python benchmarks/cold_start.py                  # 3 starts; <= 6 s to the canvas
    .venv/bin/python benchmarks/cold_start.py --open-after 8 --script app.py
"""

import argparse
import statistics
import time

import common
from browser import CHROMIUM, CHROMIUM_ARGS, ONE, draw, open_page, running_app, wait_for_digit
from playwright.sync_api import sync_playwright


def one_start(browser, script: str, open_after: float) -> dict[str, float]:
    start = time.monotonic()
    with running_app(script=script) as url:
        marks = {"server answers": time.monotonic() - start}
        time.sleep(max(0.0, open_after - marks["server answers"]))
        marks["page opened"] = time.monotonic() - start
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
    parser.add_argument(
        "--script",
        default="serve.py",
        help="what `streamlit run` starts: serve.py (the README's), or app.py, which loads the "
        "networks only once a page is opened",
    )
    parser.add_argument(
        "--open-after",
        type=float,
        default=0.0,
        help="seconds from spawn before the page is opened, as a person opens it once the "
        "terminal says where (default: as soon as the server answers)",
    )
    args = parser.parse_args()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        runs = [one_start(browser, args.script, args.open_after) for _ in range(args.runs)]
        browser.close()

    print(common.machine())
    print(f"cold start of {args.script}, {args.runs} fresh server processes (seconds from spawn)")
    for mark in runs[0]:
        values = [run[mark] for run in runs]
        listed = "  ".join(f"{v:5.2f}" for v in values)
        print(f"  {mark:<18} median {statistics.median(values):5.2f} s   ({listed})")


if __name__ == "__main__":
    main()
