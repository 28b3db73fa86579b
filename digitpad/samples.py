"""The digits a person drew and labelled, kept in an embedded SQLite database.

Each sample is the canvas as drawn (PNG), the 28x28 float32 input the models read, the true
digit, each model's answer and probabilities, and when it was saved (UTC). The database runs in
WAL mode with full sync, and each sample is written in one transaction: a server killed mid-write
leaves the whole sample or none of it. Every call opens its own connection, so threads never
share one.

`digitpad.sample_files` exports them as files and imports them back.
"""

import datetime
import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from digitpad import MODEL_NAMES, NUM_CLASSES
from digitpad.preprocess import as_uint8

if TYPE_CHECKING:
    from digitpad.evaluation import Evaluation

SAMPLES_ENV = "DIGITPAD_SAMPLES"
ANOTHER_FILE = f"; set ${SAMPLES_ENV} to another file"  # after a file refused as not DigitPad's
BUSY_TIMEOUT_S = 30  # how long a writer waits for another to commit before giving up
IMAGE_BYTES = 28 * 28 * 4  # a 28x28 input as float32
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
    canvas_png BLOB NOT NULL,
    image BLOB NOT NULL CHECK (length(image) = {IMAGE_BYTES}),
    predictions TEXT NOT NULL
)
"""


SAMPLE_COLUMNS = ["id", "created", "label", "canvas_png", "image", "predictions"]
# The rows a DigitPad file's checks and writes keep out, which a table of its columns made by
# another program may hold: a label of 42 or "one", a 3-byte input, no time, an empty drawing.
DAMAGED_ROWS = f"""SELECT count(*) FROM samples WHERE NOT coalesce(
    typeof(created) = 'text' AND typeof(label) = 'integer' AND label BETWEEN 0 AND 9
    AND typeof(canvas_png) = 'blob' AND length(canvas_png) > 0
    AND typeof(image) = 'blob' AND length(image) = {IMAGE_BYTES}
    AND typeof(predictions) = 'text', 0)"""


class SamplesUnavailable(Exception):
    """The database cannot be opened, read or written (not a database, no room, locked)."""


@dataclass(frozen=True)
class Sample:
    id: int
    created: str  # ISO 8601, UTC
    label: int
    canvas_png: bytes
    image: np.ndarray  # 28x28 float32 in [0, 1]
    probs: dict[str, np.ndarray]  # model name to its 10 probabilities when the digit was saved
    thresholds: dict[str, float] = field(default_factory=dict)  # they were judged by, if known

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


def _holds_digits(connection: sqlite3.Connection, path: str | os.PathLike) -> bool:
    """Whether the file holds DigitPad's digits table (False: it holds no table at all, as a
    new file does). Another program's database is refused, never changed: $DIGITPAD_SAMPLES
    mistyped would have put its file in WAL mode and added a table to it."""
    tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
    if "samples" in tables:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(samples)")]
        if columns != SAMPLE_COLUMNS:
            raise SamplesUnavailable(
                f"{path} is another program's database: its samples table is not DigitPad's "
                f"(columns {', '.join(columns)}){ANOTHER_FILE}"
            )
        (table,) = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'samples'")
        # Refused, not shown in part: Your digits broke on the first such row, with a traceback.
        if table[0].split() != SCHEMA.replace(" IF NOT EXISTS", "").split():
            (damaged,) = connection.execute(DAMAGED_ROWS).fetchone()
            if damaged:
                raise SamplesUnavailable(
                    f"{path} holds {damaged:,} digits that are not as DigitPad saves them (a "
                    "time, a label 0-9, a drawing and a 28x28 input): it was written by another "
                    f"program{ANOTHER_FILE}"
                )
        return True
    if tables - {"sqlite_sequence"}:
        raise SamplesUnavailable(
            f"{path} is another program's database (tables {', '.join(sorted(tables))}), "
            f"not DigitPad's digits{ANOTHER_FILE}"
        )
    return False


@contextmanager
def connect(path: str | os.PathLike, create: bool = True) -> Iterator[sqlite3.Connection]:
    """A fresh connection to the database, created with its table if new; closed afterwards.
    With `create` False, a file that holds no digits table is refused, and left as it was."""
    if Path(path).is_dir():  # "unable to open database file", said SQLite
        raise SamplesUnavailable(_a_folder(path))
    if not create and not Path(path).is_file():
        raise SamplesUnavailable(f"no file at {path}")
    # A copy made to read a file that cannot be written goes once the connection is closed.
    cleanup = ExitStack()
    try:
        if Path(path).is_file() and not _can_write(Path(path)):
            # Read as it is, nothing made or written: a copy on a read-only share, say. Opened
            # to write, it could not even be counted.
            connection, create = _opened_to_read(Path(path), cleanup), False
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we open transactions ourselves, with BEGIN IMMEDIATE.
            connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except (sqlite3.Error, OSError) as error:
        cleanup.close()
        raise SamplesUnavailable(f"cannot open {path}: {error}") from error
    try:
        if create:
            _holds_digits(connection, path)  # before anything is written to the file
            _use_wal(connection)
            # FULL: a committed sample is on disk before the commit returns, even on power loss.
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute(SCHEMA)
        elif not _holds_digits(connection, path):
            raise SamplesUnavailable(f"{path} holds no DigitPad digits (no samples table)")
        yield connection
    except sqlite3.Error as error:
        raise SamplesUnavailable(_trouble(path, error)) from error
    finally:
        connection.close()
        cleanup.close()


def _a_folder(path: str | os.PathLike) -> str:
    return f"{path} is a folder: name a file in it for your digits (${SAMPLES_ENV})"


def read_only(path: str | os.PathLike) -> bool:
    """Whether the database is there to read but cannot be written: its digits shown, nothing
    saved, deleted or imported."""
    return Path(path).is_file() and not _can_write(Path(path))


def why_not_saved(path: str | os.PathLike) -> str | None:
    """Why no digit could be saved to `path`, told without making or opening it (the server
    says so as it starts, before a student's save fails); None when it can be."""
    path = Path(path)
    if path.is_dir():
        return _a_folder(path)
    if read_only(path):
        return f"{path} cannot be written, only read (${SAMPLES_ENV})"
    if path.is_file():
        return None
    folder = next(parent for parent in path.absolute().parents if parent.exists())
    if not folder.is_dir():
        return f"{path} cannot be made: {folder} is a file (${SAMPLES_ENV})"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{path} cannot be made: {folder} cannot be written (${SAMPLES_ENV})"
    return None


def _can_write(path: Path) -> bool:
    """Whether SQLite can write the file: the file itself, and beside it (the folder of the
    file a link leads to) its -wal and -shm, or the folder to make them in."""
    path = path.resolve()
    beside = [path.with_name(path.name + end) for end in ("-wal", "-shm")]
    return os.access(path, os.W_OK) and (
        os.access(path.parent, os.W_OK | os.X_OK)
        or all(os.access(file, os.W_OK) for file in beside)
    )


def _opened_to_read(path: Path, cleanup: ExitStack) -> sqlite3.Connection:
    """A file that cannot be written, opened to read: through WAL where its -shm can be had;
    else, where a -wal beside it may hold digits not yet in the file, a copy of both in a
    folder of its own (SQLite reads a -wal only where it can make a -shm), removed by
    `cleanup`; else as it stands on disk (immutable: no lock taken)."""
    connection = sqlite3.connect(
        f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S
    )
    try:
        connection.execute("SELECT name FROM sqlite_master").fetchall()
        return connection
    except sqlite3.Error:
        connection.close()
    wal = path.with_name(path.name + "-wal")
    if not (wal.is_file() and wal.stat().st_size > 0):
        return sqlite3.connect(f"{path.absolute().as_uri()}?immutable=1", uri=True)
    copy = Path(cleanup.enter_context(tempfile.TemporaryDirectory())) / path.name
    shutil.copyfile(path, copy)
    shutil.copyfile(wal, copy.with_name(wal.name))
    return sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True)


