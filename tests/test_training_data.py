"""The robust recipe's data: drawn in parallel exactly as drawn serially, with the right targets."""

import numpy as np

from digitpad import training_data
from digitpad.signs import SIGNS, sign_samples


def test_parallel_drawing_matches_serial(mnist_test, monkeypatch):
    monkeypatch.setattr(training_data, "CHUNK", 40)
    digits = mnist_test[0][:120]
    serial = training_data.drawn_digits(digits, seed=3, workers=1)
    parallel = training_data.drawn_digits(digits, seed=3, workers=2)
    assert serial.shape == (120, 28, 28)
    assert np.array_equal(serial, parallel)
    assert not np.array_equal(serial, training_data.drawn_digits(digits, seed=4, workers=1))
    # Each chunk drawn in styles of its own: one digit repeated comes out three ways, not one
    # way a chunk (every chunk drawn with the same seed repeated its styles).
    same = training_data.drawn_digits(np.repeat(digits[:1], 120, axis=0), seed=3, workers=1)
    assert not np.array_equal(same[0], same[40]) and not np.array_equal(same[40], same[80])


def test_scribbles_are_ink_with_uniform_targets():
    strokes = training_data.random_scribbles(20, seed=0)
    images = training_data.rendered_strokes(strokes, seed=0, workers=1)
    assert images.shape == (20, 28, 28)
    assert (images.reshape(20, -1).max(axis=1) > 0.9).all(), "every scribble leaves ink"
    targets = training_data.uniform_targets(20)
    assert np.allclose(targets.sum(axis=1), 1) and np.allclose(targets, 0.1)


def test_signs_are_written_in_turn_each_its_own_way():
    strokes = sign_samples(2 * len(SIGNS), seed=0)
    assert len(strokes) == 2 * len(SIGNS)
    assert [len(s) for s in strokes] == [len(sign) for _, sign in SIGNS] * 2
    first, again = strokes[0], strokes[len(SIGNS)]  # two dollar signs, jittered differently
    assert not np.allclose(first[-1], again[-1])
    images = training_data.rendered_strokes(strokes, seed=0, workers=1)
    assert (images.reshape(len(images), -1).max(axis=1) > 0.9).all(), "every sign leaves ink"
    # None asked for (train.py --signs 0): no rows, in the shape the others are concatenated in.
    assert training_data.rendered_strokes([], seed=0).shape == (0, 28, 28)


def test_one_hot():
    assert training_data.one_hot(np.array([3, 0])).tolist() == [
        [0, 0, 0, 1] + [0] * 6,
        [1] + [0] * 9,
    ]
