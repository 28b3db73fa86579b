"""How the models read writing styles MNIST lacks, synthesised from pen strokes.

    python benchmarks/styles.py model_store/chapter model_store [--samples 200] [--picture PNG]

Each style (digitpad/styles.py) is a pen path in a unit box. Every sample jitters its points,
slants and stretches it a little, adds a pen tick where a stroke starts in half the samples,
and draws it on the canvas in a random style (size, place, pen width, colours) before the real
preprocessing. Prints each model's accuracy per style. The robust recipe trains on samples of
the same generator (other seeds), so a model's figure for a style it was trained on (those of
digitpad/styles.py at the commit its card names) shows the style was learnt; how the models read
real people's pens is the pen column of benchmarks/accuracy.py.
"""

import argparse
from dataclasses import asdict
from pathlib import Path

import common  # also puts the package on the path
import numpy as np

from digitpad.drawn import draw_strokes, random_style
from digitpad.inference import DigitReader
from digitpad.preprocess import to_mnist
from digitpad.scoring import table
from digitpad.store import load_models
from digitpad.styles import STYLES, jittered


def render_style(strokes, samples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    canvases = (
        draw_strokes(jittered(strokes, rng), **asdict(random_style(rng))) for _ in range(samples)
    )
    return np.array([to_mnist(c).image for c in canvases])


def main() -> None:
    parser = argparse.ArgumentParser(description=common.description(__doc__))
    parser.add_argument("stores", nargs="+", help="folders holding mlp.keras and cnn.keras")
    parser.add_argument("--samples", type=common.count, default=200)
    parser.add_argument("--picture", default=None, help="write a PNG of examples of each style")
    args = parser.parse_args()

    images = {name: render_style(s, args.samples, seed) for seed, (name, _, s) in enumerate(STYLES)}
    digit_of = {name: digit for name, digit, _ in STYLES}
    rows = {}
    for store in map(Path, args.stores):
        reader = DigitReader(load_models(store)[0])
        for style, batch in images.items():
            for model, probs in reader.probabilities(batch).items():
                hits = (probs.argmax(axis=1) == digit_of[style]).mean()
                rows.setdefault(f"{store}/{model}", {})[style] = float(hits)
    # One column per model, one row per style: easier to read than a column a style.
    by_style = {style: {model: row[style] for model, row in rows.items()} for style in images}
    print(table(by_style, label="style"))
    if args.picture:
        import cv2

        strip = np.vstack([np.hstack(list(batch[:8])) for batch in images.values()])
        cv2.imwrite(args.picture, (strip * 255).astype(np.uint8))


if __name__ == "__main__":
    main()
