"""When a model's top probability is too low to announce a digit, chosen from validation data."""

import math

import numpy as np

# The threshold lets this share of the validation digits a model reads right through unflagged.
KEEP_CORRECT = 0.99
BINS = 10


def calibrate(probs: np.ndarray, labels: np.ndarray, scribble_probs: np.ndarray) -> dict:
    """The "not sure" threshold and a reliability curve, from validation digits and scribbles.

    The threshold is the highest one that still passes KEEP_CORRECT of the correctly read
    validation digits; the card then says how many mistakes and scribbles it catches.
    """
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == np.asarray(labels)
    threshold = float(np.quantile(confidence[correct], 1 - KEEP_CORRECT))
    scribble_confidence = scribble_probs.max(axis=1)

    edges = np.linspace(0.0, 1.0, BINS + 1)
    which = np.clip(np.digitize(confidence, edges) - 1, 0, BINS - 1)
    bins = []
    for b in range(BINS):
        inside = which == b
        if inside.any():
            bins.append(
                {
                    "low": float(edges[b]),
                    "high": float(edges[b + 1]),
                    "count": int(inside.sum()),
                    "confidence": float(confidence[inside].mean()),
                    "accuracy": float(correct[inside].mean()),
                }
            )
    expected_error = sum(b["count"] * abs(b["accuracy"] - b["confidence"]) for b in bins) / len(
        confidence
    )
    return {
        "threshold": threshold,
        "kept_correct": float((confidence[correct] >= threshold).mean()),
        "flagged_wrong": float((confidence[~correct] < threshold).mean())
        if (~correct).any()
        else None,
        "flagged_scribbles": float((scribble_confidence < threshold).mean()),
        "expected_calibration_error": float(expected_error),
        "validation_digits": int(len(confidence)),
        "validation_scribbles": int(len(scribble_confidence)),
        "bins": bins,
    }


def wilson_interval(right: int, count: int, z: float = 1.96) -> tuple[float, float]:
    """Where the true share right lies, 95% sure (z = 1.96), from `right` of `count`: the Wilson
    score interval, which stays within 0 to 1 and is honest about a bin of two digits, where
    the normal approximation gives a width of zero for 2 right of 2."""
    share = right / count
    spread = z * z / count
    centre = (share + spread / 2) / (1 + spread)
    half = z / (1 + spread) * math.sqrt(share * (1 - share) / count + spread / (4 * count))
    return max(0.0, centre - half), min(1.0, centre + half)


def is_sure(confidence: float, threshold: float | None) -> bool:
    return threshold is None or confidence >= threshold


def percents_apart(confidence: float, threshold: float) -> tuple[str, str]:
    """The confidence and the threshold as percentages, with the fewest decimals (up to 2) that
    keep the confidence on its side of the threshold: a reading of 84.87% below a threshold of
    84.99% is "84.9%" against "85.0%", where "85%" against "85%" said it was not below."""
    for decimals in range(3):
        shown = [float(f"{100 * value:.{decimals}f}") for value in (confidence, threshold)]
        if (shown[0] < shown[1]) == (confidence < threshold):
            return f"{confidence:.{decimals}%}", f"{threshold:.{decimals}%}"
    # Closer still, below it by millionths: the confidence rounded down, the threshold up.
    return f"{math.floor(confidence * 1e4) / 1e4:.2%}", f"{math.ceil(threshold * 1e4) / 1e4:.2%}"
