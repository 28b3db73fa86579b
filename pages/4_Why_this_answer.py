"""Which pixels each network's answer rests on: saliency for both, Grad-CAM for the CNN."""

import streamlit as st

from digitpad import charts, ui

ui.page_header(
    "Why this answer",
    "Which pixels of the digit each network's answer depends on. Saliency asks how much the "
    "answer's score changes when one pixel changes; Grad-CAM asks which regions the CNN's last "
    "convolution layer found evidence in.",
)
reader = ui.models_or_stop("mlp", "cnn")
# Imported once the models are in: TensorFlow takes 3 s, and the title comes first.
from digitpad import explain  # noqa: E402

image, named = ui.current_digit()
readings = reader.read_one(image).readings
cnn, mlp = reader.models["cnn"], reader.models["mlp"]
last_conv = explain.conv_layer_names(cnn)[-1]


def answer(name: str) -> str:
    reading = readings[name]
    return f"{charts.MODEL_TITLES[name]} reads {reading.digit} ({reading.confidence:.0%})"


st.markdown(f"Each network's own answer for {named}: **{answer('mlp')}**, **{answer('cnn')}**.")
cam = explain.grad_cam(cnn, image, last_conv, readings["cnn"].digit)
if cam.max() > 0:
    cam_caption = (
        f"Bright where {last_conv}'s feature maps hold evidence for the answer (activation times "
        "gradient at each place, Grad-CAM's HiResCAM form), over the digit as the CNN sees it: "
        "look for the parts of the digit, a loop, a crossing or a stroke's end, that decided it."
    )
else:
    cam_caption = (
        f"Nothing is lit: once weighted by their gradients, no region of {last_conv}'s maps "
        "argues for this answer, and Grad-CAM keeps only the evidence for it."
    )
shown = [
    (
        "mlp_saliency",
        image,
        explain.saliency(mlp, image, readings["mlp"].digit),
        f"MLP saliency for {readings['mlp'].digit}",
        "Look how far the MLP's gradient spreads off the strokes: every pixel feeds every hidden "
        "unit directly, so nothing ties a pixel's weight to the ink around it.",
    ),
    (
        "cnn_saliency",
        image,
        explain.saliency(cnn, image, readings["cnn"].digit),
        f"CNN saliency for {readings['cnn'].digit}",
        "Look how closely the CNN's gradient follows the strokes: each of its filters sees only a "
        "3x3 patch, so a pixel matters through the ink around it.",
    ),
    (
        "cnn_grad_cam",
        # Its maps are of the digit deskewed, as the CNN's first layer sees it.
        explain.as_seen(cnn, image),
        cam,
        f"CNN Grad-CAM ({last_conv}) for {readings['cnn'].digit}",
        cam_caption,
    ),
]
for column, (key, under, heat, title, caption) in zip(st.columns(3), shown):
    column.plotly_chart(charts.heat_overlay(under, heat, title), config=ui.CHART_CONFIG, key=key)
    column.caption(caption)
