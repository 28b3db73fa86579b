"""The digits a person drew and labelled, kept in an embedded SQLite database.

Each sample is the canvas as drawn (PNG), the 28x28 float32 input the models read, the true
digit, each model's answer and probabilities, and when it was saved (UTC). The database runs in
WAL mode with full sync, and each sample is written in one transaction: a server killed mid-write
leaves the whole sample or none of it. Every call opens its own connection, so threads never
share one.

Samples travel as `.npz` (plain arrays, loaded with allow_pickle=False) or as a zip of PNGs.
"""

import datetime
import io
import json
import os
import re
import sqlite3
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from digitpad import NUM_CLASSES

if TYPE_CHECKING:
    from digitpad.evaluation import Evaluation

SAMPLES_ENV = "DIGITPAD_SAMPLES"
IMAGE_BYTES = 28 * 28 * 4  # float32
BUSY_TIMEOUT_S = 30  # how long a writer waits for another to commit before giving up
SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
    canvas_png BLOB NOT NULL,
    image BLOB NOT NULL CHECK (length(image) = 3136),
    predictions TEXT NOT NULL
)
"""
# Zip layout: the 28x28 input and the drawing, each named by sample id and label, plus a
# manifest with what PNGs cannot hold (time, the models' answers).
ZIP_INPUT_DIR, ZIP_CANVAS_DIR, ZIP_MANIFEST = "28x28", "canvas", "samples.json"
ZIP_NAME = re.compile(r"id(\d+)_digit(\d)\.png")
MAX_IMPORT_BYTES = 256 << 20  # unpacked; a digit takes a few kB: refuse zip bombs


class SamplesUnavailable(Exception):
    """The database cannot be opened, read or written (not a database, no room, locked)."""


class BadSampleFile(ValueError):
    """An import file that is not a DigitPad export; the message says what is wrong."""


@dataclass(frozen=True)
class Sample:
    id: int
    created: str  # ISO 8601, UTC
    label: int
    canvas_png: bytes
    image: np.ndarray  # 28x28 float32 in [0, 1]
    probs: dict[str, np.ndarray]  # model name to its 10 probabilities when the digit was saved

    def predicted(self, name: str) -> int | None:
        return int(self.probs[name].argmax()) if name in self.probs else None


def default_path() -> Path:
    """$DIGITPAD_SAMPLES, else ~/.digitpad/samples.db."""
    return Path(os.environ.get(SAMPLES_ENV) or Path.home() / ".digitpad" / "samples.db")


def _use_wal(connection: sqlite3.Connection) -> None:
    """Put the file in WAL mode (it stays so). The switch needs the file to itself, and SQLite
    answers connections racing to make it on a new file with "locked" at once, without waiting
    out the busy timeout: the waiting is done here."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


@contextmanager
def connect(path: str | os.PathLike) -> Iterator[sqlite3.Connection]:
    """A fresh connection to the database, created with its table if new; closed afterwards."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we open transactions ourselves, with BEGIN IMMEDIATE.
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except (sqlite3.Error, OSError) as error:
        raise SamplesUnavailable(f"cannot open {path}: {error}") from error
    try:
        _use_wal(connection)
        # FULL: a committed sample is on disk before the commit returns, even on power loss.
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute(SCHEMA)
        yield connection
    except sqlite3.Error as error:
        raise SamplesUnavailable(f"{path}: {error}") from error
    finally:
        connection.close()


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """All or nothing; IMMEDIATE takes the write lock up front, so two writers never deadlock."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def utc_now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


def input_image(image: np.ndarray) -> np.ndarray:
    """A 28x28 digit as the float32 in [0, 1] the database keeps; uint8 is scaled."""
    image = np.asarray(image)
    if image.shape != (28, 28):
        raise ValueError(f"a sample's input is 28x28, not {'x'.join(map(str, image.shape))}")
    if image.dtype == np.uint8:
        return image.astype(np.float32) / 255.0
    return np.clip(image.astype(np.float32), 0.0, 1.0)


def png_bytes(picture: np.ndarray) -> bytes:
    """A gray, RGB or RGBA array as PNG bytes."""
    picture = np.asarray(picture)
    if picture.ndim == 3:
        code = cv2.COLOR_RGBA2BGRA if picture.shape[2] == 4 else cv2.COLOR_RGB2BGR
        picture = cv2.cvtColor(picture, code)
    ok, encoded = cv2.imencode(".png", picture)
    if not ok:
        raise ValueError("the picture could not be encoded as PNG")
    return encoded.tobytes()


