"""The chapter's two networks, each one `keras.Sequential` you can read as its diagram."""

import keras
from keras import layers

NUM_CLASSES = 10
INPUT_SHAPE = (28, 28, 1)
MODEL_NAMES = ("mlp", "cnn")
FIRST_CONV = "conv1"


def build_mlp(hidden: int = 512, dropout: float = 0.0) -> keras.Sequential:
    """784-512-10: one hidden layer of relu units; the chapter has no dropout."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Flatten(name="flatten"),
            layers.Dense(hidden, activation="relu", name="hidden"),
            *([layers.Dropout(dropout, name="dropout")] if dropout else []),
            layers.Dense(NUM_CLASSES, activation="softmax", name="output"),
        ],
        name="mlp",
    )


def build_cnn(batch_norm: bool = False) -> keras.Sequential:
    """Conv32-Conv64-MaxPool-Dropout-Dense128-Dropout-Dense10.

    `batch_norm` normalises each conv layer's output (after its relu, so the feature maps the
    pages show stay the conv layer's own): steadier training under heavy augmentation.
    """

    def normalised(name: str) -> list:
        return [layers.BatchNormalization(name=f"{name}_bn")] if batch_norm else []

    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu", name=FIRST_CONV),
            *normalised(FIRST_CONV),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu", name="conv2"),
            *normalised("conv2"),
            layers.MaxPooling2D(pool_size=(2, 2), name="pool"),
            layers.Dropout(0.25, name="dropout1"),
            layers.Flatten(name="flatten"),
            layers.Dense(128, activation="relu", name="dense"),
            layers.Dropout(0.5, name="dropout2"),
            layers.Dense(NUM_CLASSES, activation="softmax", name="output"),
        ],
        name="cnn",
    )


BUILDERS = {"mlp": build_mlp, "cnn": build_cnn}
