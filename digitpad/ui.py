"""Streamlit pieces every page shares: the cached models, and the digit the pages look at."""

from __future__ import annotations

import base64
import gc
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import CanvasResult, st_canvas

from digitpad import charts
from digitpad.gallery import load_npz
from digitpad.store import (
    WHOLE_DIGIT,
    active_versions,
    load_networks,
    not_sure_thresholds,
    store_dir,
)

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator
    from streamlit.runtime.uploaded_file_manager import UploadedFile

    from digitpad.inference import DigitReader

DIGIT_KEY = "digit"  # app.py's drawing, 28x28 float32 in [0, 1], or None
CHART_CONFIG = {"displayModeBar": False}  # figures to look at, not to zoom or export


@st.cache_resource(show_spinner="Loading the models…")
def load_reader(store: Path) -> tuple[DigitReader | None, dict[str, str]]:
    """One DigitReader for every page and session, and a message for each model that failed
    (the whole-digit network's under WHOLE_DIGIT: only the number page needs it)."""
    # Imported here: TensorFlow takes 3 s to import, and a page is on screen before that (the
    # drawing page's pad takes strokes while the models load beside it).
    import keras

    from digitpad.inference import DigitReader

    models, whole_digit, problems = load_networks(store)
    reader = DigitReader(models, not_sure_thresholds(store), whole_digit) if models else None
    # Streamlit collects garbage after every run, twice (its own gc.collect and Keras'
    # clear_session): 0.2 s each through TensorFlow's 350,000 objects, holding up the page's
    # update. What is loaded by now lives until the cache is cleared: keep it out of those
    # sweeps. After a clear, the models let go are collected first (not at start: 0.3 s).
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
    gc.freeze()
    # clear_session, which Streamlit calls after every run for scripts that build a model each
    # time, also empties TensorFlow's kernel cache: the next stroke's reading then took 40 ms
    # instead of 2. Our models are built once and shared, so there is nothing to clear.
    keras.backend.clear_session = lambda free_memory=True: None
    return reader, problems


# streamlit-drawable-canvas 0.13 parks its toolbar (undo, redo, reset), invisible, over the
# pad's top right corner until the pointer hovers the pad, and then lifts it above the pad. A
# finger never hovers: on phones and tablets a stroke begun in that corner (a 7's stem, a 5's
# bar) went to the hidden toolbar and was lost. Where nothing can hover, the toolbar is shown
# above the pad from the start, as the canvas shows it when pinned. Its reset button goes back
# to the drawing the pad was given, not to a blank pad (see drawing_pad): it is hidden, and a
# button of the page's own clears the pad. The toolbar lives in the component's shadow root,
# which no page style reaches: each root is looked for five times a second and styled when
# found (watching the page's body missed roots attached after the body last changed: on the
# number page, until the first stroke). The style can come before the component's own, which
# would win a tie: it is important.
# A pad wider than the page (the number pad beside an upright tablet's sidebar) is shown
# shrunk to the page's width, not cut off behind a scroll bar a finger cannot reach: the
# canvas library maps a pointer through the shrinking, and the pixels sent back keep the
# pad's own size.
PAD_SCRIPT = """<script>
if (!window.digitpadPadScript) {
  window.digitpadPadScript = true;
  const css = "[aria-label='Reset canvas & history'] { display: none !important; } "
    + "@media (hover: none), (any-pointer: coarse) "
    + "{ .dc-toolbar { opacity: 1 !important; top: -2.9rem !important; } }";
  const fit = (root) => {
    const pad = root.querySelector(".dc-container"), frame = root.querySelector(".dc-scroll");
    if (!pad || !frame) return;
    const width = parseFloat(pad.style.width), height = parseFloat(pad.style.height);
    const room = frame.parentElement.clientWidth;
    if (!(room > 0 && width > 0)) return;  // mounting, or hidden: nothing to fit yet
    const scale = Math.min(1, room / width);
    const transform = scale < 1 ? `scale(${scale})` : "";
    if (pad.style.transform !== transform) {
      pad.style.transform = transform;
      pad.style.transformOrigin = "top left";
      frame.style.height = scale < 1 ? `${height * scale}px` : "";
      frame.style.overflowX = scale < 1 ? "hidden" : "";
    }
  };
  const restyle = () => document.querySelectorAll("[data-testid=stBidiComponentIsolated]")
    .forEach((host) => {
      const root = host.shadowRoot;
      if (!root) return;
      if (!root.querySelector("style.digitpad")) {
        const style = document.createElement("style");
        style.className = "digitpad";
        style.textContent = css;
        root.append(style);
      }
      fit(root);
    });
  setInterval(restyle, 200);
}
</script>"""


