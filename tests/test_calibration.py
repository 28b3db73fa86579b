"""The "not sure" threshold: chosen from validation data, and what it catches."""

import numpy as np
import pytest

from digitpad import report
from digitpad.calibration import KEEP_CORRECT, calibrate, is_sure, percents_apart, wilson_interval
from digitpad.charts import calibration_curve
from digitpad.inference import Reading


def probs_with_confidence(confidence: np.ndarray, digits: np.ndarray) -> np.ndarray:
    probs = np.tile(((1 - confidence) / 9)[:, None], (1, 10))
    probs[np.arange(len(digits)), digits] = confidence
    return probs


def test_threshold_keeps_the_promised_share_of_correct_readings():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 2000)
    confidence = rng.uniform(0.5, 1.0, 2000)
    wrong = np.arange(2000) < 100
    predicted = np.where(wrong, (labels + 1) % 10, labels)
    confidence[wrong] = rng.uniform(0.2, 0.6, wrong.sum())  # mistakes tend to be unsure
    scribbles = probs_with_confidence(rng.uniform(0.15, 0.5, 300), rng.integers(0, 10, 300))
    result = calibrate(probs_with_confidence(confidence, predicted), labels, scribbles)

    assert result["kept_correct"] == pytest.approx(KEEP_CORRECT, abs=0.002)
    assert result["flagged_scribbles"] > 0.9
    assert result["flagged_wrong"] > 0.5
    assert sum(b["count"] for b in result["bins"]) == 2000
    for b in result["bins"]:
        assert b["low"] <= b["confidence"] <= b["high"]


def test_a_perfectly_calibrated_model_has_no_calibration_error():
    rng = np.random.default_rng(1)
    confidence = rng.choice([0.55, 0.95], 20000)
    labels = rng.integers(0, 10, 20000)
    right = rng.random(20000) < confidence
    predicted = np.where(right, labels, (labels + 3) % 10)
    result = calibrate(probs_with_confidence(confidence, predicted), labels, np.eye(10)[:5])
    assert result["expected_calibration_error"] < 0.01


def test_errors_of_opposite_signs_add_up_not_cancel_out():
    # Right 75% of the time at 55% sure and at 95% sure: 0.2 off in each bin, not 0 on average.
    rng = np.random.default_rng(2)
    confidence = rng.choice([0.55, 0.95], 20000)
    labels = rng.integers(0, 10, 20000)
    right = rng.random(20000) < 0.75
    predicted = np.where(right, labels, (labels + 3) % 10)
    result = calibrate(probs_with_confidence(confidence, predicted), labels, np.eye(10)[:5])
    assert result["expected_calibration_error"] == pytest.approx(0.2, abs=0.01)


def test_is_sure():
    assert is_sure(0.9, 0.5) and not is_sure(0.4, 0.5)
    assert is_sure(0.5, 0.5), "not sure below the threshold, as the pages say: sure at it"
    assert is_sure(0.1, None), "without a calibrated threshold every reading is announced"


def test_a_reading_below_its_models_threshold_names_the_threshold():
    from digitpad.inference import Reading

    probs = probs_with_confidence(np.array([0.82]), np.array([2]))[0]
    # The CNN not sure at 82% beside an MLP sure at 80% looked backwards without it.
    assert Reading(2, probs, 0.85).said_by("CNN") == "CNN is not sure (maybe 2, 82%; sure from 85%)"
    assert Reading(2, probs, 0.71).said_by("MLP") == "MLP reads 2 (82%)"
    assert Reading(2, probs).said_by("MLP") == "MLP reads 2 (82%)", "no card, no threshold"


