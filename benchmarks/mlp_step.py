"""What the MLP's second hidden layer costs: a training step of the robust recipe (256 images,
with train.py's augmentation in front) for the MLP with one hidden layer and with two.

Each network is timed in several rounds, alternately, on random images (the cost does not depend on
what they show); the README's estimate of the training time on the AMX machine scales its measured
MLP time by the ratio printed here.

    .venv/bin/python benchmarks/mlp_step.py
"""

import time

import common
import keras
import numpy as np

from digitpad.models import build_mlp
from train import MODEL_OPTIONS, augmentation

BATCH = 256  # the robust recipe's batch
STEPS = 40
ROUNDS = 7


def step_seconds(options: dict, images: np.ndarray, targets: np.ndarray) -> float:
    trainer = keras.Sequential(
        [keras.Input(images.shape[1:]), augmentation(), build_mlp(**options)]
    )
    trainer.compile(optimizer="adam", loss="categorical_crossentropy")
    trainer.fit(images[: 10 * BATCH], targets[: 10 * BATCH],
                batch_size=BATCH, verbose=0)  # fmt: skip
    started = time.perf_counter()
    trainer.fit(images, targets, batch_size=BATCH, verbose=0)
    return (time.perf_counter() - started) / STEPS


def main() -> None:
    rng = np.random.default_rng(0)
    images = rng.random((STEPS * BATCH, 28, 28, 1), dtype=np.float32)
    targets = keras.utils.to_categorical(rng.integers(0, 10, len(images)), 10)
    shipped = MODEL_OPTIONS["mlp"]
    networks = {"one hidden layer": {**shipped, "hidden2": 0}, "two (shipped)": shipped}
    times = {name: [] for name in networks}
    for _ in range(ROUNDS):
        for name, options in networks.items():
            times[name].append(step_seconds(options, images, targets))
    print(common.machine())
    # The fastest round is the cost; slower ones are this machine's other work and its threads.
    print(f"a training step of {BATCH} images, fastest and median of {ROUNDS} rounds:")
    for name, seconds in times.items():
        print(f"  {name:<18} {min(seconds) * 1000:6.1f} ms {np.median(seconds) * 1000:6.1f} ms")
    one, two = (min(seconds) for seconds in times.values())
    print(f"  ratio of the fastest {two / one:.2f}")


if __name__ == "__main__":
    main()
