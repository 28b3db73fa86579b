"""What the networks' additions cost: a training step of the robust recipe (256 images, with
train.py's augmentation in front, in the precision train.py picks on this CPU) for each network
with and without its latest addition: the MLP's second hidden layer, the CNN's dense layer of 256
units rather than 128.

Each network is timed in several rounds, alternately, on random images (the cost does not depend on
what they show).

    .venv/bin/python benchmarks/train_step.py
"""

import time

import common
import keras
import numpy as np

from digitpad.models import BUILDERS
from train import MODEL_OPTIONS, augmentation, robust_precision

BATCH = 256  # the robust recipe's batch
STEPS = 40
ROUNDS = 7
NETWORKS = {
    "MLP, one hidden layer": ("mlp", {**MODEL_OPTIONS["mlp"], "hidden2": 0}),
    "MLP, two (shipped)": ("mlp", MODEL_OPTIONS["mlp"]),
    "CNN, dense 128": ("cnn", {**MODEL_OPTIONS["cnn"], "dense": 128}),
    "CNN, dense 256 (shipped)": ("cnn", MODEL_OPTIONS["cnn"]),
}


def step_seconds(name: str, options: dict, images: np.ndarray, targets: np.ndarray) -> float:
    keras.mixed_precision.set_dtype_policy(robust_precision(name))
    trainer = keras.Sequential(
        [keras.Input(images.shape[1:]), augmentation(), BUILDERS[name](**options)]
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
    times = {label: [] for label in NETWORKS}
    for _ in range(ROUNDS):
        for label, (name, options) in NETWORKS.items():
            times[label].append(step_seconds(name, options, images, targets))
    print(common.machine())
    # The fastest round is the cost; slower ones are this machine's other work and its threads.
    print(f"a training step of {BATCH} images, fastest and median of {ROUNDS} rounds:")
    for label, seconds in times.items():
        print(f"  {label:<26} {min(seconds) * 1000:6.1f} ms {np.median(seconds) * 1000:6.1f} ms")
    mlp, mlp2, cnn, cnn256 = (min(seconds) for seconds in times.values())
    print(f"  ratio of the fastest: MLP {mlp2 / mlp:.2f}, CNN {cnn256 / cnn:.2f}")


if __name__ == "__main__":
    main()
