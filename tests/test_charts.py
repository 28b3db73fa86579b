"""The figures: those made on every stroke, which skip Plotly's validation to save time, are
valid; the rest draw what they mean on a light page and a dark one."""

import base64
import json

import numpy as np
import plotly.colors
import plotly.graph_objects as go
import plotly.io
import pytest

from digitpad import charts


def as_sent(figure: go.Figure) -> dict:
    """The figure as Streamlit sends it to the browser."""
    return json.loads(plotly.io.to_json(figure.to_dict(), validate=False))


RNG = np.random.default_rng(0)
PER_STROKE = {
    "probability bars": lambda: charts.probability_bars(
        RNG.dirichlet(np.ones(10)).astype(np.float32), "CNN reads 3 (41%)", "cnn"
    ),
    "probability bars on a dark page": lambda: charts.probability_bars(
        RNG.dirichlet(np.ones(10)).astype(np.float32), "MLP reads 3 (41%)", "mlp", dark=True
    ),
    "feature maps": lambda: charts.feature_map_grid(
        np.maximum(RNG.normal(size=(32, 26, 26)), 0).astype(np.float32), 8, "feature maps"
    ),
}


@pytest.mark.parametrize("make", PER_STROKE.values(), ids=PER_STROKE.keys())
def test_a_per_stroke_figure_is_what_plotly_validation_makes_of_it(make):
    figure = make()
    # Validation raises on a property Plotly does not know, and normalises shorthands.
    assert as_sent(figure) == as_sent(go.Figure(figure.to_dict()))


def test_the_percentages_over_the_bars_are_dark_enough_to_read_on_a_light_page():
    # Streamlit's gray, 3.7:1 on white, for 11-pixel labels that need 4.5:1; a dark page's
    # light gray is the theme's, 15:1. (The digits under them: test_browser.py.)
    probs = np.full(10, 0.1, np.float32)
    light = charts.probability_bars(probs, "t", "cnn")
    dark = charts.probability_bars(probs, "t", "cnn", dark=True)
    assert light.data[0].textfont.color == charts.AXIS_LABEL_GRAY
    assert dark.data[0].textfont.color is None, "the theme's own"


def test_each_network_s_top_bar_is_in_its_own_colour_as_on_every_page():
    # Both top bars were orange, which is the CNN's colour on the calibration, the learning
    # curves and Why this answer: a class told "orange is the CNN" read the MLP's bar as the CNN's.
    probs = np.array([0.02, 0.9, 0.08, 0, 0, 0, 0, 0, 0, 0], np.float32)
    for name in ("mlp", "cnn"):
        colours = charts.probability_bars(probs, "t", name).data[0].marker.color
        assert colours[1] == charts.MODEL_COLOURS[name]
        assert set(colours[:1] + colours[2:]) == {charts.OTHER_COLOUR}
    assert charts.MODEL_COLOURS["mlp"] != charts.MODEL_COLOURS["cnn"]


def sent_levels(trace) -> np.ndarray:
    """A heatmap's z as the browser decodes Plotly's typed-array spec."""
    z = trace.z
    shape = tuple(int(n) for n in z["shape"].split(","))
    return np.frombuffer(base64.b64decode(z["bdata"]), np.dtype(z["dtype"])).reshape(shape)


def test_feature_maps_are_a_trace_each_a_pixel_apart_on_one_scale():
    maps = np.zeros((3, 4, 4), np.float32)
    maps[1, 0, 0] = 2.0
    maps[2, 1, 1] = 0.5
    figure = charts.feature_map_grid(maps, 2, "maps")
    assert [(t.x0, t.y0) for t in figure.data] == [(0, 0), (5, 0), (0, 5)]  # gaps: no trace
    levels = [sent_levels(trace) for trace in figure.data]
    assert all(one.dtype == np.uint8 and one.shape == (4, 4) for one in levels)
    assert levels[1][0, 0] == 100 and levels[2][1, 1] == 25, "the strongest pixel at 100%"
    assert (levels[0] == 0).all(), "a map's zeros: the darkest colour"
    assert {t.coloraxis for t in figure.data} == {"coloraxis"}
    axis = figure.layout.coloraxis
    assert (axis.cmin, axis.cmax, axis.showscale) == (0, 100, False)


