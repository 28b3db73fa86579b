"""Load as visitors would bring it: 20 people drawing at once, each browser on its own machine.

load.py puts 20 headless chromiums on this machine's 2 cores beside the server, and drawing the
page costs each of them about ten times the server's CPU for a stroke: the machine, not the
server, saturates. Here one chromium draws "1", "7" and "0" (clearing after each) while its
websocket messages are recorded. Then one visitor draws in chromium, timed from stroke end to
bars on screen as in load.py, first alone and then while 19 more sessions draw: light clients,
each with its own Streamlit session opened with the browser's handshake, sending the recorded
messages at a person's pace (starting at their own moments) and fetching the step images as the
page does. Their turnaround is from a stroke's message sent to the server's "script finished".
Last, the worst case: every session sends a stroke at the same instant.

    .venv/bin/python benchmarks/server_load.py      # 20 sessions for 120 s; target within 2x"""

import argparse
import asyncio
import base64
import itertools
import random
import time
import urllib.request
from dataclasses import dataclass

import common
import websockets
from browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ONE,
    SEVEN,
    ZERO,
    clear_canvas,
    draw,
    running_app,
    wait_until_idle,
)
from load import PAUSE, Session, cpu_seconds, p95, rss_mib, server_pid
from playwright.async_api import async_playwright
from playwright.sync_api import sync_playwright
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

DRAWING_TIME = 0.4  # seconds a stroke takes to draw, before its message leaves the browser


def wait_for_message(page, sent: list, count: int) -> None:
    """Until the browser has sent `count` messages and the page is done with the last."""
    while len(sent) < count:
        page.wait_for_timeout(50)
    page.wait_for_timeout(300)  # the script starts running
    wait_until_idle(page)


@dataclass(frozen=True)
class Recording:
    """What a browser sent while drawing: enough for another session to send it again."""

    headers: dict[str, str]  # the handshake's cookie and origin
    protocols: list[str]  # the subprotocols offered, the XSRF token among them
    messages: list[bytes]
    strokes: list[bool]  # which messages are strokes: not the first (the page), nor clears


def record(url: str) -> Recording:
    """Every message a browser sends as it draws, and its websocket handshake."""
    handshakes, sent = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1200})
        page = context.new_page()
        network = context.new_cdp_session(page)
        network.send("Network.enable")
        network.on(
            "Network.webSocketWillSendHandshakeRequest",
            lambda e: handshakes.append(e["request"]["headers"]),
        )
        network.on("Network.webSocketFrameSent", lambda e: sent.append(e["response"]))
        page.goto(url)
        wait_until_idle(page)
        strokes = [False]  # the first message asks for the page
        for digit in (ONE, SEVEN, ZERO):
            for stroke in digit:
                draw(page, [stroke])
                strokes.append(True)
                wait_for_message(page, sent, len(strokes))
            clear_canvas(page)
            strokes.append(False)
            wait_for_message(page, sent, len(strokes))
        browser.close()
    messages = [base64.b64decode(f["payloadData"]) for f in sent]
    if len(messages) != len(strokes):
        raise RuntimeError(f"the browser sent {len(messages)} messages, not {len(strokes)}")
    headers = handshakes[0]
    # The XSRF token rides in the subprotocol list; a third entry would resume the old session.
    protocols = [p.strip() for p in headers["Sec-WebSocket-Protocol"].split(",")][:2]
    headers_kept = {"Cookie": headers["Cookie"], "Origin": headers["Origin"]}
    return Recording(headers_kept, protocols, messages, strokes)


def read_url(url: str) -> bytes:
    with urllib.request.urlopen(url) as response:
        return response.read()