def _trouble(path: str | os.PathLike, error: sqlite3.Error) -> str:
    """What went wrong with the file, said so that a person knows what to do."""
    if "locked" in str(error):
        return (
            f"{path} is held by another program writing to it (after {BUSY_TIMEOUT_S:.0f} s of "
            "waiting): try again in a moment"
        )
    if "disk is full" in str(error):
        return f"{path} cannot grow: its disk is full ({error}); nothing was half-written"
    # Where the disk is full, WAL mode cannot even make the index file it reads with.
    if "disk I/O error" in str(error) and _no_room(path):
        return f"{path} cannot be read or written: its disk is full; nothing was half-written"
    if "readonly" in str(error):
        return f"{path} cannot be written (the file or its folder is read-only): it can be read"
    return f"{path}: {error}"


def _no_room(path: str | os.PathLike) -> bool:
    """Whether the disk that holds `path` has no room left (a few kB, what SQLite needs)."""
    try:
        return shutil.disk_usage(Path(path).parent).free < 64 * 1024
    except OSError:
        return False


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """All or nothing; IMMEDIATE takes the write lock up front, so two writers never deadlock."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        # SQLite has undone it already after a full disk or an I/O error, and a ROLLBACK then
        # would raise in place of the error that says what went wrong.
        if connection.in_transaction:
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


def sample_row(
    canvas_png: bytes,
    image: np.ndarray,
    label: int,
    probs: dict[str, np.ndarray],
    created: str | None,
    thresholds: dict[str, float | None] | None = None,
) -> tuple:
    """One sample as the database stores it, its time None where none is known (an imported
    file's picture, given the import's time by `add_new_rows`), with each model's "not sure"
    threshold where given; ValueError for a label that is no digit. Only DigitPad's networks'
    answers are kept: a file's answers of another, named anything, made a network of it on Your
    digits, its name shown as Markdown."""
    if not 0 <= int(label) < NUM_CLASSES:
        raise ValueError(f"a label is a digit 0-9, not {label}")
    predictions = {
        name: {"digit": int(np.argmax(p)), "probs": [float(v) for v in np.asarray(p).ravel()]}
        for name, p in probs.items()
        if name in MODEL_NAMES
    }
    for name, threshold in (thresholds or {}).items():
        if name in predictions and threshold is not None:
            predictions[name]["threshold"] = float(threshold)
    return (
        created,
        int(label),
        bytes(canvas_png),
        input_image(image).tobytes(),
        json.dumps(predictions),
    )


INSERT = "INSERT INTO samples (created, label, canvas_png, image, predictions) VALUES (?,?,?,?,?)"
RESTORE = (
    "INSERT INTO samples (id, created, label, canvas_png, image, predictions) VALUES (?,?,?,?,?,?)"
)


def add_sample(
    path: str | os.PathLike,
    canvas_png: bytes,
    image: np.ndarray,
    label: int,
    probs: dict[str, np.ndarray],
    created: str | None = None,
    thresholds: dict[str, float | None] | None = None,
) -> int:
    """Save one labelled drawing in one transaction, with the answers it was given and the
    thresholds they were judged by; returns its id."""
    row = sample_row(canvas_png, image, label, probs, created or utc_now(), thresholds)
    with connect(path) as db, transaction(db):
        return db.execute(INSERT, row).lastrowid


def _sample(row: sqlite3.Row | tuple) -> Sample:
    sample_id, created, label, canvas_png, image, predictions = row
    probs, thresholds = _answers(predictions)
    return Sample(
        id=sample_id,
        created=created.decode(errors="replace"),
        label=label,
        canvas_png=canvas_png,
        image=np.frombuffer(image, np.float32).reshape(28, 28),
        probs=probs,
        thresholds=thresholds,
    )


def _answers(predictions: bytes) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """A sample's saved answers, each model's 10 probabilities, and the "not sure" thresholds
    they were judged by (none for one saved before they were kept); none at all where a damaged
    file garbled them, so that the drawing and its label can still be seen, exported or deleted
    (one garbled digit hid every other, and with them the button that deletes it)."""
    try:
        saved = json.loads(predictions.decode())
        probs = {
            name: np.asarray(p["probs"], np.float32).reshape(NUM_CLASSES)
            for name, p in saved.items()
        }
        thresholds = {name: float(p["threshold"]) for name, p in saved.items() if "threshold" in p}
    except (ValueError, KeyError, TypeError, AttributeError):  # UnicodeDecodeError among them
        return {}, {}
    return probs, thresholds


# The text columns as bytes: SQLite hands Python a garbled text as an error for the whole query.
COLUMNS = "id, CAST(created AS BLOB), label, canvas_png, image, CAST(predictions AS BLOB)"


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


def delete_sample(path: str | os.PathLike, sample_id: int) -> Sample | None:
    """Delete one sample; returns it, for `restore_sample`, or None when there was none."""
    with connect(path) as db, transaction(db):
        row = db.execute(
            f"SELECT {COLUMNS} FROM samples WHERE id = ?", (int(sample_id),)
        ).fetchone()
        if row is None:
            return None
        db.execute("DELETE FROM samples WHERE id = ?", (int(sample_id),))
    return _sample(row)


def restore_sample(path: str | os.PathLike, sample: Sample) -> int | None:
    """Put a deleted sample back as it was, its id and time included: a delete undone. Where
    it is here again (its time, label and 28x28 input), imported from a file made before the
    delete, nothing is put back, not to keep it twice: returns its id."""
    row = sample_row(
        sample.canvas_png,
        sample.image,
        sample.label,
        sample.probs,
        sample.created,
        sample.thresholds,
    )
    key = input_key(row[3])
    with connect(path) as db, transaction(db):
        same = db.execute("SELECT id, image FROM samples WHERE created = ? AND label = ?", row[:2])
        for other, image in same:
            if input_key(image) == key:
                return other
        db.execute(RESTORE, (sample.id, *row))
    return None


def counts_per_digit(path: str | os.PathLike) -> np.ndarray:
    """How many samples of each digit 0-9."""
    counts = np.zeros(NUM_CLASSES, int)
    with connect(path) as db:
        for label, count in db.execute("SELECT label, count(*) FROM samples GROUP BY label"):
            counts[label] = count
    return counts


def evaluate_samples(path: str | os.PathLike) -> dict[str, "Evaluation"]:
    """Each model's accuracy and confusion matrix on the samples, from the answers it gave when
    each digit was saved, with the thresholds they were judged by (a sample saved without a
    model's answer does not count for it)."""
    from digitpad.evaluation import evaluate_probs

    labels, probs, thresholds = {}, {}, {}
    with connect(path) as db:
        rows = db.execute("SELECT label, CAST(predictions AS BLOB) FROM samples")
        for label, predictions in rows:
            answers, judged_by = _answers(predictions)
            for name, p in answers.items():
                labels.setdefault(name, []).append(label)
                probs.setdefault(name, []).append(p)
                thresholds.setdefault(name, []).append(judged_by.get(name, np.nan))
    return {
        name: evaluate_probs(
            np.asarray(probs[name], np.float32),
            np.asarray(labels[name]),
            np.asarray(thresholds[name], np.float64),
        )
        for name in probs
    }


def training_arrays(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Every sample's 28x28 input (N, 28, 28) float32 and label (N,), oldest first; the file
    is only read (`train.py --finetune-on` may be handed another program's database)."""
    with connect(path, create=False) as db:
        rows = db.execute("SELECT image, label FROM samples ORDER BY id").fetchall()
    images = np.array([np.frombuffer(image, np.float32) for image, _ in rows], np.float32)
    images = images.reshape(-1, 28, 28)
    # Gray levels DigitPad never saves: one NaN pixel trained a CNN that read 9.8% of MNIST.
    damaged = int(np.sum(~((images >= 0) & (images <= 1)).all(axis=(1, 2))))
    if damaged:
        raise SamplesUnavailable(
            f"{path}: {damaged} of its {len(rows)} digits' 28x28 inputs hold gray levels outside "
            "0 to 1 (damaged, or written by another program)"
        )
    return images, np.array([label for _, label in rows], np.int64)


def input_key(image: bytes) -> bytes:
    """A stored 28x28 input as the 8-bit gray a zip export keeps of it, rounded as the export
    rounds it: the same digit, however it came back (an .npz keeps the float32, a zip that
    gray, and either may lack the drawing)."""
    return as_uint8(np.frombuffer(image, np.float32)).tobytes()


def add_new_rows(path: str | os.PathLike, rows: list[tuple]) -> int:
    """Add `sample_row`s in one transaction, leaving out any already here, so that importing a
    file twice adds it once: the same time, digit and 28x28 input, or for a row with no time of
    its own the same digit and input (its time would be the import's, new at every import); a
    row with no time is given the import's. Returns how many were added."""
    added, imported_at = 0, utc_now()
    with connect(path) as db, transaction(db):
        # Read once, not once a row, which made importing grow with the square of the samples.
        seen = {
            (created, label, input_key(image))
            for created, label, image in db.execute("SELECT created, label, image FROM samples")
        }
        drawn = {(label, key) for _, label, key in seen}
        for row in rows:
            created, label, key = row[0], row[1], input_key(row[3])
            here = (created, label, key) in seen if created else (label, key) in drawn
            if here:
                continue
            row = (created or imported_at, *row[1:])
            db.execute(INSERT, row)
            seen.add((row[0], label, key))
            drawn.add((label, key))
            added += 1
    return added