def test_a_feature_maps_hover_names_its_filter_and_says_0_percent_where_relu_left_nothing():
    # The hover said "strength 1 of 255" where the map is 0, "101%" over the gaps between maps
    # (the level that coloured them transparent), and never whose map it was.
    maps = np.array([[[0.0, 1.0], [0.25, 0.0]]] * 2, np.float32)
    first, second = charts.feature_map_grid(maps, 2, "maps").data
    assert sent_levels(first).tolist() == [[0, 100], [25, 0]]
    assert first.hovertemplate.startswith("filter 0: %{z}% of the strongest response")
    assert second.hovertemplate.startswith("filter 1: ")
    (chosen,) = charts.feature_map_grid(maps[:1], 1, "one", filters=[17]).data
    assert chosen.hovertemplate.startswith("filter 17: ")


def test_a_feature_map_with_nan_in_it_is_drawn_as_nothing_there():
    maps = np.array([[[np.nan, 1.0], [0.5, 0.0]]], np.float32)
    with np.errstate(invalid="raise"):  # NaN made the scale NaN: "invalid value ... in cast"
        (trace,) = charts.feature_map_grid(maps, 1, "maps").data
    assert sent_levels(trace).tolist() == [[0, 100], [50, 0]]


def test_a_weak_map_shown_against_a_stronger_response_looks_weak():
    weak = np.array([[[0.0, 1.0], [0.5, 0.0]]], np.float32)
    alone = sent_levels(charts.feature_map_grid(weak, 1, "alone").data[0])
    beside = sent_levels(charts.feature_map_grid(weak, 1, "beside", strongest=4.0).data[0])
    assert alone.max() == 100 and beside.max() == 25


def test_a_thin_crop_is_shown_whole_in_a_square():
    one = np.ones((112, 9), np.float32)
    shown = charts.squared(one, 0.25)
    assert shown.shape == (112, 112)
    assert (shown[:, 51:60] == 1).all(), "the crop, in the middle"
    assert (shown[:, :51] == 0.25).all() and (shown[:, 60:] == 0.25).all()


def test_a_grid_names_each_tile_under_the_pointer():
    maps = np.arange(3 * 2 * 2, dtype=np.float32).reshape(3, 2, 2)
    trace = charts.heatmap_grid(maps, columns=2, title="t").data[0]
    numbers = np.asarray(trace.customdata, dtype=np.float64)
    assert numbers[0, 0] == 0 and numbers[0, 3] == 1 and numbers[3, 0] == 2  # 1-pixel gaps
    assert np.isnan(numbers[0, 2]), "no name over a gap"
    assert trace.hovertemplate.startswith("filter %{customdata:.0f}")


def test_filters_on_scales_of_their_own_each_reach_full_colour():
    # On one scale, the CNN's two strongest filters took its ends and the other 30 came out
    # pale, their bars and edges hard to see.
    faint = np.array([[0.05, 0, -0.05], [0.05, 0, -0.05], [0.05, 0, -0.05]], np.float32)
    filters = np.stack([faint, -2 * np.eye(3, dtype=np.float32), 0.3 * faint])
    trace = charts.heatmap_grid(filters, 3, "t", zmid=0, own_scale=True).data[0]
    shown = np.asarray(trace.z, np.float64)
    weights = np.asarray(trace.customdata, np.float64)
    for i, weight in enumerate(filters):
        tile = (slice(0, 3), slice(4 * i, 4 * i + 3))
        assert np.abs(shown[tile]).max() == pytest.approx(1.0)
        np.testing.assert_allclose(shown[tile] * np.abs(weight).max(), weight, atol=1e-6)
        np.testing.assert_allclose(weights[tile][..., 1], weight)  # the pointer's value
        assert (weights[tile][..., 0] == i).all()
    assert trace.hovertemplate.startswith("filter %{customdata[0]:.0f}: %{customdata[1]:.2f}")


