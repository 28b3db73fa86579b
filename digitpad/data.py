"""MNIST, from a local file when one is named, else Keras' own download."""

import hashlib
import io
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

MNIST_ENV = "DIGITPAD_MNIST"
PEN_ENV = "DIGITPAD_PENDIGITS"

Split = tuple[np.ndarray, np.ndarray]  # images and their labels (or training targets)


def mnist_path(path: str | os.PathLike | None = None) -> Path | None:
    """The local MNIST file to use: the argument, else $DIGITPAD_MNIST, else None (download)."""
    chosen = path or os.environ.get(MNIST_ENV)
    return Path(chosen) if chosen else None


MNIST_ARRAYS = ("x_train", "y_train", "x_test", "y_test")
# The last MNIST training digits, which no model trains on: validation, and calibration.
VALIDATION_SIZE = 5000


class BadDataFile(ValueError):
    """A data file that is not the data it was named as."""


class MnistUnavailable(Exception):
    """MNIST could not be had: the file named is missing or is not MNIST, or the download
    failed."""


def npz_contents(file: str | os.PathLike | io.BytesIO) -> dict[str, np.ndarray]:
    """Every array of an .npz archive, loaded without unpickling anything; BadDataFile, saying
    what is wrong, for anything else: a damaged or cut-short archive, pickled objects, a bare
    .npy (which np.load hands back unzipped), a member that is no array."""
    try:
        loaded = np.load(file, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise BadDataFile("it holds one array (a .npy file), not an .npz archive of them")
        with loaded:
            arrays = {key: loaded[key] for key in loaded.files}
    except BadDataFile:
        raise
    except ValueError as error:
        # NumPy takes what is neither a zip nor a .npy for a pickle, and says to unpickle it.
        if "pickled" in str(error) and "Object arrays" not in str(error):
            raise BadDataFile("it is no .npz archive (a zip of NumPy arrays)") from None
        # Object arrays would need unpickling: refused.
        raise BadDataFile(f"it holds something other than plain arrays ({error})") from None
    except (OSError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise BadDataFile(f"it is damaged or no .npz archive ({error})") from None
    except (RuntimeError, NotImplementedError) as error:  # a password set, a method unknown
        raise BadDataFile(f"its arrays cannot be unpacked ({error})") from None
    except MemoryError:  # a 354-byte file whose header claimed 7 TB
        raise BadDataFile("it claims arrays too large to load: it is damaged") from None
    not_arrays = sorted(key for key, value in arrays.items() if not isinstance(value, np.ndarray))
    if not_arrays:  # NumPy hands back the raw bytes of a member that is no .npy
        raise BadDataFile(f"its {', '.join(not_arrays)} are not arrays: it is damaged")
    return arrays


def npz_arrays(path: str | os.PathLike, names: tuple[str, ...], what: str) -> list[np.ndarray]:
    """The named arrays of an .npz file; BadDataFile, saying what it should be, if it is not."""
    expected = f"{path} is not {what}, an .npz of {', '.join(names)}"
    try:
        arrays = npz_contents(path)
    except BadDataFile as error:
        raise BadDataFile(f"{expected}: {error}") from None
    missing = [name for name in names if name not in arrays]
    if missing:
        raise BadDataFile(f"{expected}: it lacks {', '.join(missing)}")
    return [arrays[name] for name in names]


def load_mnist(path: str | os.PathLike | None = None) -> tuple[Split, Split]:
    """((x_train, y_train), (x_test, y_test)) as uint8 28x28 images and integer labels."""
    local = mnist_path(path)
    if local is None:
        import keras

        try:
            return keras.datasets.mnist.load_data()
        except Exception as error:  # Keras raises a bare Exception when the download fails
            raise MnistUnavailable(f"Keras could not download it: {error}") from error
    if not local.is_file():
        raise MnistUnavailable(f"no file at {local}")
    try:
        arrays = npz_arrays(local, MNIST_ARRAYS, "MNIST as Keras saves it")
    except BadDataFile as error:
        raise MnistUnavailable(str(error)) from error
    problem = not_mnist(*arrays)
    if problem:
        # Caught here, before any training or scoring: a flattened copy "trained" to 100% and
        # was scored 0%, which `evaluate --record` wrote into the cards.
        raise MnistUnavailable(f"{local} is not MNIST as Keras saves it: {problem}")
    x_train, y_train, x_test, y_test = arrays
    return (x_train, y_train), (x_test, y_test)


def not_mnist(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray
) -> str | None:
    """What makes these arrays something other than MNIST's splits, or None."""
    for split, images, labels in (("train", x_train, y_train), ("test", x_test, y_test)):
        if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) == 0:
            return f"x_{split} is {images.shape}, not (digits, 28, 28)"
        if images.dtype != np.uint8:
            return f"x_{split} holds {images.dtype}, not uint8 gray levels"
        if labels.shape != (len(images),):
            return f"y_{split} is {labels.shape}, not one label for each of {len(images)} digits"
        if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() > 9:
            return f"y_{split} holds labels other than the digits 0 to 9"
    return None


def cannot_load_mnist(problem: MnistUnavailable) -> str:
    """What train.py and the CLI say when MNIST cannot be had: both take --data."""
    return f"error: cannot load MNIST ({problem}); pass --data PATH or set ${MNIST_ENV}"


def validation_count(count: int, size: int = VALIDATION_SIZE) -> int:
    """How many of `count` MNIST training digits, the last ones, validate rather than train:
    `size`, or a sixth of a small slice."""
    return min(size, count // 6)


def mnist_source(path: Path | None) -> dict[str, str | None]:
    """What a card records of the MNIST its model learnt from: the file and its sha256, or
    Keras' download."""
    if path is None:
        return {"file": "keras.datasets.mnist", "sha256": None}
    return {"file": str(path), "sha256": file_sha256(path)}


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
