"""The chapter's two networks, each one `keras.Sequential` you can read as its diagram."""

import keras
from keras import layers

NUM_CLASSES = 10
INPUT_SHAPE = (28, 28, 1)
MODEL_NAMES = ("mlp", "cnn")
FIRST_CONV = "conv1"


def build_mlp() -> keras.Sequential:
    """784-512-10: one hidden layer of 512 relu units."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Flatten(name="flatten"),
            layers.Dense(512, activation="relu", name="hidden"),
            layers.Dense(NUM_CLASSES, activation="softmax", name="output"),
        ],
        name="mlp",
    )


def build_cnn() -> keras.Sequential:
    """Conv32-Conv64-MaxPool-Dropout-Dense128-Dropout-Dense10."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu", name=FIRST_CONV),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu", name="conv2"),
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