def test_a_figure_in_words_gives_its_title_and_each_named_lines_values():
    figure = go.Figure(
        [
            go.Scatter(x=[0, 1, 2], y=[1.0, 0.9, None], name="MLP"),
            go.Scatter(x=list(range(20)), y=np.linspace(0.5, 1, 20), name="CNN"),
            go.Scatter(x=[0, 1], y=[0.2, 0.3]),  # a guide, unnamed
        ],
        layout=dict(title="Read right<br><sup>when moved</sup>", yaxis=dict(tickformat=".0%")),
    )
    assert charts.in_words(figure) == (
        "Read right when moved. MLP: 100%, 90%. CNN: from 50% to 100% over 20 points"
    )
    grid = charts.heatmap_grid(np.zeros((2, 3, 3)), 2, "conv1: its 2 filters")
    assert charts.in_words(grid) == "conv1: its 2 filters"


def colour_at(colorscale: tuple, share: float) -> tuple[float, ...]:
    """The red, green and blue (0-255) a figure's colour scale gives at `share` of its range."""
    (colour,) = plotly.colors.sample_colorscale([list(stop) for stop in colorscale], [share])
    return plotly.colors.unlabel_rgb(colour)


@pytest.mark.parametrize("dark", [False, True])
def test_a_zero_weight_is_the_page_s_own_shade_light_or_dark(dark):
    # On a dark page RdBu's near-white zero glared: every small weight brighter than the
    # strongest ones.
    panels = charts.heatmap_panels([np.zeros((3, 3))], ["zero"], 1, "t", dark=dark)
    scale = panels.data[0].colorscale
    brightness = sum(colour_at(scale, 0.5)) / 3  # zmid=0: the middle
    assert brightness < 60 if dark else brightness > 230, brightness
    (red, _, blue), (low_red, _, low_blue) = colour_at(scale, 1.0), colour_at(scale, 0.0)
    assert red > blue and low_blue > low_red  # red adds, blue subtracts, as the captions say


@pytest.mark.parametrize("dark", [False, True])
def test_the_digit_is_outlined_over_each_panel_of_weights_on_its_pixels(dark):
    # Read without it, the strongest weights of the units a 0 excites were blue rings, which
    # students took for the 0 lowering them: where the digit lies, over the weights, says.
    digit = np.zeros((28, 28), np.float32)
    digit[6:22, 12:16] = 0.8
    panels = charts.heatmap_panels(
        [np.random.default_rng(0).normal(size=(28, 28))] * 3, ["a", "b", "c"], 3, "t",
        dark=dark, outline=digit,
    )  # fmt: skip
    lines = [trace for trace in panels.data if trace.type == "contour"]
    assert [(line.xaxis, line.yaxis) for line in lines] == [("x", "y"), ("x2", "y2"), ("x3", "y3")]
    assert all(line.contours.start == line.contours.end == 0.4 for line in lines), "half its ink"
    assert {line.colorscale[0][1] for line in lines} == {"white" if dark else "black"}
    blank = charts.heatmap_panels([digit], ["a"], 1, "t", outline=np.zeros((28, 28)))
    assert [trace.type for trace in blank.data] == ["heatmap"], "no ink, no line"


def test_an_empty_confusion_cell_shows_the_page_and_one_mistake_shows_red():
    matrix = np.diag([50] * 10)
    matrix[3, 5] = 1
    for dark in (False, True):
        figure = charts.confusion_heatmap(matrix, "t", zmax=9, dark=dark)
        assert figure.layout.plot_bgcolor == "rgba(0,0,0,0)"  # no white square on a dark page
        red, green, blue = colour_at(figure.data[0].colorscale, 1 / 9)
        assert red - min(green, blue) > 60, (red, green, blue)  # not white on a white page


