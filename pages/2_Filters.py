"""Inside both networks: the CNN's filters and feature maps, and the MLP's hidden units."""

from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from digitpad import charts, ui
from digitpad.store import store_dir

MLP_UNITS = 16  # hidden units shown, those the digit excites most


@st.cache_resource
def filters_figure(store: Path, layer: str) -> go.Figure:
    reader, _ = ui.load_reader(store)
    kernels = explain.conv_filters(reader.models["cnn"], layer)  # (out, in, 3, 3)
    count, inputs = kernels.shape[:2]
    if inputs == 1:
        title = f"{layer}: its {count} learned 3x3 filters"
        return charts.sized_heatmap_grid(
            kernels[:, 0], 16, title, charts.SIGNED_COLOURSCALE, zmid=0
        )
    # One column a filter, one row for each input channel it reads.
    title = f"{layer}: {count} filters (columns) x the {inputs} maps each reads (rows)"
    slices = kernels.transpose(1, 0, 2, 3).reshape(-1, *kernels.shape[2:])
    return charts.sized_heatmap_grid(slices, count, title, charts.SIGNED_COLOURSCALE, zmid=0)


ui.page_header(
    "Filters explorer",
    "What each layer computes on one digit: the CNN looks through small learned filters that "
    "slide over the whole image; the MLP's hidden units each weigh all 784 pixels at once.",
)
reader = ui.models_or_stop("mlp", "cnn")
# Imported once the models are in: TensorFlow takes 3 s, and the title comes first.
from digitpad import explain  # noqa: E402

image, named = ui.current_digit()
cnn, mlp = reader.models["cnn"], reader.models["mlp"]

st.subheader("CNN: convolution layers")
conv_layers = explain.conv_layer_names(cnn)
layer = st.segmented_control(
    "Layer", conv_layers, default=conv_layers[0], required=True, key="conv_layer"
)
pooled_by = explain.pooling_after(cnn, layer)
maps = explain.activations(cnn, image, [layer, *([pooled_by] if pooled_by else [])])

st.plotly_chart(filters_figure(store_dir(), layer), config=ui.CHART_CONFIG, key="conv_filters")
if layer == conv_layers[0]:
    st.caption(
        "Each 3x3 square is a filter's weights, red adding the pixel under it and blue "
        "subtracting it: look for bars and edges at different angles."
    )
else:
    st.caption(
        f"Each column is one {layer} filter, a 3x3 slice for each map of the layer before: look "
        "for columns with a few strong slices, filters that combine a few particular strokes."
    )
channels = maps[layer].transpose(2, 0, 1)
st.plotly_chart(
    charts.sized_heatmap_grid(channels, 16, f"{layer}'s {len(channels)} feature maps of {named}"),
    config=ui.CHART_CONFIG,
    key="conv_maps",
)
upright = (
    " The digit in them is deskewed: the CNN shears it so its ink's main axis is upright "
    "before its filters look."
    if explain.deskews(cnn)
    else ""
)
st.caption(
    "One map per filter, bright where its pattern is found in the digit: each lights up a "
    "different part of the strokes." + upright
)

if pooled_by:
    pooled = maps[pooled_by].transpose(2, 0, 1)
    st.plotly_chart(
        charts.sized_heatmap_grid(pooled, 16, f"{pooled_by}: {layer}'s maps max-pooled"),
        config=ui.CHART_CONFIG,
        key="pooled_maps",
    )
    st.caption(
        f"Max-pooling keeps the strongest response in each 2x2 block of {layer}'s maps: half "
        "the size, so a stroke shifted by a pixel gives nearly the same maps."
    )

st.subheader("MLP: the hidden units this digit excites most")
units, strengths = explain.most_excited_units(mlp, image, MLP_UNITS)
st.plotly_chart(
    charts.heatmap_panels(
        explain.hidden_unit_weights(mlp, units),
        [f"unit {u}: {a:.1f}" for u, a in zip(units, strengths)],
        columns=8,
        title=f"Weights of the {MLP_UNITS} hidden units most excited by {named}, as 28x28 images",
    ),
    config=ui.CHART_CONFIG,
    key="mlp_units",
)
st.caption(
    "Each picture is one unit's 784 input weights in the image's layout (red adds ink there, "
    "blue subtracts), titled with its activation: whole-image templates, not local strokes."
)
