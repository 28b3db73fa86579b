"""Server compute per stroke: what the drawing page does with each new drawing, stage by stage.

The stages are the calls app.py makes on every rerun after a stroke: decode the canvas's PNG,
preprocess it, run both models (the CNN also gives its feature maps), look for groups of ink side
by side and read it as a number where it may be one (`verdict.may_be_a_number`), make the preview
images and encode them as Streamlit does, and build the three figures and serialise them as
`st.plotly_chart` does. Streamlit's own rerun overhead and the browser are not in these figures:
benchmarks/browser_latency.py measures a stroke end to end.

    .venv/bin/python benchmarks/stroke_latency.py            # 200 drawings; target p95 <= 15 ms
"""

import argparse
import base64
import io
import time
from collections import defaultdict

import common
import numpy as np
import plotly.io
import streamlit  # noqa: F401  registers the Plotly template that st.plotly_chart sends
from PIL import Image

from digitpad import charts
from digitpad.charts import MODEL_TITLES
from digitpad.inference import DigitReader
from digitpad.number import read_number
from digitpad.pieces import ink_groups
from digitpad.preprocess import to_mnist
from digitpad.verdict import may_be_a_number, several_digits


def as_canvas_value(rgba: np.ndarray) -> str:
    """The PNG data URL the canvas sends after a stroke."""
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def decode_canvas(url: str) -> np.ndarray:
    # As streamlit-drawable-canvas's CanvasResult.image_data does it.
    _, encoded = url.split(";base64,", 1)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))))


def encode_preview(image: np.ndarray) -> bytes:
    # As st.image does with a float array and clamp=True.
    buffer = io.BytesIO()
    Image.fromarray((np.clip(image, 0, 1) * 255).astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def serialise(figure) -> str:
    # As st.plotly_chart does with a go.Figure.
    return plotly.io.to_json(figure.to_dict(), validate=False)


def one_stroke(reader: DigitReader, url: str, seconds: dict[str, list[float]]) -> int:
    """Time one rerun's work; returns the bytes of figures sent to the browser."""
    marks = [time.perf_counter()]

    def mark(stage: str) -> None:
        marks.append(time.perf_counter())
        seconds[stage].append(marks[-1] - marks[-2])

    picture = decode_canvas(url)
    mark("decode canvas PNG")
    result = to_mnist(picture)
    mark("preprocess")
    readings, feature_maps, deskewed = reader.read_one(result.image)
    mark("both models + feature maps")
    groups = ink_groups(result.ink)
    if may_be_a_number(result.box, groups, readings):
        several_digits(read_number(picture, reader), groups, readings, MODEL_TITLES)
    mark("several digits? check")
    for image in (
        charts.shrunk(result.ink),
        charts.shrunk(result.cropped),
        charts.pixelated(result.fitted),
        charts.pixelated(result.image),
        charts.pixelated(deskewed),
    ):
        encode_preview(image)
    mark("5 preview images")
    figures = [
        charts.probability_bars(reading.probs, f"{name} reads {reading.digit}", name)
        for name, reading in readings.items()
    ]
    figures.append(
        charts.feature_map_grid(
            feature_maps.transpose(2, 0, 1), columns=8, title="Their feature maps of your digit"
        )
    )
    mark("build 3 figures")
    sent = sum(len(serialise(figure)) for figure in figures)
    mark("serialise 3 figures")
    seconds["total"].append(marks[-1] - marks[0])
    return sent


def main() -> None:
    parser = argparse.ArgumentParser(description=common.description(__doc__))
    parser.add_argument("--drawings", type=common.count, default=200)
    args = parser.parse_args()

    reader = common.app_reader()
    urls = [as_canvas_value(rgba) for rgba in common.canvas_drawings(args.drawings)]
    one_stroke(reader, urls[0], defaultdict(list))  # first-call imports are not a stroke's cost

    seconds = defaultdict(list)
    sent = [one_stroke(reader, url, seconds) for url in urls]
    print(common.machine())
    print(f"server compute per stroke over {len(urls)} drawings (280x280 canvas PNGs)")
    for stage, values in seconds.items():
        print(f"  {stage:<28} {common.percentiles(values)}")
    print(f"  figures sent per stroke: {np.mean(sent) / 1024:.0f} KiB of JSON")


if __name__ == "__main__":
    main()
