"""The chapter's two networks, each one `keras.Sequential` you can read as its diagram."""

import keras
from keras import layers

from digitpad import INPUT_SHAPE, NUM_CLASSES

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

# What the robust recipe (train.py --recipe robust) changes from the chapter, and why.
ROBUST_CHANGES = {
    "mlp": (
        "The chapter's 784-512-10 network plus dropout 0.3 after the hidden layer. Trained on "
        "MNIST plus MNIST redrawn as canvas drawings, pen digits from 20 other writers, digits "
        "in styles MNIST lacks (flagged 1, closed 4, barred 7, g-tailed 9, slashed 0) and "
        "scribbles (target: all digits equally likely), at a random slant, shear and shift "
        "drawn afresh every epoch; up to 40 epochs of adam with cosine learning-rate decay. "
        "Why: the chapter's MLP reads MNIST but not drawings of other sizes, pen widths and "
        "styles; dropout keeps the longer, noisier training from memorising."
    ),
    "cnn": (
        "The chapter's network unchanged. Trained on the same data as the MLP, each image "
        "augmented once rather than every epoch (on a CPU the augmentation costs more than the "
        "CNN's own step), 8 epochs of adam with cosine learning-rate decay. Why: the network "
        "was never the limit; what it was shown was."
    ),
}