def width_between(key: str, least: int, most: int | None = None, share: int = 1) -> str:
    """A style that makes the container keyed `key`, in a horizontal container, at least
    `least` pixels wide and `most` at the most, growing by `share` into the room left over;
    one that does not fit goes under the others. Show it with st.html.

    A container's width in Streamlit is one number, so the range is a style on the wrapper
    Streamlit puts round the container (`stLayoutWrapper`, its own test id: the one place to
    look if a Streamlit upgrade breaks this).
    """
    # Streamlit writes other characters of a key as "-" in the class name: no rule would match.
    assert re.fullmatch(r"[A-Za-z0-9_-]+", key), key
    most_rule = f" max-width: {most}px !important;" if most else ""
    return (
        f"[data-testid=stLayoutWrapper]:has(> .st-key-{key}) {{ flex: {share} 1 {least}px "
        f"!important; width: auto !important; min-width: 0;{most_rule} }} "
        f".st-key-{key} {{ width: 100% !important; }} "
    )


def page_number(count: int, per_page: int, key: str) -> int:
    """Which page of `count` things, `per_page` a page, to show: picked with st.pagination
    where there is more than one, and never past the last (which a delete or a narrower filter
    can leave the picked one)."""
    pages = max(1, math.ceil(count / per_page))
    if st.session_state.get(key, 1) > pages:
        st.session_state[key] = pages
    return st.pagination(pages, key=key) if pages > 1 else 1


def beside_if_room(row_key: str, row_width: int, key: str, least: int) -> str:
    """A style that puts the container keyed `key`, at least `least` pixels wide, beside the
    others in the horizontal container keyed `row_key` only where that row is at least
    `row_width` pixels wide, and under them, the row's whole width, elsewhere. Show it with
    st.html.

    Flexbox wraps an item only when even its least width does not fit, so an item that just fits
    takes its room from its neighbours; this one leaves them theirs.
    """
    assert re.fullmatch(r"[A-Za-z0-9_-]+", row_key + key), (row_key, key)
    wrapper = f"[data-testid=stLayoutWrapper]:has(> .st-key-{key})"
    return (
        f".st-key-{row_key} {{ container: {row_key} / inline-size; }} "
        f"{wrapper} {{ flex: 1 1 100% !important; width: auto !important; min-width: 0; }} "
        f"@container {row_key} (width >= {row_width}px) "
        f"{{ {wrapper} {{ flex-basis: {least}px !important; }} }} "
        f".st-key-{key} {{ width: 100% !important; }} "
    )


def columns_that_wrap(widths: list[int], key: str) -> list[DeltaGenerator]:
    """Columns side by side, each at least its width in pixels, sharing the room left over in
    proportion to those widths; a column that does not fit goes under the others.

    st.columns squeezes its columns to slivers beside a tablet's sidebar (cut titles, legends
    run together) and stacks them only on a phone's narrow screen.
    """
    with st.container(horizontal=True):
        columns = [st.container(width=width, key=f"{key}_{i}") for i, width in enumerate(widths)]
    styles = (width_between(f"{key}_{i}", width, share=width) for i, width in enumerate(widths))
    st.html(f"<style>{''.join(styles)}</style>")
    return columns