def _row(
    canvas_png: bytes,
    image: np.ndarray,
    label: int,
    probs: dict[str, np.ndarray],
    created: str | None,
) -> tuple:
    if not 0 <= int(label) < NUM_CLASSES:
        raise ValueError(f"a label is a digit 0-9, not {label}")
    predictions = {
        name: {"digit": int(np.argmax(p)), "probs": [float(v) for v in np.asarray(p).ravel()]}
        for name, p in probs.items()
    }
    return (
        created or utc_now(),
        int(label),
        bytes(canvas_png),
        input_image(image).tobytes(),
        json.dumps(predictions),
    )


INSERT = "INSERT INTO samples (created, label, canvas_png, image, predictions) VALUES (?,?,?,?,?)"


def add_sample(
    path: str | os.PathLike,
    canvas_png: bytes,
    image: np.ndarray,
    label: int,
    probs: dict[str, np.ndarray],
    created: str | None = None,
) -> int:
    """Save one labelled drawing in one transaction; returns its id."""
    row = _row(canvas_png, image, label, probs, created)
    with connect(path) as db, transaction(db):
        return db.execute(INSERT, row).lastrowid


def _sample(row: sqlite3.Row | tuple) -> Sample:
    sample_id, created, label, canvas_png, image, predictions = row
    return Sample(
        id=sample_id,
        created=created,
        label=label,
        canvas_png=canvas_png,
        image=np.frombuffer(image, np.float32).reshape(28, 28),
        probs={
            name: np.asarray(p["probs"], np.float32) for name, p in json.loads(predictions).items()
        },
    )


COLUMNS = "id, created, label, canvas_png, image, predictions"


def list_samples(
    path: str | os.PathLike, limit: int | None = None, offset: int = 0, label: int | None = None
) -> list[Sample]:
    """Samples newest first, a page at a time, optionally of one digit only."""
    where, params = ("WHERE label = ?", [label]) if label is not None else ("", [])
    query = f"SELECT {COLUMNS} FROM samples {where} ORDER BY id DESC LIMIT ? OFFSET ?"
    with connect(path) as db:
        rows = db.execute(query, [*params, -1 if limit is None else limit, offset]).fetchall()
    return [_sample(row) for row in rows]


def count_samples(path: str | os.PathLike, label: int | None = None) -> int:
    where, params = ("WHERE label = ?", [label]) if label is not None else ("", [])
    with connect(path) as db:
        return db.execute(f"SELECT count(*) FROM samples {where}", params).fetchone()[0]


def delete_sample(path: str | os.PathLike, sample_id: int) -> bool:
    """Delete one sample; False when there was none with that id."""
    with connect(path) as db, transaction(db):
        return db.execute("DELETE FROM samples WHERE id = ?", (int(sample_id),)).rowcount > 0


def counts_per_digit(path: str | os.PathLike) -> np.ndarray:
    """How many samples of each digit 0-9."""
    counts = np.zeros(NUM_CLASSES, int)
    with connect(path) as db:
        for label, count in db.execute("SELECT label, count(*) FROM samples GROUP BY label"):
            counts[label] = count
    return counts


def evaluate_samples(path: str | os.PathLike) -> dict[str, "Evaluation"]:
    """Each model's accuracy and confusion matrix on the samples, from the answers it gave when
    each digit was saved (a sample saved without a model's answer does not count for it)."""
    from digitpad.evaluation import evaluate_probs

    labels, probs = {}, {}
    with connect(path) as db:
        for label, predictions in db.execute("SELECT label, predictions FROM samples"):
            for name, p in json.loads(predictions).items():
                labels.setdefault(name, []).append(label)
                probs.setdefault(name, []).append(p["probs"])
    return {
        name: evaluate_probs(np.asarray(probs[name], np.float32), np.asarray(labels[name]))
        for name in probs
    }


