"""Plotly figures and display images for the pages, built from plain arrays."""

import base64
import re
from collections.abc import Sequence

import cv2
import numpy as np
import plotly.colors
import plotly.graph_objects as go

from digitpad.calibration import wilson_interval
from digitpad.preprocess import scaled

DIGITS = [str(d) for d in range(10)]
# Each network's colour on every page: its calibration, its learning curves, its top bar.
MODEL_COLOURS = {"mlp": "#4c72b0", "cnn": "#e4572e"}
# The digits a network did not choose: 3.4:1 on white, as a graphic needs, 5.6:1 on the dark page.
OTHER_COLOUR = "#8c8c8c"

SHORT_TITLE = 30  # characters that fit a bar chart's title on one line at 250 pixels


AXIS_LABEL_GRAY = "rgb(80, 84, 96)"


def per_stroke_figure(traces: dict | list[dict], layout: dict) -> go.Figure:
    """A figure made on every stroke, left unvalidated.

    Plotly validates each property as a figure is built: a millisecond or more a figure, a
    tenth of a stroke's budget, spent checking the same constant properties every time. The
    tests validate these figures once (tests/test_charts.py).
    """
    return go.Figure(traces, layout=layout, _validate=False)


def probability_bars(probs: np.ndarray, title: str, name: str, dark: bool = False) -> go.Figure:
    """Bars of the 10 digit probabilities, the chosen digit in network `name`'s colour. A long
    title (a
    reading not sure, "CNN is not sure (maybe 2, …)") takes two lines, to fit half a column;
    room is kept for two either way, so that two charts side by side keep their bars level.
    `dark`: for a dark page, on which Streamlit's theme makes the percentages light enough.
    The digits under the bars are coloured by the page's style (app.py), as every chart's."""
    # Streamlit's gray percentages were 3.7:1 on a light page, under the 4.5:1 that text this
    # small needs; this gray is 7:1.
    text = {} if dark else dict(color=AXIS_LABEL_GRAY)
    top, likeliest = int(np.argmax(probs)), set(np.argsort(probs)[-3:].tolist())
    if len(title) > SHORT_TITLE:
        title = title.replace(" (", "<br>(", 1)
    # Both top bars were orange, the CNN's colour on every other page: "orange is the CNN"
    # held everywhere but on the page a class sees most.
    colours = [MODEL_COLOURS[name] if d == top else OTHER_COLOUR for d in range(10)]
    return per_stroke_figure(
        dict(
            type="bar",
            x=DIGITS,
            y=probs,
            marker=dict(color=colours),
            # The three likeliest digits labelled: ten labels on bars this narrow run together.
            text=[f"{p:.0%}" if p >= 0.01 and d in likeliest else "" for d, p in enumerate(probs)],
            textposition="outside",
            # Plotly shrinks a label to its bar's width: a narrow bar's "100%" came out 5
            # pixels high. Each label its size, over its neighbours' room where it must be.
            constraintext="none",
            textfont=dict(size=11, **text),
            cliponaxis=False,  # a 100% bar's label above the plot, not cut by its top
            hovertemplate="digit %{x}: %{y:.1%}<extra></extra>",
        ),
        layout=dict(
            title=dict(text=title),  # in the middle of the top margin, one line or two
            height=200,  # under the steps beside the pad: on screen at 1280x720
            margin=dict(l=10, r=10, t=60, b=10),
            yaxis=dict(range=[0, 1.15], tickformat=".0%", showgrid=False),
            xaxis=dict(type="category", dtick=1),
            showlegend=False,
        ),
    )


