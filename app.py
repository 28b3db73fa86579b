"""DigitPad: draw a digit and watch an MLP and a CNN read it, live, stroke by stroke.

The drawing page, and the app's navigation: this page first, then the ones in pages/.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from digitpad import charts, versions
from digitpad.charts import MODEL_TITLES
from digitpad.drawn import CANVAS_SIZE, PEN_WIDTH, PEN_WIDTHS
from digitpad.gallery import typical_examples
from digitpad.images import UPLOAD_TYPES, UnreadableImage, decode_image, png_bytes
from digitpad.number import digit_in_picture
from digitpad.pieces import ink_groups
from digitpad.preprocess import Preprocessed, as_uint8, to_mnist
from digitpad.store import learnt_from, store_dir
from digitpad.verdict import (
    drawing_verdict,
    may_be_a_number,
    several_digits,
    too_wide_for_a_digit,
)
from digitpad.views.file_names import picture_name, plain_name
from digitpad.views.focus import keep_keyboard_focus
from digitpad.views.layout import GAP, beside_if_room, columns_that_wrap, width_between
from digitpad.views.pad import (
    HandedOver,
    drawing_pad,
    hand_over,
    kept_drawing,
    let_go,
    read_in_place_of_the_pad,
    take_back,
    upload_that_stays,
)
from digitpad.views.saving import ask_and_save, said_of_saving, unsave
from digitpad.views.ui import (
    CHART_CONFIG,
    DIGIT_KEY,
    NOT_ONE_DIGIT_KEY,
    NUMBER_UPLOAD_KEY,
    dark_page,
    fetch_element_code,
    fine_tuned_cnn,
    first_layer_filters_figure,
    follow_active_versions,
    load_examples,
    load_reader,
    model_problems,
    number_in_picture,
    the_sidebar,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from streamlit.runtime.uploaded_file_manager import UploadedFile


STEP_WIDTH = 82  # pixels: the five preprocessing steps a row beside the pad, and on a tablet
SPARE_ROOM = 0.25  # the gray round a step's picture where it is not square: where the crop ends
MNIST_ROW_WIDTH = 5 * 84  # five MNIST digits a row, each pixel 3x3
BARS_WIDTH = 228  # pixels: two charts side by side beside the pad, and on a tablet
BESIDE_THE_PAD = max(5 * STEP_WIDTH + 4 * GAP, 2 * BARS_WIDTH + GAP)  # at most: 474
FIRST_LAYER_WIDTH = 260  # pixels, at least: filters beside maps at 1024, one a row on a tablet
# The first layer beside the steps where the row has room for one of its grids and the steps
# theirs: on a 1920x1080 screen with the sidebar open the pad, the readings, the filters and
# their maps of the drawing are on one screen; zoomed to 125% for a projector, the filters come
# beside the readings and their maps under the filters, rather than all of it under the steps.
TOP_ROW_WIDTH = CANVAS_SIZE + BESIDE_THE_PAD + FIRST_LAYER_WIDTH + 2 * GAP  # 1046
NUMBER_PAGE = "pages/5_Read_a_number.py"  # where what is not one digit may be read
DRAWN_HERE, UPLOADED_HERE = "brought from Draw a digit", "uploaded on Draw a digit"
UPLOAD_KEY = "upload"  # this page's uploader
st.set_page_config(page_title="DigitPad", page_icon="✏️", layout="wide")


# A picture stays uploaded while the pad reruns the page: decoded and read once, not every rerun
# (a phone photo takes a third of a second).
@st.cache_data(max_entries=8, show_spinner=False)
def read_upload(data: bytes) -> tuple[bytes, Preprocessed | None]:
    """A PNG thumbnail of an uploaded picture, the size of the pad (shown, and saved with a
    label, in place of a phone photo's megabytes), and its digit as the networks take it (a
    photo of paper, too); UnreadableImage when it is no picture."""
    picture = decode_image(data)
    thumbnail = png_bytes(as_uint8(charts.shrunk(picture, CANVAS_SIZE)))
    return thumbnail, digit_in_picture(picture)


def read_the_upload(
    upload: UploadedFile | None,
) -> tuple[Preprocessed | None, bytes | None, tuple[Callable, str] | None]:
    """An upload read in place of the pad: its digit, its picture to show where the pad was, and
    what to say of it instead (unreadable, or blank: the pad, which may hold a digit, is read)."""
    if upload is None:
        return None, None, None
    try:
        thumbnail, uploaded_result = read_upload(upload.getvalue())
    except UnreadableImage as error:
        said = f"Cannot read {picture_name(upload)}: {error}. Reading the pad."
        return None, None, (st.error, said)
    if uploaded_result is None:
        blank = f"{picture_name(upload)} looks blank: there is no digit in it. Reading the pad."
        return None, None, (st.warning, blank)
    return uploaded_result, thumbnail, None


def draw_a_digit() -> None:
    """The drawing page: the pad, what the networks see, their readings, the first layer."""
    st.title("✏️ DigitPad", anchor=False)
    st.caption(
        "Draw a digit. Two networks trained on MNIST read it as you draw: "
        "an MLP that sees pixels, and a CNN that sees strokes through learned filters."
    )
    with st.sidebar:
        stroke_width = st.slider(
            "Pen width", *PEN_WIDTHS, PEN_WIDTH, key="stroke_width", persist_state="session"
        )
        upload = upload_that_stays("…or read a picture of one digit", UPLOAD_TYPES, UPLOAD_KEY)
        fetch_element_code()  # under the sidebar's controls, where the room it takes is not seen

    # The pad at its own width, never narrower (in a third of a 1280-pixel screen, columns cut
    # its right edge off); beside it the rest at the width its steps and bars take, narrowed
    # to one chart's width at the least, or under it where even that does not fit.
    with st.container(horizontal=True, key="top_row"):
        pad = st.container(width=CANVAS_SIZE, key="pad")
        steps = st.container(width=BESIDE_THE_PAD, key="beside_the_pad")
        inside_the_cnn = st.container(key="inside_the_cnn")
    # Where the two charts do not fit beside the pad but one does (a 1024x768 projector with the
    # sidebar open), the column narrows to one chart's width and the charts stack: beside the
    # pad and on screen, not under it and below the fold.
    st.html(
        "<style>"
        # The steps take their room before the first layer, beside them, takes the rest.
        + width_between("beside_the_pad", BARS_WIDTH, BESIDE_THE_PAD, share=100)
        + beside_if_room("top_row", TOP_ROW_WIDTH, "inside_the_cnn", FIRST_LAYER_WIDTH)
        # The verdict two lines tall even when it says less: the bars under it stay put while a
        # digit is drawn, where "Both networks read 7." after "CNN is not sure..." lifted them.
        # Not on a phone, whose bars are under the pad, below the screen's foot, anyway.
        + "@media (min-width: 640px) { .st-key-verdict [data-testid=stAlertContainer] "
        + "{ min-height: 5rem; display: flex; align-items: center; } }"
        # The page's sections, headings for a screen reader's list of them, look as the bold
        # labels they were, which the layouts for a 1280x720 projector were made with.
        + "[data-testid=stMain] :is(.st-key-pad_heading, .st-key-steps_heading) h2 "
        + "{ font-size: 1rem; font-weight: 400; line-height: 1.6; letter-spacing: normal; "
        + "padding: 0 0 1rem; }"
        # The digit picked cannot be cleared (no clear button between it and Save), but it is
        # not required either: "Yes, it is a 7" saves without it.
        + ".st-key-label_digit [data-testid=stWidgetLabelRequired] { display: none; }"
        # Until its code runs, "No, it is a" is a skeleton of its box's height alone: its label
        # came a moment after the first stroke's readings, and moved all under it down 28 px.
        + ".st-key-label_digit [data-testid=stSkeleton] { height: 4.25rem; }"
        + "</style>"
    )
    # Read before the pad's column is laid out, which shows the pad or the upload: a heading
    # filled in after the pad left its place empty a moment at each stroke, and the pad jumped
    # up and back under the pen.
    result, uploaded_png, said_of_upload = read_the_upload(upload)
    with pad:
        if uploaded_png is not None:
            # The picture where the pad was: above the pad, it pushed the pad below a 1280x800
            # screen's foot, and the pad jumped up under the pen when a stroke let the picture
            # go. The pad keeps its drawing meanwhile, for the button to bring back.
            read_in_place_of_the_pad(picture_name(upload), "Draw on the pad instead", UPLOAD_KEY)
            st.image(
                uploaded_png,
                caption=picture_name(upload),
                alt=f"your picture, {plain_name(upload.name)}",
            )
            drawn_png = kept_drawing("canvas")
        else:
            # The canvas's toolbar floats above it: the heading leaves it room.
            section_heading("**Draw a digit here**", "pad_heading")
            # A digit drawn again after a clear is a new one to save, though it may look the same.
            canvas = drawing_pad(
                "canvas",
                CANVAS_SIZE,
                CANVAS_SIZE,
                stroke_width,
                on_clear=lambda: st.session_state.pop("saved_sample", None),
                on_draw=drawn_on,
            )
            if said_of_upload:
                say, text = said_of_upload
                say(text)
            drawn_png = canvas.image_bytes
            if drawn_png is not None:
                result = to_mnist(canvas.image_data)  # decoded once: each access decodes the PNG
    take_back(NUMBER_UPLOAD_KEY, DRAWN_HERE, drawn_png)
    st.session_state[DIGIT_KEY] = None if result is None else result.image
    st.session_state[NOT_ONE_DIGIT_KEY] = False  # until the readings say otherwise, below

    with steps:
        # Nothing drawn yet: MNIST's digits show while the models load below them, and their
        # places go to the first stroke's steps, so the page does not jump.
        if result is None:
            # The upload named too: zoomed in, or on a phone, the sidebar that holds it is shut.
            saved = said_of_saving(None)
            if saved:  # the digit saved and cleared off the pad
                st.success(f"{saved} Draw the next one on the pad.")
                # A "Yes" tapped by mistake went into everyone's digits, to be found and
                # deleted on Your digits, and the drawing was gone.
                st.button("Take it back", key="unsave", icon=":material/undo:", on_click=unsave)
            else:
                # A smiley was read "Both networks read 0", an Eastern Arabic 8 a sure 1.
                st.info(
                    "Draw a digit on the black pad, or upload a picture of one in "
                    f"{the_sidebar()}: the networks' readings appear here. They know only the "
                    "digits 0 to 9 as written in Europe and the Americas: anything else is read "
                    "as the digit it looks most like."
                )
            mnist_digits()
        # Loading starts as the pad goes on screen, not on the first stroke: the pad takes
        # strokes during TensorFlow's 3 s import instead of appearing after it, and a stroke
        # drawn meanwhile is read as soon as the models are in.
        reader, problems = load_reader(store_dir())
        model_problems(problems)
    if reader is None:
        st.stop()
    readings, feature_maps, deskewed = reader.read_one(result.image) if result else ({}, None, None)
    not_one_digit = None  # what the page says of ink that is not one digit: too wide, a number

    with steps:
        if result is not None:
            # The verdict first: on a phone this column comes under the pad.
            number_said, groups = None, ink_groups(result.ink)
            if uploaded_png is None:
                picture = HandedOver("your drawing", drawn_png, DRAWN_HERE, named_by_the_app=True)
            else:
                picture = HandedOver(upload.name, upload.getvalue(), UPLOADED_HERE)
            if may_be_a_number(result.box, groups, readings):
                number = number_in_picture(picture.data, store_dir())
                number_said = several_digits(number, groups, readings, MODEL_TITLES)
            not_one_digit = number_said or too_wide_for_a_digit(result.box)
            st.session_state[NOT_ONE_DIGIT_KEY] = bool(not_one_digit)
            drawn_here = uploaded_png is None
            said = not_one_digit or drawing_verdict(result, readings, MODEL_TITLES, drawn_here)
            if said:
                kind, text = said
                getattr(st.container(key="verdict"), kind)(text)  # st.info, .success, .warning
            # The number read there from this drawing, not from a blank pad to write it on. Right
            # under the verdict that offers it: under the bars, a phone showed it a screen and a
            # half below.
            if number_said and st.button("Read it on *Read a number*", icon=":material/123:"):
                hand_over(NUMBER_UPLOAD_KEY, picture)
                st.switch_page(NUMBER_PAGE)
        # Then the bars, beside the pad and under a verdict of any length: on a 1280x720
        # projector they move with the pen (under the steps, a three-line "not sure" pushed
        # them off the screen). Side by side where they fit, else one under the other.
        with st.container(horizontal=True, gap="small"):
            for name, reading in readings.items():
                # Under "Too wide for one digit", "MLP reads 2 (98%)" of a line contradicted it.
                said_by = ("As one digit, " if not_one_digit else "") + reading.said_by(
                    MODEL_TITLES[name]
                )
                with st.container(width=BARS_WIDTH):
                    st.plotly_chart(
                        charts.probability_bars(reading.probs, said_by, name, dark_page()),
                        key=f"bars_{name}",
                        config=CHART_CONFIG,
                        alt=said_by,  # a screen reader read the bars as "100% 0 1 2 … 9"
                    )
        # Fine-tuned on the page of another visitor, or by train.py: said where it reads.
        if readings and (version := fine_tuned_cnn()):
            st.caption(
                f"Reading with {versions.title(version)} on saved digits: *Your digits* rolls "
                "it back."
            )
        if result is not None:
            # Right under the readings it answers, on screen with the pad: after the steps, it
            # came below a projector's or a tablet's screen, a scroll away from the next digit.
            # Nothing to save of ink that is not one digit: a 7's bar saved as a 7, or a number
            # under one label, would teach the CNN non-digits when it is fine-tuned on them.
            if not_one_digit:
                st.caption("One whole digit, drawn or uploaded, can be saved to *Your digits*.")
                # Under the bars, which a 7's bar alone (too wide) would otherwise push down as
                # it is drawn, and lift again when the 7 is whole.
                if not number_said:
                    st.page_link(
                        NUMBER_PAGE, label="Read numbers on *Read a number*", icon=":material/123:"
                    )
            else:
                if uploaded_png is None:
                    ask_and_save(result, readings, drawn_png, from_the_pad=True)
                else:
                    ask_and_save(result, readings, uploaded_png, from_the_pad=False)
            what_the_networks_see(result, deskewed)

    if "cnn" in reader.models:
        with inside_the_cnn:
            first_layer(feature_maps, deskewed is not None)


def section_heading(text: str, key: str) -> None:
    """One of the drawing page's sections' headings (h2, as "Inside the CNN's first layer"),
    styled by `key` as the bold line of text it was."""
    with st.container(key=key):
        st.header(text, anchor=False)


def what_the_networks_see(result: Preprocessed, deskewed: np.ndarray | None) -> None:
    """Preprocessing's steps, a picture each, and the networks' own deskewing after them."""
    section_heading("**What the networks see**, made the way MNIST was made", "steps_heading")
    # Each step square, its spare room gray: Streamlit stretches a picture to the width
    # it is given, and a thin "1"'s 9x112 crop came out 92x1145, the readings a screen
    # below it.
    shown = [
        (charts.shrunk(charts.squared(result.ink, SPARE_ROOM)), "1. the ink"),
        (
            charts.shrunk(charts.squared(result.cropped, SPARE_ROOM)),
            "2. cropped to the ink",
        ),
        (
            charts.pixelated(charts.squared(result.fitted, SPARE_ROOM)),
            "3. fitted into 20x20",
        ),
        (charts.pixelated(result.image), "4. 28x28, centred by mass"),
    ]
    if deskewed is not None:
        shown.append((charts.pixelated(deskewed), "5. deskewed, the networks' first step"))
    # A row that wraps rather than columns, which a phone would stack a step a screen.
    with st.container(horizontal=True, gap="small"):
        for image, caption in shown:
            # At most 112 pixels a side, shown STEP_WIDTH wide. PNG, as JPEG smudges
            # the 28x28 pixels.
            with st.container(width=STEP_WIDTH):
                st.image(image, caption=caption, clamp=True, output_format="PNG", alt=caption)
    if deskewed is not None:
        # An upright 4 came out of "deskewed" leaning, and nothing on the page said why.
        st.caption(
            "Step 5 straightens a slanted digit by standing its ink's main line upright. "
            "That line is not always the digit's: a 4's bar tilts it, so an upright 4 "
            "comes out leaning, the 4s of one way of writing them alike, which is all the "
            "networks need."
        )


# Built and encoded once, not on every run of the page while nothing is drawn: st.image passes
# PNG bytes through, where it would encode an array again each time.
@st.cache_data(show_spinner=False)
def mnist_digits_png(store: Path) -> bytes | None:
    """A 0 to 9 of MNIST's own in two rows of five, 3x enlarged, as a PNG; None without shipped
    examples."""
    examples = load_examples(store)
    typical = None if examples is None else typical_examples(examples["images"], examples["labels"])
    if typical is None:
        return None
    rows = np.vstack([np.hstack(typical[:5]), np.hstack(typical[5:])]) / 255.0
    enlarged = charts.pixelated(rows, size=MNIST_ROW_WIDTH)
    return png_bytes(as_uint8(enlarged))


def mnist_digits() -> None:
    """Before the first stroke: a 0 to 9 of MNIST's own, the form a drawing is made into."""
    picture = mnist_digits_png(store_dir())
    if picture is None:
        return
    # Also the page's first picture: Streamlit fetches the code that shows pictures when the
    # first one appears, which held the first stroke's preprocessing steps back by most of a
    # second (drawn after the bars and maps).
    with st.container(width=MNIST_ROW_WIDTH):  # narrower on a phone
        st.image(
            picture,
            caption="MNIST's own test digits, 28x28 pixels each: your drawing is made into one "
            f"like these. Both networks learnt from {learnt_from(store_dir())}.",
            width="stretch",
            alt="MNIST's own digits, 0 to 9",
        )


