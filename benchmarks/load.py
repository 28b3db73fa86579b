"""Load: many people drawing at once on one server, each in their own browser session.

One headless chromium holds every session (a context each, as separate visitors). Each draws
"1", "7" and "0" stroke by stroke, pausing like a person between strokes, and clears between
digits. Stroke end to bars on screen is timed in the page, as in browser_latency.py; the server
turnaround, from the stroke's message leaving the browser to both bar charts arriving, is timed
by chromium's network process. An error is a console error, an HTTP error, an uncaught
exception, a Streamlit exception box, a lost connection or bars that never update. First one
session alone, then all of them together, on the same server. The browsers run at the lowest
CPU priority: on this machine they need ten times the server's CPU for each stroke, so on 2
cores this measures the machine; server_load.py keeps the other visitors' browsers off it.

    .venv/bin/python benchmarks/load.py     # 20 sessions for 60 s"""

import argparse
import asyncio
import base64
import itertools
import os
import random
import time

import common
import numpy as np
from browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ONE,
    PAD_IN_PLACE,
    SEVEN,
    ZERO,
    running_app,
    server_pid,
)
from browser_latency import BAR_CHARTS, IN_PAGE
from playwright.async_api import async_playwright

PAUSE = (1.0, 3.0)  # seconds a person looks at the bars before the next stroke


async def draw(page, stroke) -> None:
    """One mouse stroke through the canvas points, as browser.draw does with the sync API,
    once the pad is in place (just after a clear, it is mounting anew, and drops strokes)."""
    await page.wait_for_function(PAD_IN_PLACE, arg="canvas.upper-canvas", timeout=30_000)
    box = await page.locator("canvas.upper-canvas").bounding_box()
    await page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
    await page.mouse.down()
    for x, y in stroke[1:]:
        await page.mouse.move(box["x"] + x, box["y"] + y, steps=4)
    await page.mouse.up()


class Session:
    """One visitor: a page of their own, their strokes' latencies and whatever went wrong."""

    def __init__(self, number: int):
        self.number = number
        self.latencies: list[float] = []  # stroke end to bars on screen
        self.turnarounds: list[float] = []  # the stroke's message out to the bars' messages in
        self.errors: list[str] = []
        self.frames: list[tuple[float, str]] = []  # websocket traffic, by the browser's clock

    async def open(self, browser, url: str) -> None:
        context = await browser.new_context(viewport={"width": 1280, "height": 1200})
        await context.add_init_script(IN_PAGE)
        self.page = await context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "response", lambda r: r.status >= 400 and self.errors.append(f"{r.status} {r.url}")
        )
        # Chromium's network process timestamps each websocket frame as it passes, however busy
        # the page's own thread is: the server's share of a stroke, apart from the page's.
        network = await context.new_cdp_session(self.page)
        await network.send("Network.enable")
        network.on("Network.webSocketFrameSent", lambda e: self.frames.append((e["timestamp"], "")))
        network.on("Network.webSocketFrameReceived", self.received)
        await self.page.goto(url)
        await self.page.locator("canvas.upper-canvas").wait_for(timeout=300_000)
        await self.page.get_by_text("Draw a digit on the black pad").wait_for(timeout=300_000)

    def received(self, event: dict) -> None:
        frame = event["response"]
        payload = frame["payloadData"]
        if frame["opcode"] == 2:  # binary, as Streamlit's protobuf messages are: base64 here
            payload = base64.b64decode(payload).decode("latin-1")
        self.frames.append((event["timestamp"], "bars" if '"type":"bar"' in payload else "in"))

    def turnaround(self, since: int) -> float | None:
        """From the first frame sent after frame `since` to the second bar chart received."""
        frames = self.frames[since:]
        sent = next((t for t, kind in frames if kind == ""), None)
        bars = [t for t, kind in frames if kind == "bars" and sent is not None and t >= sent]
        return bars[1] - sent if len(bars) >= 2 else None

    async def stroke(self, stroke) -> None:
        page = self.page
        since = len(self.frames)
        await page.evaluate("watchStroke", [BAR_CHARTS, []])  # the bars only
        await draw(page, stroke)
        try:
            await page.wait_for_function("() => seen.bars", polling="raf", timeout=30_000)
        except Exception as error:  # Playwright's TimeoutError: the bars never updated
            self.errors.append(f"session {self.number}: {error}")
            return
        updated, end = await page.evaluate("[seen.bars, strokeEnd]")
        self.latencies.append((updated - end) / 1000)
        if (turnaround := self.turnaround(since)) is not None:
            self.turnarounds.append(turnaround)

    async def draw_until(self, deadline: float) -> None:
        rng = random.Random(self.number)
        digits = itertools.islice(itertools.cycle([ONE, SEVEN, ZERO]), self.number % 3, None)
        for digit in digits:
            for stroke in digit:
                await self.stroke(stroke)
                await asyncio.sleep(rng.uniform(*PAUSE))
            if time.monotonic() > deadline:
                break
            await self.page.get_by_role("button", name="Clear the pad").click()
            await self.page.get_by_text("Draw a digit on the black pad").wait_for()
        await self.check()

    async def check(self) -> None:
        page = self.page
        if await page.locator("[data-testid=stException]").count():
            self.errors.append(f"session {self.number}: an exception box on the page")
        app = page.locator("[data-testid=stApp]")
        state = await app.get_attribute("data-test-connection-state")
        if state != "CONNECTED":
            self.errors.append(f"session {self.number}: connection {state}")
        await page.context.close()


