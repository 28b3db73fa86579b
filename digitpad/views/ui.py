"""Streamlit pieces every page shares: the cached models and what they could not load, the digit
the pages look at, a page's header, and the app's navigation kept round every page."""

from __future__ import annotations

import gc
import json
import math
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from digitpad import MODEL_NAMES, charts
from digitpad.gallery import load_npz
from digitpad.images import decode_image
from digitpad.number import NumberReading, ordinal, read_number
from digitpad.store import (
    CHAPTER_THRESHOLD,
    WHOLE_DIGIT,
    active_versions,
    lost_versions,
    store_dir,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from digitpad.inference import DigitReader

DIGIT_KEY = "digit"  # app.py's drawing, 28x28 float32 in [0, 1], or None
NOT_ONE_DIGIT_KEY = "not_one_digit"  # whether app.py found that drawing too wide, or a number
NUMBER_UPLOAD_KEY = "number_upload"  # the Read a number page's uploader, which others hand to
CHART_CONFIG = {"displayModeBar": False}  # figures to look at, not to zoom or export


@st.cache_resource(show_spinner="Loading the networks…")
def load_reader(store: Path) -> tuple[DigitReader | None, dict[str, str]]:
    """One DigitReader for every page and session, and a message for each model that failed
    (the whole-digit network's under WHOLE_DIGIT: only the number page needs it)."""
    # Imported here: TensorFlow takes 3 s to import, and a page is on screen before that (the
    # drawing page's pad takes strokes while the models load beside it).
    import keras

    from digitpad.inference import open_reader

    reader, problems = open_reader(store)
    if reader is not None:
        # Beside the first strokes rather than before them: a number read takes batches. Not a
        # daemon: one stopped inside TensorFlow as Python exits aborted the process (exit 134,
        # "FATAL: exception not rethrown"), as a short test run ended; an exit waits 0.3 s at most.
        # Said, not inherited: a page's script runs in a daemon thread, whose threads are too.
        threading.Thread(target=reader.trace_for_numbers, daemon=False).start()
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


# Keyed on the picture's bytes (the pad's PNG, an uploaded file): read once, not again at each
# rerun a button, a slider or another page makes, and decoded only then; a phone photo's 12
# megapixels are not hashed as an array at every rerun. The drawing page and Read a number share
# it: a drawing handed from one to the other is not read again.
@st.cache_data(max_entries=8, show_spinner=False)
def number_in_picture(
    data: bytes, store: Path, _picture: np.ndarray | None = None
) -> NumberReading:
    """The digits of a number in a picture, found and read; UnreadableImage when it is no
    picture. `_picture`: its pixels, where the caller has decoded them already (not hashed)."""
    reader, _ = load_reader(store)
    return read_number(decode_image(data) if _picture is None else _picture, reader)


def page_number(count: int, per_page: int, key: str) -> int:
    """Which page of `count` things, `per_page` a page, to show: picked with st.pagination
    where there is more than one, and never past the last (which a delete or a narrower filter
    can leave the picked one)."""
    pages = max(1, math.ceil(count / per_page))
    if st.session_state.get(key, 1) > pages:
        st.session_state[key] = pages
    return st.pagination(pages, key=key) if pages > 1 else 1


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
    """{"active": the model versions what is cached was made with, "lost": those of them whose
    files were gone}; emptied with the caches."""
    return {}


# Sessions run at once: one looks and clears while the others wait, then find the caches
# following the new version, rather than each clearing them and loading the models again.
_FOLLOWING = threading.Lock()


def follow_active_versions() -> None:
    """Clears the caches when another version became active outside this server (`train.py
    --finetune-on` beside a running app), which the pages would otherwise never read with, or
    the active one's file went (deleted by hand): the pages went on reading with it, and saying
    so, while another page said the shipped model was read."""
    with _FOLLOWING:
        store, cached = store_dir(), versions_cached()
        active = active_versions(store)
        # Looked for only when a version is active: at each rerun, not in the common case.
        lost = lost_versions(store) if active else {}
        if (cached.get("active", active), cached.get("lost", lost)) != (active, lost):
            models_changed()
            cached = versions_cached()
        cached["active"], cached["lost"] = active, lost


def fine_tuned_cnn() -> str | None:
    """The fine-tuned CNN every page reads with, as `follow_active_versions` last found it;
    None while the shipped one is read with, its file gone too."""
    cached = versions_cached()
    version = cached.get("active", {}).get("cnn")
    return None if version in cached.get("lost", {}).values() else version


# Streamlit fetches a kind of element's code only when a page first shows one. Plotly's is
# 4.7 MB of JavaScript: on a server just started, a stroke drawn while the models loaded had
# its verdict and steps at once and its bars 1.3 s later, when the code came. A select box's is
# 14 files, each asking for the next: "Is it right?" showed its "No, it is a" a second after
# the first stroke's readings, and everything under it moved down 28 px under the pen. Both are
# fetched as the first page shows instead, by the same address Streamlit's own import will use
# (the browser then has it); what this Streamlit has no such file of is not fetched.
STREAMLIT_CODE = Path(st.__file__).parent / "static" / "static" / "js"
CODE_FETCHED_EARLY = [
    code.name
    for element in ("PlotlyChart", "Selectbox")
    if (code := next(STREAMLIT_CODE.glob(f"{element}.*.js"), None))
]
FETCH_CODE = """<script>
if (!window.digitpadCodeFetched) {
  window.digitpadCodeFetched = true;
  const app = document.querySelector("script[type=module][src*='static/js/index']");
  for (const code of app ? %s : []) import(new URL("./" + code, app.src).href).catch(() => {});
}
</script>"""


def fetch_element_code() -> None:
    """Has the browser fetch the code of the charts and the select box before a page first
    shows one. In the sidebar, as an element that takes room: best under what the sidebar
    shows."""
    if CODE_FETCHED_EARLY:
        st.sidebar.html(FETCH_CODE % json.dumps(CODE_FETCHED_EARLY), unsafe_allow_javascript=True)


def dark_page() -> bool:
    """Whether the page is dark (the browser's setting, or the user's in Streamlit's menu): the
    charts whose zero means "nothing" draw it in a dark page's colours."""
    return st.context.theme.type == "dark"


def browser_name() -> str:
    """The User-Agent the page's browser sent ("" where it sent none)."""
    return st.context.headers.get("User-Agent") or ""


def on_phone() -> bool:
    """Whether the page is on a phone: "Mobi" in the browser's name is how phones say so (MDN's
    advice), but for an iPad's Chrome and Firefox, which say "Mobile" too. A tablet is not: it
    has a page's room."""
    browser = browser_name()
    return "Mobi" in browser and "iPad" not in browser


def the_sidebar() -> str:
    """The sidebar, as the pages point to it: on a phone it starts shut, and "in the sidebar"
    pointed to nothing on the screen."""
    return "the sidebar (» at the top left)" if on_phone() else "the sidebar"


def on_tablet() -> bool:
    """Whether the page is on a tablet that says so: an iPad's Chrome or Firefox, or an Android
    tablet ("Android" without "Mobile"). Safari on an iPad names itself a Mac, and gets a
    computer's page."""
    browser = browser_name()
    return "iPad" in browser or ("Android" in browser and "Mobile" not in browser)


def page_header(title: str, intro: str) -> None:
    run_through_the_app()
    st.set_page_config(page_title=f"{title} · DigitPad", page_icon="✏️", layout="wide")
    st.title(title, anchor=False)
    st.caption(intro)


def model_problems(problems: dict[str, str], numbers: bool = False) -> None:
    """Each digit model that did not load as an error; a model read without a calibrated
    threshold as a warning (the chapter's, which have none by design, as a note), and the
    whole-digit network's problem, which only makes numbers read less well, as a warning on
    the page that reads numbers."""
    said = set()
    for name, problem in problems.items():
        if problem in said:  # a store not found: said once, not once a network
            continue
        said.add(problem)
        if name in MODEL_NAMES:
            st.error(problem)
        elif name == CHAPTER_THRESHOLD:
            st.caption(problem)
        elif name != WHOLE_DIGIT or numbers:
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


@st.cache_resource
def first_layer_filters_figure(store: Path, dark: bool, columns: int, width: int) -> go.Figure:
    """The CNN's first-layer filters, as the drawing page and the Filters page show them."""
    # Imported here: TensorFlow takes 3 s to import, and the drawing page's pad comes first.
    from digitpad.explain import first_layer_filters
    from digitpad.models import FIRST_CONV

    reader, _ = load_reader(store)
    kernels = first_layer_filters(reader.models["cnn"])
    return charts.first_layer_filters_figure(kernels, FIRST_CONV, columns, width, dark)


def a_digit(digit: int) -> str:
    """The digit with its article, as it is said: a 7, an 8."""
    return f"{'an' if digit == 8 else 'a'} {digit}"


@st.cache_data
def load_examples(store: Path) -> dict[str, np.ndarray] | None:
    """The shipped MNIST test digits to show, or None where they are missing or are not
    28x28 digits with their labels and test-set indices (the pages then show none, not a
    traceback)."""
    examples = load_npz(Path(store) / "examples.npz") or {}
    images = examples.get("images", np.zeros(0))
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        return None
    each = (len(images),)
    if any(examples.get(key, np.zeros(0)).shape != each for key in ("labels", "indices")):
        return None
    return examples


def current_digit() -> tuple[np.ndarray, str]:
    """The digit drawn on the main page, else an MNIST test digit picked in the sidebar.

    Returns the 28x28 float32 image in [0, 1] and a few words naming it for titles.
    """
    drawn = st.session_state.get(DIGIT_KEY)
    if drawn is not None:
        caption = "Your digit from the drawing page"
        st.sidebar.image(charts.pixelated(drawn), caption=caption, width=112, alt=caption)
        if st.session_state.get(NOT_ONE_DIGIT_KEY):
            # "17" was explained as the 8 both networks made of it squeezed into 28x28, under
            # the drawing page's "Several digits, not one?"; on a phone the sidebar is shut.
            st.warning(
                "What *Draw a digit* reads is not one digit (several, or too wide for one): "
                "this page looks at it squeezed into one 28x28 digit, as the networks would "
                "read it. *Read a number* reads several digits."
            )
        return np.asarray(drawn, np.float32), "your digit"
    with st.sidebar:
        examples = load_examples(store_dir())
        if examples is None:
            st.info("Draw one on *Draw a digit*: these pages look at it.")
            st.stop()
        st.markdown("An MNIST test digit to look at:")  # why one, the page's caption says
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
        place = min(number, len(choices))
        chosen = choices[place - 1]
        image = examples["images"][chosen].astype(np.float32) / 255.0
        index = int(examples["indices"][chosen])
        # Its place among the slider's, and MNIST's own number: "No. 3" beside "Which one: 1".
        shown = f"The {ordinal(place)} {digit} of MNIST's test digits (No. {index:,})"
        st.image(charts.pixelated(image), caption=shown, width=112, alt=shown)
    # Named by its digit: "feature maps of test digit #3", a 0, read as maps of a 3.
    named = f"this {digit} from MNIST"
    # Said on the page too: on a phone the sidebar, which says it, is shut.
    st.caption(
        f"Nothing is drawn on *Draw a digit*, so this page looks at {named}: another can be "
        f"picked in {the_sidebar()}, or draw your own."
    )
    return image, named
