"""The chapter's two networks, each one `keras.Sequential` you can read as its diagram."""

import keras
from keras import layers, ops

from digitpad import INPUT_SHAPE, NUM_CLASSES

FIRST_CONV = "conv1"
MLP_HIDDEN = "hidden"  # the MLP's first hidden layer, whose units the Filters page draws
DESKEW = "deskew"
# Beyond 45 degrees the moments describe a shape (a 7's bar, a 4's arm), not a slant.
MAX_SLANT = 1.0


@keras.saving.register_keras_serializable(package="digitpad")
class Deskew(layers.Layer):
    """Shears each digit upright about its centre of mass, by its ink's second moments.

    The deskewing of LeCun's MNIST page and OpenCV's digits sample (slant = mu11 / mu02, the
    columns the ink drifts a row): a network that sees every digit upright need not learn each
    slant people write at. A layer, not a preprocessing step, so that every caller (the pages,
    the CLI, evaluation, fine-tuning) feeds the model the same MNIST-format image.
    """

    def call(self, images):
        ink = images[..., 0]
        grid = ops.arange(ink.shape[1], dtype=ink.dtype)
        rows, columns = grid[None, :, None], grid[None, None, :]
        mass = ops.sum(ink, axis=(1, 2)) + 1e-6  # a blank image stays blank, not NaN
        centre_y = ops.sum(ink * rows, axis=(1, 2)) / mass
        centre_x = ops.sum(ink * columns, axis=(1, 2)) / mass
        dy = rows - centre_y[:, None, None]
        dx = columns - centre_x[:, None, None]
        mu11 = ops.sum(ink * dx * dy, axis=(1, 2)) / mass
        mu02 = ops.sum(ink * dy * dy, axis=(1, 2)) / mass
        # Held fixed for gradients, which nothing trains through: saliency then shows which
        # pixels the answer rests on, not how each one would tilt the whole digit.
        slant = ops.stop_gradient(ops.clip(mu11 / (mu02 + 1e-6), -MAX_SLANT, MAX_SLANT))
        one, zero = ops.ones_like(slant), ops.zeros_like(slant)
        # Output pixel (x, y) samples the input at (x + slant * (y - centre_y), y).
        transform = ops.stack([one, slant, -slant * centre_y, zero, one, zero, zero, zero], axis=1)
        return ops.image.affine_transform(
            images, transform, interpolation="bilinear", fill_mode="constant",
            data_format="channels_last",
        )  # fmt: skip


def _input(deskew: bool) -> list[layers.Layer]:
    # Image moments need float32 even when the network trains in bfloat16: a sum of 784 pixels
    # keeps 8 bits of mantissa in bfloat16, and the centre of mass would drift by pixels.
    return [
        keras.Input(shape=INPUT_SHAPE),
        *([Deskew(name=DESKEW, dtype="float32")] if deskew else []),
    ]


def build_mlp(
    hidden: int = 512, dropout: float = 0.0, deskew: bool = False, hidden2: int = 0
) -> keras.Sequential:
    """784-512-10: one hidden layer of relu units; the chapter has no dropout and no deskew.

    `hidden2` units, if any, form a second hidden layer (with its own dropout): the first
    layer's units still each weigh the 784 pixels, the second combines what they found.
    """
    return keras.Sequential(
        [
            *_input(deskew),
            layers.Flatten(name="flatten"),
            layers.Dense(hidden, activation="relu", name=MLP_HIDDEN),
            *([layers.Dropout(dropout, name="dropout")] if dropout else []),
            *([layers.Dense(hidden2, activation="relu", name="hidden2")] if hidden2 else []),
            *([layers.Dropout(dropout, name="dropout2")] if hidden2 and dropout else []),
            layers.Dense(NUM_CLASSES, activation="softmax", name="output", dtype="float32"),
        ],
        name="mlp",
    )


def build_cnn(deskew: bool = False, conv3: int = 0, dense: int = 128) -> keras.Sequential:
    """Conv32-Conv64-MaxPool-Dropout-Flatten-Dense128-Dropout-Dense10; the chapter has no deskew.

    `conv3` filters, if any, add one more Conv-MaxPool-Dropout block after the first: it sees
    whole strokes and how they join (a 5x5 map of 12-pixel fields rather than 12x12 of 6), and
    the dense layer reads 3,200 values rather than 9,216 (0.5 million weights with 128 dense
    units, not 1.2; the shipped 256 make 0.91 million).
    `dense` units form the layer that reads them.
    """
    second_block = []
    if conv3:
        second_block = [
            layers.Conv2D(conv3, kernel_size=(3, 3), activation="relu", name="conv3"),
            layers.MaxPooling2D(pool_size=(2, 2), name="pool2"),
            layers.Dropout(0.25, name="dropout3"),
        ]
    return keras.Sequential(
        [
            *_input(deskew),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu", name=FIRST_CONV),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu", name="conv2"),
            layers.MaxPooling2D(pool_size=(2, 2), name="pool"),
            layers.Dropout(0.25, name="dropout1"),
            *second_block,
            layers.Flatten(name="flatten"),
            layers.Dense(dense, activation="relu", name="dense"),
            layers.Dropout(0.5, name="dropout2"),
            layers.Dense(NUM_CLASSES, activation="softmax", name="output", dtype="float32"),
        ],
        name="cnn",
    )


BUILDERS = {"mlp": build_mlp, "cnn": build_cnn}