def cpu_seconds(pid: int) -> float:
    """CPU time the process has used so far, user and system."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:  # gone meanwhile
        pass
    return 0.0


def renderers_mib() -> float:
    """Memory of chromium's page processes together, shared pages counted once (PSS)."""
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = open(f"/proc/{pid}/cmdline", "rb").read()
            if b"chromium" in argv and b"--type=renderer" in argv:
                for line in open(f"/proc/{pid}/smaps_rollup"):
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) / 1024
        except OSError:  # gone meanwhile
            continue
    return total


async def run(sessions_count: int, seconds: float, url: str, browser) -> list[Session]:
    sessions = [Session(n) for n in range(sessions_count)]
    await asyncio.gather(*(s.open(browser, url) for s in sessions))
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(s.draw_until(deadline) for s in sessions))
    return sessions


def p95(values: list[float]) -> float:
    # As common.percentiles prints it, so the ratio agrees with the figures above it.
    return float(np.percentile(values, 95)) if values else float("nan")


def report(label: str, sessions: list[Session]) -> tuple[float, float]:
    """Prints and returns the p95s: stroke end to bars on screen, and the server's turnaround."""
    latencies = [t for s in sessions for t in s.latencies]
    turnarounds = [t for s in sessions for t in s.turnarounds]
    errors = [e for s in sessions for e in s.errors]
    print(f"  {label}: {len(errors)} errors")
    print(f"    stroke end to bars on screen   {common.percentiles(latencies)}")
    print(f"    server turnaround              {common.percentiles(turnarounds)}")
    for error in errors[:10]:
        print(f"      {error[:200]}")
    return p95(latencies), p95(turnarounds)


async def main() -> None:
    parser = argparse.ArgumentParser(description=common.description(__doc__))
    parser.add_argument("--sessions", type=common.count, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--alone-seconds", type=float, default=45, help="the one-session run")
    args = parser.parse_args()

    print(common.machine())
    with running_app() as url:
        pid = server_pid(url)
        # The visitors' browsers would run on their own machines; here they share the server's
        # two cores and need ten times its CPU a stroke. At the lowest priority (inherited by
        # chromium, started below), they get what the server leaves.
        os.nice(19)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            alone = await run(1, args.alone_seconds, url, browser)  # also loads the models
            server_before, pages_before = rss_mib(pid), renderers_mib()
            peaks = [(server_before, pages_before)]

            async def watch_memory() -> None:
                while True:
                    peaks.append((rss_mib(pid), renderers_mib()))
                    await asyncio.sleep(2)

            watcher = asyncio.create_task(watch_memory())
            cpu_before = cpu_seconds(pid)
            crowd = await run(args.sessions, args.seconds, url, browser)
            server_cpu = cpu_seconds(pid) - cpu_before
            watcher.cancel()
            await browser.close()
        print(f"load average after: {os.getloadavg()[0]:.1f}")

    print(f"{args.sessions} sessions drawing for {args.seconds:.0f} s on one server")
    alone_p95 = report("1 session alone", alone)
    crowd_p95 = report(f"{args.sessions} sessions at once", crowd)
    for what, alone_value, crowd_value in zip(["on screen", "server"], alone_p95, crowd_p95):
        print(f"  p95 {what}, {args.sessions} sessions / alone: {crowd_value / alone_value:.2f}x")
    strokes = sum(len(s.latencies) for s in crowd)
    print(
        f"  server CPU: {server_cpu:.1f} s for {strokes} strokes (clears and page loads included), "
        f"{server_cpu / strokes * 1000:.0f} ms a stroke"
    )
    server_peak = max(server for server, _ in peaks)
    pages_peak = max(pages for _, pages in peaks)
    print(
        f"memory a session: server {(server_peak - server_before) / args.sessions:.1f} MiB "
        f"({server_before:.0f} MiB with the models loaded, peak {server_peak:.0f} MiB); "
        f"browser pages {(pages_peak - pages_before) / args.sessions:.0f} MiB"
    )


if __name__ == "__main__":
    asyncio.run(main())