class ReplaySession:
    """One visitor without a browser: its own Streamlit session, fed a browser's messages."""

    def __init__(self, number: int, url: str, recording: Recording):
        self.number, self.url, self.recording = number, url, recording
        self.turnarounds: list[float] = []
        self.errors: list[str] = []

    async def run_script(self, socket, message: bytes) -> list[str]:
        """Sends one message and reads until its script run finishes; the image URLs it sent."""
        await socket.send(message)
        images = []
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(await socket.recv())
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                if element.WhichOneof("type") == "exception":
                    self.errors.append(f"session {self.number}: {element.exception.message}")
                elif element.WhichOneof("type") == "imgs":
                    images += [image.url for image in element.imgs.imgs]
            elif kind == "script_finished":
                return images

    async def fetch(self, paths: list[str]) -> None:
        """The step images, as the page's <img> tags would fetch them."""
        for path in paths:
            try:
                await asyncio.to_thread(read_url, self.url + path)
            except OSError as error:
                self.errors.append(f"session {self.number}: {path}: {error}")

    def connect(self):
        return websockets.connect(
            self.url.replace("http", "ws", 1) + "/_stcore/stream",
            subprotocols=self.recording.protocols,
            additional_headers=self.recording.headers,
            max_size=None,
        )

    async def stroke(self, socket, message: bytes) -> None:
        sent = time.monotonic()
        images = await self.run_script(socket, message)
        self.turnarounds.append(time.monotonic() - sent)
        await self.fetch(images)

    async def draw_until(self, deadline: float) -> None:
        rng = random.Random(self.number)
        order = list(zip(self.recording.messages, self.recording.strokes))[1:]
        try:
            async with self.connect() as socket:
                await self.run_script(socket, self.recording.messages[0])
                # People open the page and start drawing at their own moments, not in step.
                await asyncio.sleep(rng.uniform(*PAUSE))
                for message, is_stroke in itertools.cycle(order):
                    if time.monotonic() > deadline:
                        break
                    if is_stroke:
                        await asyncio.sleep(DRAWING_TIME)
                        await self.stroke(socket, message)
                    else:
                        await self.run_script(socket, message)
                    await asyncio.sleep(rng.uniform(*PAUSE))
        except (OSError, websockets.ConnectionClosed) as error:
            self.errors.append(f"session {self.number}: connection lost: {error}")

    async def stroke_together(self, ready: asyncio.Barrier) -> None:
        """One stroke, sent at the same instant as every other session's."""
        try:
            async with self.connect() as socket:
                await self.run_script(socket, self.recording.messages[0])
                await ready.wait()
                await self.stroke(socket, self.recording.messages[1])
        except (OSError, websockets.ConnectionClosed) as error:
            self.errors.append(f"session {self.number}: connection lost: {error}")


async def run_together(count: int, url: str, recording: Recording) -> list[ReplaySession]:
    sessions = [ReplaySession(n, url, recording) for n in range(count)]
    ready = asyncio.Barrier(count)
    await asyncio.gather(*(s.stroke_together(ready) for s in sessions))
    return sessions


async def observe(browser, url: str, seconds: float, others: list[ReplaySession]) -> Session:
    """A visitor drawing in chromium for `seconds` while the replayed sessions draw too."""
    observer = Session(0)
    await observer.open(browser, url)
    deadline = time.monotonic() + seconds
    await asyncio.gather(observer.draw_until(deadline), *(s.draw_until(deadline) for s in others))
    return observer


def watched(label: str, session: Session) -> float:
    print(f"    {label + ':':<28} {common.percentiles(session.latencies)}, "
          f"{len(session.errors)} errors")  # fmt: skip
    for error in session.errors[:10]:
        print(f"      {error[:200]}")
    return p95(session.latencies)


def replayed(label: str, sessions: list[ReplaySession]) -> None:
    turnarounds = [t for s in sessions for t in s.turnarounds]
    errors = [e for s in sessions for e in s.errors]
    print(f"    {label + ':':<28} {common.percentiles(turnarounds)}, {len(errors)} errors")
    for error in errors[:10]:
        print(f"      {error[:200]}")


async def measure(args, url: str, recording: Recording) -> None:
    pid = server_pid(url)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # One visitor watched through a real browser, first alone, then among the others.
        alone = await observe(browser, url, args.alone_seconds, [])
        memory = [rss_mib(pid)]

        async def watch_memory() -> None:
            while True:
                await asyncio.sleep(1)
                memory.append(rss_mib(pid))

        watcher = asyncio.create_task(watch_memory())
        cpu_before = cpu_seconds(pid)
        others = [ReplaySession(n, url, recording) for n in range(1, args.sessions)]
        crowd = await observe(browser, url, args.seconds, others)
        server_cpu = cpu_seconds(pid) - cpu_before
        watcher.cancel()
        await browser.close()
    together = await run_together(args.sessions, url, recording)

    print(common.machine())
    print(f"{args.sessions} sessions for {args.seconds:.0f} s on one server: one in chromium, "
          f"{args.sessions - 1} replayed")  # fmt: skip
    print("  the visitor in chromium, stroke end to bars on screen")
    alone_p95 = watched("alone", alone)
    crowd_p95 = watched(f"among {args.sessions - 1} others", crowd)
    print(f"    p95 among the others / alone: {crowd_p95 / alone_p95:.2f}x")
    print("  every replayed session, server turnaround")
    replayed("among the others", others)
    replayed("worst case: all strokes sent at the same instant", together)
    strokes = sum(len(s.turnarounds) for s in others) + len(crowd.latencies)
    print(f"  server CPU {server_cpu / strokes * 1000:.0f} ms a stroke (clears included), "
          f"{server_cpu / args.seconds:.2f} of a core (page loads included)")  # fmt: skip
    print(f"  server memory {memory[0]:.0f} MiB before, peak {max(memory):.0f} MiB: "
          f"{(max(memory) - memory[0]) / args.sessions:.1f} MiB a session")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=common.description(__doc__))
    parser.add_argument("--sessions", type=common.count, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--alone-seconds", type=float, default=90, help="the visitor alone")
    args = parser.parse_args()
    with running_app() as url:
        recording = record(url)
        asyncio.run(measure(args, url, recording))


if __name__ == "__main__":
    main()
