"""What a person gives the pages: the drawing pad and the uploaded picture, each kept when the
person looks at another page, where Streamlit forgets a widget and what it held."""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import UploadedFile
from streamlit_drawable_canvas import CanvasResult, st_canvas

from digitpad.images import PICTURE_UPLOAD_MB
from digitpad.views.buttons import button
from digitpad.views.file_names import picture_name
from digitpad.views.ui import on_phone

# streamlit-drawable-canvas 0.13 parks its toolbar, invisible, over the pad's top right corner until
# the pointer has hovered the pad a fifth of a second, and then lifts it above the pad. A finger
# never hovers: on phones and tablets a stroke begun in that corner (a 7's stem, a 5's bar) went
# to the hidden toolbar and was lost, and so did a mouse's that came straight to the corner and
# pressed. The toolbar waits above the pad instead, passing the pointer through while unseen;
# where nothing can hover, it is shown there from the start, as the canvas shows it when pinned,
# its buttons a finger's size (22 pixels square and touching, a finger meant for Undo hit Redo).
# The toolbar shows, and the button ringed, when the keyboard is on one (it stayed invisible,
# the button shaded a faint gray). Of its buttons only undo and redo show: its
# reset button goes back to the drawing the pad was given, not to a blank pad (see drawing_pad), so
# a button of the page's own clears the pad; its pencil ("Edit") turned strokes into picking and
# moving the ones drawn, unsaid, and a student who tapped it drew nothing; its send button sends
# what each stroke already sends. The toolbar lives in the component's shadow root, which no page
# style reaches: each root is looked for five times a second and styled when found (watching the
# page's body missed roots attached after the body last changed: on the number page, until the first
# stroke). The style can come before the component's own, which would win a tie: it is important.
# A pad wider than the page (the number pad beside an upright tablet's sidebar) is shown
# shrunk to the page's width, not cut off behind a scroll bar a finger cannot reach: the
# canvas library maps a pointer through the shrinking, and the pixels sent back keep the
# pad's own size.
PAD_SCRIPT = """<script>
if (!window.digitpadPadScript) {
  window.digitpadPadScript = true;
  const css = "[aria-label='Reset canvas & history'], [aria-label='Edit'], "
    + "[aria-label='Update the app with this drawing'], .dc-toolbar-separator, "
    + ".dc-toolbar-contextual { display: none !important; } "
    + ".dc-toolbar { top: -2.65rem !important; pointer-events: none; } "
    + ".dc-root:hover > .dc-toolbar, .dc-toolbar:focus-within, .dc-toolbar[data-pinned=true] "
    + "{ pointer-events: auto; } "
    + ".dc-toolbar:focus-within { opacity: 1 !important; } "
    + ".dc-icon-button:focus-visible { outline: 2px solid currentColor !important; } "
    + "@media (hover: none), (any-pointer: coarse) "
    + "{ .dc-toolbar { opacity: 1 !important; top: -3.4rem !important; pointer-events: auto; } "
    + ".dc-icon-button { width: 2.5rem !important; height: 2.5rem !important; } "
    + ".dc-icon-button svg { width: 1.4rem !important; height: 1.4rem !important; } }";
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
      // Named for a screen reader, which heard nothing of a surface it cannot draw on, nor
      // of the way round it.
      const canvas = root.querySelector("canvas.upper-canvas");
      if (canvas && !canvas.hasAttribute("aria-label")) {
        canvas.setAttribute("role", "img");
        canvas.setAttribute("aria-label", "Drawing pad, for a mouse, a pen or a finger: "
          + "the sidebar's Upload reads a picture instead");
      }
      fit(root);
    });
  setInterval(restyle, 200);
  // The pad sends a stroke 200 ms after it ends, and drops it if the page goes first: a page
  // link clicked sooner is followed once the stroke has gone, half a second after its end (at
  // 0.3 s, a machine busy with other work sent the stroke too late, and it was lost).
  let drawing = false, strokeEnded = 0;
  document.addEventListener("pointerdown", (event) => {
    drawing = event.composedPath().some((e) => e.classList?.contains("upper-canvas"));
  }, true);
  document.addEventListener("pointerup", () => {
    if (drawing) strokeEnded = Date.now();
    drawing = false;
  }, true);
  // "Undo clear" takes the place of "Clear the pad": a second click on Clear, as the first
  // seemed not to take, landed on it and brought the drawing back. Not in the first moment.
  // The pad a Clear empties is mounted anew by the page's next run, 0.2 s on, and a stroke begun
  // on the old one meanwhile was thrown away with it, or its first half: a 7 with its bar gone
  // read "4". The old pad goes from sight at once, its drawing with it, so that no stroke is
  // begun on it; were no new pad to come, it would be back in two seconds.
  let clearedAt = 0;
  document.addEventListener("click", (event) => {
    const clear = event.target.closest?.("[class*='_clear'] button");
    if (clear && !clear.disabled) {
      clearedAt = Date.now();
      document.querySelectorAll("[data-testid=stBidiComponentIsolated]").forEach((host) => {
        if (!host.shadowRoot?.querySelector("canvas.upper-canvas")) return;
        host.style.visibility = "hidden";
        setTimeout(() => { host.style.visibility = ""; }, 2000);
      });
    }
    // A pointer's click (detail 1 or more): the keyboard's Enter there is meant, however soon.
    const undo = event.target.closest?.("[class*='_unclear'] button");
    if (undo && event.detail > 0 && Date.now() - clearedAt < 800) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("click", (event) => {
    const link = event.target.closest?.("a[data-testid=stSidebarNavLink]");
    const wait = strokeEnded + 500 - Date.now();
    if (!link || wait <= 0) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    setTimeout(() => link.click(), wait);
  }, true);
}
</script>"""


