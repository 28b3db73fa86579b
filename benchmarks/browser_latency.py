"""Stroke end to bars updated, in headless chromium against the real app on this machine.

The clock starts at the pointer-up that ends a stroke and stops in the first animation frame in
which both models' bar charts hold the new drawing's probabilities (and, second figure, the
feature maps too). Digits "1", "7" and "0" are drawn over and over, cleared between digits, so
some strokes put the bars on an empty page and some update them.

    .venv/bin/python benchmarks/browser_latency.py        # 30 strokes; target p50 <= 500 ms
"""

import argparse
import itertools

import common
from browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ONE,
    SEVEN,
    ZERO,
    clear_canvas,
    draw,
    running_app,
)
from playwright.sync_api import sync_playwright

BAR_CHARTS = ["MLP", "CNN"]
FEATURE_MAPS = "Their"  # feature maps of your digit

# In the page: the time of each pointer-up by the page's own clock, and what each chart shows
# (title and data) keyed by its title's first word, the model's name for the bar charts
# ("MLP reads 1 (98%)") and "Their" for the feature maps. The data is Plotly's base64 array as
# sent: comparing it is cheap, so the watching does not slow down what it watches.
IN_PAGE = """
addEventListener('pointerup', () => { window.strokeEnd = performance.now(); });
window.chartData = () => Object.fromEntries(
    [...document.querySelectorAll('.js-plotly-plot')].map(gd => {
        const title = (gd._fullLayout?.title?.text ?? '').replace(/<[^>]*>/g, '');
        const trace = gd.data?.[0] ?? {};
        const data = trace.z ?? trace.y;
        return [title.split(' ')[0], title + (data?.bdata ?? JSON.stringify(data))];
    }));
"""

# The page's time once every chart named shows other data than before the stroke, else false.
CHANGED = """names => {
    const now = chartData();
    const changed = names.every(name => name in now && now[name] !== chartsBefore[name]);
    return changed && performance.now();
}"""


def open_page(browser, url: str):
    """A fresh visitor (empty cache) with the page loaded and idle, ready for a stroke."""
    context = browser.new_context(viewport={"width": 1280, "height": 1200})
    context.add_init_script(IN_PAGE)
    page = context.new_page()
    page.goto(url)
    page.locator("canvas.upper-canvas").wait_for(timeout=120_000)
    page.get_by_text("Draw a digit on the black pad").wait_for()
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length > 0")
    return page


def time_stroke(page, stroke) -> tuple[float, float]:
    """Seconds from the stroke's end to the bars updated, and to the feature maps updated."""
    page.evaluate("window.chartsBefore = chartData()")
    draw(page, [stroke])
    bars = page.wait_for_function(CHANGED, arg=BAR_CHARTS, polling="raf").json_value()
    maps = page.wait_for_function(CHANGED, arg=[FEATURE_MAPS], polling="raf").json_value()
    end = page.evaluate("window.strokeEnd")
    return (bars - end) / 1000, (maps - end) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=30)
    parser.add_argument("--loads", type=int, default=3, help="fresh pages for the first stroke")
    args = parser.parse_args()

    with running_app() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        open_page(browser, url).context.close()  # the server's first session loads the models

        first_bars, first_maps = [], []
        for _ in range(args.loads):
            page = open_page(browser, url)
            bars, maps = time_stroke(page, ONE[0])
            first_bars.append(bars)
            first_maps.append(maps)
            page.context.close()

        page = open_page(browser, url)
        bars_times, maps_times = [], []
        for digit in itertools.cycle([ONE, SEVEN, ZERO]):
            for stroke in digit:
                bars, maps = time_stroke(page, stroke)
                bars_times.append(bars)
                maps_times.append(maps)
            if len(bars_times) >= args.strokes:
                break
            clear_canvas(page)
        browser.close()

    print(common.machine())
    print("browser, stroke end to page updated (headless chromium, same machine)")
    print(f"  first stroke after load, bars  {common.percentiles(first_bars)}")
    print(f"  first stroke after load, maps  {common.percentiles(first_maps)}")
    print(f"  later strokes, bars            {common.percentiles(bars_times)}")
    print(f"  later strokes, feature maps    {common.percentiles(maps_times)}")


if __name__ == "__main__":
    main()
