"""DigitPad: draw a digit, watch an MLP and a CNN read it."""

import os

# TensorFlow's C++ start-up chatter (CPU features, oneDNN) means nothing to a user of the
# page or the CLI; real errors still print.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# What every module agrees on, here rather than in models.py so that importing them does not
# import Keras: TensorFlow takes 3 s to import, and the pages draw before they need it.
MODEL_NAMES = ("mlp", "cnn")
NUM_CLASSES = 10
INPUT_SHAPE = (28, 28, 1)