def drawing_pad(
    key: str,
    width: int,
    height: int,
    stroke_width: int,
    on_clear: Callable[[], None] | None = None,
) -> CanvasResult:
    """A black pad drawn on in white, whose RGBA pixels come back after every stroke: the ink
    both `preprocess` and `number` look for. The drawing outlives a visit to another page; a
    button under the pad clears it, and calls `on_clear`."""
    # In the sidebar, where the space an element takes is out of sight; it runs even closed.
    st.sidebar.html(PAD_SCRIPT, unsafe_allow_javascript=True)
    drawn, restored, clears = f"{key}_drawn", f"{key}_restored", f"{key}_clears"
    # A cleared pad mounts anew under a key of its own, empty.
    mount = key if not st.session_state.get(clears) else f"{key}_{st.session_state[clears]}"
    # Streamlit forgets a widget that a run of the page did not show, so back from another
    # page the pad mounts empty: it is given what it last held, for as long as it stays
    # mounted (a change to what it is given would redraw it, losing what was drawn since).
    if mount not in st.session_state:
        kept = st.session_state.get(drawn)
        # A pad of another size would show the drawing somewhere else than its pixels say.
        st.session_state[restored] = kept if kept and kept["size"] == (width, height) else None
    start = st.session_state.get(restored)
    canvas = st_canvas(
        stroke_width=stroke_width,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=height,
        width=width,
        drawing_mode="freedraw",
        initial_drawing=start["json"] if start else None,
        return_image_data=True,
        key=mount,
    )
    st.button(
        "Clear the pad",
        key=f"{key}_clear",
        icon=":material/delete:",
        on_click=clear_pad,
        args=(key, on_clear),
    )
    png = canvas.image_bytes
    if png is not None:
        st.session_state[drawn] = {"json": canvas.json_data, "png": png, "size": (width, height)}
    elif start:
        # The pad shows what it is given without sending it back: until the next stroke, its
        # pixels are the ones it last sent, made a result as st_canvas makes its own (a data
        # URL: CanvasResult's constructor, which the library does not document).
        data_url = "data:image/png;base64," + base64.b64encode(start["png"]).decode()
        return CanvasResult(start["json"], data_url, return_image_data=True)
    return canvas


def clear_pad(key: str, on_clear: Callable[[], None] | None) -> None:
    """Empties drawing_pad's pad of that key, and forgets what it held."""
    st.session_state[f"{key}_clears"] = st.session_state.get(f"{key}_clears", 0) + 1
    st.session_state.pop(f"{key}_drawn", None)
    if on_clear:
        on_clear()


def upload_that_stays(label: str, types: list[str], key: str) -> UploadedFile | None:
    """A file uploader whose picture outlives a visit to another page, where Streamlit forgets
    the uploader with its file: the picture being read, or None.

    Back on the page, the uploader is empty and the picture from before is read until another
    is uploaded or a button under the uploader lets it go.
    """
    kept, from_before = f"{key}_kept", f"{key}_from_before"
    returning = key not in st.session_state
    upload = st.file_uploader(label, type=types, key=key)
    if upload is not None:
        # The file itself, which holds its bytes: kept on every rerun without a copy.
        st.session_state[kept], st.session_state[from_before] = upload, False
        return upload
    if returning and st.session_state.get(kept):
        st.session_state[from_before] = True
    if not st.session_state.get(from_before):
        st.session_state.pop(kept, None)  # removed from the uploader, or never there
        return None
    picture = st.session_state[kept]
    st.caption(f"Still reading {picture.name}, uploaded before you left this page.")
    st.button(f"Stop reading {picture.name}", key=f"{key}_let_go", on_click=let_go, args=(key,))
    return picture


def let_go(key: str) -> None:
    """upload_that_stays of that key reads its picture from before no more."""
    st.session_state.pop(f"{key}_kept", None)
    st.session_state[f"{key}_from_before"] = False


