"""Start the app on a free port and drive it with Playwright in Debian's chromium."""

import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

from conftest import REPO

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(timeout: float = 90):
    """The app served on localhost; yields its URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the app did not start:\n" + server.stdout.read()) from None
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def draw(page, strokes, canvas_selector="canvas.upper-canvas"):
    """Each stroke a list of (x, y) canvas points, drawn with the mouse."""
    box = page.locator(canvas_selector).bounding_box()
    for stroke in strokes:
        page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=4)
        page.mouse.up()


def chart_titles(page) -> list[str]:
    """Plotly draws titles as SVG text, which Playwright's text locators do not see."""
    return page.eval_on_selector_all(".gtitle", "titles => titles.map(t => t.textContent)")


def bar_titles(page) -> list[str]:
    return [t for t in chart_titles(page) if " reads " in t]


def wait_for_readings(page, timeout: float = 30_000) -> None:
    """Until both models' bars and the feature maps are on the page."""
    page.wait_for_function(
        """() => {
            const titles = [...document.querySelectorAll('.gtitle')].map(t => t.textContent);
            return titles.filter(t => t.includes(' reads ')).length == 2
                && titles.includes('Their feature maps of your digit');
        }""",
        timeout=timeout,
    )
