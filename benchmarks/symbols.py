"""How the networks read signs that are no digit but are written with numbers: a currency sign
before a price, a plus before a phone number, a percent sign after a share.

    python benchmarks/symbols.py [--samples 200] [--store model_store] [--picture PNG]

Each sign is a pen path in a unit box, jittered, slanted and stretched as a person would write it
and drawn on the canvas in a random style, then preprocessed, as benchmarks/styles.py draws the
styles MNIST lacks. The robust recipe teaches the nine signs of digitpad/signs.py as no digit
(drawn here with other jitters than it trains on; since 42aaf3a, after the shipped networks were
trained) and none of the four written otherwise below, nor the doodles (a spiral, a heart, a
smiley...), curves and shapes where its scribbles are tangles of straight strokes. Prints, for
the networks in a store and the chapter's, how many of each sign a network reads as a digit it
is sure of (with the threshold the app reads it with; the chapter's, which choose none, with the
rule of thumb) and the digit it reads most: the page would announce that digit, and the number
reader put it into the number.
"""

import argparse
from pathlib import Path

import common
import numpy as np
from styles import render_style

from digitpad import MODEL_NAMES
from digitpad.inference import DigitReader
from digitpad.signs import DOLLAR_S, SIGNS
from digitpad.store import CHAPTER_DIR, load_models, reading_thresholds, store_dir
from digitpad.styles import arc, path

# Written otherwise than any sign the robust recipe trains on (digitpad/signs.py), to see whether
# what it learnt holds beyond the paths it was shown.
OTHER_HANDS = [
    ("$ two stems", [DOLLAR_S, path((0.4, -0.1), (0.4, 1.1)), path((0.6, -0.1), (0.6, 1.1))]),
    ("+ short bar", [path((0.5, 0.0), (0.5, 1.0)), path((0.25, 0.45), (0.75, 0.45))]),
    ("# upright", [path((0.35, 0.0), (0.35, 1.0)), path((0.65, 0.0), (0.65, 1.0)),
                   path((0.05, 0.33), (0.95, 0.33)), path((0.05, 0.67), (0.95, 0.67))]),
    ("€ one bar", [arc(0.6, 0.5, 0.45, 0.5, 60, 300, 20), path((0.0, 0.5), (0.65, 0.5))]),
]  # fmt: skip


def curve(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.stack([x, y], axis=1).astype(np.float32)


T = np.linspace(0, 2 * np.pi, 60)  # once round
LOOPS = curve((3 * T - 1.8 * np.sin(3 * T)) / (6 * np.pi), 0.5 - 0.35 * np.cos(3 * T))  # eee
SPIRAL = curve(0.5 + (0.05 + 0.064 * T) * np.cos(3 * T), 0.5 + (0.05 + 0.064 * T) * np.sin(3 * T))
WAVE = curve(T / (2 * np.pi), 0.5 - 0.3 * np.sin(2 * T))
HEART = curve(
    0.5 + 0.45 * np.sin(T) ** 3,
    0.45 - 0.4 * (13 * np.cos(T) - 5 * np.cos(2 * T) - 2 * np.cos(3 * T) - np.cos(4 * T)) / 16,
)
POINTS = np.radians(np.arange(6) * 144)  # a star's five points and back to the first
STAR = curve(0.5 + 0.5 * np.sin(POINTS), 0.55 - 0.5 * np.cos(POINTS))
# Doodles that are no digit, curves and shapes, where the scribbles the robust recipe teaches as
# no digit are tangles of random straight strokes (digitpad/training_data.random_scribbles):
# whether "no digit" was learnt beyond the kind of ink it was taught.
DOODLES = [
    ("loops", [LOOPS]),
    ("spiral", [SPIRAL]),
    ("wave", [WAVE]),
    ("zigzag", [path((0, 0.2), (0.25, 0.8), (0.5, 0.2), (0.75, 0.8), (1, 0.2))]),
    ("star", [STAR]),
    ("heart", [HEART]),
    ("smiley", [arc(0.5, 0.5, 0.45, 0.45, 0, 360, 30), path((0.35, 0.35), (0.35, 0.4)),
                path((0.65, 0.35), (0.65, 0.4)), arc(0.5, 0.55, 0.22, 0.18, 20, 160, 12)]),
    ("triangle", [path((0.5, 0), (1, 1), (0, 1), (0.5, 0))]),
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=common.description(__doc__))
    parser.add_argument("--samples", type=common.count, default=200)
    parser.add_argument("--store", default=None, help="folder of the models (default: shipped)")
    parser.add_argument("--picture", default=None, help="write a PNG of examples of each sign")
    args = parser.parse_args()

    store = Path(args.store) if args.store else store_dir()
    groups = {"trained on": SIGNS, "other hands": OTHER_HANDS, "doodles": DOODLES}
    images = {
        name: render_style(strokes, args.samples, first_seed + i)
        for first_seed, signs in zip((100, 200, 300), groups.values(), strict=True)
        for i, (name, strokes) in enumerate(signs)
    }
    cells: dict[str, dict[str, str]] = {name: {} for name in images}
    shares: dict[str, dict[str, float]] = {}
    for label, folder in (("shipped", store), ("chapter", store / CHAPTER_DIR)):
        reader = DigitReader(load_models(folder)[0])
        thresholds, _ = reading_thresholds(MODEL_NAMES, folder)
        for sign, batch in images.items():
            for model, probs in reader.probabilities(batch).items():
                sure = probs.max(axis=1) >= thresholds[model]
                most = np.bincount(probs.argmax(axis=1)[sure], minlength=10).argmax()
                cells[sign][f"{label} {model}"] = f"{sure.mean():.1%}" + (
                    f" ({most})" if sure.any() else ""
                )
                shares.setdefault(f"{label} {model}", {})[sign] = sure.mean()
    print(f"Of {args.samples} of each sign, read as a digit the network is sure of (the digit it")
    print("reads most), with the threshold the app reads it with; the signs the robust recipe")
    print("trains on (other jitters of them), signs written otherwise, and doodles:")
    columns = list(shares)
    first = max(map(len, cells)) + 2
    print(f"{'sign':<{first}}" + "".join(f"{c:>14}" for c in columns))
    for sign, row in cells.items():
        print(f"{sign:<{first}}" + "".join(f"{row[c]:>14}" for c in columns))
    for group, signs in groups.items():
        print(
            f"{'all ' + group:<{first}}"
            + "".join(f"{np.mean([shares[c][n] for n, _ in signs]):>14.1%}" for c in columns)
        )
    if args.picture:
        import cv2

        strip = np.vstack([np.hstack(list(batch[:8])) for batch in images.values()])
        cv2.imwrite(args.picture, (strip * 255).astype(np.uint8))


if __name__ == "__main__":
    main()
