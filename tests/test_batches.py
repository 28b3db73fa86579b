"""Batches hands Keras every row once an epoch, reshuffled between epochs when seeded."""

import numpy as np

from digitpad.batches import Batches


def epoch_rows(batches: Batches) -> np.ndarray:
    rows = np.concatenate([batches[i][0] for i in range(len(batches))])
    batches.on_epoch_end()
    return rows


def test_every_row_once_an_epoch_in_a_new_order():
    x, y = np.arange(10, dtype=np.float32), np.arange(10) * 2
    batches = Batches(x, y, batch_size=4, seed=0)
    assert len(batches) == 3 and len(batches[2][0]) == 2  # the last batch holds the rest
    first, second = epoch_rows(batches), epoch_rows(batches)
    assert sorted(first) == sorted(second) == list(x)
    assert list(first) != list(second)
    images, targets = batches[0]
    assert list(targets) == list(images * 2), "each image keeps its own target"


def test_without_a_seed_the_order_is_kept():
    x = np.arange(7, dtype=np.float32)
    batches = Batches(x, x, batch_size=3)
    assert list(epoch_rows(batches)) == list(epoch_rows(batches)) == list(x)
