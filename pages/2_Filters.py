"""Inside both networks: the CNN's filters and feature maps, and the MLP's hidden units."""

import streamlit as st

from digitpad import charts
from digitpad.store import store_dir
from digitpad.views import layout, ui

MLP_UNITS = 16  # hidden units shown, those the digit excites most
# A phone's page is about 360 pixels wide: 16 maps a row were 20 pixels each, under a figure
# as tall as a 1000-pixel-wide one's, and 8 hidden units' titles a row ran into each other.
PHONE_WIDTH = 360
# An upright tablet's beside its sidebar, about 500 pixels (16 maps a row were 28 pixels each, in
# bands of nothing), and about 850 lying down, where the figure's height then sizes the maps.
TABLET_WIDTH = 560


ui.page_header(
    "Filters",
    "What each layer computes on one digit: the CNN looks through small learned filters that "
    "slide over the whole image; the units of the MLP's first hidden layer each weigh all 784 "
    "pixels at once.",
)
reader = ui.models_or_stop("mlp", "cnn")
# Imported once the models are in: TensorFlow takes 3 s, and the title comes first.
from digitpad import explain  # noqa: E402

image, named = ui.current_digit()
# Maps a row, and the width the figures are sized for: half as many on a phone or a tablet.
phone = ui.on_phone()
small_screen = phone or ui.on_tablet()
columns = 8 if small_screen else 16
width = PHONE_WIDTH if phone else TABLET_WIDTH if small_screen else 1000
cnn, mlp = reader.models["cnn"], reader.models["mlp"]
seen = explain.as_seen(cnn, image)  # the digit the first conv layer reads
if explain.deskews(cnn):
    # The maps and the MLP's weights below are laid out as the digit the networks read.
    said = "…and deskewed, as the networks see it"
    st.sidebar.image(charts.pixelated(seen), caption=said, width=112, alt=f"The digit {said[1:]}")

st.header("CNN: convolution layers", anchor=False)
conv_layers = explain.conv_layer_names(cnn)
layer = st.segmented_control(
    "Layer", conv_layers, default=conv_layers[0], required=True, key="conv_layer"
)
pooled_by = explain.pooling_after(cnn, layer)
maps = explain.activations(cnn, image, [layer, *([pooled_by] if pooled_by else [])])

if layer == conv_layers[0]:
    filters = ui.first_layer_filters_figure(store_dir(), ui.dark_page(), columns, width)
    st.plotly_chart(
        filters,
        config=ui.CHART_CONFIG,
        key="conv_filters",
        alt=charts.in_words(filters),
    )
    st.caption(charts.FIRST_LAYER_FILTERS_CAPTION)
else:
    # Thousands of 3x3 slices at once read as noise: one filter at a time, beside what it
    # found, starting with the filter this digit excites most.
    kernels = explain.conv_filters(cnn, layer)  # (filters, maps read, 3, 3)
    strongest = explain.strongest_filter(maps[layer], seen, explain.input_grid(cnn, layer))
    chosen = st.slider(f"{layer} filter", 0, len(kernels) - 1, strongest, key=f"{layer}_filter")
    # The slices beside the map where both fit; on an upright tablet, the map under them.
    weights, found = layout.columns_that_wrap([400, 200], "chosen_filter")
    with weights:
        slices = charts.sized_heatmap_grid(
            kernels[chosen],
            columns,
            # Short enough for a tablet: the caption says what a slice is.
            f"{layer} filter {chosen}: its {kernels.shape[1]} 3x3 slices",
            charts.signed_colours(ui.dark_page()),
            zmid=0,
            width=min(650, width),
            tile_name="the slice for map",
        )
        st.plotly_chart(
            slices, config=ui.CHART_CONFIG, key="conv_filters", alt=charts.in_words(slices)
        )
        st.caption(
            "The filter adds up what each slice finds in one map of the layer before: a few "
            "strong slices (red adds, blue subtracts) mean it combines a few particular strokes."
        )
    with found:
        st.plotly_chart(
            # As bright as the layer's strongest response at most: a weak filter looks weak.
            charts.feature_map_grid(
                maps[layer][:, :, chosen][None],
                1,
                f"what filter {chosen} finds",
                strongest=float(maps[layer].max()),
                filters=[chosen],
            ),
            config=ui.CHART_CONFIG,
            key="chosen_map",
            alt=f"Where filter {chosen} of {layer} responds to {named}",
        )
        most = (
            f"of all {len(kernels)}, the filter that fires most on its strokes"
            if chosen == strongest
            else f"filter {strongest} fires most on its strokes"
        )
        if maps[layer][:, :, chosen].max() > 0:
            st.caption(
                f"Bright where filter {chosen} responds to {named}, as bright as the layer's "
                f"strongest response at most; {most}."
            )
        else:  # relu's zero everywhere: a dark square, not a map too faint to see
            st.caption(f"Filter {chosen} does not respond to {named} anywhere; {most}.")
