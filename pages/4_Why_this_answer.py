"""Which pixels each network's answer rests on: saliency for both, Grad-CAM for the CNN."""

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from digitpad import MODEL_NAMES, charts
from digitpad.store import (
    CHAPTER_DIR,
    UNCALIBRATED_THRESHOLD,
    load_card,
    load_models,
    reading_thresholds,
    store_dir,
)
from digitpad.views import layout, ui

MAP_WIDTH = 220  # pixels: three maps a row beside the sidebar at 1280, two on a tablet
CONTROLS_WIDTH = 160  # pixels: the sliders, and the digit moved
CURVES_WIDTH = 360  # pixels, at least: the curves beside the sliders and the digit at 1280
MOVED_DISTANCES = list(range(7))  # pixels the test digits are moved by, for the curves
MAPS_WIDTH = 3 * MAP_WIDTH + 2 * layout.GAP
MOVED_WIDTH = 2 * CONTROLS_WIDTH + CURVES_WIDTH + 2 * layout.GAP

ui.page_header(
    "Why this answer",
    "Which pixels of the digit each network's answer is most sensitive to. Saliency asks how "
    "much the answer's score changes when one pixel changes; Grad-CAM asks which regions the "
    "CNN's last convolution layer found evidence in.",
)
reader = ui.models_or_stop("mlp", "cnn")
# Imported once the models are in: TensorFlow takes 3 s, and the title comes first.
from digitpad import explain  # noqa: E402
from digitpad.inference import DigitReader  # noqa: E402

image, named = ui.current_digit()
readings = reader.read_one(image).readings
cnn = reader.models["cnn"]
last_conv = explain.conv_layer_names(cnn)[-1]


def answer(name: str) -> str:
    return readings[name].said_by(charts.MODEL_TITLES[name])


