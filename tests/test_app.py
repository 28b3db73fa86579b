"""The drawing page under Streamlit's AppTest: a drawing injected as the canvas's value."""

from streamlit.testing.v1 import AppTest

from conftest import REPO, canvas_state, draw_polyline, mnist_on_canvas, opaque_canvas

APP = str(REPO / "app.py")


def run_app(drawing=None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    if drawing is not None:
        app.session_state["canvas"] = canvas_state(drawing)
    return app.run()


def chart_titles(app: AppTest) -> list[str]:
    import json

    titles = []
    for chart in app.get("plotly_chart"):
        layout = json.loads(chart.proto.spec).get("layout", {})
        titles.append(layout.get("title", {}).get("text", ""))
    return titles


def test_empty_canvas_shows_a_prompt_and_no_prediction():
    app = run_app()
    assert not app.exception
    assert any("Draw a digit" in info.value for info in app.info)
    assert not any("reads" in title for title in chart_titles(app))
    assert app.session_state["digit"] is None
    # Only MNIST's own 0 to 9, two rows of five, until something is drawn.
    (mnist_digits,) = app.image
    assert "MNIST's own test digits" in mnist_digits.captions[0]


def test_drawn_digit_shows_both_readings_and_feature_maps(mnist_test):
    images, labels = mnist_test
    app = run_app(mnist_on_canvas(images[0]))
    assert not app.exception
    titles = chart_titles(app)
    assert f"MLP reads {labels[0]}" in " ".join(titles)
    assert f"CNN reads {labels[0]}" in " ".join(titles)
    assert "Their feature maps of your digit" in titles
    assert "Learned 3x3 filters" in titles
    assert len(app.get("image")) == 5, "ink, crop, fit, centre, and the networks' deskew"
    assert any(f"read **{labels[0]}**" in s.value for s in app.success)
    assert app.session_state["digit"].shape == (28, 28)


def test_clearing_the_canvas_clears_the_results():
    app = run_app(draw_polyline([(140, 40), (140, 240)]))
    assert any("reads" in t for t in chart_titles(app))
    app.session_state["canvas"] = canvas_state(opaque_canvas())
    app.run()
    assert not any("reads" in t for t in chart_titles(app))
    assert any("Draw a digit" in info.value for info in app.info)
