"""Accuracy, confusion matrix and mistakes of a model on a labelled set."""

from dataclasses import dataclass

import numpy as np

from digitpad import NUM_CLASSES


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    confusion: np.ndarray  # rows: true digit, columns: predicted digit
    misclassified: np.ndarray  # indices into the evaluated set
    probs: np.ndarray

    def right_but_unsure(self, threshold: float | None) -> int:
        """Digits read right below the model's "not sure" threshold: those the page said it was
        not sure of, yet counted right."""
        if threshold is None:  # a model without one is sure of every answer
            return 0
        unsure = self.probs.max(axis=1) < threshold
        unsure[self.misclassified] = False
        return int(unsure.sum())


def evaluate_probs(probs: np.ndarray, labels: np.ndarray) -> Evaluation:
    predicted = probs.argmax(axis=1)
    labels = np.asarray(labels).astype(int)
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=int)
    np.add.at(confusion, (labels, predicted), 1)
    return Evaluation(
        accuracy=float((predicted == labels).mean()),
        confusion=confusion,
        misclassified=np.flatnonzero(predicted != labels),
        probs=probs,
    )


def as_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 or float 28x28 images to the float32 (N, 28, 28, 1) in [0, 1] the models take."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 255.0
    return images.astype(np.float32).reshape(-1, 28, 28, 1)