@st.cache_data(max_entries=8, show_spinner=False)
def answers_explained(
    image: np.ndarray, answers: dict[str, int], _reader: DigitReader
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The CNN's Grad-CAM and each network's saliency for its answer (`answers`), worked out
    once for a digit, not again at each move of a slider below (50 ms of a 110 ms rerun). The
    caches are emptied when another version of a model is read."""
    models = _reader.models
    cam = explain.grad_cam(models["cnn"], image, last_conv, answers["cnn"])
    return cam, {name: explain.saliency(models[name], image, d) for name, d in answers.items()}


st.markdown(f"Each network's own answer for {named}: **{answer('mlp')}**, **{answer('cnn')}**.")
cam, saliencies = answers_explained(
    image, {name: readings[name].digit for name in ("mlp", "cnn")}, reader
)
near = {name: explain.share_near_the_ink(heat, image) for name, heat in saliencies.items()}
# What the map is of: the CNN's answer, or, where it is not sure, only its best guess.
answered = "this answer" if readings["cnn"].sure else f"its best guess, {readings['cnn'].digit}"
if cam.max() > 0 and not readings["cnn"].sure:
    guess = readings["cnn"].digit
    cam_caption = (
        f"Bright where {last_conv}'s feature maps hold evidence for the CNN's best guess, "
        f"{guess}, which did not convince it: it is not sure (activation times gradient at each "
        "place, Grad-CAM's HiResCAM form), over the digit as the CNN sees it. What is lit argued "
        f"for {guess}, and was not enough."
    )
elif cam.max() > 0:
    cam_caption = (
        f"Bright where {last_conv}'s feature maps hold evidence for the answer (activation times "
        "gradient at each place, Grad-CAM's HiResCAM form), over the digit as the CNN sees it: "
        "look for the parts of the digit that decided it, a loop, a crossing or a stroke's end, "
        "or blank space where another digit would have a stroke (no loop closes a 7 into a 9)."
    )
elif saliencies["cnn"].max() == 0:
    cam_caption = (
        f"Nothing is lit: no gradient reaches {last_conv}'s maps from {answered}, for the "
        "reason its saliency gives: every unit between them and it is switched off."
    )
else:
    cam_caption = (
        f"Nothing is lit: once weighted by their gradients, no region of {last_conv}'s maps "
        f"argues for {answered}, and Grad-CAM keeps only the evidence for it."
    )
# Measured on this digit, not promised: on MNIST test digits the CNN's share was the larger on
# all 1,000 (median 41% against 22%, of pixels that are 28% of the square:
# benchmarks/saliency.py), but by how much varies from digit to digit.
ink_area = float(explain.near_the_ink(image).mean())


def title(kind: str, name: str) -> str:
    """The map's title, a "?" on a reading the network is not sure of (a longer mark did not
    fit a third of a laptop's page)."""
    reading = readings[name]
    return f"{charts.MODEL_TITLES[name]} {kind} for {reading.digit}{'' if reading.sure else '?'}"


def unlit(name: str) -> str | None:
    """Why a saliency map is blank, when it is."""
    if saliencies[name].max() > 0:
        return None
    return (
        f"Nothing is lit: no pixel changes the {charts.MODEL_TITLES[name]}'s score for this "
        "answer. Every path from the pixels to it passes through a unit that is switched off "
        "(a relu at zero), so the answer comes from the network's biases alone: how it says it "
        "sees no digit here."
    )


shown = [
    (
        "mlp_saliency",
        image,
        saliencies["mlp"],
        title("saliency", "mlp"),
        unlit("mlp") or explain.near_the_ink_said("MLP", near["mlp"], ink_area),
    ),
    (
        "cnn_saliency",
        image,
        saliencies["cnn"],
        title("saliency", "cnn"),
        unlit("cnn")
        or explain.near_the_ink_said("CNN", near["cnn"], ink_area)
        + ("" if unlit("mlp") else f" The MLP's: {near['mlp']:.0%}.")
        # A teacher's one 7 came out at chance, which the lesson should not rest on.
        + " On a thousand of MNIST's test digits the CNN's share is the larger on every one "
        "(`benchmarks/saliency.py`); on one digit it can come out either way."
        + " Blank paper is evidence too: no stroke where another digit would have one.",
    ),
    (
        "cnn_grad_cam",
        # Its maps are of the digit deskewed, as the CNN's first layer sees it.
        explain.as_seen(cnn, image),
        cam,
        title(f"Grad-CAM ({last_conv})", "cnn"),
        cam_caption,
    ),
]
# "Move it" beside the maps where the row has room for them and for its sliders, digit and curves
# in a row (1420 pixels: a 1920x1080 screen, a scroll bar beside it or not), else under them.
maps, moved_section = layout.first_and_beside("explained", MAP_WIDTH, MAPS_WIDTH, MOVED_WIDTH)
# Three a row where they fit, else two and one under them, each the same size.
with maps, st.container(horizontal=True):
    for key, under, heat, heading, caption in shown:
        with st.container(width=MAP_WIDTH):
            st.plotly_chart(
                charts.heat_overlay(under, heat, heading),
                config=ui.CHART_CONFIG,
                key=key,
                alt=f"{heading}: {caption}",
            )
            st.caption(caption)

moved_section.header("Move it: which network still reads it?", anchor=False)
moved_section.caption(
    "The drawing page puts every digit in the middle of its 28x28 square, as MNIST's were, so "
    "both networks read it where they learnt digits are. Move it off the middle and watch which "
    "one still reads it."
)


@st.cache_data
def trained_on_moved_digits(store: Path, names: tuple[str, ...]) -> bool:
    """Whether every network's card names the robust recipe, which moves digits a pixel or two
    as it trains: the cards read once, not at each move of a slider."""
    return all((load_card(name, store) or {}).get("recipe") == "robust" for name in names)


@st.cache_resource
def moved_figure(
    store: Path, _models: dict, thresholds: dict[str, float | None]
) -> go.Figure | None:
    """How many of the shipped MNIST test digits each network reads right and is sure of,
    moved (`_models`: the store's, loaded; not hashed)."""
    examples = ui.load_examples(store)
    if examples is None:
        return None
    digits = examples["images"], examples["labels"], MOVED_DISTANCES
    shares = explain.read_right_when_moved(
        {name: _models[name] for name in ("mlp", "cnn")}, *digits, thresholds
    )
    title = f"{len(examples['labels'])} MNIST test digits, each moved"
    return charts.moved_curves(MOVED_DISTANCES, shares, title, chapters_moved(store, digits))


def chapters_moved(store: Path, digits: tuple) -> dict[str, list[float]] | None:
    """The chapter's models' shares of `digits` read right moved, beside networks trained on
    moved digits, which hide the lesson: the chapter's, trained on MNIST as it is, show it. None
    where the store's are the chapter's, or the chapter's do not load."""
    chapter = store / CHAPTER_DIR
    if not trained_on_moved_digits(store, MODEL_NAMES) or not chapter.is_dir():
        return None
    models, problems = load_models(chapter)
    if problems:
        return None
    thresholds, _ = reading_thresholds(MODEL_NAMES, chapter)
    return explain.read_right_when_moved(models, *digits, thresholds)


with moved_section:
    controls, result, curves = layout.columns_that_wrap(
        [CONTROLS_WIDTH, CONTROLS_WIDTH, CURVES_WIDTH], "moved"
    )
# As far as the curves move digits: a teacher moved one 8 pixels, past where they end.
farthest = MOVED_DISTANCES[-1]
right = controls.slider(
    "Right", -farthest, farthest, 0, key="move_right", help="negative: to the left"
)
down = controls.slider("Down", -farthest, farthest, 0, key="move_down", help="negative: up")
shifted = explain.moved(image, right, down)
shifted_readings = reader.read_one(shifted).readings
result.image(
    charts.pixelated(shifted),
    caption=f"{named}, moved",
    clamp=True,
    output_format="PNG",
    alt=f"{named}, moved {right} pixels right and {down} down",
)
result.markdown(
    "  \n".join(
        f"**{reading.said_by(charts.MODEL_TITLES[name])}**"
        for name, reading in shifted_readings.items()
    )
)
# One digit is not the curves: the sidebar's first MNIST 0, moved 4 left and 4 up, is read by
# the MLP and not by the CNN (as it was moved 4 and 4, a teacher's first try, by the networks
# shipped before), against what the curves show.
note = explain.one_moved_digit_said(readings, shifted_readings)
if (right, down) != (0, 0) and note:
    result.caption(note)
if (off := explain.share_moved_off(image, shifted)) >= 0.01:
    result.caption(f"{off:.0%} of its ink is moved off the square.")
figure = moved_figure(store_dir(), reader.models, reader.thresholds)
if figure is not None and right == down > 0:
    # Where the digit is moved as the curves move theirs: a teacher moved it right only, and
    # the sliders seemed to contradict the curves.
    figure = go.Figure(figure).add_vline(
        x=right, line=dict(dash="dot", width=1), annotation_text="yours, as moved"
    )
if figure is not None:
    curves.plotly_chart(
        figure,
        config=ui.CHART_CONFIG,
        key="moved_curves",
        alt=charts.in_words(figure)
        + " (read right and sure, moved 0 to 6 pixels right and as many down)",
    )
    curves.caption(
        "The curves move each digit as many pixels right as down: set Right and Down alike to "
        "move yours as they do. "
        "The CNN's filters slide over the whole square and find a stroke wherever it is, and "
        "max-pooling forgives a pixel or two more; but its dense layers, like all of the MLP, "
        "learnt where in the square the filters' findings were. So it keeps reading a digit "
        "moved a little further than the MLP does, not one moved far. The curves count a digit "
        "read where a network's answer is right and it is sure of it (at or above its 'not "
        "sure' threshold); yours, moved, is still read where a network is sure of the answer it "
        "gave unmoved."
        + (
            " Both trained on digits moved a pixel or two, which costs neither."
            if trained_on_moved_digits(store_dir(), MODEL_NAMES)
            else ""
        )
        + (
            " Dashed: the MLP and CNN of the textbook chapter DigitPad grew from, trained on "
            f"MNIST as it is, as in its lesson (sure at {UNCALIBRATED_THRESHOLD:.0%}: they have "
            "no calibrated threshold)."
            if any(trace.line.dash == "dash" for trace in figure.data)
            else ""
        )
    )
