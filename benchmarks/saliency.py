"""Does the CNN's gradient keep nearer the strokes than the MLP's, as the "Why this answer" page
says? On MNIST test digits, each shipped model's saliency for its own answer: the share of it on
the strokes or the pixels touching them (`explain.share_near_the_ink`), and how often the CNN's
share is the larger.

    .venv/bin/python benchmarks/saliency.py --data ../shared/data/mnist.npz
"""

import common
import numpy as np

from digitpad import explain
from digitpad.store import load_model

COUNT = 1000
SEED = 0


def main() -> None:
    x_test, _, store = common.mnist_test_and_store(__doc__)
    chosen = np.random.default_rng(SEED).choice(len(x_test), COUNT, replace=False)
    images = x_test[chosen].astype(np.float32) / 255.0
    models = {name: load_model(name, store) for name in ("mlp", "cnn")}
    shares = {
        name: np.array([explain.share_near_the_ink(explain.saliency(model, i), i) for i in images])
        for name, model in models.items()
    }
    area = np.mean([explain.near_the_ink(image).mean() for image in images])
    print(f"{COUNT} MNIST test digits (seed {SEED}); near the ink: {area:.0%} of the square")
    for name, share in shares.items():
        low, median, high = np.percentile(share, [5, 50, 95])
        print(
            f"  {name}: share of saliency near the ink, median {median:.0%} ({low:.0%}-{high:.0%})"
        )
    larger = shares["cnn"] > shares["mlp"]
    print(f"  the CNN's share is the larger on {larger.sum()} of {COUNT}")


if __name__ == "__main__":
    main()
