"""Arrays in batches for Keras' fit, without tf.data's autotuning."""

import keras
import numpy as np


class Batches(keras.utils.PyDataset):
    """Images and targets in batches; with a seed, in a new random order every epoch.

    Not the arrays themselves: Keras feeds arrays through tf.data with its autotuning on, and on
    2 cores that took time from training (a CNN epoch of 190,000 images: 58 s, 50 s without it)
    and, about every other epoch, held up the first step (19-43 s there; 4-5 s in a fine-tune's
    short epochs) while the last epoch's iterator was let go. Keras turns autotuning off for a
    PyDataset served by its own worker threads (with one, a fine-tune's first step still waited
    up to 9 s).
    """

    def __init__(
        self,
        x: np.ndarray | tuple[np.ndarray, ...],
        y: np.ndarray,
        batch_size: int,
        seed: int | None = None,
        stoppable: bool = False,
    ):
        """`x`: the images, or a tuple of arrays for a network with several inputs.

        `stoppable`: for a fit that may be stopped mid-epoch (a fine-tune's Stop button). Keras
        tells its feeder thread to stop only at an epoch's end; stopped sooner, it waited for
        ever on its full queue of batches, holding six threads and the data (about 35 MB a
        stopped fine-tune). Queued an epoch at a time, it never waits, and ends by itself.
        """
        self.inputs = x if isinstance(x, tuple) else (x,)
        self.y, self.batch_size = y, batch_size
        super().__init__(workers=2, max_queue_size=len(self) if stoppable else 10)
        self.order = np.arange(len(y))
        self.rng = None if seed is None else np.random.default_rng(seed)
        self.on_epoch_end()

    def __len__(self) -> int:
        return -(-len(self.y) // self.batch_size)

    def __getitem__(self, index: int) -> tuple:
        rows = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        inputs = tuple(x[rows] for x in self.inputs)
        return inputs if len(inputs) > 1 else inputs[0], self.y[rows]

    def on_epoch_end(self) -> None:
        if self.rng is not None:
            self.rng.shuffle(self.order)
