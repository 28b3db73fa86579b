"""What the networks' additions cost: a training step of the robust recipe (256 images, with
train.py's augmentation in front, in the precision train.py picks on this CPU) for each network
with and without its latest addition: the MLP's second hidden layer, the CNN's dense layer of 256
units rather than 128. And what the shipped networks' step is made of: the same step without the
augmentation, and without the deskewing layer too, leaves the network itself.

Each network is timed in several rounds, alternately, on random images (the cost does not depend on
what they show).

    .venv/bin/python benchmarks/train_step.py
"""

import argparse
import time

import common
import keras
import numpy as np

from digitpad.models import BUILDERS
from train import MODEL_OPTIONS, augmentation, robust_precision

BATCH = 256  # the robust recipe's batch
STEPS = 40
ROUNDS = 7
MLP, CNN = MODEL_OPTIONS["mlp"], MODEL_OPTIONS["cnn"]
# label: (network, its options, whether train.py's augmentation is in front)
NETWORKS = {
    "MLP, one hidden layer": ("mlp", {**MLP, "hidden2": 0}, True),
    "MLP, two (shipped)": ("mlp", MLP, True),
    "MLP, two, not augmented": ("mlp", MLP, False),
    "MLP, two, nor deskewed": ("mlp", {**MLP, "deskew": False}, False),
    "CNN, dense 128": ("cnn", {**CNN, "dense": 128}, True),
    "CNN, dense 256 (shipped)": ("cnn", CNN, True),
    "CNN, dense 256, not augmented": ("cnn", CNN, False),
    "CNN, dense 256, nor deskewed": ("cnn", {**CNN, "deskew": False}, False),
}


def step_seconds(
    name: str, options: dict, augmented: bool, images: np.ndarray, targets: np.ndarray
) -> float:
    keras.mixed_precision.set_dtype_policy(robust_precision(name))
    in_front = [augmentation()] if augmented else []
    trainer = keras.Sequential(
        [keras.Input(images.shape[1:]), *in_front, BUILDERS[name](**options)]
    )
    trainer.compile(optimizer="adam", loss="categorical_crossentropy")
    trainer.fit(images[: 10 * BATCH], targets[: 10 * BATCH],
                batch_size=BATCH, verbose=0)  # fmt: skip
    started = time.perf_counter()
    trainer.fit(images, targets, batch_size=BATCH, verbose=0)
    return (time.perf_counter() - started) / STEPS


def main() -> None:
    argparse.ArgumentParser(description=common.description(__doc__)).parse_args()
    rng = np.random.default_rng(0)
    images = rng.random((STEPS * BATCH, 28, 28, 1), dtype=np.float32)
    targets = keras.utils.to_categorical(rng.integers(0, 10, len(images)), 10)
    times = {label: [] for label in NETWORKS}
    for _ in range(ROUNDS):
        for label, (name, options, augmented) in NETWORKS.items():
            times[label].append(step_seconds(name, options, augmented, images, targets))
    print(common.machine())
    # The fastest round is the cost; slower ones are this machine's other work and its threads.
    print(f"a training step of {BATCH} images, fastest and median of {ROUNDS} rounds:")
    for label, seconds in times.items():
        print(f"  {label:<30} {min(seconds) * 1000:6.1f} ms {np.median(seconds) * 1000:6.1f} ms")
    fastest = {label: min(seconds) for label, seconds in times.items()}
    for network, earlier, shipped in (
        ("MLP", "one hidden layer", "two"),
        ("CNN", "dense 128", "dense 256"),
    ):
        step = fastest[f"{network}, {shipped} (shipped)"]
        not_augmented = fastest[f"{network}, {shipped}, not augmented"]
        bare = fastest[f"{network}, {shipped}, nor deskewed"]
        print(f"{network}: the latest addition x{step / fastest[f'{network}, {earlier}']:.2f}; "
              f"of the shipped step, augmentation {(step - not_augmented) * 1000:.1f} ms, "
              f"deskewing {(not_augmented - bare) * 1000:.1f} ms, "
              f"the network {bare * 1000:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
