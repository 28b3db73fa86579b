"""What train.py's augmentation does to a digit the preprocessing has centred: how far each of its
layers moves the centre of mass, and how much the resampling blurs the ink (the mean of each
image's darkest pixel). Keras' RandomShear shears about the image's top-left corner, so a shear
also shifts the digit sideways; the measured shifts are in docs/experiments.md.

    .venv/bin/python benchmarks/augmentation.py
"""

import common
import numpy as np

from train import augmentation

DIGITS = 2000


def centres(images: np.ndarray) -> np.ndarray:
    """(x, y) of each image's centre of mass."""
    ink = images[..., 0]
    grid = np.arange(ink.shape[1])
    mass = ink.sum(axis=(1, 2))
    x = (ink.sum(axis=1) * grid).sum(axis=1) / mass
    y = (ink.sum(axis=2) * grid).sum(axis=1) / mass
    return np.stack([x, y], axis=1)


def main() -> None:
    digits, _, _ = common.mnist_test_and_store(__doc__)
    images = digits[:DIGITS, :, :, None].astype(np.float32) / 255
    chain = augmentation()
    chain.build(images.shape)
    print(f"{DIGITS} MNIST test digits; centre of mass moved (pixels), mean and largest:")
    print(f"  {'':<20} {'sideways':>16} {'up or down':>16} {'darkest pixel':>14}")
    print(f"  {'as they are':<20} {'':>16} {'':>16} {images.max(axis=(1, 2, 3)).mean():14.3f}")
    for layer in [*chain.layers, chain]:
        moved = np.asarray(layer(images, training=True))
        shift = np.abs(centres(moved) - centres(images))
        print(f"  {layer.name:<20} {shift[:, 0].mean():7.2f} {shift[:, 0].max():8.2f} "
              f"{shift[:, 1].mean():7.2f} {shift[:, 1].max():8.2f} "
              f"{moved.max(axis=(1, 2, 3)).mean():14.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