def drawn_on() -> None:
    """A stroke says the pad is what the person wants read: an upload it is read in place of,
    blank or no picture, is taken out of the uploader."""
    let_go(UPLOAD_KEY)


def first_layer(feature_maps: np.ndarray | None, deskewed: bool) -> None:
    """The CNN's learned first-layer filters, and what they make of the drawing (`deskewed`
    first, where the CNN deskews)."""
    st.header("Inside the CNN's first layer", anchor=False)
    learned, maps = columns_that_wrap([FIRST_LAYER_WIDTH, FIRST_LAYER_WIDTH], "first_layer")
    # Shown even before the first stroke: the filters are the model's, not the drawing's.
    learned.plotly_chart(
        # Sized for 400 pixels: 260 high, as the maps beside it are.
        first_layer_filters_figure(store_dir(), dark_page(), columns=8, width=400),
        key="filters",
        config=CHART_CONFIG,
        alt="The CNN's first-layer filters, each a 3x3 grid of weights",
    )
    learned.caption(charts.FIRST_LAYER_FILTERS_CAPTION)
    if feature_maps is None:
        maps.caption("Draw a digit to see where each filter fires on it.")
    else:
        maps.plotly_chart(
            charts.feature_map_grid(
                feature_maps.transpose(2, 0, 1),
                columns=8,
                title="Their feature maps of your digit",
            ),
            key="feature_maps",
            config=CHART_CONFIG,
            alt="Where each first-layer filter fires on your digit",
        )
        seen = "your digit, deskewed (step 5)" if deskewed else "your digit"
        maps.caption(
            f"Where each filter fires on {seen}: the filter slid over it (a cross-correlation, "
            "as Keras' Conv2D computes it: not flipped, as a textbook convolution is), plus its "
            "bias, then ReLU, which turns negative responses into 0 (dark). Some light up the "
            "blank paper instead: for them, no ink is the pattern."
        )


