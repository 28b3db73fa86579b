"""What the networks say together about one digit, in words: the drawing page's first line."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # inference imports TensorFlow; the drawing page shows before it is in
    from digitpad.inference import Reading

# A drawing fewer pen widths tall than this is mostly blot: a 3 drawn small in a corner with the
# default pen filled its own loops, and "write it more plainly" did not help.
PEN_WIDTHS_TALL = 4


def verdict(readings: dict[str, Reading], titles: dict[str, str]) -> tuple[str, str] | None:
    """What the networks say together, in words, and how sure that is ("info", "success" or
    "warning"); None for a single network sure of its reading, which its bars say alone.
    `titles`: each model's name as the page writes it."""
    said = [reading.said_by(titles[name]) for name, reading in readings.items()]
    sure = [reading.sure for reading in readings.values()]
    digits = {name: reading.digit for name, reading in readings.items()}
    if not any(sure):
        return "info", (
            f"Not sure what this is: {', '.join(said)}. Is it a digit? If it is, try writing it "
            "more plainly."
        )
    if not all(sure):  # one sure, one not: say both, thresholds and all
        return "info", "; ".join(said) + "."
    if len(digits) < 2:
        return None
    if len(set(digits.values())) == 1:
        return "success", f"Both networks read **{next(iter(digits.values()))}**."
    return "warning", (
        "The networks disagree: "
        + ", ".join(f"{titles[name]} reads **{digit}**" for name, digit in digits.items())
        + "."
    )


def small_for_the_pen(box: tuple[int, int, int, int], pen_width: int) -> bool:
    """Whether ink in `box` (x, y, width, height) is too small for the pen that drew it."""
    return max(box[2], box[3]) < PEN_WIDTHS_TALL * pen_width