def drawing_pad(
    key: str,
    width: int,
    height: int,
    stroke_width: int,
    on_clear: Callable[[], None] | None = None,
    on_draw: Callable[[], None] | None = None,
) -> CanvasResult:
    """A black pad drawn on in white, whose RGBA pixels come back after every stroke: the ink
    both `preprocess` and `number` look for. The drawing outlives a visit to another page; a
    button under the pad clears it, and calls `on_clear`; `on_draw` is called at each stroke,
    before the page runs."""
    # In the sidebar, where the space an element takes is out of sight; it runs even closed.
    st.sidebar.html(PAD_SCRIPT, unsafe_allow_javascript=True)
    drawn, restored, clears = f"{key}_drawn", f"{key}_restored", f"{key}_clears"
    cleared = f"{key}_cleared"  # what the Clear button cleared, for "Undo clear"
    pen = f"{key}_pen"  # the pen's width in the page's last run
    # A cleared pad mounts anew under a key of its own, empty.
    mount = key if not st.session_state.get(clears) else f"{key}_{st.session_state[clears]}"
    # Streamlit forgets a widget that a run of the page did not show, so back from another
    # page the pad mounts empty: it is given what it last held, for as long as it stays
    # mounted (a change to what it is given would redraw it, losing what was drawn since).
    if mount not in st.session_state:
        kept = st.session_state.get(drawn)
        # A pad of another size would show the drawing somewhere else than its pixels say.
        st.session_state[restored] = kept if kept and kept["size"] == (width, height) else None
    elif st.session_state.get(pen, stroke_width) != stroke_width:
        # The pen's width changed: given what it holds, the pad keeps it through a remount.
        # Streamlit remounted the pad, empty, in a burst of runs (an arrow key held on the pen
        # slider): the readings went on showing a digit the pad no longer did. The pad's undo
        # then starts afresh from the drawing, as it does after a visit to another page.
        holds = _sent(mount, (width, height))
        if holds:
            st.session_state[restored] = holds
    st.session_state[pen] = stroke_width
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
        on_change=on_draw,
    )
    png = canvas.image_bytes
    if png is not None and not pad_sized(png, width, height):
        png, canvas = None, CanvasResult(None, None, return_image_data=True)
    if png is None and not start and cleared in st.session_state:
        # A teacher who pressed Clear by mistake lost the drawing: the pad's own undo starts
        # afresh with the pad cleared. Until the next stroke, the button brings it back.
        st.button(
            "Undo clear",
            key=f"{key}_unclear",
            icon=":material/undo:",
            on_click=unclear,
            args=(key,),
        )
    else:
        button(
            "Clear the pad",
            key=f"{key}_clear",
            icon=":material/delete:",
            on_click=clear_by_hand,
            args=(key, on_clear),
            disabled=png is None and not start,  # on an empty pad it did nothing to be seen
        )
    if png is not None:
        st.session_state.pop(cleared, None)
        st.session_state[drawn] = {"json": canvas.json_data, "png": png, "size": (width, height)}
    elif start:
        # The pad shows what it is given without sending it back: until the next stroke, its
        # pixels are the ones it last sent, made a result as st_canvas makes its own (a data
        # URL: CanvasResult's constructor, which the library does not document).
        data_url = "data:image/png;base64," + base64.b64encode(start["png"]).decode()
        return CanvasResult(start["json"], data_url, return_image_data=True)
    return canvas


