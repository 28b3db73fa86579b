"""Read a number: several digits written in a row on a wide pad, or a photo of them on paper."""

from pathlib import Path

import numpy as np
import streamlit as st

from digitpad import charts
from digitpad.drawn import PEN_WIDTHS
from digitpad.images import UPLOAD_TYPES, UnreadableImage, decode_image
from digitpad.number import NO_DIGITS, NumberReading, digit_places
from digitpad.number_view import PAD, PHONE_PAD, annotated, pad_pen_width
from digitpad.store import store_dir
from digitpad.views import layout, pad, ui
from digitpad.views.file_names import picture_name, plain_name

DIGIT_SIZE = 84  # pixels a side for each digit as the networks see it: 28x28, 3x enlarged
READ_WIDTH = 300  # pixels, at least: the numbers read, beside the pad where the row has room
# Pixels, at most: a phone photo taken upright, shown the pad's width, was 1,100 tall, its number
# a scroll away from the button that brings the pad back.
BOXED_HEIGHT = 400

ui.page_header(
    "Read a number",
    "Write a number on the pad, its digits side by side, or upload a photo of one written on "
    "paper. OpenCV finds each digit and puts them in order, left to right; both networks read "
    "every digit, and the CNN's readings make the number.",
)
reader = ui.models_or_stop(numbers=True)


# The boxes drawn once a picture, like its reading (ui.number_in_picture).
@st.cache_data(max_entries=8, show_spinner=False)
def read_picture(data: bytes, store: Path) -> tuple[NumberReading, list[int], np.ndarray | None]:
    """The number in the picture, the positions of the digits the deciding model is not sure
    of, and the picture with its digits boxed (None without digits); UnreadableImage when it is
    no picture."""
    picture = decode_image(data)  # once: a phone photo's takes a fifth of a second
    reading = ui.number_in_picture(data, store, picture)
    if not reading.digits:
        return reading, [], None
    reader, _ = ui.load_reader(store)
    unsure = reading.unsure(reading.deciding_model, reader.thresholds.get(reading.deciding_model))
    return reading, unsure, annotated(picture, reading, unsure=unsure)


pad_size = PHONE_PAD if ui.on_phone() else PAD  # a tablet gets the wide pad

with st.sidebar:
    stroke_width = st.slider(
        "Pen width",
        *PEN_WIDTHS,
        pad_pen_width(pad_size[1]),
        key="number_stroke_width",
        persist_state="session",
    )
    upload = pad.upload_that_stays(
        "…or read a photo of a number written on paper", UPLOAD_TYPES, ui.NUMBER_UPLOAD_KEY
    )
    ui.fetch_element_code()

# An upload is read in place of the pad, and shown boxed in its place; one that cannot be read,
# or holds no digits, is named, and the pad read instead.
source, reading, unsure, boxed, said_of_upload = "the pad", None, [], None, None
source_shown = source  # in Markdown
if upload is not None:
    try:
        reading, unsure, boxed = read_picture(upload.getvalue(), store_dir())
    except UnreadableImage as error:
        said_of_upload = (
            st.error,
            f"Cannot read {picture_name(upload)}: {error}. Reading the pad.",
        )
    else:
        if reading.digits:
            source, source_shown = plain_name(upload.name), picture_name(upload)
        else:
            said_of_upload = (
                st.warning,
                f"In {picture_name(upload)}: {NO_DIGITS}. Reading the pad.",
            )
            reading = None
picture_read = reading is not None

# The numbers read beside the pad where it keeps its width (a 1920x1080 screen), else under it.
writing, said = layout.first_and_beside("number", READ_WIDTH, pad_size[0], READ_WIDTH)
with writing:
    if picture_read:
        # The picture where the pad was, and the number read: above the pad, the picture pushed
        # it below a 1280x800 screen's foot, and the pad jumped up under the pen when a stroke
        # let the picture go. The pad keeps its drawing meanwhile, for the button to bring back.
        pad.read_in_place_of_the_pad(source_shown, "Write on the pad instead", ui.NUMBER_UPLOAD_KEY)
        read_here, boxed_here = st.container(), st.container()
    else:
        st.markdown("**Write a number here**")
        # A stroke says the pad is what the person wants read: an upload it is read in place
        # of, blank or no picture, is taken out of the uploader.
        canvas = pad.drawing_pad(
            "number_canvas",
            *pad_size,
            stroke_width,
            on_draw=lambda: pad.let_go(ui.NUMBER_UPLOAD_KEY),
        )
        if said_of_upload:
            say, text = said_of_upload
            say(text)
        if canvas.image_bytes is not None:
            reading, unsure, boxed = read_picture(canvas.image_bytes, store_dir())
