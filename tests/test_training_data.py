"""The robust recipe's data: drawn in parallel exactly as drawn serially, with the right targets."""

import numpy as np

from digitpad import training_data


def test_parallel_drawing_matches_serial(mnist_test, monkeypatch):
    monkeypatch.setattr(training_data, "CHUNK", 40)
    digits = mnist_test[0][:120]
    serial = training_data.drawn_digits(digits, seed=3, workers=1)
    parallel = training_data.drawn_digits(digits, seed=3, workers=2)
    assert serial.shape == (120, 28, 28)
    assert np.array_equal(serial, parallel)
    assert not np.array_equal(serial, training_data.drawn_digits(digits, seed=4, workers=1))


def test_scribbles_are_ink_with_uniform_targets():
    strokes = training_data.random_scribbles(20, seed=0)
    images = training_data.rendered_strokes(strokes, seed=0, workers=1)
    assert images.shape == (20, 28, 28)
    assert (images.reshape(20, -1).max(axis=1) > 0.9).all(), "every scribble leaves ink"
    targets = training_data.uniform_targets(20)
    assert np.allclose(targets.sum(axis=1), 1) and np.allclose(targets, 0.1)


def test_one_hot():
    assert training_data.one_hot(np.array([3, 0])).tolist() == [
        [0, 0, 0, 1] + [0] * 6,
        [1] + [0] * 9,
    ]