def pad_sized(png: bytes, width: int, height: int) -> bool:
    """Whether `png`, which the pad sent, is a PNG the pad's size (it sends its CSS pixels, on
    any screen; twice that at most is let through), by its header: a page altered in the
    browser sent a 13,000-pixel square, 700 kB, which took 2.7 GB of the server's memory to
    decode at each stroke."""
    header = png[:24]
    if len(header) < 24 or header[:8] != b"\x89PNG\r\n\x1a\n":
        return False
    sent_width, sent_height = struct.unpack(">II", header[16:24])
    return sent_width <= 2 * width and sent_height <= 2 * height


def _sent(mount: str, size: tuple[int, int]) -> dict | None:
    """The drawing the pad mounted as `mount` sent with this run, as drawing_pad keeps one;
    None when it holds none. Not the one the last run kept: a stroke may come with this run."""
    drawing = (st.session_state.get(mount) or {}).get("drawing") or {}
    if not (drawing.get("raw") or {}).get("objects") or not drawing.get("data"):
        return None
    png = CanvasResult(drawing["raw"], drawing["data"], return_image_data=True).image_bytes
    if not pad_sized(png, *size):
        return None
    return {"json": drawing["raw"], "png": png, "size": size}


def kept_drawing(key: str) -> bytes | None:
    """The PNG last drawn on drawing_pad's pad of that key, kept while the pad is not shown."""
    kept = st.session_state.get(f"{key}_drawn")
    return kept["png"] if kept else None


def clear_pad(key: str, on_clear: Callable[[], None] | None) -> dict | None:
    """Empties drawing_pad's pad of that key, and forgets what it held: returned, for
    `put_back`."""
    st.session_state[f"{key}_clears"] = st.session_state.get(f"{key}_clears", 0) + 1
    held = st.session_state.pop(f"{key}_drawn", None)
    if on_clear:
        on_clear()
    return held


def clear_by_hand(key: str, on_clear: Callable[[], None] | None) -> None:
    """The Clear button's: what it clears is kept for `unclear`."""
    held = clear_pad(key, on_clear)
    if held:
        st.session_state[f"{key}_cleared"] = held


def unclear(key: str) -> None:
    """Puts back on the pad what its Clear button cleared."""
    put_back(key, st.session_state.pop(f"{key}_cleared", None))


def put_back(key: str, held: dict | None) -> None:
    """Puts what `clear_pad` cleared off drawing_pad's pad of that key back on it: the pad
    mounts anew holding it, as back from another page."""
    clear_pad(key, None)
    st.session_state[f"{key}_drawn"] = held


@dataclass(frozen=True)
class HandedOver:
    """A picture one page hands another's uploader (`hand_over`): read as an upload is."""

    name: str
    data: bytes
    came_from: str  # said under the uploader: "brought from Draw a digit"
    named_by_the_app: bool = False  # "your drawing", not a file's name a person gave it

    def getvalue(self) -> bytes:
        return self.data