def test_the_calibration_curve_plots_every_bin_and_the_threshold():
    rng = np.random.default_rng(2)
    confidence = rng.uniform(0.3, 1.0, 3000)
    labels = rng.integers(0, 10, 3000)
    predicted = np.where(rng.random(3000) < confidence, labels, (labels + 1) % 10)
    result = calibrate(probs_with_confidence(confidence, predicted), labels, np.eye(10)[:5])
    figure = calibration_curve({"cnn": result})
    curve = next(trace for trace in figure.data if trace.name == "CNN")
    assert list(curve.x) == [b["confidence"] for b in result["bins"]]
    assert list(curve.y) == [b["accuracy"] for b in result["bins"]]
    (threshold,) = [shape for shape in figure.layout.shapes if shape.x0 == shape.x1]
    assert threshold.x0 == pytest.approx(result["threshold"])


def test_the_reports_table_of_a_model_says_what_its_card_holds():
    card = {"confusion_matrix": [[8, 2], [1, 9]], "test_accuracy": 0.85, "params": 1234567,
            "train_seconds": 61.34, "epochs_run": 12, "best_epoch": 9}  # fmt: skip
    assert report.summary(card) == {
        "Test accuracy": "85.00%",
        "Test mistakes": "3 of 20",
        "Parameters": "1,234,567",
        "Training time": "61.3 s",
        "Epochs run": "12, epoch 9's weights kept",
    }


def test_the_report_puts_each_model_beside_the_chapters():
    card = {
        "evaluation": {"scores": {"drawn": 0.975}, "chapter_scores": {"drawn": 0.9639}},
        "calibration": {"threshold": 0.7, "kept_correct": 0.99, "flagged_wrong": 0.5,
                        "flagged_scribbles": 0.93},
    }  # fmt: skip
    assert report.drawing_scores({"cnn": card}) == {
        "CNN, chapter's": {"drawn": "96.39%"},
        "CNN": {"drawn": "97.50%"},
    }
    assert "below 70%" in report.calibration_summary(card)
    assert "93% of the validation scribbles" in report.calibration_summary(card)
    assert report.calibration_summary({}) == ""
    assert report.right_when_unsure(card) == "", "a curve without bins says nothing of them"
    card["calibration"]["bins"] = [
        {"high": 0.5, "count": 3, "accuracy": 2 / 3},
        {"high": 0.7000000000000001, "count": 7, "accuracy": 4 / 7},
        {"high": 0.8, "count": 90, "accuracy": 0.9},
    ]
    assert report.right_when_unsure(card) == (
        "read 60% right of the 10 validation digits it was under 70% sure of"
    )


@pytest.mark.parametrize(
    "confidence, threshold, shown",
    [
        (0.8487, 0.84986, ("84.9%", "85.0%")),  # "85%" against "85%" said it was not below
        (0.8497, 0.84986, ("84.97%", "84.99%")),
        (0.81, 0.85, ("81%", "85%")),
        (0.8500, 0.84986, ("85%", "85%")),  # sure from 85%, and it is 85%
        (0.849853, 0.849855, ("84.98%", "84.99%")),  # millionths apart
        (0.99999, 1.0, ("99.99%", "100.00%")),
    ],
)
def test_a_reading_near_its_threshold_is_shown_on_its_side_of_it(confidence, threshold, shown):
    assert percents_apart(confidence, threshold) == shown
    probs = np.full(10, (1 - confidence) / 9)
    probs[7] = confidence
    said = Reading(7, probs, threshold).said_by("CNN")
    if confidence < threshold:
        assert said == f"CNN is not sure (maybe 7, {shown[0]}; sure from {shown[1]})"
    else:
        assert said == "CNN reads 7 (85%)"


def test_the_wilson_interval_of_a_few_digits_is_wide_and_stays_within_0_and_1():
    np.testing.assert_allclose(wilson_interval(1, 2), (0.0945, 0.9055), atol=1e-4)
    low, high = wilson_interval(2, 2)
    assert high == 1.0 and 0.34 < low < 0.35, "2 right of 2 is not sure to be 100%"
    low, high = wilson_interval(9980, 10000)
    assert 0.996 < low < 0.998 < high < 0.999
