"""How the Read a number page shows a reading: the pad it is written on, and the picture with
each digit boxed and labelled."""

from collections.abc import Collection

import cv2
import numpy as np

from digitpad.ink import WORK_SIDE, shrunk
from digitpad.number import NumberReading
from digitpad.preprocess import background_level, to_gray

# The Read a number page's pad, width and height in pixels: beside the sidebar on a 1280-pixel
# screen (840 lost its right edge there); a phone's screen (390 CSS pixels, less the page's
# margins) holds a pad for four or five digits.
PAD = (800, 240)
PHONE_PAD = (340, 150)
# The pad's pen, in pixels, a smaller pad's thinner in proportion: a thick pen makes neighbours
# touch, and touching digits are what the reader splits wrong most (tablet-pen numbers on the
# pad, 840 pixels wide then: 8 pixels read 85 of 100, 14 read 81; on the phone's pad, 5 pixels
# 132 of 150 and 8 pixels 125; benchmarks/pad_numbers.py).
PAD_PEN_WIDTH = 8
# How `annotated` marks the digits.
BOX_COLOUR = (228, 87, 46)  # the charts' highlight colour
UNSURE_COLOUR = (150, 150, 150)  # a digit the model is not sure of: faded, its label with a "?"
# Labels, each in a halo of the other colour: yellow on the dark pad, dark red on paper, where
# yellow outlined in black was faint.
LABEL_COLOURS = {"dark": ((255, 200, 40), (0, 0, 0)), "light": ((170, 40, 10), (255, 255, 255))}
# How sure, under each box, as large as this for the digit read above it: at half, "100%" was
# 4 pixels tall on a phone.
SURE_LABEL_SHARE = 0.7
FONT = cv2.FONT_HERSHEY_SIMPLEX


def pad_pen_width(pad_height: int) -> int:
    """The pen, in pixels, that a pad this tall starts with."""
    return max(1, round(PAD_PEN_WIDTH * pad_height / PAD[1]))


def annotated(
    image: np.ndarray,
    reading: NumberReading,
    unsure: Collection[int] = (),
) -> np.ndarray:
    """The picture in gray, at most WORK_SIDE pixels, with a band above and below for labels: each
    digit boxed, the deciding model's reading above it and how sure it is below; the digits at
    the positions in `unsure` faded, their reading with a question mark."""
    gray = to_gray(image)
    scale = min(1.0, WORK_SIDE / max(gray.shape))
    gray = shrunk(gray, scale)
    thickness = max(1, round(max(gray.shape) / 400))
    boxes = [tuple(round(v * scale) for v in digit.box) for digit in reading.digits]
    # Labels grow with the digits; the bands above and below fit the biggest.
    tallest = max([h for _, _, _, h in boxes], default=0)
    font_scale = max(0.4, tallest / 200)
    (_, band), _ = cv2.getTextSize("0", FONT, 2 * font_scale, thickness)
    band += 6 * thickness
    background = background_level(gray)
    picture = cv2.copyMakeBorder(gray, band, band, 0, 0, cv2.BORDER_CONSTANT, value=background)
    picture = cv2.cvtColor(picture, cv2.COLOR_GRAY2RGB)
    for index, ((x, y, w, h), probs) in enumerate(
        zip(boxes, reading.probs[reading.deciding_model])
    ):
        # By the gray round the digit, not the picture's: paper on a dark desk is light. Round
        # it, half its height each way, not in its box: a thick "1" on the dark pad fills its
        # box with ink, and its label came out dark red on the black above it.
        grown = h // 2
        window = gray[max(0, y - grown) : y + h + grown, max(0, x - grown) : x + w + grown]
        around = np.median(window) if window.size else background
        text_colour, halo = LABEL_COLOURS["light" if around >= 128 else "dark"]
        y += band
        doubt = "?" if index in unsure else ""
        colour = UNSURE_COLOUR if doubt else BOX_COLOUR
        cv2.rectangle(picture, (x, y), (x + w, y + h), colour, thickness, cv2.LINE_AA)
        sure = f"{probs.max():.0%}"
        # As large as fits under the box, give or take a little: neighbours' do not meet.
        (sure_width, _), _ = cv2.getTextSize(sure, FONT, 1.0, thickness)
        sure_scale = min(2 * SURE_LABEL_SHARE * font_scale, 1.2 * w / sure_width)
        labels = [
            (f"{int(probs.argmax())}{doubt}", 2 * font_scale, y - 3 * thickness),
            (sure, max(font_scale, sure_scale), None),
        ]
        for text, text_scale, baseline in labels:
            (text_width, text_height), _ = cv2.getTextSize(text, FONT, text_scale, thickness)
            baseline = baseline or y + h + 3 * thickness + text_height
            origin = (x + (w - text_width) // 2, baseline)
            # A halo first, so the label reads over the ink and ruled lines around it.
            for colour, width in ((halo, 3 * thickness), (text_colour, thickness)):
                cv2.putText(picture, text, origin, FONT, text_scale, colour, width, cv2.LINE_AA)
    return picture
