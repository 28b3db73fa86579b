"""Accuracy, confusion matrix and mistakes of a model on a labelled set."""

from dataclasses import dataclass

import numpy as np

from digitpad import INPUT_SHAPE, NUM_CLASSES


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    confusion: np.ndarray  # rows: true digit, columns: predicted digit
    misclassified: np.ndarray  # indices into the evaluated set
    probs: np.ndarray
    # Each answer's "not sure" threshold as it was given, NaN where unknown; None: all unknown.
    thresholds: np.ndarray | None = None

    def right_but_unsure(self, threshold: float | None) -> int:
        """Digits read right below the model's "not sure" threshold: those the page said it was
        not sure of, yet counted right. Each answer is judged by its own threshold where known
        (a fine-tuned version has another), by `threshold` where not."""
        # A model without a threshold is sure of every answer: as if it were 0.
        limit = np.full(len(self.probs), threshold or 0.0)
        if self.thresholds is not None:
            limit = np.where(np.isnan(self.thresholds), limit, self.thresholds)
        unsure = self.probs.max(axis=1) < limit
        unsure[self.misclassified] = False
        return int(unsure.sum())


def evaluate_probs(
    probs: np.ndarray, labels: np.ndarray, thresholds: np.ndarray | None = None
) -> Evaluation:
    predicted = probs.argmax(axis=1)
    labels = np.asarray(labels).astype(int)
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=int)
    np.add.at(confusion, (labels, predicted), 1)
    return Evaluation(
        accuracy=float((predicted == labels).mean()),
        confusion=confusion,
        misclassified=np.flatnonzero(predicted != labels),
        probs=probs,
        thresholds=thresholds,
    )


def as_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 or float 28x28 images to the float32 (N, 28, 28, 1) in [0, 1] the models take."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 255.0
    return images.astype(np.float32).reshape(-1, *INPUT_SHAPE)