def training_arrays(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Every sample's 28x28 input (N, 28, 28) float32 and label (N,), oldest first."""
    with connect(path) as db:
        rows = db.execute("SELECT image, label FROM samples ORDER BY id").fetchall()
    images = np.array([np.frombuffer(image, np.float32) for image, _ in rows], np.float32)
    return images.reshape(-1, 28, 28), np.array([label for _, label in rows], np.int64)


# -----------------------------------------------------------------------------
# Export and import


def model_names(samples: list[Sample]) -> list[str]:
    return sorted({name for sample in samples for name in sample.probs})


def export_npz(path: str | os.PathLike) -> bytes:
    """Every sample as plain arrays: ids, created, labels, images, the canvas PNGs (one flat
    uint8 array cut at `canvas_offsets`) and `probs_<model>` (NaN where a model gave none)."""
    samples = list_samples(path)[::-1]
    pngs = [np.frombuffer(s.canvas_png, np.uint8) for s in samples]
    missing = np.full(NUM_CLASSES, np.nan, np.float32)
    arrays = {
        "ids": np.array([s.id for s in samples], np.int64),
        "created": np.array([s.created for s in samples], dtype="U32"),
        "labels": np.array([s.label for s in samples], np.int64),
        "images": np.array([s.image for s in samples], np.float32).reshape(-1, 28, 28),
        "canvas_png": np.concatenate(pngs) if pngs else np.zeros(0, np.uint8),
        "canvas_offsets": np.cumsum([0, *map(len, pngs)]).astype(np.int64),
        **{
            f"probs_{name}": np.array(
                [s.probs.get(name, missing) for s in samples], np.float32
            ).reshape(-1, NUM_CLASSES)
            for name in model_names(samples)
        },
    }
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def export_zip(path: str | os.PathLike) -> bytes:
    """Every sample as `28x28/id<id>_digit<label>.png` (the input, 8-bit gray) and
    `canvas/id<id>_digit<label>.png` (the drawing), with `samples.json` for times and answers."""
    samples = list_samples(path)[::-1]
    manifest = {}
    buffer = io.BytesIO()
    # PNGs are compressed already: store them as they are.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for s in samples:
            name = f"id{s.id}_digit{s.label}.png"
            archive.writestr(
                f"{ZIP_INPUT_DIR}/{name}", png_bytes(np.round(s.image * 255).astype(np.uint8))
            )
            archive.writestr(f"{ZIP_CANVAS_DIR}/{name}", s.canvas_png)
            manifest[name] = {
                "created": s.created,
                "probs": {k: [float(v) for v in p] for k, p in s.probs.items()},
            }
        archive.writestr(ZIP_MANIFEST, json.dumps(manifest, indent=1))
    return buffer.getvalue()


def import_file(path: str | os.PathLike, data: bytes) -> tuple[int, int]:
    """Add the samples of an exported .npz or zip of PNGs, all in one transaction.

    Returns (added, skipped): a sample already in the database (same time, digit and drawing)
    is skipped, so importing a file twice adds it once. Raises BadSampleFile saying what is wrong.
    """
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        raise BadSampleFile(
            "not a DigitPad export: expected a .npz or a .zip of PNGs from the Your digits page"
        ) from None
    if not members:
        raise BadSampleFile("the file is an empty zip: it holds no samples")
    if sum(info.file_size for info in members) > MAX_IMPORT_BYTES:
        raise BadSampleFile(f"the file unpacks to more than {MAX_IMPORT_BYTES >> 20} MB")
    # An .npz is a zip of .npy files.
    if all(info.filename.endswith(".npy") for info in members):
        rows = _rows_from_npz(data)
    else:
        rows = _rows_from_zip(data)
    added = 0
    with connect(path) as db, transaction(db):
        # A sample already here (same time, label and drawing) is skipped: read them once,
        # not once a row, which made importing grow with the square of the samples.
        seen = set(db.execute("SELECT created, label, canvas_png FROM samples"))
        for row in rows:
            key = tuple(row[:3])
            if key not in seen:
                db.execute(INSERT, row)
                seen.add(key)
                added += 1
    return added, len(rows) - added


def _readable_png(data: bytes, what: str) -> bytes:
    """The bytes, if they are a picture: a page shows every canvas, and must not fail on one."""
    if cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) is None:
        raise BadSampleFile(f"{what} is not a readable PNG")
    return data