if not picture_read:
    read_here, boxed_here = said, st.container()

with read_here:
    if reading is None or not reading.digits:
        st.info(
            "Write a number on the black pad, its digits side by side, or upload a photo of one "
            f"in {ui.the_sidebar()}: the reading shows here."
        )
        st.stop()

    decider = reading.deciding_model
    names = [decider, *(name for name in reading.probs if name != decider)]
    titles = {name: charts.MODEL_TITLES.get(name, name) for name in names}
    no_number = reading.no_number(unsure, titles[decider])
    # The reading in the picture's words too: in big type alone, a screen reader never heard it.
    said_of_reading = no_number or (
        f"the {titles[decider]} reads {reading.number}"
        + (f", not sure of {digit_places(unsure)}" if unsure else "")
    )
    if no_number:
        # A photo's advice only for a photo: on the pad, "try a sharper photo" made no sense.
        sharper = ", or try a sharper photo" if picture_read else ""
        advice = f"Write the digits plainly, side by side{sharper}."
        st.warning(f"{no_number[0].upper()}{no_number[1:]}. {advice}")
    else:
        thresholds = reader.thresholds
        # A long number wraps, and its doubts: Streamlit cut "31415926535897932384" to
        # "3141592653589…", and "not sure of the 1st, 5th, 9th, 12th, …" the same.
        st.html(
            "<style>.st-key-numbers_read .stMarkdownEllipsis, "
            ".st-key-numbers_read .stMarkdownEllipsis p "
            "{ white-space: normal; overflow-wrap: anywhere; }</style>"
        )
        numbers_read = st.container(key="numbers_read", width=560)
        for column, name in zip(numbers_read.columns(2), names):
            # Each network's own doubts under its number: the MLP's too, not only the CNN's.
            doubtful = reading.unsure(name, thresholds.get(name))
            column.metric(
                f"{titles[name]} reads",
                reading.read_by(name),
                delta=f"not sure of {digit_places(doubtful)}" if doubtful else None,
                delta_color="orange",
                delta_arrow="off",
            )
        if unsure:
            doubts = reading.doubts_said(decider, unsure)
            st.warning(
                f"The {titles[decider]} is not sure of {doubts}, counted from the left: check it, "
                "or write it again, larger or further from its neighbours."
            )
height, width = boxed.shape[:2]
boxed_here.image(
    boxed,
    # At least a pixel: a strip 400 times as tall as wide came to 0, which Streamlit refuses.
    width=max(1, min(width, BOXED_HEIGHT * width // height)),
    alt=f"{source} with a box round each digit found: {said_of_reading}",
)
boxed_here.caption(
    f"Each box is one digit found in {source_shown}: the {titles[decider]}'s reading above"
    " it, how sure it is below (a gray box and a question mark where it is not sure). Where "
    "digits touch they are cut apart, where one is written into the next each is read from its "
    "own side (the boxes overlap), and strokes of one digit are joined, whichever way the "
    "networks read best: the two that read digits, and a small one trained to tell one whole "
    "digit from half of one or two side by side. A point, comma or dash between two digits, or "
    "a minus or a plus before them, unboxed, is written into the number. A number on several "
    "lines is read line by line on the pad, and as one line in a photo: photograph one line at "
    "a time."
)

st.header("What each network sees", anchor=False)
# A row that wraps rather than columns, which a phone would stack a digit a screen.
with st.container(horizontal=True, gap="small"):
    for index, digit in enumerate(reading.digits):
        with st.container(width=DIGIT_SIZE):
            answers = [(titles[name], reading.probs[name][index]) for name in names]
            st.image(
                charts.pixelated(digit.image, DIGIT_SIZE),
                alt=f"digit {index + 1}: " + ", ".join(f"{t} {p.argmax()}" for t, p in answers),
            )
            lines = [f"{title} **{p.argmax()}** {p.max():.0%}" for title, p in answers]
            if reading.whole is not None:
                lines.append(f"whole {reading.whole[index]:.0%}")
            st.markdown("  \n".join(lines))
st.caption(
    "Each digit cut out, fitted into 20x20 and centred in 28x28 the way MNIST was made, then "
    "read by each network; the percentages say how sure it is. *Whole*: how sure the "
    "whole-digit network is that the box holds one whole digit, not half of one or two."
)
