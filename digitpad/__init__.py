"""DigitPad: draw a digit, watch an MLP and a CNN read it."""

import os

# TensorFlow's C++ start-up chatter (CPU features, oneDNN) means nothing to a user of the
# page or the CLI; real errors still print.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