# The drawing page first; the pages in pages/ keep the names and addresses their files give them.
PAGES = sorted((Path(__file__).parent / "pages").glob("*.py"))
drawing = st.Page(draw_a_digit, title="Draw a digit", icon="✏️", url_path="", default=True)
# Captions carry most of what the pages teach: at Streamlit's 60% of the text's colour they were
# 3.9:1 on white, faint on a projector; at 80%, 7:1, and still lighter than the text.
st.html(
    "<style>[data-testid=stCaptionContainer] { opacity: 0.8; } "
    # The page link the keyboard is on, which Streamlit marks by a shade of gray (1.1:1).
    "[data-testid=stSidebarNavLink]:focus-visible { outline: 2px solid currentColor; } "
    # A chart's or picture's full-screen button the keyboard is on, shown ringed: its toolbar
    # showed only under the pointer, and the keyboard went through five unseen buttons.
    "[data-testid=stElementToolbar]:focus-within { opacity: 1; } "
    "[data-testid=stElementToolbar] button:focus-visible { outline: 2px solid currentColor; } "
    # Any other button, the sliders' handles and the select boxes the keyboard is on: ringed in
    # a blue 4.8:1 on the light page and 3.9:1 on the dark one, where Streamlit's red glow at
    # half its strength was 2.2:1 and 1.7:1, under the 3:1 a focus ring needs. A slider's
    # handle, a select box's and a number's box are ringed, not the input the keyboard is on:
    # the slider's is hidden, the others' clipped by their box to a sliver of ring.
    "[data-testid=stMain] button:focus-visible, [data-testid=stSidebar] button:focus-visible, "
    "[data-testid=stSlider] div:has(> div > input[type=range]:focus-visible), "
    "[role=group]:has(> [role=combobox]:focus-visible), "
    "[data-testid=stNumberInputContainer]:has(input:focus-visible), "
    # and the links, the expanders' titles, the page's menu, 'Skip to main
    # content', which kept the faint glow (over Streamlit's `.st-emotion-cache-… a:focus`).
    "[data-testid=stApp] a[href]:focus-visible, [data-testid=stApp] summary:focus-visible, "
    "[data-testid=stHeader] button:focus-visible "
    "{ outline: 2px solid rgb(28, 113, 216); outline-offset: 2px; } "
    "[role=combobox]:focus-visible { outline: none; } "
    # Each page's sections are its title's h2s, as a screen reader's list of headings needs
    # (st.subheader's h3s skipped a level), at the size of Streamlit's h3, which the layouts
    # for a 1280x720 projector were made with.
    "[data-testid=stMain] h2 { font-size: 1.75rem; line-height: 1.2; padding: 0.75rem 0 1rem; "
    "letter-spacing: -0.005em; } "
    # A sidebar closed by « (or by itself on a narrow page, or one zoomed to 200%) is moved
    # off the page, its links and controls still in the keyboard's way: nine Tabs to nowhere.
    # Hidden once it has slid away, out of the Tab order and out of a screen reader's reach.
    "[data-testid=stSidebar][data-collapsed=true] { visibility: hidden; "
    "transition: transform 0.3s, min-width 0.3s, max-width 0.3s, visibility 0s 0.3s; } "
    # The charts' ticks, axis titles, legends and panel labels in the text's own colour, a
    # little lighter, as the captions: in the theme's gray they were 3.7:1 on a light page,
    # under the 4.5:1 text this small needs. 6.8:1 now, and 11:1 on the dark page.
    "[data-testid=stPlotlyChart] :is(.xtick, .ytick, .g-xtitle, .g-ytitle, .annotation) text, "
    "[data-testid=stPlotlyChart] .legendtext { fill: currentColor !important; "
    "fill-opacity: 0.8 !important; } "
    # Why an upload was refused (too big, a type not read), which Streamlit says only to a
    # screen reader and in a tooltip a finger cannot bring up: shown under the file's name.
    "[data-testid=stFileChip][aria-invalid=true] { flex-wrap: wrap; } "
    # The types an uploader reads, whole: a sidebar's width cut them at "WEBP, …".
    "[data-testid=stFileUploaderDropzoneInstructions] span { white-space: normal; } "
    "[data-testid=stFileChip][aria-invalid=true] [role=alert] { position: static; width: 100%; "
    "height: auto; clip: auto; clip-path: none; overflow: visible; white-space: normal; "
    "margin: 0.25rem 0 0; font-size: 0.875rem; } "
    # A tablet's page beside the sidebar, less Streamlit's 5rem a side: on an iPad held
    # sideways (1180x820) the bars stacked beside the pad and pushed "Is it right?" below the
    # screen's foot, each digit saved a scroll away from the pad. Not narrower, where Streamlit
    # keeps 1rem a side already (an upright tablet, a phone).
    "@media (any-pointer: coarse) and (min-width: 1024px) and (max-width: 1280px) "
    "{ [data-testid=stMainBlockContainer] { padding-left: 2rem; padding-right: 2rem; } }</style>"
)
if dark_page():
    # White on the dark page's light accent (.streamlit/config.toml) is 2.7:1; its dark is 6.5:1.
    st.html("<style>[data-testid=stBaseButton-primary] { color: rgb(23, 22, 20); }</style>")
follow_active_versions()
keep_keyboard_focus()
st.navigation([drawing, *map(st.Page, PAGES)]).run()
