"""DigitPad's server: the drawing pad and its pages (app.py), its networks loaded as it starts.

    streamlit run serve.py

`streamlit run app.py` serves the same pages, but loads the networks only once the first person
opens one: the pad is on screen then, and its first strokes wait for them.
"""

import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st

LOADER = "load networks"
# Loaded outside any page, the cache's spinner has no page to show on: said in the terminal as
# "missing ScriptRunContext! This warning can be ignored", to the person starting the server.
logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
    lambda record: record.threadName != LOADER
)


def load_networks() -> None:
    """Every page's networks, into the cache the pages read them from; said in the terminal,
    under the address to open, once they are in, with where digits are saved and what is
    wrong."""
    start = time.monotonic()
    # The drawing page's own modules first, a second's work, which a visitor's page would
    # otherwise import while TensorFlow is imported here, each holding up the other.
    import digitpad.verdict
    import digitpad.views.pad
    import digitpad.views.ui  # noqa: F401
    from digitpad import MODEL_NAMES
    from digitpad.samples import default_path, why_not_saved
    from digitpad.store import CHAPTER_THRESHOLD, STORE_ENV, store_dir
    from digitpad.tensorflow_import import import_tensorflow
    from digitpad.versions import unwritable

    import_tensorflow()  # without the notices to TensorFlow's developers, under the address
    from digitpad.views.ui import load_reader

    store, database = store_dir(), default_path()
    reader, problems = load_reader(store)
    said = []
    if reader is not None and set(MODEL_NAMES) <= set(reader.models):
        said.append(f"The networks are loaded ({time.monotonic() - start:.1f} s), from {store}.")
    # Told to whoever starts the server too, not only to the students who meet it on a page.
    said += [problem for name, problem in problems.items() if name != CHAPTER_THRESHOLD]
    if folder := unwritable(store):
        said.append(f"Fine-tuning is off: {folder} cannot be written (${STORE_ENV}).")
    unsaved = why_not_saved(database)
    said.append(
        f"No digit can be saved: {unsaved}." if unsaved else f"Digits are saved in {database}."
    )
    for line in dict.fromkeys(said):  # a store not found: said once, not once a network
        print(f"  {line}", flush=True)


@asynccontextmanager
async def loaded_as_it_starts(app: st.App) -> AsyncIterator[None]:
    # Beside the server, not before it: the page is served at once, and the networks are in by
    # the time a person has opened it and drawn.
    threading.Thread(target=load_networks, name=LOADER).start()
    yield


app = st.App("app.py", lifespan=loaded_as_it_starts)
