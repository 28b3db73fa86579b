"""Stroke end to bars updated, in headless chromium against the real app on this machine.

The clock starts at the pointer-up that ends a stroke and stops in the first animation frame in
which both models' bar charts hold the new drawing's probabilities (second figure: the feature
maps; third: the five preprocessing steps' pictures, loaded). Digits "1", "7" and "0" are drawn
over and over, cleared between digits, so some strokes put the bars on an empty page and some
update them; the first stroke on a freshly loaded page is timed apart.

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
# sent: comparing it is cheap, so the watching does not slow down what it watches. watchStroke
# looks in every animation frame and notes when the bars, the feature maps and the five
# preprocessing steps' pictures (loaded) first differ from before the stroke: in the page, as
# one wait after another from Playwright would time the later ones no sooner than the earlier.
IN_PAGE = """
addEventListener('pointerup', () => { window.strokeEnd = performance.now(); });
window.chartData = () => Object.fromEntries(
    [...document.querySelectorAll('.js-plotly-plot')].map(gd => {
        // "As one digit, MLP reads 7 (98%)" where the ink is too wide for one digit
        const title = (gd._fullLayout?.title?.text ?? '')
            .replace(/<[^>]*>/g, '').replace(/^As one digit, /, '');
        const data = (gd.data ?? []).map(trace => trace.z ?? trace.y);  // the maps: one a trace
        return [title.split(' ')[0], title + data.map(d => d?.bdata ?? JSON.stringify(d)).join()];
    }));
window.stepPictures = () => [...document.querySelectorAll('[data-testid=stImage] img')]
    .filter(img => img.complete && img.naturalWidth).map(img => img.src);
window.watchStroke = ([bars, maps]) => {
    const chartsBefore = chartData(), stepsBefore = stepPictures().join();
    const seen = window.seen = {};
    const look = () => {
        const now = chartData(), steps = stepPictures(), time = performance.now();
        const changed = names => names.every(
            name => name in now && now[name] !== chartsBefore[name]);
        if (!seen.bars && changed(bars)) seen.bars = time;
        if (!seen.maps && changed(maps)) seen.maps = time;
        if (!seen.steps && steps.length == 5 && steps.join() !== stepsBefore) seen.steps = time;
        if (!(seen.bars && seen.maps && seen.steps)) requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
};
"""


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


def time_stroke(page, stroke) -> tuple[float, float, float]:
    """Seconds from the stroke's end to the bars updated, to the feature maps updated, and to
    the preprocessing steps shown."""
    page.evaluate("watchStroke", [BAR_CHARTS, [FEATURE_MAPS]])
    draw(page, [stroke])
    page.wait_for_function("() => seen.bars && seen.maps && seen.steps")
    seen, end = page.evaluate("[seen, strokeEnd]")
    return tuple((seen[name] - end) / 1000 for name in ("bars", "maps", "steps"))


def main() -> None:
    parser = argparse.ArgumentParser(description=common.description(__doc__))
    parser.add_argument("--strokes", type=common.count, default=30)
    parser.add_argument(
        "--loads", type=common.count, default=3, help="fresh pages for the first stroke"
    )
    args = parser.parse_args()

    with running_app() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        open_page(browser, url).context.close()  # the server's first session loads the models

        first = []
        for _ in range(args.loads):
            page = open_page(browser, url)
            first.append(time_stroke(page, ONE[0]))
            page.context.close()

        page = open_page(browser, url)
        later = []
        for digit in itertools.cycle([ONE, SEVEN, ZERO]):
            for stroke in digit:
                later.append(time_stroke(page, stroke))
            if len(later) >= args.strokes:
                break
            clear_canvas(page)
        browser.close()

    print(common.machine())
    print("browser, stroke end to page updated (headless chromium, same machine)")
    for when, times in (("first stroke after load", first), ("later strokes", later)):
        bars, maps, steps = zip(*times)
        print(f"  {when}, bars             {common.percentiles(bars)}")
        print(f"  {when}, feature maps     {common.percentiles(maps)}")
        print(f"  {when}, steps' pictures  {common.percentiles(steps)}")


if __name__ == "__main__":
    main()
