"""The drawing page's "Is it right?": a digit saved to Your digits with its label at a click,
what is said of it once saved, and "Take it back"."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import streamlit as st

from digitpad import samples
from digitpad.verdict import agreed_digit, small_for_the_pen
from digitpad.views.pad import clear_pad, put_back
from digitpad.views.ui import a_digit

if TYPE_CHECKING:
    from digitpad.inference import Reading
    from digitpad.preprocess import Preprocessed

YES_KEY = "confirm_sample"  # and the digit it offers: "confirm_sample_7"

# Below the page's header, which is 3.75rem tall and lies over the page. Looked at again for a
# second and a half: the page under the pad is still shrinking as the script runs (the readings
# going), and a phone's browser then scrolled the pad back off the top.
SHOW_THE_PAD = """<script>/* saved %d */
{
  let looks = 0;
  const show = () => {
    const pad = document.querySelector(".st-key-pad");
    if (pad) {
      pad.style.scrollMarginTop = "4rem";
      const seen = pad.getBoundingClientRect();
      if (seen.top < 60 || seen.bottom > window.innerHeight) {
        pad.scrollIntoView({block: "nearest"});
      }
    }
    if (++looks < 10) setTimeout(show, 150);
  };
  show();
}</script>"""


def unsave() -> None:
    """Deletes the digit just saved; one drawn, cleared off the pad, goes back on the pad, as
    it was before "Yes"."""
    saved = st.session_state.get("saved_sample")
    if saved is None:  # a second click, sent before the page took the button away
        return
    drawing_id, label, sample_id = saved
    try:
        deleted = samples.delete_sample(samples.default_path(), sample_id)
    except samples.SamplesUnavailable as problem:
        st.toast(f"Digit #{sample_id} could not be taken back: {problem}.", icon=":material/error:")
        return
    del st.session_state["saved_sample"]
    # None: deleted meanwhile on the Your digits page, where "taken back" was news to nobody.
    done = "taken back" if deleted is not None else "was deleted already, on Your digits"
    taken_back = f"Digit #{sample_id} ({a_digit(label)}) {done}"
    if drawing_id is None:  # drawn on the pad, and cleared off it
        put_back("canvas", st.session_state.pop("saved_drawing", None))
        taken_back += ": it is on the pad again"
    st.toast(f"{taken_back}.", icon=":material/undo:")


def said_of_saving(drawing_id: str | None) -> str | None:
    """What is said of the digit saved last, "Saved as a 7 (#3 on Your digits).", where it is
    `drawing_id` (None: drawn, saved and cleared off the pad), and as it is saved the pad
    brought back on screen or the upload's saving toasted; None where it is not."""
    saved = st.session_state.get("saved_sample")
    if not saved or saved[0] != drawing_id:
        return None
    _, label, sample_id = saved
    said = f"Saved as {a_digit(label)} (#{sample_id} on Your digits)."  # a name, not a count
    if not st.session_state.pop("saved_just_now", False):
        return said
    if drawing_id is None:
        # The cleared pad on screen for the next digit: on a phone the buttons that saved it
        # are a screen and a half below the pad. In the sidebar, where the room an element
        # takes is out of sight; numbered, so that each save runs it anew. No toast: it lay
        # over the top of the pad brought back, for four seconds, and took the next strokes
        # begun there; the page's status box beside the pad says it, to a screen reader too.
        st.sidebar.html(SHOW_THE_PAD % sample_id, unsafe_allow_javascript=True)
    else:
        # Said aloud too, once: a screen reader announces a toast as it appears, not the text
        # that replaces the buttons, and the rerun that shows it takes the keyboard's focus.
        st.toast(said, icon=":material/check:")
    return said


def ask_and_save(
    result: Preprocessed, readings: dict[str, Reading], picture: bytes, from_the_pad: bool
) -> None:
    """Is it right? On a click, saves the picture read (the pad's PNG, or an upload's
    thumbnail) with its label, and clears the pad it was drawn on for the next digit."""
    # The database is touched only on a click: drawing stays as fast as without this.
    # A blot is offered no reading to save as it is, however sure of it the networks are.
    blot = from_the_pad and small_for_the_pen(result.ink, result.box)
    guess = None if blot else agreed_digit(readings)
    drawing_id = hashlib.blake2b(result.image.tobytes(), digest_size=16).hexdigest()
    said = said_of_saving(drawing_id)
    if said:  # an upload stays read once saved: saved once
        st.caption(f"{said} Upload the next one, or draw it on the pad.")
        st.button("Take it back", key="unsave", icon=":material/undo:", on_click=unsave)
        return
    # A digit picked for one picture is not the next one's, drawn or uploaded: picked for a
    # 7 and left, it stayed picked for the 2 uploaded after, saved as a 7 at a click.
    if st.session_state.get("label_for") != drawing_id:
        st.session_state.pop("label_digit", None)
        st.session_state["label_for"] = drawing_id
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.markdown(
            "**Is it right?**",
            help="Save your digit with its true label: the *Your digits* page shows how well "
            "each network reads your handwriting, and can fine-tune the CNN on it. Saving clears "
            "the pad for the next digit; *Take it back* puts it back.",
            width="content",
        )
        # Keyed by the digit it says: "Yes, it is a 1", clicked as a stroke made the 1 a 4,
        # saved the 4 as a 4, the click landing on the button of the same key the new reading
        # drew. Another digit's button now, it drops the click: a digit is saved as the one
        # clicked, or not at all.
        confirmed = guess is not None and st.button(
            f"Yes, it is {a_digit(guess)}", key=f"{YES_KEY}_{guess}", icon=":material/check:"
        )
        true_digit = st.selectbox(
            "No, it is a" if guess is not None else "It is a",
            range(10),
            index=None,
            placeholder="pick the digit",
            key="label_digit",
            width=150,
            # No clear button: Tab from the digit picked went to it, not to Save, and Enter
            # there cleared the digit.
            required=True,
        )
        corrected = st.button("Save", key="save_sample", disabled=true_digit is None)
    if confirmed or corrected:
        label = guess if confirmed else true_digit
        probs = {name: reading.probs for name, reading in readings.items()}
        thresholds = {name: reading.threshold for name, reading in readings.items()}
        try:
            sample_id = samples.add_sample(
                samples.default_path(), picture, result.image, label, probs, thresholds=thresholds
            )
        except samples.SamplesUnavailable as problem:
            st.error(f"Your digit was not saved: {problem}")
        else:
            # Off the pad once saved: "Draw the next one" over the digit left on it drew the
            # next digit into it, read surely and saved as one.
            st.session_state["saved_sample"] = (
                None if from_the_pad else drawing_id,
                label,
                sample_id,
            )
            st.session_state["saved_just_now"] = True
            if from_the_pad:
                st.session_state["saved_drawing"] = clear_pad("canvas", None)
            st.rerun()