def test_a_calibration_bin_of_few_digits_is_drawn_less_certain():
    bins = [
        {"count": 2, "confidence": 0.18, "accuracy": 0.5},
        {"count": 10802, "confidence": 0.999, "accuracy": 0.998},
    ]
    figure = charts.calibration_curve({"cnn": {"threshold": 0.85, "bins": bins}})
    (points,) = [trace for trace in figure.data if trace.name == "CNN"]
    # Hollow under FEW_DIGITS, its 95% bar long; the 10,802 digits' point solid, its bar short.
    mark = charts.MODEL_SYMBOLS["cnn"]
    assert list(points.marker.symbol) == [f"{mark}-open", mark]
    below, above = points.error_y.arrayminus, points.error_y.array
    assert below[0] > 0.35 and above[0] > 0.35
    assert below[1] < 0.002 and above[1] < 0.002
    # 2 of 2 right: 100% at most, so no bar above it; 34% at least (Wilson's), the bar below.
    two_right = [{"count": 2, "confidence": 0.9, "accuracy": 1.0}]
    figure = charts.calibration_curve({"cnn": {"threshold": 0.85, "bins": two_right}})
    (points,) = [trace for trace in figure.data if trace.name == "CNN"]
    assert points.error_y.array[0] == pytest.approx(0, abs=1e-9)
    assert points.error_y.arrayminus[0] == pytest.approx(1 - 0.342, abs=0.01)
    # The top of ten probabilities is never below 10%.
    assert figure.layout.xaxis.range[0] == 0.1


def test_the_mlps_and_the_cnns_lines_differ_by_more_than_colour():
    # Alike in gray (luminance 0.17 and 0.24), on a washed-out projector or to a colour-blind
    # student: which line is the CNN's is the lesson.
    history = {"loss": [0.3, 0.2], "val_loss": [0.2, 0.1]}
    bins = [{"count": 50, "confidence": 0.9, "accuracy": 0.9}]
    figures = [
        charts.training_curves({"mlp": history, "cnn": history}, "loss", "t"),
        charts.calibration_curve({n: {"threshold": 0.8, "bins": bins} for n in ("mlp", "cnn")}),
        charts.moved_curves([0, 1], {"mlp": [0.9, 0.8], "cnn": [0.9, 0.9]}, "t"),
    ]
    for figure in figures:
        marks = {
            trace.name.split()[0]: str(trace.marker.symbol)
            for trace in figure.data
            if trace.name and trace.name.split()[0] in ("MLP", "CNN")
        }
        assert marks.keys() == {"MLP", "CNN"} and marks["MLP"] != marks["CNN"], marks


def test_the_moved_curves_say_they_count_digits_read_right_and_sure():
    # The page counts a digit read where the network is also sure of it: "read right" alone
    # left a student wondering why the unmoved MLP plots 98.5%, not its 99.20% on MNIST.
    figure = charts.moved_curves([0, 1], {"mlp": [0.985, 0.9]}, "t")
    assert figure.layout.yaxis.title.text == "read right and sure"
    assert figure.data[0].hovertemplate.endswith("read right and sure<extra></extra>")


@pytest.mark.parametrize("dark", [False, True])
def test_each_count_in_the_confusion_matrix_stands_out_from_its_cell(dark):
    # In the theme's gray on every cell: 2.5:1 on the deep reds, where the mistakes are.
    matrix = np.diag(np.full(10, 900.0))
    matrix[7, 1], matrix[9, 4] = 40, 1  # the most mistakes, deep red; one, pale
    figure = charts.confusion_heatmap(matrix, "t", dark=dark)
    (counts,) = [trace for trace in figure.data if trace.type == "scatter"]
    colour = {text: c for text, c in zip(counts.text, counts.textfont.color)}
    assert colour["40"] == "white" and colour["1"] == "black"
    assert colour["900"] == ("white" if dark else "black")  # the diagonal's gray
