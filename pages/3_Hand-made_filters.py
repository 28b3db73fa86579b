"""The chapter's hand-made 3x3 filters, and one of your own, against the CNN's learned ones."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from digitpad import charts
from digitpad.views import layout, ui

ALIKE = 3  # learned filters shown beside each hand-made one
START_GRID = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]  # Sobel's vertical edge, a classic to edit
FIGURE_WIDTH = 340  # pixels, at least: two figures a row at 1280 or on a tablet on its side
# Three number boxes a row, each wider than the 120 pixels under which Streamlit drops its -/+.
EDITOR_WIDTH = 400
# What each of the chapter's filters answers, as tests/test_explain.py measures it: their names
# promise more than two of them do.
WHAT_IT_FINDS = {
    "horizontal edge": "It answers red along a stroke's lower edge (ink above, paper below) and "
    "blue along its upper edge, a slanted stroke's as well as a level one's.",
    "vertical edge": "It answers red along a stroke's left edge (paper on the left, ink on the "
    "right) and blue along its right edge, a slanted stroke's as well as an upright one's.",
    "diagonal edge": "It is a pixel less the one up and to its right: it answers weakly, along "
    "the edges of strokes of every direction, a \\ stroke's most and a / stroke's least.",
    "horizontal stripes": "Its weights add up to 3, not 0 as an edge filter's do: on strokes as "
    "thick as a digit's it mostly copies the ink, whatever their direction. Only stripes a "
    "pixel apart, which handwriting seldom has, set it apart.",
}


def grid_editor() -> np.ndarray:
    """Nine number boxes laid out as the 3x3 filter they make."""
    grid = np.zeros((3, 3), np.float32)
    for row in range(3):
        # One row of three that never wraps: columns would stack the nine boxes on a phone.
        with st.container(horizontal=True, gap="small", wrap=False):
            for col in range(3):
                grid[row, col] = st.number_input(
                    f"row {row + 1}, column {col + 1}",
                    -9.0,
                    9.0,
                    float(START_GRID[row][col]),
                    step=1.0,
                    format="%g",
                    key=f"grid_{row}{col}",
                    label_visibility="collapsed",
                )
    return grid


def comparison(
    name: str, kernel: np.ndarray, image: np.ndarray, learned: np.ndarray, dark: bool
) -> go.Figure:
    """The kernel and its nearest learned filters (top row), their responses (bottom row);
    `dark`: for a dark page."""
    alike = explain.most_similar_filters(kernel, learned, ALIKE)
    kernels = [np.asarray(kernel, np.float32), *(learned[i] for i, _ in alike)]
    # Short enough for a phone's quarter of the figure: the figure's title says "learned".
    titles = [name, *(f"#{i}, cos {c:.2f}" for i, c in alike)]
    responses = [explain.cross_correlate(image, k) for k in kernels]
    return charts.heatmap_panels(
        kernels + responses,
        titles + [""] * len(responses),
        columns=len(kernels),
        title=f"{name} and learned ones alike",  # short: two figures a row on a tablet
        height=340,
        values=["weight"] * len(kernels) + ["response"] * len(responses),
        dark=dark,
        # The chapter's filters by their numbers, as it writes them: in colour alone, a class
        # saw what they do but not the arithmetic. The learned ones' show under the pointer.
        written=1,
    )


@st.cache_resource(max_entries=16)
def chapter_comparison(name: str, image: np.ndarray, learned: np.ndarray, dark: bool) -> go.Figure:
    """A hand-made filter's figure: it does not change as you edit your own filter."""
    return comparison(name, np.array(explain.HAND_MADE_FILTERS[name]), image, learned, dark)


ui.page_header(
    "Hand-made filters",
    "The textbook chapter DigitPad grew from builds edge detectors by hand; the CNN's first "
    "layer learned its own filters from data. Slide both over the same digit and see which "
    "learned filters do the same job.",
)
reader = ui.models_or_stop("cnn")
# Imported once the models are in: TensorFlow takes 3 s, and the title comes first.
from digitpad import explain  # noqa: E402

image, named = ui.current_digit()
# Slid over the digit the CNN's first layer sees: deskewed, when the CNN deskews.
image = explain.as_seen(reader.models["cnn"], image)
if explain.deskews(reader.models["cnn"]):
    said = "…and deskewed, as the CNN sees it"
    st.sidebar.image(charts.pixelated(image), caption=said, width=112, alt=f"The digit {said[1:]}")
    named = f"{named}, deskewed"
learned = explain.first_layer_filters(reader.models["cnn"])

st.caption(
    "Each response below is its filter slid over the digit as Keras' Conv2D slides it: at each "
    "place, the nine weights times the nine pixels under them, added up. That is a "
    "cross-correlation: a textbook convolution flips the filter first, and Conv2D does not. "
    "Here there is no bias and no ReLU, so a response can be negative (blue). The Filters page "
    "and the drawing page show a learned filter's map as the CNN computes it, its bias added "
    "and every negative response turned into 0 by ReLU, so the same filter looks different "
    "there."
)
# Two figures a row where they fit, else one: in two columns of a tablet's page beside the
# sidebar, their titles were cut and their panels' titles ran into each other.
names = list(explain.HAND_MADE_FILTERS)
for name, column in zip(names, layout.columns_that_wrap([FIGURE_WIDTH] * len(names), "handmade")):
    with column:
        compared = chapter_comparison(name, image, learned, ui.dark_page())
        st.plotly_chart(
            compared,
            config=ui.CHART_CONFIG,
            key=f"handmade_{name}",
            alt=charts.in_words(compared),
        )
        st.caption(
            f"Top: the {name} filter and the learned ones most like it (cos: their cosine "
            "similarity, 1 for the same pattern at any strength, 0 for nothing alike); "
            f"bottom: each slid over {named}, with no bias and no ReLU, red where it responds, "
            f"blue where it is negative. {WHAT_IT_FINDS[name]}"
        )

st.header("Your own filter", anchor=False)
# The weights at a width that shows them, "-1" and not "-": in a quarter of a tablet's page
# they were cut.
editor, figure = layout.columns_that_wrap([EDITOR_WIDTH, FIGURE_WIDTH], "yours")
with editor:
    st.markdown("Edit the nine weights, each from -9 to 9:")
    grid = grid_editor()
yours = comparison("your filter", grid, image, learned, ui.dark_page())
figure.plotly_chart(
    yours,
    config=ui.CHART_CONFIG,
    key="handmade_yours",
    alt=charts.in_words(yours),
)
figure.caption(
    "Change a weight and watch the response change: positive weights reward ink under them, "
    "negative ones penalise it, and the learned filters beside it are the nearest in direction."
)
if not grid.any():
    # Every cosine is then 0: the "most alike" are merely the first three.
    editor.info("All nine weights are 0: this filter finds nothing, and no learned one is like it.")
