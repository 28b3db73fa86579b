"""The drawing page under Streamlit's AppTest: a drawing injected as the canvas's value."""

import base64
import json

import cv2
import numpy as np
from streamlit.testing.v1 import AppTest

from conftest import (
    PENDIGITS_FILE,
    REPO,
    canvas_state,
    draw_polyline,
    mnist_on_canvas,
    opaque_canvas,
    yes_button,
)
from digitpad import charts, drawn, samples
from digitpad.charts import MODEL_TITLES
from digitpad.inference import Reading, open_reader
from digitpad.number import FoundDigit, NumberReading, read_number
from digitpad.pieces import ink_groups
from digitpad.preprocess import to_mnist
from digitpad.store import STORE_ENV, not_sure_thresholds, store_dir
from digitpad.testsets import SCRIBBLE_SEED
from digitpad.training_data import random_scribbles
from digitpad.verdict import (
    MNIST_WIDEST,
    agreed_digit,
    drawing_verdict,
    may_be_a_number,
    several_digits,
    small_for_the_pen,
    too_wide_for_a_digit,
    verdict,
)

APP = str(REPO / "app.py")


def run_app(drawing=None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    if drawing is not None:
        app.session_state["canvas"] = canvas_state(drawing)
    return app.run()


# Where the Read a number page's uploader keeps a picture handed to it (digitpad.views.pad).
HANDED_OVER_KEYS = ("number_upload_kept", "number_upload_from_before")


def button_labels(app: AppTest) -> list[str]:
    return [button.label for button in app.button]


def chart_titles(app: AppTest) -> list[str]:
    titles = []
    for chart in app.get("plotly_chart"):
        layout = json.loads(chart.proto.spec).get("layout", {})
        titles.append(layout.get("title", {}).get("text", ""))
    return titles


def chart_traces(app: AppTest, title: str) -> list[dict]:
    """The traces of the chart titled `title`, NumPy's typed arrays (as Plotly sends them)
    decoded into arrays."""
    (spec,) = [
        json.loads(chart.proto.spec)
        for chart in app.get("plotly_chart")
        if json.loads(chart.proto.spec).get("layout", {}).get("title", {}).get("text") == title
    ]
    traces = spec["data"]
    for trace in traces:
        for key, value in trace.items():
            if isinstance(value, dict) and "bdata" in value:
                array = np.frombuffer(base64.b64decode(value["bdata"]), value["dtype"])
                shape = value.get("shape")
                trace[key] = array.reshape([int(n) for n in shape.split(",")]) if shape else array
    return traces


def test_empty_canvas_shows_a_prompt_and_no_prediction():
    app = run_app()
    assert not app.exception
    assert any("Draw a digit" in info.value for info in app.info)
    assert not any("reads" in title for title in chart_titles(app))
    assert app.session_state["digit"] is None
    # Shown, but not to be pressed, on a pad with nothing to clear: it did nothing.
    assert app.button(key="canvas_clear").disabled
    # Only MNIST's own 0 to 9, two rows of five, until something is drawn.
    (mnist_digits,) = app.image
    assert "MNIST's own test digits" in mnist_digits.captions[0]


def test_drawn_digit_shows_both_readings_and_feature_maps(mnist_test, reader):
    images, labels = mnist_test
    app = run_app(mnist_on_canvas(images[0]))
    assert not app.exception
    titles = chart_titles(app)
    assert f"MLP reads {labels[0]}" in " ".join(titles)
    assert f"CNN reads {labels[0]}" in " ".join(titles)
    assert "Their feature maps of your digit" in titles
    # The figure and caption the Filters page shows, built in one place.
    assert "conv1: its 32 learned 3x3 filters" in titles
    assert charts.FIRST_LAYER_FILTERS_CAPTION in app.caption.values
    (maps,) = [c for c in app.caption.values if c.startswith("Where each filter fires on")]
    assert "a cross-correlation" in maps and "plus its bias, then ReLU" in maps
    assert len(app.get("image")) == 5, "ink, crop, fit, centre, and the networks' deskew"
    # Why step 5 leans an upright 4, said beside it.
    assert any("an upright 4 comes out leaning" in c for c in app.caption.values)
    assert any(f"read **{labels[0]}**" in s.value for s in app.success)
    digit = app.session_state["digit"]
    assert digit.shape == (28, 28)
    # What the charts show is each network's own reading of this digit: the bars over 0 to 9
    # its probabilities in order, each filter's map the right way up.
    read = reader.read_one(digit)
    for name, reading in read.readings.items():
        (title,) = [t for t in titles if t.startswith(f"{MODEL_TITLES[name]} reads")]
        (bars,) = chart_traces(app, title)
        assert list(bars["x"]) == [str(d) for d in range(10)]
        np.testing.assert_allclose(bars["y"], reading.probs, atol=1e-6)
    maps = chart_traces(app, "Their feature maps of your digit")
    strongest = read.feature_maps.max()
    for i in (0, 7, 31):
        expected = (np.clip(read.feature_maps[:, :, i] / strongest, 0, 1) * 100).round()
        np.testing.assert_array_equal(maps[i]["z"], expected)


def test_a_pad_picture_far_larger_than_the_pad_is_not_decoded():
    # Sent by a page altered in the browser: a 13,000-pixel square took 2.7 GB to decode.
    seven = draw_polyline([(60, 50), (220, 50), (120, 240)])
    giant = cv2.resize(seven, (1000, 1000), interpolation=cv2.INTER_NEAREST)
    app = run_app(giant)
    assert not app.exception
    assert not any("reads" in t for t in chart_titles(app)), "nothing read"
    assert app.session_state["digit"] is None
    assert any("reads" in t for t in chart_titles(run_app(seven))), "the pad's own size is"


def test_clearing_the_canvas_clears_the_results():
    app = run_app(draw_polyline([(140, 40), (140, 240)]))
    assert any("reads" in t for t in chart_titles(app))
    app.session_state["canvas"] = canvas_state(opaque_canvas())
    app.run()
    assert not any("reads" in t for t in chart_titles(app))
    assert any("Draw a digit" in info.value for info in app.info)


def pad_is_given(app: AppTest) -> dict:
    """The drawing the page gives the pad to show when it mounts."""
    (pad,) = app.get("bidi_component")
    return json.loads(pad.proto.json)["initialDrawing"]


def leave_and_come_back(app: AppTest) -> AppTest:
    """What Streamlit does to the pad's widget when a run of another page does not show it (a
    cleared pad mounts under a key of its own: "canvas", then "canvas_1", …)."""
    for key in ["canvas", *(f"canvas_{clears}" for clears in range(1, 4))]:
        if key in app.session_state:
            del app.session_state[key]
    return app.run()


def test_back_on_the_page_the_pad_shows_its_drawing_and_it_is_read_again():
    app = run_app(draw_polyline([(75, 55), (205, 55), (125, 245)]))
    read = [t for t in chart_titles(app) if "reads" in t]
    assert read and pad_is_given(app)["objects"] == []
    leave_and_come_back(app)
    assert not app.exception
    # The pad is given the strokes it held, and the page reads the pixels it last sent.
    assert pad_is_given(app)["objects"] == [{"type": "path"}]
    assert [t for t in chart_titles(app) if "reads" in t] == read
    assert app.session_state["digit"] is not None


def test_the_clear_button_empties_the_pad_and_forgets_its_drawing():
    app = run_app(draw_polyline([(140, 40), (140, 240)]))
    assert not app.button(key="canvas_clear").disabled
    app.button(key="canvas_clear").click().run()
    assert not any("reads" in t for t in chart_titles(app))
    assert pad_is_given(app)["objects"] == []
    leave_and_come_back(app)
    assert not any("reads" in t for t in chart_titles(app))
    assert pad_is_given(app)["objects"] == []


def test_a_pad_cleared_by_mistake_gets_its_drawing_back():
    # The pad mounts anew when cleared, so its own undo had nothing to go back to: a teacher who
    # pressed Clear by mistake lost the drawing.
    app = run_app(draw_polyline([(75, 55), (205, 55), (125, 245)]))
    read = [t for t in chart_titles(app) if "reads" in t]
    app.button(key="canvas_clear").click().run()
    assert not any("reads" in t for t in chart_titles(app))
    app.button(key="canvas_unclear").click().run()
    assert pad_is_given(app)["objects"] == [{"type": "path"}]
    assert [t for t in chart_titles(app) if "reads" in t] == read
    assert app.button(key="canvas_clear").label == "Clear the pad"
    # Once something is drawn on the cleared pad, what was cleared is gone for good.
    app.button(key="canvas_clear").click().run()
    app.session_state["canvas_3"] = canvas_state(draw_polyline([(140, 40), (140, 240)]))
    app.run()
    assert app.button(key="canvas_clear").label == "Clear the pad"
    assert not [b for b in app.button if b.key == "canvas_unclear"]


def test_a_saved_drawing_is_cleared_off_the_pad_for_the_next(monkeypatch, tmp_path):
    monkeypatch.setenv("DIGITPAD_SAMPLES", str(tmp_path / "samples.db"))
    one = draw_polyline([(140, 40), (140, 240)])
    app = run_app(one)
    yes_button(app).click().run()
    # Left on the pad under "Draw the next one", the next digit was drawn into it, read surely
    # as one digit and offered to save.
    assert pad_is_given(app)["objects"] == []
    assert not any("reads" in t for t in chart_titles(app))
    said = "Saved as a 1 (#1 on Your digits). Draw the next one on the pad."
    assert [box.value for box in app.success] == [said]
    # Said in the page's status box, which a screen reader reads out: no toast, which lay over
    # the pad brought back and took the next strokes begun under it.
    assert not app.toast
    # The same 1 drawn on the cleared pad, whose 28x28 digit comes out the same, is another.
    app.session_state["canvas_1"] = canvas_state(one)
    app.run()
    assert not any("Saved as" in box.value for box in app.success)
    assert yes_button(app).label == "Yes, it is a 1"
    yes_button(app).click().run()
    assert [box.value for box in app.success] == [said.replace("#1", "#2")]


def test_yes_clicked_as_a_stroke_changes_the_reading_saves_no_other_digit(monkeypatch, tmp_path):
    # "Yes, it is a 1" clicked as the strokes that made the 1 a 4 were read: "Saved as a 4".
    database = tmp_path / "samples.db"
    monkeypatch.setenv("DIGITPAD_SAMPLES", str(database))
    one = draw_polyline([(140, 40), (140, 240)])
    app = run_app(one)
    yes = yes_button(app)
    assert yes.label == "Yes, it is a 1"
    four = draw_polyline([(80, 40), (70, 150), (200, 150)], canvas=one.copy())
    app.session_state["canvas"] = canvas_state(four)
    yes.click().run()  # the click and the strokes in one run, as they reach the server
    assert not app.exception
    assert samples.count_samples(database) == 0
    assert yes_button(app).label == "Yes, it is a 4", "asked again, of the drawing read now"
    # A stroke that leaves it the digit clicked: saved, as the digit the button said.
    app.session_state["canvas"] = canvas_state(one)
    app.run()
    longer = draw_polyline([(140, 30), (140, 250)], canvas=one.copy())
    app.session_state["canvas"] = canvas_state(longer)
    yes_button(app).click().run()
    assert [sample.label for sample in samples.list_samples(database)] == [1]


def test_a_digit_saved_by_mistake_is_taken_back_onto_the_pad(monkeypatch, tmp_path):
    # A "Yes" tapped by mistake went into everyone's digits, the drawing cleared off the pad.
    database = tmp_path / "samples.db"
    monkeypatch.setenv("DIGITPAD_SAMPLES", str(database))
    app = run_app(draw_polyline([(140, 40), (140, 240)]))
    drawn = app.session_state["canvas_drawn"]["json"]
    yes_button(app).click().run()
    assert samples.count_samples(database) == 1
    app.button(key="unsave").click().run()
    assert not app.exception
    assert samples.count_samples(database) == 0
    assert pad_is_given(app) == drawn, "the drawing back on the pad"
    assert "MLP reads 1 (100%)" in chart_titles(app)
    assert [toast.value for toast in app.toast] == [
        "Digit #1 (a 1) taken back: it is on the pad again."
    ]
    assert yes_button(app).label == "Yes, it is a 1", "to save again"


def test_a_scribble_is_called_no_sure_digit_with_each_networks_threshold():
    zigzag = [(40, 60), (240, 80), (50, 120), (230, 150), (60, 200), (220, 230), (140, 40)]
    app = run_app(draw_polyline([*zigzag, (140, 250)], width=10))
    assert not app.exception
    assert not app.success, "no digit announced"
    (verdict,) = app.info
    assert verdict.value.startswith("Not sure what this is (MLP: maybe ")
    # Its bars give the figures, each by its own network's threshold.
    for name, threshold in not_sure_thresholds(store_dir()).items():
        (title,) = [title for title in chart_titles(app) if title.startswith(MODEL_TITLES[name])]
        assert title.startswith(f"{MODEL_TITLES[name]} is not sure<br>(maybe ")
        assert title.endswith(f"; sure from {threshold:.0%})")
    # Nothing offered to confirm: the person says what it is.
    assert yes_button(app) is None
    assert app.selectbox(key="label_digit").label == "It is a"


def test_a_line_is_too_wide_for_a_digit_and_a_digit_started_with_one_is_read_once_whole():
    # A 7's bar, drawn first, was "CNN reads 2 (97%)" with "Yes, it is a 2" offered to save.
    bar = draw_polyline([(60, 60), (220, 60)], width=40)
    app = run_app(bar)
    assert not app.exception and not app.success
    (verdict,) = app.info
    assert verdict.value.startswith("Too wide for one digit (4.")  # 200x40, and the pen
    assert verdict.value.endswith(
        " times as wide as tall; MNIST's widest is 2.2): a line, or a number?"
    )
    # Its bars say what each network would read it as, as one digit: "MLP reads 2 (98%)" under
    # "Too wide" contradicted the verdict.
    bars = [title for title in chart_titles(app) if "MLP" in title or "CNN" in title]
    assert len(bars) == 2 and all(title.startswith("As one digit, ") for title in bars)
    # Nothing to save: a bar saved as a 7 would teach the CNN non-digits when fine-tuned.
    assert yes_button(app) is None
    assert not [box for box in app.selectbox if box.key == "label_digit"]
    saving = "One whole digit, drawn or uploaded, can be saved to *Your digits*."
    assert saving in [caption.value for caption in app.caption]
    (link,) = app.page_link  # "a line, or a number?"
    assert link.value == "Read numbers on *Read a number*"
    assert link.proto.page.endswith("Read_a_number")
    # Its stem drawn, the 7 is read as one, and offered to save.
    app.session_state["canvas"] = canvas_state(
        draw_polyline([(60, 60), (220, 60), (130, 250)], width=40)
    )
    app.run()
    assert not app.info and any("read **7**" in success.value for success in app.success)
    assert yes_button(app).label == "Yes, it is a 7"


def test_digits_drawn_side_by_side_are_read_as_a_number_and_not_offered_to_save():
    # Two digits were "Not sure what this is ... try writing it more plainly", or one of them
    # read as one digit: a 1 and a 7 were "CNN reads 7 (91%)".
    four_two = opaque_canvas()
    for stroke in (
        [(80, 70), (30, 160), (110, 160)],
        [(90, 110), (90, 210)],
        [(150, 90), (200, 70), (240, 100), (160, 210), (250, 210)],
    ):
        draw_polyline(stroke, canvas=four_two)
    app = run_app(four_two)
    assert not app.exception and not app.success
    (verdict_shown,) = app.info
    assert verdict_shown.value == (
        "Several digits, not one? The CNN reads **42** as a number; this page reads one digit "
        "at a time."
    )
    assert any(" reads " in title or "not sure" in title for title in chart_titles(app))
    # A number under one label would teach the CNN non-digits when fine-tuned on it.
    assert yes_button(app) is None
    assert not [box for box in app.selectbox if box.key == "label_digit"]
    # A 7 with a bar through it, as wide: one digit, read and offered to save.
    seven = opaque_canvas()
    for stroke in ([(60, 60), (220, 60), (130, 250)], [(100, 150), (190, 150)]):
        draw_polyline(stroke, canvas=seven)
    one_digit = run_app(seven)
    assert not one_digit.info and "Read it on *Read a number*" not in button_labels(one_digit)
    assert yes_button(one_digit).label == "Yes, it is a 7"
    # Read on Read a number from the same drawing, boxes and all, not from a blank pad.
    read_there = next(b for b in app.button if b.label == "Read it on *Read a number*")
    read_there.click().run()
    assert not app.exception and app.title[0].value == "Read a number"
    assert [(metric.label, metric.value) for metric in app.metric] == [
        ("CNN reads", "42"),
        ("MLP reads", "42"),
    ]
    assert "**Reading your drawing** in place of the pad" in [text.value for text in app.markdown]
    assert "Reading your drawing, brought from Draw a digit." in [c.value for c in app.caption]
    # Back on the drawing page it stays handed over while the pad holds it, and is let go once
    # the pad is drawn on: Read a number read the old 42 as "your drawing" beside a new 7.
    handed_over = {key: app.session_state[key] for key in HANDED_OVER_KEYS}
    for drawing, kept in ((four_two, True), (seven, False)):
        back = AppTest.from_file(APP, default_timeout=120)
        for key, value in handed_over.items():
            back.session_state[key] = value
        back.session_state["canvas"] = canvas_state(drawing)
        back.run()
        assert ("number_upload_kept" in back.session_state) == kept
    app.button(key="number_upload_let_go").click().run()
    assert not app.metric, "the number page's own pad, empty, read once the drawing is let go"
    assert app.info[0].value.startswith("Write a number on the black pad")


def test_a_stroke_sent_with_a_change_of_pen_is_what_the_pad_keeps():
    # Given the drawing the last run kept, the pad redrew that, losing the stroke that came in
    # the same run as the pen's change (as while the models load on a fresh server).
    one, seven = draw_polyline([(140, 40), (140, 240)]), draw_polyline([(75, 55), (205, 55)])
    app = run_app(one)
    sent = canvas_state(seven)
    sent["drawing"]["raw"]["objects"].append({"type": "path", "the stroke": "just drawn"})
    app.session_state["canvas"] = sent
    app.slider(key="stroke_width").set_value(30).run()
    assert not app.exception
    assert app.session_state["canvas_restored"]["json"] == sent["drawing"]["raw"]
    # Drawn on with that pen, the pad is given nothing new: it would redraw what it was given.
    app.session_state["canvas"] = canvas_state(one)
    app.run()
    assert app.session_state["canvas_restored"]["json"] == sent["drawing"]["raw"]


def test_the_other_pages_say_when_the_drawing_is_not_one_digit():
    # "17" was explained on Why this answer as the 8 the networks made of it squeezed, with no
    # word of the drawing page's "Several digits, not one?".
    one_seven = opaque_canvas()
    for stroke in ([(70, 60), (70, 220)], [(120, 60), (230, 60), (160, 220)]):
        draw_polyline(stroke, canvas=one_seven)
    seven = draw_polyline([(60, 60), (220, 60), (130, 250)])
    for drawing, several in ((one_seven, True), (seven, False)):
        app = run_app(drawing)
        assert any(info.value.startswith("Several digits") for info in app.info) == several
        app.switch_page("pages/4_Why_this_answer.py").run()
        assert not app.exception
        said = [w.value for w in app.warning if "is not one digit" in w.value]
        assert said == (["What *Draw a digit* reads is not one digit (several, or too wide "
                         "for one): this page looks at it squeezed into one 28x28 digit, as the "
                         "networks would read it. *Read a number* reads several digits."]
                        if several else [])  # fmt: skip


def test_digits_set_apart_are_read_as_a_number_though_narrow_or_read_surely_as_one():
    drawings = {
        # "Both networks read 4", with "Yes, it is a 4" offered to save.
        "14": [[(60, 60), (60, 220)], [(156, 60), (110, 156), (250, 156)], [(201, 90), (201, 220)]],
        # "Not sure what this is": two 1s are narrower than two digits side by side.
        "11": [[(100, 60), (100, 220)], [(180, 60), (180, 220)]],
    }
    for number, strokes in drawings.items():
        canvas = opaque_canvas()
        for stroke in strokes:
            draw_polyline(stroke, canvas=canvas)
        app = run_app(canvas)
        assert not app.success, number
        (verdict_shown,) = app.info
        assert verdict_shown.value.startswith(
            f"Several digits, not one? The CNN reads **{number}** as a number"
        )
        assert yes_button(app) is None


def test_no_digit_or_scribble_drawn_alone_is_called_several_digits(mnist_test):
    # As the pad draws them: MNIST test digits, every 25th pen digit (other writers' styles),
    # and scribbles of the scribble test set, which the number reader cut into sure "digits".
    reader, _ = open_reader()  # the app's: each network read with its card's threshold
    digits, _ = mnist_test
    alone = [*drawn.make_drawn_canvases(digits[:300], seed=3)]
    alone += drawn.draw_canvases(random_scribbles(300, SCRIBBLE_SEED), seed=3)
    if PENDIGITS_FILE.is_file():
        alone += drawn.draw_canvases(drawn.load_pen_digits(PENDIGITS_FILE)[0][::25], seed=3)
    called = []
    for index, canvas in enumerate(alone):
        result = to_mnist(canvas)
        readings, groups = reader.read_one(result.image).readings, ink_groups(result.ink)
        if may_be_a_number(result.box, groups, readings):
            if several_digits(read_number(canvas, reader), groups, readings, MODEL_TITLES):
                called.append(index)
    assert called == []


def test_a_number_is_said_of_digits_the_cnn_is_sure_of_or_of_most_if_written_apart():
    def number(*confidences: float) -> NumberReading:
        probs = np.full((len(confidences), 10), 0.0)
        for position, confidence in enumerate(confidences):
            probs[position] = (1 - confidence) / 9
            probs[position, position + 1] = confidence
        found = [FoundDigit((0, 0, 1, 1), np.zeros((28, 28))) for _ in confidences]
        return NumberReading(found, {"mlp": probs * 0 + 0.1, "cnn": probs})

    def read(digit: int, confidence: float) -> Reading:
        probs = np.full(10, (1 - confidence) / 9)
        probs[digit] = confidence
        return Reading(digit, probs, 0.8)

    titles = {"mlp": "MLP", "cnn": "CNN"}
    unsure = {"mlp": read(4, 0.3), "cnn": read(4, 0.3)}  # of the drawing as one digit
    apart = [(0, 20), (40, 80), (100, 150)]  # the columns of three groups of ink

    def said(reading: NumberReading, readings=unsure, groups=apart) -> str | None:
        answer = several_digits(reading, groups, readings, titles)
        return answer and answer[1]

    assert said(number(0.99, 0.9, 0.95)) == (
        "Several digits, not one? The CNN reads **123** as a number; this page reads one digit "
        "at a time."
    )
    assert said(number(0.99)) is None, "one digit"
    assert said(number(0.99, 0.6)) == (
        "Several digits, not one? The CNN reads **12** as a number, not sure of the 2nd digit; "
        "this page reads one digit at a time."
    )
    assert said(number(0.99, 0.6, 0.5)) is None, "most not sure"
    # A 5 drawn with the broadest pen: the CNN sure of a 5, the number reader of one of "58".
    cnn_sure = {"mlp": read(5, 0.2), "cnn": read(5, 0.96)}
    assert said(number(0.6, 0.99), cnn_sure) is None
    assert said(number(0.99, 0.99), cnn_sure) is not None
    # Cut apart from one piece of ink, as a tangle can be: each read all but certainly.
    assert said(number(0.9995, 0.9999), groups=[(0, 150)]) is not None
    assert said(number(0.9995, 0.98), groups=[(0, 150)]) is None, "sure, not certain"
    assert said(number(0.9995, 0.6), groups=[(0, 150)]) is None
    assert said(number(0.9995, 0.98, 0.9999), groups=[(0, 20), (40, 150)]) is None

    one_group, hair_apart = [(0, 200)], [(0, 100), (110, 200)]
    assert may_be_a_number((0, 0, 200, 160), one_group, unsure)
    assert not may_be_a_number((0, 0, 100, 160), one_group, unsure), "narrower than two digits"
    assert may_be_a_number((0, 0, 100, 160), [(0, 20), (80, 100)], unsure), "two 1s"
    sure = {"mlp": read(4, 0.9), "cnn": read(4, 0.99)}
    assert not may_be_a_number((0, 0, 200, 160), one_group, sure), "a digit both are sure of"
    assert may_be_a_number((0, 0, 200, 160), [(0, 20), (40, 200)], sure), "a 1 apart from a 4"
    assert not may_be_a_number((0, 0, 200, 160), hair_apart, sure), "a 4 whose strokes part"
    # Apart by a tenth of the digits' height, however wide the two are together.
    assert may_be_a_number((0, 0, 200, 100), [(0, 85), (100, 200)], sure), "15 px apart"


def test_mnists_widest_digit_is_not_too_wide_for_one_digit():
    assert too_wide_for_a_digit((0, 0, round(MNIST_WIDEST * 100), 100)) is None
    assert too_wide_for_a_digit((0, 0, 300, 100)) is not None, "a line three times as wide is"


def test_the_verdict_says_what_the_networks_say_together():
    def read(digit: int, confidence: float, threshold: float = 0.8) -> Reading:
        probs = np.full(10, (1 - confidence) / 9)
        probs[digit] = confidence
        return Reading(digit, probs, threshold)

    titles = {"mlp": "MLP", "cnn": "CNN"}
    assert verdict({"mlp": read(3, 0.9), "cnn": read(3, 0.99)}, titles) == (
        "success",
        "Both networks read **3**.",
    )
    assert verdict({"mlp": read(5, 0.9), "cnn": read(3, 0.99)}, titles) == (
        "warning",
        "The networks disagree: MLP reads **5**, CNN reads **3**.",
    )
    # In words: the figures, each network's threshold with them, are its bars' titles. With
    # them here, a drawing neither was sure of took three lines, and the bars jumped a line.
    assert verdict({"mlp": read(5, 0.5), "cnn": read(3, 0.99)}, titles) == (
        "info",
        "MLP is not sure (maybe 5); CNN reads **3**.",
    )
    assert verdict({"mlp": read(5, 0.5), "cnn": read(3, 0.6)}, titles) == (
        "info",
        "Not sure what this is (MLP: maybe 5, CNN: maybe 3). Is it a digit? If it is, try "
        "writing it more plainly.",
    )
    # Advice the page has in place of that, not after it: four lines pushed the bars down.
    _, advised = verdict({"mlp": read(5, 0.5), "cnn": read(3, 0.6)}, titles, "Draw it bigger.")
    assert advised == "Not sure what this is (MLP: maybe 5, CNN: maybe 3). Draw it bigger."
    assert verdict({"cnn": read(3, 0.99)}, titles) is None, "its bars say it alone"


def test_the_digit_offered_to_save_is_one_every_network_is_sure_of():
    def read(digit: int, confidence: float) -> Reading:
        probs = np.full(10, (1 - confidence) / 9)
        probs[digit] = confidence
        return Reading(digit, probs, 0.8)

    assert agreed_digit({"mlp": read(3, 0.9), "cnn": read(3, 0.99)}) == 3
    assert agreed_digit({"cnn": read(3, 0.99)}) == 3, "a store of one network"
    assert agreed_digit({"mlp": read(5, 0.9), "cnn": read(3, 0.99)}) is None, "they disagree"
    assert agreed_digit({"mlp": read(7, 0.96), "cnn": read(7, 0.53)}) is None, "one not sure"
    assert agreed_digit({"mlp": read(7, 0.5), "cnn": read(3, 0.53)}) is None
    # An L: the MLP sure of a 2, the CNN "maybe 6" (with the MLP shipped before, sure of a 6). It
    # was offered "Yes, it is a 2".
    app = run_app(draw_polyline([(90, 40), (90, 230), (200, 230)]))
    (verdict_shown,) = app.info
    assert verdict_shown.value == "MLP reads **2**; CNN is not sure (maybe 6)."
    assert yes_button(app) is None
    assert app.selectbox(key="label_digit").label == "It is a"


def test_a_digit_small_for_the_pen_is_told_to_be_drawn_bigger():
    # A 3 drawn 28 pixels tall with the 18-pixel pen: its loops fill in.
    small = draw_polyline([(20, 20), (40, 20), (30, 34), (40, 40), (38, 48), (20, 48)])
    app = run_app(small)
    assert not app.exception
    (verdict_shown,) = app.info
    assert "not sure" in verdict_shown.value
    assert verdict_shown.value.endswith(
        "It is small for the pen: draw it bigger, or pick a thinner pen."
    )
    big = draw_polyline([(60, 40), (220, 40), (140, 140), (220, 200), (200, 250), (60, 250)])
    assert "small for the pen" not in " ".join(i.value for i in run_app(big).info)
    # The pen measured on the ink, not the one chosen since: a thin scribble, then a broad pen.
    scribble = draw_polyline([(20, 20), (60, 70), (25, 65), (70, 25), (40, 80)], width=4)
    app = run_app(scribble)
    app.slider(key="stroke_width").set_value(40).run()
    assert app.info and "small for the pen" not in " ".join(i.value for i in app.info)


def test_only_a_drawing_small_for_its_pen_is_told_so():
    # Advice for the pad's pen: an upload was drawn with no pen the page offers.
    small = to_mnist(draw_polyline([(20, 20), (40, 20), (30, 34), (40, 40), (38, 48), (20, 48)]))
    reader, _ = open_reader()  # the app's: each network read with its card's threshold
    readings = reader.read_one(small.image).readings
    advice = "It is small for the pen: draw it bigger, or pick a thinner pen."
    kind, text = drawing_verdict(small, readings, MODEL_TITLES, drawn=True)
    assert kind == "info" and text.endswith(advice)
    _, text = drawing_verdict(small, readings, MODEL_TITLES, drawn=False)
    assert advice not in text


def test_a_blot_the_networks_are_sure_of_is_doubted_and_offered_no_save_as_read():
    # Drawn small with the broadest pen, a blot was "Both networks read 8" at 99%, and offered
    # to be saved as an 8.
    blot = to_mnist(draw_polyline([(30, 40), (45, 25), (45, 60)], width=40))
    assert small_for_the_pen(blot.ink, blot.box)
    eight = np.eye(10)[8] * 0.99 + 0.001
    sure = {name: Reading(8, eight, 0.8) for name in ("mlp", "cnn")}
    kind, text = drawing_verdict(blot, sure, MODEL_TITLES, drawn=True)
    assert (kind, text) == (
        "info", "Both networks read **8**. It is small for the pen: draw it bigger, or pick a "
        "thinner pen.",
    )  # fmt: skip
    assert drawing_verdict(blot, sure, MODEL_TITLES, drawn=False)[0] == "success", "an upload"
    # A store of one network, whose bars say its reading alone: in words too, as the others.
    alone = drawing_verdict(blot, {"cnn": sure["cnn"]}, MODEL_TITLES, drawn=True)
    assert alone == ("info", "CNN reads **8**. It is small for the pen: draw it bigger, or pick "
                             "a thinner pen.")  # fmt: skip
    # A short stroke with the broadest pen, which both networks read as a 0, sure of it.
    app = run_app(draw_polyline([(60, 73), (71, 56)], width=40))
    assert not app.exception
    (said,) = app.info
    assert said.value.startswith("Both networks read **0**.") and "small for the pen" in said.value
    assert yes_button(app) is None, "no 'Yes, it is a 0'"
    assert app.selectbox(key="label_digit").value is None, "the digit to be picked"


def test_a_digit_the_pads_height_is_not_small_for_any_pen():
    # The pen was measured at the ink's widest point, which crossing strokes widen: a 1 with a
    # flag and a base, a closed 4, an X, each drawn the pad's height with the broadest pen, was
    # "small for the pen: draw it bigger".
    drawings = {
        "1 with a flag and a base": [[(110, 85), (145, 45), (145, 235)], [(100, 235), (190, 235)]],
        "closed 4": [[(170, 45), (70, 170), (215, 170)], [(170, 45), (170, 240)]],
        "X": [[(70, 70), (210, 210)], [(210, 70), (70, 210)]],
    }
    for name, strokes in drawings.items():
        canvas = opaque_canvas()
        for stroke in strokes:
            draw_polyline(stroke, width=40, canvas=canvas)
        drawn = to_mnist(canvas)
        assert not small_for_the_pen(drawn.ink, drawn.box), name
    tap = to_mnist(draw_polyline([(140, 140), (141, 140)], width=40))
    assert small_for_the_pen(tap.ink, tap.box)


def test_the_chapters_models_are_noted_once_to_have_no_threshold(monkeypatch):
    # Their recipe calibrates none by design: two long warnings in the verdict's place, on
    # every page, told a teacher showing them that something was wrong.
    monkeypatch.setenv(STORE_ENV, str(REPO / "model_store" / "chapter"))
    app = run_app(draw_polyline([(140, 40), (140, 240)]))
    assert not app.exception and not app.warning
    notes = [
        caption.value for caption in app.caption if "The chapter's MLP and CNN" in caption.value
    ]
    assert len(notes) == 1 and "not sure below 50%" in notes[0], notes