def tile(maps: np.ndarray, columns: int) -> np.ndarray:
    """Lay (N, H, W) maps out in a grid, a pixel apart, in NaN gaps that Plotly leaves blank."""
    count, height, width = maps.shape
    rows = -(-count // columns)
    mosaic = np.full((rows * (height + 1) - 1, columns * (width + 1) - 1), np.nan, np.float32)
    for i, one in enumerate(maps):
        top, left = (i // columns) * (height + 1), (i % columns) * (width + 1)
        mosaic[top : top + height, left : left + width] = one
    return mosaic


def picture_layout(title: str | dict, height: int) -> dict:
    """A figure shown as a picture: no axes, square pixels, the first row at the top."""
    return dict(
        title=title,
        height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(visible=False, constrain="domain"),
        yaxis=dict(visible=False, autorange="reversed", scaleanchor="x"),
    )


def heatmap_grid(
    maps: np.ndarray,
    columns: int,
    title: str,
    colorscale: str = "Viridis",
    zmid: float | None = None,
    tile_name: str = "filter",
    own_scale: bool = False,
) -> go.Figure:
    """Many small heatmaps (filters, feature maps) as one figure with a single trace; the
    pointer names the tile it is over ("filter 7"), counted from 0 as the pages count them,
    and its value. With `own_scale`, each signed map is coloured on a scale of its own, its
    strongest value, either side of zero, at full colour."""
    numbers = np.broadcast_to(np.arange(len(maps), dtype=np.float32)[:, None, None], maps.shape)
    names, z, value = tile(numbers, columns), tile(maps, columns), "%{z:.2f}"
    if own_scale:
        # On one scale, a few strong filters took its ends and the rest came out pale, their
        # bars and edges hard to see; the pointer still gives each weight as it is.
        strongest = np.abs(maps).max(axis=(1, 2), keepdims=True)
        z = tile(maps / np.maximum(strongest, np.finfo(np.float32).tiny), columns)
        names = np.stack([names, tile(maps, columns)], axis=-1)
        tile_name, value = f"{tile_name} %{{customdata[0]:.0f}}", "%{customdata[1]:.2f}"
    else:
        tile_name = f"{tile_name} %{{customdata:.0f}}"
    return go.Figure(
        dict(
            type="heatmap",
            z=z,
            customdata=names,
            colorscale=colorscale,
            zmid=zmid,
            showscale=False,
            hoverongaps=False,
            hovertemplate=f"{tile_name}: {value}<extra></extra>",
        ),
        layout=picture_layout(title, height=260),
    )


# Spelled out, as Plotly's validation would make the name: per-stroke figures skip it.
VIRIDIS = plotly.colors.make_colorscale(plotly.colors.sequential.Viridis)


def feature_map_grid(
    maps: np.ndarray,
    columns: int,
    title: str,
    strongest: float | None = None,
    filters: Sequence[int] | None = None,
) -> go.Figure:
    """Non-negative (ReLU) maps in a grid, a pixel apart, each the map of the filter `filters`
    names (by default 0, 1, 2, …, as the pages count them), all on one scale: full brightness
    is `strongest`, by default the strongest response among these maps.

    A trace a map, so that the pointer names the filter whose map it is over, and the gaps
    between maps, where no trace is, say nothing. Sent on every stroke as one byte a pixel: 101
    levels, whole percentages, look the same as float32 and cost a quarter of the bytes.
    """
    count, height, width = maps.shape
    maps = np.nan_to_num(maps)
    strongest = strongest or float(maps.max(initial=0.0)) or 1.0
    percents = (np.clip(maps / strongest, 0, 1) * 100).round().astype(np.uint8)
    traces = [
        dict(
            type="heatmap",
            z=one_byte_a_pixel(one),
            x0=(i % columns) * (width + 1),
            y0=(i // columns) * (height + 1),
            coloraxis="coloraxis",
            hovertemplate=f"filter {number}: %{{z}}% of the strongest response<extra></extra>",
        )
        for i, (one, number) in enumerate(
            zip(percents, range(count) if filters is None else filters, strict=True)
        )
    ]
    layout = picture_layout(dict(text=title), height=260)
    layout["coloraxis"] = dict(colorscale=VIRIDIS, cmin=0, cmax=100, showscale=False)
    return per_stroke_figure(traces, layout)


def one_byte_a_pixel(image: np.ndarray) -> dict:
    """`image` (uint8) as Plotly sends a NumPy array, base64 in a typed-array spec, made here:
    Plotly's own conversion, at a tenth of a millisecond an array, came to 3 ms a stroke for
    the 32 feature maps."""
    return dict(
        dtype="u1",
        bdata=base64.b64encode(image.tobytes()).decode(),
        shape=", ".join(map(str, image.shape)),
    )


def pixelated(image: np.ndarray, size: int = 112) -> np.ndarray:
    """Enlarge a small image with hard pixel edges, so 28x28 reads as 28x28 on screen."""
    return scaled(np.clip(image, 0, 1), size / max(image.shape[:2]), cv2.INTER_NEAREST)


def squared(image: np.ndarray, fill: float) -> np.ndarray:
    """The image in the middle of a square whose spare room is `fill`: a thin "1"'s crop keeps
    its shape on screen, where a picture is stretched to the width it is given."""
    height, width = image.shape[:2]
    side = max(height, width)
    top, left = (side - height) // 2, (side - width) // 2
    return cv2.copyMakeBorder(
        image, top, side - height - top, left, side - width - left, cv2.BORDER_CONSTANT, value=fill
    )


def shrunk(image: np.ndarray, size: int = 112) -> np.ndarray:
    """Reduce a large image smoothly for a thumbnail."""
    return scaled(image, min(1.0, size / max(image.shape[:2])), cv2.INTER_AREA)


# Plotly's "RdBu" runs from red at the low end to blue at the high end: reversed, red marks
# positive weights (they add the pixel under them) and blue negative ones. Its zero, near white,
# is "nothing" on a light page; on a dark one it glared, every small weight brighter than the
# strong ones. There zero is a gray a shade lighter than Streamlit's dark page, and the strongest
# weights the brightest.
SIGNED_COLOURSCALE = "RdBu_r"
DARK_SIGNED_COLOURSCALE = [
    [0.0, "rgb(146,197,222)"],
    [0.2, "rgb(67,147,195)"],
    [0.4, "rgb(33,102,172)"],
    [0.5, "rgb(46,45,43)"],
    [0.6, "rgb(178,24,43)"],
    [0.8, "rgb(214,96,77)"],
    [1.0, "rgb(244,165,130)"],
]
MODEL_TITLES = {"mlp": "MLP", "cnn": "CNN"}
# 1-2-3-5 steps: with 1-2-5, the shipped CNN's validation loss (0.027 to 0.045) ran under the
# lowest label, 0.05.
LOG_TICKS = [m * 10.0**e for e in range(-4, 1) for m in (1, 2, 3, 5)]
# And a mark of its own: the two colours are alike in gray, on a washed-out projector or to a
# colour-blind student, and the lesson is in which line is which.
MODEL_SYMBOLS = {"mlp": "circle", "cnn": "diamond"}
# Reds from its third step: one mistake in its palest red was white on a white page.
MISTAKE_COLOURSCALE = plotly.colors.sequential.Reds[2:]
RIGHT_COLOUR = {False: "#d9d9d9", True: "#5a5a5a"}  # the diagonal's grey, light page or dark
# Transparent where the map is zero, so the digit beneath shows through.
HEAT_OVERLAY = [
    [0.0, "rgba(228,87,46,0)"],
    [0.4, "rgba(228,87,46,0.6)"],
    [1.0, "rgba(255,221,0,1)"],
]


def sized_heatmap_grid(
    maps: np.ndarray,
    columns: int,
    title: str,
    colorscale: str = "Viridis",
    zmid: float | None = None,
    width: int = 1000,
    tile_name: str = "filter",
    own_scale: bool = False,
) -> go.Figure:
    """`heatmap_grid`, as tall as the grid needs at about `width` pixels wide."""
    count, height, map_width = maps.shape
    rows = -(-count // columns)
    figure = heatmap_grid(maps, columns, title, colorscale, zmid, tile_name, own_scale)
    shape = (rows * (height + 1)) / (columns * (map_width + 1))
    figure.layout.height = int(min(900, 60 + width * shape))
    return figure


def first_layer_filters_figure(
    kernels: np.ndarray, layer: str, columns: int, width: int, dark: bool
) -> go.Figure:
    """A conv layer's (filters, 3, 3) kernels, each on a colour scale of its own; `dark`: for a
    dark page. The drawing page and the Filters page show the first layer's in this figure."""
    return sized_heatmap_grid(
        kernels,
        columns,
        f"{layer}: its {len(kernels)} learned 3x3 filters",
        signed_colours(dark),
        zmid=0,
        width=width,
        own_scale=True,
    )


FIRST_LAYER_FILTERS_CAPTION = (
    "Each 3x3 square is a filter's weights on a colour scale of its own, to its strongest weight "
    "(point at one for its value): red weights add the pixel under them, blue subtract it. Look "
    "for bars and edges at different angles."
)


def signed_colours(dark: bool) -> str | list:
    """The colour scale of weights either side of zero, for a light page or a dark one."""
    return DARK_SIGNED_COLOURSCALE if dark else SIGNED_COLOURSCALE


def ink_outline(image: np.ndarray, xaxis: str, yaxis: str, dark: bool) -> dict:
    """The edge of an image's ink (half its brightest) as a line, black on a light page and
    white on a dark one: where a digit lies over a picture of weights on its pixels."""
    colour = "white" if dark else "black"
    return dict(
        type="contour",
        z=image,
        contours=dict(start=0.5 * image.max(), end=0.5 * image.max(), size=1, coloring="lines"),
        colorscale=[[0, colour], [1, colour]],
        line=dict(width=1.5),
        showscale=False,
        hoverinfo="skip",
        xaxis=xaxis,
        yaxis=yaxis,
    )


def heatmap_panels(
    maps: list[np.ndarray],
    titles: list[str],
    columns: int,
    title: str,
    height: int | None = None,
    values: list[str] | None = None,
    dark: bool = False,
    outline: np.ndarray | None = None,
    written: int = 0,
) -> go.Figure:
    """Small square heatmaps of any sizes, each on its own colour scale and under its title;
    `values` names what each one's numbers are, for the pointer ("weight", "response");
    `dark`: for a dark page; `outline`: an image of the maps' size whose ink's edge is drawn
    over each (the digit, over weights on its pixels); the first `written` maps have their
    numbers written in their cells.

    Laid out by hand rather than with make_subplots, whose per-axis updates cost ~10 ms a panel
    on every rerun of a page.
    """
    rows = -(-len(maps) // columns)
    gap_x, gap_y = 0.02, 0.12 / rows
    width = (1 - gap_x * (columns - 1)) / columns
    tall = (1 - gap_y * (rows - 1)) / rows
    traces, layout = [], {}
    values = values or ["value"] * len(maps)
    for i, (one, name, value) in enumerate(zip(maps, titles, values, strict=True)):
        left = (i % columns) * (width + gap_x)
        top = 1 - (i // columns) * (tall + gap_y)
        axis = "" if i == 0 else str(i + 1)
        traces.append(
            dict(
                type="heatmap",
                z=one,
                colorscale=signed_colours(dark),
                zmid=0.0,
                showscale=False,
                hovertemplate=f"row %{{y}}, column %{{x}}: {value} %{{z:.2f}}<extra></extra>",
                xaxis=f"x{axis}",
                yaxis=f"y{axis}",
                # Black or white, whichever the cell's colour shows better (Plotly's choice).
                **(dict(texttemplate="%{z:.2~f}", textfont=dict(size=13)) if i < written else {}),
            )
        )
        if outline is not None and outline.max() > 0:
            traces.append(ink_outline(outline, f"x{axis}", f"y{axis}", dark))
        layout[f"xaxis{axis}"] = dict(
            domain=[left, left + width], visible=False, constrain="domain", anchor=f"y{axis}"
        )
        # Squares sit at the top of their cells, right under their titles.
        layout[f"yaxis{axis}"] = dict(
            domain=[top - tall, top],
            visible=False,
            autorange="reversed",
            scaleanchor=f"x{axis}",
            constrain="domain",
            constraintoward="top",
            anchor=f"x{axis}",
        )
        layout.setdefault("annotations", []).append(
            dict(
                text=name,
                x=left + width / 2,
                y=top,
                xref="paper",
                yref="paper",
                xanchor="center",
                yanchor="bottom",
                showarrow=False,
                font=dict(size=11),
            )
        )
    return go.Figure(
        traces,
        layout=dict(
            title=title,
            height=height or 60 + 150 * rows,
            margin=dict(l=10, r=10, t=60, b=10),
            **layout,
        ),
    )


def epoch_marker(
    epoch: int, values: list[float], marker: dict, name: str, hover: str
) -> go.Scatter:
    """One epoch marked on a curve of per-epoch values (the first epoch is 1)."""
    return go.Scatter(
        x=[epoch],
        y=[values[epoch - 1]],
        mode="markers",
        marker=marker,
        name=name,
        hovertemplate=f"{hover}<extra></extra>",
    )


def training_curves(
    histories: dict[str, dict[str, list[float]]],
    metric: str,
    title: str,
    best_epochs: dict[str, int] | None = None,
    resumed: dict[str, tuple[int, int]] | None = None,
) -> go.Figure:
    """A metric per epoch for each model: training solid, validation dashed, the epoch whose
    weights were kept starred. `resumed`: {model: (an epoch, a later one)} where the epochs
    from the later one went on from the earlier one's weights: the lines break before them,
    and the epoch they went on from is ringed."""
    figure = go.Figure()
    for name, history in histories.items():
        label, colour = MODEL_TITLES.get(name, name), MODEL_COLOURS.get(name)
        validation = history.get(f"val_{metric}", [])
        went_on_from, restart = (resumed or {}).get(name, (None, None))
        for key, part, dash in (
            (metric, "training", "solid"),
            (f"val_{metric}", "validation", "dash"),
        ):
            epochs, values = list(range(1, len(history.get(key, [])) + 1)), history.get(key, [])
            if restart and restart <= len(values):
                # No line from the epoch before the restart: they did not follow from it.
                epochs.insert(restart - 1, None)
                values = [*values[: restart - 1], None, *values[restart - 1 :]]
            figure.add_trace(
                go.Scatter(
                    x=epochs,
                    y=values,
                    mode="lines+markers",
                    name=f"{label} {part}",
                    line=dict(color=colour, dash=dash),
                    # A mark every few epochs: one at each broke the dashed lines into dots.
                    marker=dict(symbol=MODEL_SYMBOLS.get(name, "circle"), size=6, maxdisplayed=8),
                    hovertemplate=f"{label} {part}, epoch %{{x}}: %{{y:.4f}}<extra></extra>",
                )
            )
        if went_on_from and restart <= len(validation):
            figure.add_trace(
                epoch_marker(
                    went_on_from,
                    validation,
                    dict(symbol="circle-open", size=12, color=colour, line_width=2),
                    # Short: two legend entries a row fit a figure a tablet shows.
                    f"{label} last epochs' start",
                    f"{label}: the last epochs went on from epoch %{{x}}'s weights",
                )
            )
            # A dotted line from those weights to the first of the last epochs.
            figure.add_trace(
                go.Scatter(
                    x=[went_on_from, restart],
                    y=[validation[went_on_from - 1], validation[restart - 1]],
                    mode="lines",
                    line=dict(color=colour, dash="dot", width=1),
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
        best = (best_epochs or {}).get(name)
        if best and best <= len(validation):
            figure.add_trace(
                epoch_marker(
                    best,
                    validation,
                    dict(symbol="star", size=12, color=colour),
                    f"{label} weights kept",
                    f"{label}'s kept weights, epoch %{{x}}",
                )
            )
    figure.update_layout(
        title=title,
        height=400,
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(title="epoch"),
        # On a log axis Plotly labels every minor tick; a few steps a decade are enough to read.
        yaxis=dict(type="log", tickvals=LOG_TICKS) if metric == "loss" else {},
        # Two entries a row, below the axis's title (at -0.2 it met the title).
        legend=dict(orientation="h", y=-0.3, entrywidth=0.5, entrywidthmode="fraction"),
    )
    if metric == "accuracy":
        figure.update_yaxes(tickformat=".1%")
    return figure


def confusion_heatmap(
    matrix: np.ndarray,
    title: str,
    rates: bool = False,
    zmax: float | None = None,
    dark: bool = False,
) -> go.Figure:
    """Rows true digits, columns answers; the right answers grey, the mistakes in reds, the
    empty cells the page's own colour (`dark`: a dark page).

    The diagonal gets its own trace: on one colour scale it would be the only thing seen.
    """
    matrix = np.asarray(matrix, np.float64)
    on_diagonal = np.eye(len(matrix), dtype=bool)
    text = np.where(
        matrix == 0, "", np.vectorize(lambda v: f"{v:.1%}" if rates else f"{v:.0f}")(matrix)
    )
    unit = "of the true digit" if rates else "test digits"
    value = "%{z:.2%}" if rates else "%{z:.0f}"
    figure = go.Figure()
    for cells, colorscale, cap in (
        (~on_diagonal, MISTAKE_COLOURSCALE, zmax),
        (on_diagonal, [[0, RIGHT_COLOUR[dark]], [1, RIGHT_COLOUR[dark]]], None),
    ):
        figure.add_trace(
            go.Heatmap(
                # Empty cells left blank: a pale red zero would read as a mistake.
                z=np.where(cells & (matrix > 0), matrix, np.nan),
                x=DIGITS,
                y=DIGITS,
                colorscale=colorscale,
                zmin=0,
                zmax=cap,
                showscale=False,
                hoverongaps=False,
                hovertemplate=f"true %{{y}}, read %{{x}}: {value} {unit}<extra></extra>",
            )
        )
    # The counts written over the cells, each black or white, whichever stands out more from
    # its cell: in the theme's gray on every cell, a deep red's was 2.5:1.
    mistakes = matrix[~on_diagonal]
    top = zmax or float(mistakes.max(initial=0.0)) or 1.0
    reds = plotly.colors.make_colorscale(MISTAKE_COLOURSCALE)
    cell_colours = np.where(
        on_diagonal,
        RIGHT_COLOUR[dark],
        np.reshape(plotly.colors.sample_colorscale(reds, np.clip(matrix / top, 0, 1).ravel()),
                   matrix.shape),
    )  # fmt: skip
    rows, columns = np.nonzero(matrix > 0)
    figure.add_trace(
        go.Scatter(
            x=[DIGITS[c] for c in columns],
            y=[DIGITS[r] for r in rows],
            mode="text",
            text=text[rows, columns],
            # Rates ("99.3%") at 12 pixels ran into each other on a phone's narrow matrix.
            textfont=dict(
                size=10 if rates else 12,
                color=[text_colour(c) for c in cell_colours[rows, columns]],
            ),
            hoverinfo="skip",  # the cell's own hover says it
            showlegend=False,
        )
    )
    # Every digit named (a narrow matrix named every other one); no grid, which the dark theme
    # drew across the empty cells.
    digits = dict(type="category", dtick=1, showgrid=False)
    figure.update_layout(
        title=title,
        height=440,
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(title="read as", side="bottom", constrain="domain", **digits),
        yaxis=dict(title="true digit", autorange="reversed", scaleanchor="x", **digits),
        plot_bgcolor="rgba(0,0,0,0)",  # a white square glared on a dark page
    )
    return figure


def text_colour(background: str) -> str:
    """Black or white, whichever stands out more (WCAG's contrast) on `background`, a colour
    as Plotly writes one: "#d9d9d9" or "rgb(239, 59, 44)"."""
    red, green, blue = (
        plotly.colors.hex_to_rgb(background)
        if background.startswith("#")
        else plotly.colors.unlabel_rgb(background)
    )
    linear = [c / 255 / 12.92 if c <= 10.31 else ((c / 255 + 0.055) / 1.055) ** 2.4
              for c in (red, green, blue)]  # fmt: skip
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    # Against black, (L + 0.05) / 0.05; against white, 1.05 / (L + 0.05): equal at L = 0.179.
    return "black" if luminance > 0.179 else "white"


def confusion_summary(matrix: np.ndarray, title: str) -> str:
    """What a confusion matrix of counts shows, in words: a screen reader read it as 100
    numbers."""
    matrix = np.asarray(matrix, np.int64)
    right, total = int(np.trace(matrix)), int(matrix.sum())
    said = f"{title}: {right:,} of {total:,} digits read right"
    mistakes = matrix - np.diag(np.diag(matrix))
    if mistakes.any():
        true, read = np.unravel_index(mistakes.argmax(), mistakes.shape)
        count = int(mistakes[true, read])
        times = f"{count} time{'' if count == 1 else 's'}"
        said += f"; its commonest mistake, {true} read as {read}, {times}"
    return said


def in_words(figure: go.Figure, listed: int = 8) -> str:
    """A figure's title, and each line's values (up to `listed`, else its first and last), as
    text for a screen reader: a chart is otherwise read as its axes' tick labels."""
    title = re.sub(r"<[^>]+>", " ", figure.layout.title.text or "").strip()
    percent = "%" in (figure.layout.yaxis.tickformat or "")
    said = [" ".join(title.split())] if title else []
    for trace in figure.data:
        # Unnamed lines are guides (a marker's stem), not data.
        known = [y for y in trace.y if y is not None] if trace.type == "scatter" else []
        if not known or not trace.name:
            continue
        values = [f"{y:.0%}" if percent else f"{y:.3g}" for y in known]
        if len(values) > listed:
            values = [f"from {values[0]} to {values[-1]} over {len(values)} points"]
        said.append(f"{trace.name}: {', '.join(values)}")
    return ". ".join(said)


# A bin of fewer validation digits than this is drawn hollow: its share right is a rough one.
FEW_DIGITS = 30
# The top of ten probabilities is never below a tenth: the axis starts there.
LEAST_TOP_PROBABILITY = 0.1


def calibration_curve(calibrations: dict[str, dict]) -> go.Figure:
    """Reliability: how often each model is right against how sure it says it is, per bin.

    A model that means what it says lies on the diagonal; its "not sure" threshold is dotted.
    Each point's bar is its Wilson interval, and a bin of fewer than FEW_DIGITS is hollow.
    """
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[LEAST_TOP_PROBABILITY, 1], y=[LEAST_TOP_PROBABILITY, 1], mode="lines",
            name="means what it says",
            line=dict(color="#bbbbbb", dash="dot"), hoverinfo="skip",
        )
    )  # fmt: skip
    # Two thresholds lie close together: each labelled up its own line, on its left (right of
    # the CNN's, near 100%, the figure's edge cut it on a tablet); written across, the CNN's
    # label ran over the MLP's line.
    label_places = ["top left", "bottom left"]
    for at, (name, calibrated) in enumerate(calibrations.items()):
        label, colour = MODEL_TITLES.get(name, name), MODEL_COLOURS.get(name)
        symbol = MODEL_SYMBOLS.get(name, "circle")
        bins = calibrated["bins"]
        accuracy = [b["accuracy"] for b in bins]
        intervals = [wilson_interval(round(b["accuracy"] * b["count"]), b["count"]) for b in bins]
        figure.add_trace(
            go.Scatter(
                x=[b["confidence"] for b in bins],
                y=accuracy,
                customdata=[[b["count"], *interval] for b, interval in zip(bins, intervals)],
                mode="lines+markers",
                name=label,
                line=dict(color=colour),
                # 2 right of 2 is not 100% right: the bar says how little a few digits show.
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=[high - a for a, (_, high) in zip(accuracy, intervals)],
                    arrayminus=[a - low for a, (low, _) in zip(accuracy, intervals)],
                    color=colour,
                    thickness=1,
                    width=3,
                ),
                marker=dict(
                    size=8,
                    symbol=[f"{symbol}-open" if b["count"] < FEW_DIGITS else symbol for b in bins],
                ),
                hovertemplate=f"{label}: %{{customdata[0]}} digits %{{x:.0%}} sure, "
                "%{y:.0%} right (95%: %{customdata[1]:.0%} to %{customdata[2]:.0%})"
                "<extra></extra>",
            )
        )
        figure.add_vline(
            x=calibrated["threshold"], line=dict(color=colour, dash="dash", width=1),
            # Labelled in the page's text colour (app.py's style), not the line's: the CNN's
            # orange on white was 3.7:1, the MLP's blue on the dark page 3.9:1.
            annotation_text=f"{label} not sure below",
            annotation_position=label_places[at % len(label_places)],
            annotation_textangle=-90,
        )  # fmt: skip
    figure.update_layout(
        title="Calibration on validation digits",
        height=380,
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(
            title="how sure (top probability)",
            tickformat=".0%",
            range=[LEAST_TOP_PROBABILITY, 1.02],
        ),
        yaxis=dict(title="how often right", tickformat=".0%", range=[0, 1.02]),
        legend=dict(orientation="h", y=-0.25),
    )
    return figure


def heat_overlay(image: np.ndarray, heat: np.ndarray, title: str) -> go.Figure:
    """A 28x28 map drawn over the dimmed 28x28 digit, scaled so its largest value is full colour."""
    top = float(np.max(heat))
    return go.Figure(
        [
            go.Heatmap(
                z=image,
                colorscale="gray",
                zmin=0,
                zmax=2.5,  # the ink dimmed to grey, so the map over it stands out
                showscale=False,
                hoverinfo="skip",
            ),
            go.Heatmap(
                z=heat / top if top > 0 else heat,
                colorscale=HEAT_OVERLAY,
                zmin=0,
                zmax=1,
                showscale=False,
                hovertemplate="row %{y}, column %{x}: %{z:.2f}<extra></extra>",
            ),
        ],
        layout=picture_layout(title, height=260),  # a 220-pixel column: its square, its title
    )


def moved_curves(
    distances: list[int],
    shares: dict[str, list[float]],
    title: str,
    chapters: dict[str, list[float]] | None = None,
) -> go.Figure:
    """Each model's share of digits read right, and sure, against how far they were moved (as
    `explain.read_right_when_moved` counts them with thresholds); `chapters`, the chapter's
    models' shares, dashed in the same colours."""
    figure = go.Figure()
    for name, values, dash, of in [
        *((name, values, "solid", "") for name, values in shares.items()),
        *((name, values, "dash", ", chapter's") for name, values in (chapters or {}).items()),
    ]:
        label = MODEL_TITLES.get(name, name) + of
        figure.add_trace(
            go.Scatter(
                x=distances,
                y=values,
                mode="lines+markers",
                name=label,
                line=dict(color=MODEL_COLOURS.get(name), dash=dash),
                marker=dict(symbol=MODEL_SYMBOLS.get(name, "circle")),
                hovertemplate=f"{label}, moved %{{x}} px: %{{y:.0%}} read right and sure"
                "<extra></extra>",
            )
        )
    figure.update_layout(
        title=title,
        height=300,
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(title="pixels moved right, and as many down", dtick=1),
        yaxis=dict(title="read right and sure", tickformat=".0%", range=[0, 1.02]),
        legend=dict(orientation="h", y=-0.3),
    )
    return figure
