"""Accuracy before and after: model stores side by side on every test set.

    python benchmarks/accuracy.py --data ../shared/data/mnist.npz \\
        --pen-data ../shared/data/pendigits_train_strokes.npz model_store/chapter model_store

Test sets (digitpad/testsets.py): MNIST test; the same digits redrawn as canvas drawings (seeded);
pen digits from writers no model trained on; scribbles, where the figure is the share flagged
"not sure" by the card's calibrated threshold (a chapter model has none).
"""

import argparse
import sys
from pathlib import Path

import common  # also puts the package on the path

from digitpad.data import load_mnist
from digitpad.inference import DigitReader
from digitpad.scoring import build_test_sets, score, table
from digitpad.store import load_models, not_sure_thresholds


def main() -> None:
    parser = argparse.ArgumentParser(description=common.description(__doc__))
    parser.add_argument("stores", nargs="+", help="folders holding mlp.keras and cnn.keras")
    parser.add_argument(
        "--data", default=None, help="mnist.npz (default: $DIGITPAD_MNIST, else Keras' download)"
    )
    parser.add_argument("--pen-data", required=True, help="pendigits_train_strokes.npz")
    args = parser.parse_args()

    _, (x_test, y_test) = load_mnist(common.mnist_file(args.data))
    sets = build_test_sets(x_test, y_test, args.pen_data)
    rows = {}
    for store in map(Path, args.stores):
        models, problems = load_models(store)
        for problem in problems.values():
            print(problem, file=sys.stderr)
        if not models:  # a path taken for a store (one meant for --pen-data, say)
            print(f"{store}: no model there loads; left out", file=sys.stderr)
            continue
        thresholds = not_sure_thresholds(store)
        for name, scores in score(DigitReader(models), sets, thresholds).items():
            rows[f"{store}/{name}"] = scores
    if not rows:
        sys.exit("error: no store named holds a model that loads")
    print(table(rows, label="store/model"))


if __name__ == "__main__":
    main()
