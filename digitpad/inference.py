"""Read 28x28 digits with the loaded models, fast enough to run on every stroke."""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import keras
import numpy as np

from digitpad import NUM_CLASSES
from digitpad.calibration import is_sure, percents_apart
from digitpad.evaluation import as_model_input
from digitpad.models import DESKEW, FIRST_CONV
from digitpad.store import (
    VERSIONS_DIR,
    WHOLE_DIGIT_SHAPE_FEATURES,
    load_networks,
    lost_versions,
    reading_thresholds,
    store_dir,
)

# Measured on 2 cores: 5% faster than 1024 a batch, with a quarter of the memory.
BATCH = 256
# Keras traces its predict step again for every new batch size: a smaller batch is padded to a
# power of two, at least this, so a few traces serve every size.
MIN_BATCH = 16


class _TracedOnPurpose(logging.Filter):
    """Drops TensorFlow's warning that a predict step was traced again: the reader traces each
    model for a few batch sizes as it loads, on purpose, and the server's log said so twice."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


logging.getLogger("tensorflow").addFilter(_TracedOnPurpose())


@dataclass(frozen=True)
class Reading:
    """One model's answer for one image."""

    digit: int
    probs: np.ndarray  # 10 probabilities
    threshold: float | None = None  # below it the model is "not sure" (from its model card)

    @property
    def confidence(self) -> float:
        return float(self.probs[self.digit])

    @property
    def sure(self) -> bool:
        return is_sure(self.confidence, self.threshold)

    def said_by(self, model: str) -> str:
        """The reading in words, as the pages say it: "CNN reads 7 (98%)", or below the model's
        threshold "CNN is not sure (maybe 2, 81%; sure from 85%)". Each model has its own
        threshold, so the one not sure can be the more confident: the threshold says why."""
        if self.sure:
            return f"{model} reads {self.digit} ({self.confidence:.0%})"
        confidence, threshold = percents_apart(self.confidence, self.threshold)
        return f"{model} is not sure (maybe {self.digit}, {confidence}; sure from {threshold})"


class ReadDigit(NamedTuple):
    """Every model's reading of one image, and what the CNN made of it on the way."""

    readings: dict[str, Reading]
    feature_maps: np.ndarray | None  # the first conv layer's maps (H, W, C)
    deskewed: np.ndarray | None  # the 28x28 image the conv layers saw, if the CNN deskews


class DigitReader:
    """The loaded models, warmed up, behind one call per model.

    `predict_on_batch` runs Keras' compiled predict step without `predict`'s per-call setup,
    which costs tens of milliseconds for a single image.
    """

    def __init__(
        self,
        models: dict[str, keras.Model],
        thresholds: dict[str, float | None] | None = None,
        whole_digit: keras.Model | None = None,
    ):
        self.models = dict(models)
        self.thresholds = thresholds or {}
        self.whole_digit = whole_digit  # helps the number reader cut (digitpad/whole_digit.py)
        self._probes = {}
        if "cnn" in self.models:
            cnn = self.models["cnn"]
            # One pass gives the probabilities, the first conv layer's feature maps and the
            # deskewed image.
            seen = [cnn.get_layer(DESKEW).output] if DESKEW in _layer_names(cnn) else []
            self._probes["cnn"] = keras.Model(
                cnn.inputs, [cnn.outputs[0], cnn.get_layer(FIRST_CONV).output, *seen]
            )
        # Trace now, not on the first stroke.
        self.read_one(np.zeros((28, 28), np.float32))

    def trace_for_numbers(self) -> None:
        """Traces the batches a number is read in, which the first number read waited 0.2 s
        for: Keras traces each batch shape it has not seen, and after two, one for any. Not in
        the constructor, where it held up the first stroke after a start by 0.56 s."""
        for size in (MIN_BATCH, 2 * MIN_BATCH):
            self.probabilities(np.zeros((size, 28, 28), np.float32))
            self.whole_digit_probabilities(
                np.zeros((size, 28, 28), np.float32),
                np.zeros((size, WHOLE_DIGIT_SHAPE_FEATURES), np.float32),
            )

    @property
    def names(self) -> list[str]:
        return list(self.models)

    def probabilities(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """(N, 10) probabilities from each model for N 28x28 images."""
        batch = as_model_input(images)
        return {
            name: np.concatenate(
                [np.zeros((0, NUM_CLASSES), np.float32)]  # no images: no rows, not an error
                + [_predicted(net, batch[i : i + BATCH]) for i in range(0, len(batch), BATCH)]
            )
            for name, net in self.models.items()
        }

    def whole_digit_probabilities(
        self, images: np.ndarray, shapes: np.ndarray
    ) -> np.ndarray | None:
        """(N,) how sure the whole-digit network is that each of N candidate digits cut from a
        number is one whole digit, from its 28x28 image and its
        `candidates.Candidate.shape_features`; None without the network."""
        if self.whole_digit is None:
            return None
        batch, shapes = as_model_input(images), np.asarray(shapes, np.float32)
        return np.concatenate(
            [
                _predicted(self.whole_digit, batch[i : i + BATCH], shapes[i : i + BATCH])
                for i in range(0, len(batch), BATCH)
            ]
        )[:, 0].astype(np.float64)

    def read_one(self, image: np.ndarray) -> ReadDigit:
        """Each model's reading of one image, with the CNN's first feature maps and view."""
        batch = as_model_input(image)
        readings, feature_maps, deskewed = {}, None, None
        for name, net in self.models.items():
            if name in self._probes:
                probs, maps, *seen = self._probes[name].predict_on_batch(batch)
                feature_maps = np.asarray(maps[0])
                deskewed = np.asarray(seen[0][0, :, :, 0]) if seen else None
            else:
                probs = net.predict_on_batch(batch)
            probs = np.asarray(probs[0])
            readings[name] = Reading(int(probs.argmax()), probs, self.thresholds.get(name))
        return ReadDigit(readings, feature_maps, deskewed)


def _predicted(net: keras.Model, *inputs: np.ndarray) -> np.ndarray:
    count = len(inputs[0])
    size = max(MIN_BATCH, 1 << (count - 1).bit_length())
    padded = [np.concatenate([x, np.zeros((size - count, *x.shape[1:]), x.dtype)]) for x in inputs]
    return np.asarray(net.predict_on_batch(padded if len(padded) > 1 else padded[0]))[:count]


def _layer_names(net: keras.Model) -> list[str]:
    return [layer.name for layer in net.layers]


def open_reader(
    store: Path | None = None, whole_digit: bool = True
) -> tuple[DigitReader | None, dict[str, str]]:
    """A reader over every model of the store that loads, each read with its "not sure"
    threshold, and a message for each problem: a model that did not load (the whole-digit
    network's under WHOLE_DIGIT), a threshold not calibrated. None when no digit model loads."""
    models, helper, problems = load_networks(store, whole_digit)
    thresholds, uncalibrated = reading_thresholds(models, store)
    reader = DigitReader(models, thresholds, helper) if models else None
    lost = {
        f"{name} version": (
            f"{name.upper()}: the version set to be read, {version}, is no {name.upper()} in "
            f"{Path(store or store_dir()) / VERSIONS_DIR} (deleted, or misnamed), so the shipped "
            f"{name.upper()} is read in its place. The Your digits page sets the shipped one to be "
            "read, or another version."
        )
        for name, version in lost_versions(store).items()
    }
    return reader, {**problems, **uncalibrated, **lost}