def run_through_the_app() -> None:
    """Reruns a page that Streamlit ran on its own, so that app.py's navigation wraps it.

    Until some session has run app.py, whose `st.navigation` turns it off, Streamlit takes
    pages/ for an old-style multipage app: a server's first visitor who opens a page by its
    address got that page alone, under a sidebar naming the drawing page "app". Turned off
    here, the rerun goes through app.py, which finds the page by its address.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def models_changed() -> None:
    """Another model version is active: every page must load and read with it afresh."""
    st.cache_resource.clear()
    st.cache_data.clear()


@st.cache_resource
def versions_cached() -> dict[str, dict[str, str]]:
    """{"active": the model versions what is cached was made with}; emptied with the caches."""
    return {}


def follow_active_versions() -> None:
    """Clears the caches when another version became active outside this server (`train.py
    --finetune-on` beside a running app), which the pages would otherwise never read with."""
    active, cached = active_versions(store_dir()), versions_cached()
    if cached.get("active", active) != active:
        models_changed()
        cached = versions_cached()
    cached["active"] = active


def page_header(title: str, intro: str) -> None:
    run_through_the_app()
    st.set_page_config(page_title=f"{title} · DigitPad", page_icon="✏️", layout="wide")
    st.title(title)
    st.caption(intro)


def model_problems(problems: dict[str, str], numbers: bool = False) -> None:
    """Each digit model's problem as an error; the whole-digit network's, which only makes
    numbers read less well, as a warning on the page that reads numbers."""
    for name, problem in problems.items():
        if name != WHOLE_DIGIT:
            st.error(problem)
        elif numbers:
            st.warning(problem)


def models_or_stop(*needed: str, numbers: bool = False) -> DigitReader:
    """The loaded models; says what is missing and stops the page when a needed one is (any
    one, when none is named). `numbers`: the page reads numbers, and says so when the
    whole-digit network is missing."""
    reader, problems = load_reader(store_dir())
    model_problems(problems, numbers)
    if reader is None and not needed:
        st.info("This page needs at least one of the models: see above for how to remake them.")
        st.stop()
    missing = [name for name in needed if reader is None or name not in reader.models]
    if missing:
        names = " and ".join(charts.MODEL_TITLES.get(name, name) for name in missing)
        st.info(f"This page needs the {names}: see the error above for how to remake it.")
        st.stop()
    return reader


def a_digit(digit: int) -> str:
    """The digit with its article, as it is said: a 7, an 8."""
    return f"{'an' if digit == 8 else 'a'} {digit}"


@st.cache_data
def load_examples(store: Path) -> dict[str, np.ndarray] | None:
    return load_npz(Path(store) / "examples.npz")


def current_digit() -> tuple[np.ndarray, str]:
    """The digit drawn on the main page, else an MNIST test digit picked in the sidebar.

    Returns the 28x28 float32 image in [0, 1] and a few words naming it for titles.
    """
    drawn = st.session_state.get(DIGIT_KEY)
    with st.sidebar:
        if drawn is not None:
            st.image(charts.pixelated(drawn), caption="Your digit from the drawing page", width=112)
            return np.asarray(drawn, np.float32), "your digit"
        examples = load_examples(store_dir())
        if examples is None:
            st.info("Draw a digit on the main page: these pages look at it.")
            st.stop()
        st.markdown("Nothing drawn on the main page, so here is an MNIST test digit:")
        # Kept for the whole session, so every page looks at the same pick.
        digit = st.selectbox("Digit", range(10), key="example_digit", persist_state="session")
        choices = np.flatnonzero(examples["labels"] == digit)
        if len(choices) == 0:
            st.info(f"No shipped example of {a_digit(digit)}: pick another digit.")
            st.stop()
        number = st.slider(
            "Which one",
            1,
            max(2, len(choices)),
            key="example_number",
            persist_state="session",
        )
        chosen = choices[min(number, len(choices)) - 1]
        image = examples["images"][chosen].astype(np.float32) / 255.0
        index = int(examples["indices"][chosen])
        st.image(charts.pixelated(image), caption=f"MNIST test digit #{index}", width=112)
    return image, f"test digit #{index}"
