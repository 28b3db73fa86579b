"""How many MNIST test digits each shipped network reads right, and is sure of, when the digit is
moved off the middle of its square, as the "Why this answer" page shows on 100 of them: the
shipped networks, and the chapter's, which never saw a digit moved. Each is read with the "not
sure" threshold the app reads it with (the chapter's, which choose none, with the rule of thumb).

    .venv/bin/python benchmarks/moved.py --data ../shared/data/mnist.npz
"""

import common

from digitpad import MODEL_NAMES, explain
from digitpad.store import CHAPTER_DIR, load_model, reading_thresholds

DISTANCES = list(range(7))  # pixels to the right, and as many down, as the page's sliders move


def main() -> None:
    x_test, y_test, store = common.mnist_test_and_store(__doc__)
    print(f"{len(y_test)} MNIST test digits read right and sure, moved n pixels right and n down")
    print("models        " + " ".join(f"{d:>6}" for d in DISTANCES))
    for label, folder in (("shipped", store), ("chapter", store / CHAPTER_DIR)):
        models = {name: load_model(name, folder) for name in MODEL_NAMES}
        thresholds, _ = reading_thresholds(MODEL_NAMES, folder)
        shares = explain.read_right_when_moved(models, x_test, y_test, DISTANCES, thresholds)
        for name, share in shares.items():
            print(f"{label} {name}   " + " ".join(f"{s:6.1%}" for s in share))


if __name__ == "__main__":
    main()
