"""How the models read writing styles MNIST lacks, synthesised from pen strokes.

    python benchmarks/styles.py model_store/chapter model_store [--samples 200] [--picture PNG]

Each style is a pen path in a unit box (x right, y down). Every sample jitters its points,
slants and stretches it a little, adds a pen tick where a stroke starts in half the samples,
and draws it on the canvas in a random style (size, place, pen width, colours) before the real
preprocessing. Prints each model's accuracy per style.
"""

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitpad.drawn import draw_strokes, random_style, to_unit_box  # noqa: E402
from digitpad.inference import DigitReader  # noqa: E402
from digitpad.preprocess import to_mnist  # noqa: E402
from digitpad.scoring import table  # noqa: E402
from digitpad.store import load_models  # noqa: E402


def arc(cx, cy, rx, ry, start_deg, end_deg, points=16):
    angles = np.radians(np.linspace(start_deg, end_deg, points))
    return np.stack([cx + rx * np.cos(angles), cy + ry * np.sin(angles)], axis=1)


def path(*points):
    return np.array(points, np.float32)


RING = arc(0.5, 0.5, 0.35, 0.5, 0, 360, 24)
LOOP = arc(0.5, 0.27, 0.3, 0.27, 0, 360, 20)
# (style name, digit, strokes)
STYLES = [
    ("1 one stroke", 1, [path((0.5, 0), (0.5, 1))]),
    ("1 with flag", 1, [path((0.2, 0.25), (0.55, 0), (0.55, 1))]),
    ("1 flag and base", 1, [path((0.2, 0.25), (0.55, 0), (0.55, 1)), path((0.2, 1), (0.9, 1))]),
    ("4 closed top", 4, [path((0.7, 1), (0.7, 0), (0.05, 0.65), (0.95, 0.65))]),
    ("4 open top", 4, [path((0.15, 0), (0.1, 0.6), (0.95, 0.6)), path((0.7, 0.1), (0.7, 1))]),
    ("7 plain", 7, [path((0.05, 0.02), (0.95, 0.02), (0.4, 1))]),
    ("7 with bar", 7, [path((0.05, 0.02), (0.95, 0.02), (0.4, 1)), path((0.35, 0.5), (0.85, 0.5))]),
    ("9 straight tail", 9, [LOOP, path((0.8, 0.27), (0.78, 1))]),
    ("9 curved tail (g)", 9,
     [LOOP, path((0.8, 0.27), (0.8, 0.75), (0.68, 0.95), (0.45, 1), (0.2, 0.9))]),
    ("0 plain", 0, [RING]),
    ("0 with slash", 0, [RING, path((0.85, 0.05), (0.15, 0.95))]),
]  # fmt: skip


def jittered(strokes, rng):
    """The same style as another person would write it: wobble, slant, stretch, a pen tick."""
    angle = np.radians(rng.uniform(-8, 8))
    slant = rng.uniform(-0.2, 0.2)
    stretch = rng.uniform(0.8, 1.2)
    matrix = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    matrix = matrix @ np.array([[stretch, slant], [0, 1]])
    out = [(s + rng.normal(0, 0.015, s.shape)) @ matrix.T for s in strokes]
    if rng.random() < 0.5:  # a tick where the pen landed
        start = out[0][0]
        tick = start + rng.normal(0, 1, 2) * 0.05
        out[0] = np.vstack([tick, out[0]])
    return to_unit_box([s.astype(np.float32) for s in out])


def render_style(strokes, samples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    canvases = (
        draw_strokes(jittered(strokes, rng), **asdict(random_style(rng))) for _ in range(samples)
    )
    return np.array([to_mnist(c).image for c in canvases])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("stores", nargs="+", help="folders holding mlp.keras and cnn.keras")
    parser.add_argument("--samples", type=int, default=200)
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
    # One column per model, one row per style: easier to read than eleven columns.
    by_style = {style: {model: row[style] for model, row in rows.items()} for style in images}
    print(table(by_style, label="style"))
    if args.picture:
        import cv2

        strip = np.vstack([np.hstack(list(batch[:8])) for batch in images.values()])
        cv2.imwrite(args.picture, (strip * 255).astype(np.uint8))


if __name__ == "__main__":
    main()
