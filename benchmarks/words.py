"""How often a word written where a number should be is called no number, not read as one.

    python benchmarks/words.py [--thresholds 0.1 0.2 0.3 0.4 0.5] [--store model_store]

Twenty short notes ("Call Anna", "buy stamps", ...), each in one of OpenCV's four fonts (two
script, two plain) at a random size and pen, once dark on light paper and once light on the dark
pad: 40 pictures, seeded. Each is read as the Read a number page reads it, and called no number,
as the page and `read` call it, at each threshold below which the whole-digit network is sure a
digit is none (`number.WHOLE_DIGIT_SURE`); "before" counts the CNN's doubts alone. What the same
thresholds do to real numbers: `read_numbers.py --whole-digit-sure T`.
"""

import argparse
from pathlib import Path

import common
import cv2
import numpy as np

from digitpad.inference import open_reader
from digitpad.number import WHOLE_DIGIT_SURE, read_number

WORDS = (
    "Call Anna|Meet me|hello world|milk eggs bread|Thanks!|see you soon|Dear John|apples|Monday|"
    "the end|note to self|buy stamps|Happy birthday|love you|ok|yes please|garden|office hours|"
    "Paris|school"
).split("|")
FONTS = (
    cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_DUPLEX,
)
PAPER, INK = (240, 240, 240), (120, 30, 30)  # RGB: white paper, a dark red pen


def written_words(seed: int = 5) -> list[np.ndarray]:
    """The 40 pictures, RGB: each word on paper, then each on the dark pad."""
    rng = np.random.default_rng(seed)
    pictures = []
    for i, word in enumerate(WORDS * 2):
        font = FONTS[i % len(FONTS)]
        scale, thickness = rng.uniform(1.5, 3), int(rng.integers(2, 7))
        (width, height), _ = cv2.getTextSize(word, font, scale, thickness)
        picture = np.full((height * 3, width + 60, 3), PAPER, np.uint8)
        cv2.putText(picture, word, (30, height * 2), font, scale, INK, thickness, cv2.LINE_AA)
        pictures.append(picture if i < len(WORDS) else 255 - picture)
    return pictures


def main() -> None:
    parser = argparse.ArgumentParser(description=common.description(__doc__))
    parser.add_argument(
        "--thresholds", type=float, nargs="+", default=[0.1, 0.2, WHOLE_DIGIT_SURE, 0.4, 0.5]
    )
    parser.add_argument("--store", default=None, help="folder of the models (default: shipped)")
    args = parser.parse_args()
    reader, problems = open_reader(Path(args.store) if args.store else None)
    for problem in problems.values():
        print(problem)
    readings = [read_number(picture, reader) for picture in written_words()]
    found = [r for r in readings if r.digits]
    print(f"{len(readings)} words, {len(readings) - len(found)} with no digits found")
    decider = found[0].deciding_model
    unsure = [r.unsure(decider, reader.thresholds.get(decider)) for r in found]
    before = sum(2 * len(u) > len(r.digits) for r, u in zip(found, unsure))
    print(f"called no number by the {decider.upper()}'s doubts alone: {before}")
    for threshold in args.thresholds:
        called = sum(bool(r.no_number(u, decider, threshold)) for r, u in zip(found, unsure))
        shipped = " (shipped)" if threshold == WHOLE_DIGIT_SURE else ""
        print(f"whole-digit network sure below {threshold:.0%}{shipped}: {called} no number")


if __name__ == "__main__":
    main()