def hand_over(key: str, picture: HandedOver) -> None:
    """Has upload_that_stays of that key, on another page, read the picture when that page
    shows, as one uploaded there before: until another is uploaded or it is let go."""
    st.session_state[f"{key}_kept"], st.session_state[f"{key}_from_before"] = picture, True


def take_back(key: str, came_from: str, now: bytes | None) -> None:
    """Lets go of the picture handed over to upload_that_stays of that key from `came_from`
    once it is no longer `now`, what it would be handed over as: drawn on since, its pad's
    old drawing was read there under the name of the new one."""
    picture = st.session_state.get(f"{key}_kept")
    if isinstance(picture, HandedOver) and picture.came_from == came_from and picture.data != now:
        let_go(key)


def upload_that_stays(label: str, types: list[str], key: str) -> UploadedFile | HandedOver | None:
    """A file uploader whose picture outlives a visit to another page, where Streamlit forgets
    the uploader with its file: the picture being read, or None.

    Back on the page, the uploader is empty and the picture from before (or one handed over
    from another page) is read until another is uploaded or a button under the uploader lets
    it go.
    """
    kept, from_before = f"{key}_kept", f"{key}_from_before"
    # An uploader let go of mounts anew under a key of its own, empty.
    drops = st.session_state.get(f"{key}_drops")
    mount = f"{key}_{drops}" if drops else key
    returning = mount not in st.session_state
    upload = st.file_uploader(label, type=types, key=mount, max_upload_size=PICTURE_UPLOAD_MB)
    if upload is not None:
        # The file itself, which holds its bytes: kept on every rerun without a copy.
        st.session_state[kept], st.session_state[from_before] = upload, False
        say_where_it_is_read(picture_name(upload))
        return upload
    if returning and st.session_state.get(kept):
        st.session_state[from_before] = True
    if not st.session_state.get(from_before):
        st.session_state.pop(kept, None)  # removed from the uploader, or never there
        return None
    picture = st.session_state[kept]
    name = picture_name(picture)
    if isinstance(picture, HandedOver):
        st.caption(f"Reading {name}, {picture.came_from}.")
    else:
        st.caption(f"Still reading {name}, uploaded before you left this page.")
    st.button(f"Stop reading {name}", key=f"{key}_let_go", on_click=let_go, args=(key,))
    say_where_it_is_read(name)
    return picture


def say_where_it_is_read(name: str) -> None:
    """Under an upload in the sidebar, on a phone: where the picture `name` (`picture_name`) is
    read."""
    if on_phone():  # the sidebar stays open over what was read
        st.caption(f"{name} is read on the page, under this sidebar: « closes it.")


def read_in_place_of_the_pad(name: str, back_to_the_pad: str, key: str) -> None:
    """The heading shown in the pad's place over a picture read instead (upload_that_stays of
    that key), and a button that lets the picture go and brings the pad back: on a phone the
    uploader is in the sidebar, shut."""
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.markdown(f"**Reading {name}** in place of the pad", width="content")
        st.button(
            back_to_the_pad,
            key=f"{key}_draw_instead",
            icon=":material/draw:",
            on_click=let_go,
            args=(key,),
        )


def let_go(key: str) -> None:
    """upload_that_stays of that key reads no picture: the one from before is forgotten, and
    the one in the uploader taken out of it."""
    picture = st.session_state.pop(f"{key}_kept", None)
    if picture is None:
        return  # none read: the uploader stays as it is, not mounted anew at every stroke
    if isinstance(picture, UploadedFile):
        forget_upload(picture)
    st.session_state[f"{key}_from_before"] = False
    st.session_state[f"{key}_drops"] = st.session_state.get(f"{key}_drops", 0) + 1


def forget_upload(upload: UploadedFile) -> None:
    """Drops a file let go of from the server's store of uploads, which keeps every file a
    session uploaded till the session ends (the uploader's own × drops it): a lesson's phone
    photos, 4 MB each, piled up there, 125 MB for 30 in one tab."""
    context = get_script_run_ctx()
    if context is not None:  # None: outside a session's run, where nothing was uploaded
        runtime.get_instance().uploaded_file_mgr.remove_file(context.session_id, upload.file_id)
