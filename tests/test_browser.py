"""A person's view: the real app in a real browser, drawn on with the mouse."""

import re

import pytest
from browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    bar_titles,
    chart_titles,
    draw,
    running_app,
    wait_for_readings,
)

playwright = pytest.importorskip("playwright.sync_api")

ONE = [[(140, 40), (140, 240)]]


@pytest.fixture(scope="module")
def app_url():
    with running_app() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_drawing_a_stroke_shows_both_readings(app_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 1200})
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(app_url)
    page.locator("canvas.upper-canvas").wait_for(timeout=90_000)
    page.get_by_text("Draw a digit on the black pad").wait_for()
    draw(page, ONE)
    wait_for_readings(page)
    titles = bar_titles(page)
    assert re.match(r"MLP reads 1 \(\d+%\)", titles[0]), titles
    assert re.match(r"CNN reads 1 \(\d+%\)", titles[1]), titles
    assert "Their feature maps of your digit" in chart_titles(page)
    assert page.locator("[data-testid=stException]").count() == 0
    assert not errors, errors
    page.close()