def _rows_from_npz(data: bytes) -> list[tuple]:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as f:
            arrays = {key: f[key] for key in f.files}
    except ValueError as error:  # object arrays would need unpickling: refused
        raise BadSampleFile(f"the .npz holds something other than plain arrays ({error})") from None
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise BadSampleFile(f"the .npz file is damaged ({error})") from None
    missing = {"labels", "images"} - arrays.keys()
    if missing:
        raise BadSampleFile(f"the .npz lacks {', '.join(sorted(missing))}: not a DigitPad export")
    labels, images = arrays["labels"], arrays["images"]
    count = len(labels)
    if labels.ndim != 1 or images.shape != (count, 28, 28):
        raise BadSampleFile(
            f"the .npz has {labels.shape} labels and {images.shape} images: "
            "expected N labels and N 28x28 images"
        )
    if not np.issubdtype(labels.dtype, np.integer) or np.any((labels < 0) | (labels > 9)):
        raise BadSampleFile("the .npz's labels must be digits 0-9")
    if images.dtype != np.uint8 and not np.issubdtype(images.dtype, np.floating):
        raise BadSampleFile(f"the .npz's images are {images.dtype}: expected float32 or uint8")
    if images.dtype != np.uint8 and count and not 0 <= images.min() <= images.max() <= 1:
        raise BadSampleFile("the .npz's float images must lie in [0, 1]")
    created = arrays.get("created", np.array([utc_now()] * count))
    if created.shape != (count,):
        raise BadSampleFile(f"the .npz has {created.shape} times for {count} samples")
    pngs, offsets = arrays.get("canvas_png"), arrays.get("canvas_offsets")
    if offsets is not None and not (
        pngs is not None
        and offsets.shape == (count + 1,)
        and offsets[0] == 0
        and offsets[-1] == len(pngs)
        and np.all(np.diff(offsets) > 0)
    ):
        raise BadSampleFile("the .npz's canvas_offsets do not cut its canvas_png into samples")
    probs = {key.removeprefix("probs_"): value for key, value in arrays.items()
             if key.startswith("probs_")}  # fmt: skip
    for name, p in probs.items():
        if p.shape != (count, NUM_CLASSES):
            raise BadSampleFile(f"the .npz's probs_{name} is {p.shape}, not ({count}, 10)")
    rows = []
    for i in range(count):
        if offsets is not None:
            png = _readable_png(pngs[offsets[i] : offsets[i + 1]].tobytes(), f"canvas {i}")
        else:  # no drawing kept: the 28x28 input stands in for it
            png = png_bytes(np.round(input_image(images[i]) * 255).astype(np.uint8))
        answers = {name: p[i] for name, p in probs.items() if not np.isnan(p[i]).any()}
        rows.append(_row(png, images[i], int(labels[i]), answers, str(created[i])))
    return rows


def _rows_from_zip(data: bytes) -> list[tuple]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:

        def read(name: str) -> bytes:
            try:
                return archive.read(name)
            except (zipfile.BadZipFile, OSError) as error:
                raise BadSampleFile(f"{name} in the zip is damaged ({error})") from None

        names = set(archive.namelist())
        manifest = {}
        if ZIP_MANIFEST in names:
            try:
                manifest = json.loads(read(ZIP_MANIFEST))
            except ValueError:
                raise BadSampleFile(f"{ZIP_MANIFEST} in the zip is not JSON") from None
        if not isinstance(manifest, dict):
            raise BadSampleFile(f"{ZIP_MANIFEST} in the zip is not a DigitPad manifest")
        inputs = sorted(
            (int(match[1]), int(match[2]), name.removeprefix(f"{ZIP_INPUT_DIR}/"))
            for name in names
            if name.startswith(f"{ZIP_INPUT_DIR}/")
            and (match := ZIP_NAME.fullmatch(name.removeprefix(f"{ZIP_INPUT_DIR}/")))
        )
        if not inputs:
            raise BadSampleFile(
                f"the zip holds no {ZIP_INPUT_DIR}/id<N>_digit<D>.png pictures: "
                "not a DigitPad export"
            )
        rows = []
        for _, label, base in inputs:
            name = f"{ZIP_INPUT_DIR}/{base}"
            image = cv2.imdecode(np.frombuffer(read(name), np.uint8), cv2.IMREAD_GRAYSCALE)
            if image is None:
                raise BadSampleFile(f"{name} is not a readable PNG")
            if image.shape != (28, 28):
                raise BadSampleFile(f"{name} is {image.shape[1]}x{image.shape[0]}, not 28x28")
            canvas_name = f"{ZIP_CANVAS_DIR}/{base}"
            png = (
                _readable_png(read(canvas_name), canvas_name)
                if canvas_name in names
                else read(name)
            )
            extra = manifest.get(base, {})
            try:
                answers = {k: np.asarray(p, np.float32) for k, p in extra.get("probs", {}).items()}
                if any(p.shape != (NUM_CLASSES,) for p in answers.values()):
                    raise ValueError
            except (AttributeError, TypeError, ValueError):
                raise BadSampleFile(f"{ZIP_MANIFEST} has bad answers for {base}") from None
            created = extra.get("created")
            rows.append(
                _row(png, image, label, answers, created if isinstance(created, str) else None)
            )
    return rows
