"""What the benchmarks share: import paths, drawings to time, and how figures are printed."""

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from digitpad.data import Split
    from digitpad.inference import DigitReader

REPO = Path(__file__).resolve().parent.parent
# The package, and the browser tests' helpers (starting the app, drawing on it).
sys.path[:0] = [str(REPO), str(REPO / "tests")]


def _said_not_raised(kind: type[BaseException], error: BaseException, trace) -> None:
    """A file that is missing or not what it should be (MNIST, the pen digits, a model) ends a
    benchmark with its message, not a traceback; anything else, as Python reports it."""
    from digitpad.data import BadDataFile, MnistUnavailable
    from digitpad.store import ModelUnavailable

    if issubclass(kind, (BadDataFile, MnistUnavailable, ModelUnavailable)):
        print(f"error: {error}", file=sys.stderr)
    else:
        sys.__excepthook__(kind, error, trace)


sys.excepthook = _said_not_raised


def count(text: str) -> int:
    """An argparse type: a whole number of things, at least one."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


SHARED_MNIST = REPO.parent / "shared" / "data" / "mnist.npz"
PEN_DIGITS = REPO.parent / "shared" / "data" / "pendigits_train_strokes.npz"
MNIST_HELP = "mnist.npz (default: $DIGITPAD_MNIST, else the shared one, else Keras' download)"


def description(doc: str) -> str:
    """A script's docstring's first paragraph on one line, for its --help."""
    return " ".join(doc.split("\n\n")[0].split())


def mnist_file(given: str | None) -> "str | Path | None":
    """The MNIST file a benchmark reads, as train.py and the CLI choose it, with the shared
    copy before Keras' download."""
    from digitpad.data import MNIST_ENV

    chosen = given or os.environ.get(MNIST_ENV)
    return chosen or (SHARED_MNIST if SHARED_MNIST.is_file() else None)


def mnist_and_store(doc: str) -> tuple["Split", "Split", Path]:
    """MNIST's (training, test) digits and labels, and the model store, from --data and --store
    (the script's docstring is its --help)."""
    from digitpad.data import load_mnist

    parser = argparse.ArgumentParser(description=description(doc))
    parser.add_argument("--data", default=None, help=MNIST_HELP)
    parser.add_argument("--store", default=str(REPO / "model_store"))
    args = parser.parse_args()
    return *load_mnist(mnist_file(args.data)), Path(args.store)


def mnist_test_and_store(doc: str) -> tuple[np.ndarray, np.ndarray, Path]:
    """MNIST's test digits and labels, and the model store, from --data and --store."""
    _, test, store = mnist_and_store(doc)
    return *test, store


def app_reader() -> "DigitReader":
    """The shipped models read as the app reads them: each with its card's "not sure"
    threshold, the number reader's helper beside them, its batches traced. Exits on a problem."""
    from digitpad.inference import open_reader

    reader, problems = open_reader()
    if reader is None or problems:
        raise SystemExit("\n".join(problems.values()))
    reader.trace_for_numbers()  # as the app does beside the first strokes
    return reader


def machine() -> str:
    """The CPUs and how busy they were: figures taken beside other work come out slower."""
    one, five, _ = os.getloadavg()
    return f"machine: {os.cpu_count()} CPUs, load average {one:.1f} (1 min) {five:.1f} (5 min)"


def percentiles(seconds: list[float]) -> str:
    """p50, p95 and max in milliseconds, the way every figure in the README is quoted."""
    ms = np.asarray(seconds) * 1000
    return (
        f"p50 {np.percentile(ms, 50):7.1f} ms   p95 {np.percentile(ms, 95):7.1f} ms   "
        f"max {ms.max():7.1f} ms   (n={len(ms)})"
    )


def canvas_drawings(count: int, seed: int = 0) -> list[np.ndarray]:
    """RGBA canvases as the app's pad returns them: white pen on black, digits people wrote.

    Tablet-written digits when the shared data is there, otherwise a few synthetic strokes.
    """
    from digitpad.drawn import CANVAS_SIZE, PEN_WIDTH, draw_strokes, load_pen_digits

    rng = np.random.default_rng(seed)
    if PEN_DIGITS.is_file():
        strokes_list, _, _ = load_pen_digits(PEN_DIGITS)
        chosen = [strokes_list[i] for i in rng.choice(len(strokes_list), count, replace=False)]
    else:
        chosen = [[rng.random((8, 2)).astype(np.float32)] for _ in range(count)]
    return [
        draw_strokes(
            strokes,
            height_frac=rng.uniform(0.5, 0.85),
            centre=(rng.uniform(0.4, 0.6) * CANVAS_SIZE, rng.uniform(0.4, 0.6) * CANVAS_SIZE),
            stroke_width=float(PEN_WIDTH),  # the pad's own
            ink=(255, 255, 255),
            background=(0, 0, 0),
        )
        for strokes in chosen
    ]
