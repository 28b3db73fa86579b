"""How the networks read signs that are no digit but are written with numbers: a currency sign
before a price, a plus before a phone number, a percent sign after a share.

    python benchmarks/symbols.py [--samples 200] [--store model_store] [--picture PNG]

Each sign is a pen path in a unit box, jittered, slanted and stretched as a person would write it
and drawn on the canvas in a random style, then preprocessed, as benchmarks/styles.py draws the
styles MNIST lacks. No network was trained on any of them (the scribbles it was taught to be
unsure of are tangles, not signs). Prints, for the shipped networks and the chapter's, how many
of each sign a network reads as a digit it is sure of (with the threshold the app reads it with;
the chapter's, which choose none, with the rule of thumb) and the digit it reads most: the page
would announce that digit, and the number reader put it into the number.
"""

import argparse
from pathlib import Path

import common
import numpy as np
from styles import render_style

from digitpad import MODEL_NAMES
from digitpad.inference import DigitReader
from digitpad.store import CHAPTER_DIR, load_models, reading_thresholds, store_dir
from digitpad.styles import arc, path

SMALL_RING = arc(0, 0, 0.13, 0.15, 0, 360, 16)
SIGNS = [
    ("$ dollar", [path((0.85, 0.2), (0.6, 0.05), (0.3, 0.07), (0.15, 0.25), (0.3, 0.42),
                       (0.7, 0.55), (0.85, 0.75), (0.7, 0.93), (0.35, 0.95), (0.12, 0.8)),
                  path((0.5, -0.1), (0.5, 1.1))]),
    ("€ euro", [arc(0.6, 0.5, 0.45, 0.5, 60, 300, 20),
                path((0.0, 0.4), (0.6, 0.4)), path((0.0, 0.6), (0.6, 0.6))]),
    ("£ pound", [path((0.85, 0.15), (0.65, 0.0), (0.4, 0.05), (0.35, 0.3), (0.4, 0.6),
                      (0.3, 0.85), (0.1, 1.0), (0.9, 1.0)), path((0.1, 0.5), (0.7, 0.5))]),
    ("% percent", [SMALL_RING + (0.2, 0.17), path((0.85, 0.0), (0.15, 1.0)),
                   SMALL_RING + (0.8, 0.83)]),
    ("+ plus", [path((0.5, 0.0), (0.5, 1.0)), path((0.0, 0.5), (1.0, 0.5))]),
    ("# number sign", [path((0.4, 0.0), (0.3, 1.0)), path((0.75, 0.0), (0.65, 1.0)),
                       path((0.05, 0.33), (0.95, 0.33)), path((0.0, 0.67), (0.9, 0.67))]),
    ("= equals", [path((0.0, 0.3), (1.0, 0.3)), path((0.0, 0.7), (1.0, 0.7))]),
    ("× times", [path((0.0, 0.0), (1.0, 1.0)), path((1.0, 0.0), (0.0, 1.0))]),
    ("@ at", [arc(0.5, 0.55, 0.18, 0.2, 0, 360, 16),
              path((0.68, 0.4), (0.7, 0.75), (0.85, 0.8), (0.97, 0.55), (0.9, 0.2), (0.55, 0.05),
                   (0.15, 0.2), (0.05, 0.6), (0.3, 0.95), (0.75, 0.95))]),
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=common.description(__doc__))
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--store", default=None, help="folder of the models (default: shipped)")
    parser.add_argument("--picture", default=None, help="write a PNG of examples of each sign")
    args = parser.parse_args()

    store = Path(args.store) if args.store else store_dir()
    images = {name: render_style(s, args.samples, 100 + i) for i, (name, s) in enumerate(SIGNS)}
    cells: dict[str, dict[str, str]] = {name: {} for name in images}
    shares: dict[str, list[float]] = {}
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
                shares.setdefault(f"{label} {model}", []).append(sure.mean())
    print(f"Of {args.samples} of each sign, read as a digit the network is sure of (the digit it")
    print("reads most), with the threshold the app reads it with:")
    columns = list(shares)
    first = max(map(len, cells)) + 2
    print(f"{'sign':<{first}}" + "".join(f"{c:>14}" for c in columns))
    for sign, row in cells.items():
        print(f"{sign:<{first}}" + "".join(f"{row[c]:>14}" for c in columns))
    print(f"{'all signs':<{first}}" + "".join(f"{np.mean(shares[c]):>14.1%}" for c in columns))
    if args.picture:
        import cv2

        strip = np.vstack([np.hstack(list(batch[:8])) for batch in images.values()])
        cv2.imwrite(args.picture, (strip * 255).astype(np.uint8))


if __name__ == "__main__":
    main()