channels = maps[layer].transpose(2, 0, 1)
feature_maps = charts.sized_heatmap_grid(
    channels, columns, f"{layer}'s {len(channels)} feature maps of {named}", width=width
)
st.plotly_chart(
    feature_maps, config=ui.CHART_CONFIG, key="conv_maps", alt=charts.in_words(feature_maps)
)
upright = (
    " The digit in them is deskewed: the CNN shears it so its ink's main axis is upright "
    "before its filters look."
    if explain.deskews(cnn)
    else ""
)
slid_over = (
    "the digit, its nine weights times the pixels under them added up at each place"
    if layer == conv_layers[0]
    else "each map of the layer before, a 3x3 slice for each, all added up at each place"
)
# What Conv2D computes, said plainly: the Hand-made filters page slides filters with no bias
# and no ReLU, and the same learned filter looks different there.
st.caption(
    f"One map per filter: the filter slid over {slid_over} (a cross-correlation, as Keras' "
    "Conv2D computes it: the filter is not flipped, as a textbook convolution flips it), plus "
    "the filter's bias, then ReLU, which turns every negative response into 0 (dark). Bright "
    "where its pattern is found: each lights up a different part of the strokes, or, for some, "
    "the blank paper around them (no ink is a pattern too)." + upright
)

if pooled_by:
    pooled = maps[pooled_by].transpose(2, 0, 1)
    pooled_maps = charts.sized_heatmap_grid(
        pooled, columns, f"{pooled_by}: {layer}'s maps max-pooled", width=width
    )
    st.plotly_chart(
        pooled_maps, config=ui.CHART_CONFIG, key="pooled_maps", alt=charts.in_words(pooled_maps)
    )
    # Drawn as large as the maps they pool: said, where "half the size" was not seen.
    size, pooled_size = "x".join(map(str, channels.shape[1:])), "x".join(map(str, pooled.shape[1:]))
    st.caption(
        f"Max-pooling keeps the strongest response in each 2x2 block of {layer}'s maps: half "
        f"the size ({pooled_size} pixels from {size}, drawn as large here, so each pixel is "
        "twice as coarse). A stroke shifted by a pixel often stays in the same 2x2 block, so "
        "the pooled maps change less than the maps themselves: some of a shift is forgiven."
    )

st.header("MLP: the first hidden layer's units this digit excites most", anchor=False)
units, strengths = explain.most_excited_units(mlp, image, MLP_UNITS)
per_row = columns // 2
rows = -(-MLP_UNITS // per_row)
st.plotly_chart(
    charts.heatmap_panels(
        explain.hidden_unit_weights(mlp, units),
        [f"unit {u}: {a:.1f}" for u, a in zip(units, strengths)],
        columns=per_row,
        # Short: the heading says which layer, and a phone cut "…by this 0 from MNIST" off.
        title=f"{MLP_UNITS} units most excited by {named}",
        # Each square under its title, as high as the page is wide for it, and no higher.
        height=60 + rows * (width // per_row + 25) if small_screen else None,
        values=["weight on the pixel"] * len(units),
        dark=ui.dark_page(),
        outline=explain.as_seen(mlp, image),
    ),
    config=ui.CHART_CONFIG,
    key="mlp_units",
    alt=f"The {MLP_UNITS} hidden units most excited by {named}, each its weights on the "
    "784 pixels: " + ", ".join(f"unit {u}, activation {a:.1f}" for u, a in zip(units, strengths)),
)
laid_out_as = "the deskewed digit's layout" if explain.deskews(mlp) else "the image's layout"
st.caption(
    f"Each picture is one unit's 784 input weights in {laid_out_as} (red: ink there raises the "
    "unit, blue: ink there lowers it), titled with its activation; the line is the edge of "
    "the digit's ink. A unit has a weight for "
    "every pixel, each for its own place: what it has learnt to find in one place, a stroke or "
    "the outline of a digit, it finds less of as the digit moves, and a few pixels away hardly "
    "at all (strokes two or three pixels wide forgive about one), where a CNN's filter, slid "
    "over the image, finds it anywhere. Only the first hidden layer weighs pixels, so only its "
    "units are pictured."
)
