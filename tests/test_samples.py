"""The samples database: whole samples under concurrency and kills, exports that come back."""

import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from contextlib import contextmanager

import cv2
import numpy as np
import pytest

from conftest import REPO, read_only
from digitpad import sample_files, samples
from digitpad.images import png_bytes
from digitpad.preprocess import as_uint8


def sample(i: int, canvas_bytes: int = 64) -> dict:
    """The i-th test sample: every field derived from i, so a torn row shows."""
    label = i % 10
    return {
        "canvas_png": i.to_bytes(4, "big") * (canvas_bytes // 4),
        "image": np.full((28, 28), (i % 100) / 100, np.float32),
        "label": label,
        "probs": {"mlp": np.eye(10)[label], "cnn": np.eye(10)[(label + 1) % 10]},
    }


def assert_whole(db) -> list[samples.Sample]:
    """The database is sound and every row is one complete test sample."""
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    rows = samples.list_samples(db)
    for row in rows:
        i = int.from_bytes(row.canvas_png[:4], "big")
        expected = sample(i, len(row.canvas_png))
        assert row.canvas_png == expected["canvas_png"]
        assert row.label == expected["label"]
        np.testing.assert_array_equal(row.image, expected["image"])
        assert set(row.probs) == {"mlp", "cnn"} and row.created
    return rows


def test_add_list_count_delete(tmp_path):
    db = tmp_path / "nested" / "samples.db"
    ids = [samples.add_sample(db, **sample(i)) for i in range(12)]
    assert ids == list(range(1, 13))
    assert samples.count_samples(db) == 12 and samples.count_samples(db, label=3) == 1
    page = samples.list_samples(db, limit=5, offset=5)
    assert [s.id for s in page] == [7, 6, 5, 4, 3], "newest first, a page at a time"
    assert [s.id for s in samples.list_samples(db, label=1)] == [12, 2]
    deleted = samples.delete_sample(db, 2)
    assert deleted.id == 2 and samples.delete_sample(db, 2) is None
    samples.restore_sample(db, deleted)  # undone: back as it was, its id and time included
    restored = samples.list_samples(db, label=1)[-1]
    assert (restored.id, restored.created, restored.canvas_png) == (
        2,
        deleted.created,
        deleted.canvas_png,
    )
    np.testing.assert_array_equal(restored.image, deleted.image)
    assert all(np.array_equal(restored.probs[n], deleted.probs[n]) for n in ("mlp", "cnn"))
    assert samples.delete_sample(db, 2)
    assert samples.counts_per_digit(db).tolist() == [2, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    first = samples.list_samples(db)[-1]
    assert first.predicted("mlp") == first.label and first.predicted("rnn") is None
    assert_whole(db)


def test_accuracy_and_confusion_from_the_saved_answers(tmp_path):
    db = tmp_path / "samples.db"
    for i in range(4):
        samples.add_sample(db, **sample(i))
    samples.add_sample(db, b"png", np.zeros((28, 28)), 7, {"cnn": np.eye(10)[7]})
    result = samples.evaluate_samples(db)
    assert result["mlp"].accuracy == 1.0 and result["mlp"].confusion.sum() == 4
    assert result["cnn"].accuracy == pytest.approx(1 / 5)
    assert result["cnn"].confusion[0, 1] == 1 and result["cnn"].confusion[7, 7] == 1


def test_the_thresholds_answers_were_judged_by_are_kept(tmp_path):
    db = tmp_path / "samples.db"
    sure_of = np.full(10, 0.1 / 9)
    sure_of[3] = 0.9
    samples.add_sample(db, b"png", np.zeros((28, 28)), 3, {"cnn": sure_of, "mlp": sure_of},
                       thresholds={"cnn": 0.95, "mlp": None})  # fmt: skip
    saved = samples.list_samples(db)[0]
    assert saved.thresholds == {"cnn": 0.95}
    assert np.isnan(samples.evaluate_samples(db)["mlp"].thresholds).all()
    # The CNN's answer was below its threshold of then, 95%, though above today's 80%.
    assert samples.evaluate_samples(db)["cnn"].right_but_unsure(0.8) == 1
    assert samples.evaluate_samples(db)["mlp"].right_but_unsure(0.8) == 0
    assert samples.evaluate_samples(db)["mlp"].right_but_unsure(0.95) == 1
    samples.restore_sample(db, samples.delete_sample(db, saved.id))
    assert samples.list_samples(db)[0].thresholds == {"cnn": 0.95}


def test_bad_samples_are_refused(tmp_path):
    db = tmp_path / "samples.db"
    with pytest.raises(ValueError, match="0-9"):
        samples.add_sample(db, b"png", np.zeros((28, 28)), 10, {})
    with pytest.raises(ValueError, match="28x28"):
        samples.add_sample(db, b"png", np.zeros((20, 28)), 1, {})
    assert samples.count_samples(db) == 0


def test_a_file_that_is_no_database_says_so(tmp_path):
    db = tmp_path / "samples.db"
    db.write_bytes(b"not sqlite" * 100)
    with pytest.raises(samples.SamplesUnavailable, match="samples.db"):
        samples.count_samples(db)
    # $DIGITPAD_SAMPLES set to a folder: "cannot open …: unable to open database file".
    folder = tmp_path / "digits"
    folder.mkdir()
    for create in (True, False):
        with pytest.raises(samples.SamplesUnavailable, match="digits is a folder: name a file in"):
            samples.count_samples(folder) if create else samples.training_arrays(folder)


def test_a_full_disk_is_said_and_the_digits_saved_before_stay(tmp_path):
    db_path = tmp_path / "samples.db"
    samples.add_sample(db_path, **sample(1))
    big = sample(2, canvas_bytes=1 << 20)
    row = samples.sample_row(big["canvas_png"], big["image"], 2, big["probs"], samples.utc_now())
    # The disk full after the file's pages so far; SQLite undoes the write itself, and undoing
    # it again said "cannot rollback - no transaction is active" in place of what went wrong.
    with pytest.raises(samples.SamplesUnavailable, match="disk is full.*nothing was half-written"):
        with samples.connect(db_path) as db:
            db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
            with samples.transaction(db):
                db.execute(samples.INSERT, row)
    assert [s.label for s in assert_whole(db_path)] == [1]


def test_an_import_the_disk_fills_part_way_through_adds_none_of_it(tmp_path, monkeypatch):
    db_path = tmp_path / "samples.db"
    samples.add_sample(db_path, **sample(1))
    rows = []
    for i in range(2, 12):
        big = sample(i, canvas_bytes=1 << 16)  # 16 pages of the file a row
        rows.append(samples.sample_row(big["canvas_png"], big["image"], big["label"],
                                       big["probs"], samples.utc_now()))  # fmt: skip
    opened = samples.connect

    @contextmanager
    def on_a_nearly_full_disk(path, create=True):
        with opened(path, create) as db:
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            db.execute(f"PRAGMA max_page_count = {pages + 40}")  # room for two of the ten
            yield db

    monkeypatch.setattr(samples, "connect", on_a_nearly_full_disk)
    with pytest.raises(samples.SamplesUnavailable, match="disk is full"):
        samples.add_new_rows(db_path, rows)
    monkeypatch.undo()
    # One transaction: the two rows written before the disk filled are undone with it.
    assert [s.label for s in assert_whole(db_path)] == [1]


def test_a_disk_so_full_that_the_digits_cannot_be_read_says_so(tmp_path, monkeypatch):
    # WAL mode makes an index file to read with: on a full disk, "disk I/O error", unexplained.
    error = sqlite3.OperationalError("disk I/O error")
    full = shutil._ntuple_diskusage(total=300 * 1024, used=300 * 1024, free=0)
    monkeypatch.setattr(samples.shutil, "disk_usage", lambda path: full)
    assert "its disk is full" in samples._trouble(tmp_path / "samples.db", error)
    monkeypatch.setattr(samples.shutil, "disk_usage", lambda path: full._replace(free=1 << 30))
    assert "its disk is full" not in samples._trouble(tmp_path / "samples.db", error)


GOOD_ROW = {"created": "2026-12-07T10:00:00Z", "label": 3, "canvas_png": b"png",
            "image": bytes(samples.IMAGE_BYTES), "predictions": "{}"}  # fmt: skip
INSERT_ROW = ("INSERT INTO samples (created, label, canvas_png, image, predictions) "
              "VALUES (:created, :label, :canvas_png, :image, :predictions)")  # fmt: skip


@pytest.mark.parametrize(
    "damage",
    [{"image": b"\0" * 101}, {"image": None}, {"label": 42}, {"label": "one"},
     {"created": None}, {"canvas_png": b""}],
    ids=["short input", "no input", "label 42", "label one", "no time", "empty drawing"],
)  # fmt: skip
def test_a_table_of_digitpads_columns_made_elsewhere_is_checked(tmp_path, damage):
    # DigitPad's columns without its checks: a traceback in train.py --finetune-on, and on Your
    # digits (an IndexError counting a label 42, an AttributeError showing a digit with no time).
    db_path = tmp_path / "samples.db"
    with sqlite3.connect(db_path) as db:
        db.execute(f"CREATE TABLE samples ({', '.join(samples.SAMPLE_COLUMNS)})")
        for row in (GOOD_ROW, GOOD_ROW | damage):
            db.execute(INSERT_ROW, row)
    db.close()
    for read in (samples.count_samples, samples.counts_per_digit, samples.list_samples,
                 samples.evaluate_samples, samples.training_arrays, sample_files.export_npz,
                 sample_files.export_zip):  # fmt: skip
        with pytest.raises(samples.SamplesUnavailable, match="holds 1 digits that are not as"):
            read(db_path)


def test_a_table_of_digitpads_columns_made_elsewhere_with_its_good_digits_is_read(tmp_path):
    db_path = tmp_path / "samples.db"
    with sqlite3.connect(db_path) as db:
        db.execute(f"CREATE TABLE samples ({', '.join(samples.SAMPLE_COLUMNS)})")
        db.execute(INSERT_ROW, GOOD_ROW)
    db.close()
    assert samples.counts_per_digit(db_path)[3] == 1
    assert samples.training_arrays(db_path)[1].tolist() == [3]


@pytest.mark.parametrize("level", [np.nan, np.inf, -0.5, 3.0])
def test_digits_to_train_on_with_gray_levels_digitpad_never_saves_are_refused(tmp_path, level):
    # One NaN pixel in one digit trained a CNN that read 9.8% of MNIST's test digits, and it
    # became the CNN every page read with.
    db_path = tmp_path / "samples.db"
    samples.add_sample(db_path, **sample(1))
    image = np.zeros((28, 28), np.float32)
    image[0, 0] = level
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE samples SET image = ?", (image.tobytes(),))
    db.close()
    with pytest.raises(samples.SamplesUnavailable, match="1 of its 1 digits' 28x28 inputs hold"):
        samples.training_arrays(db_path)


def test_concurrent_writes_from_8_threads_all_land(tmp_path):
    db = tmp_path / "samples.db"  # new: the threads race to create it too
    threads, per_thread = 8, 25
    start = threading.Barrier(threads)
    ids, errors = [], []

    def write(t: int) -> None:
        start.wait()
        try:
            for k in range(per_thread):
                ids.append(samples.add_sample(db, **sample(t * per_thread + k)))
        except Exception as error:  # reported below: a thread's exception is otherwise lost
            errors.append(error)

    workers = [threading.Thread(target=write, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    assert sorted(ids) == list(range(1, threads * per_thread + 1))
    rows = assert_whole(db)
    written = sorted(int.from_bytes(row.canvas_png[:4], "big") for row in rows)
    assert written == list(range(threads * per_thread))


def test_threads_racing_to_create_a_database_all_get_in(tmp_path):
    # Switching a new file to WAL needs it alone, and SQLite refuses the losers of that race at
    # once ("database is locked") instead of waiting: 5 of 200 such races failed before
    # samples waited them out itself. A hundred races, so that a regression shows.
    threads = 8
    for race in range(100):
        db = tmp_path / f"race{race}.db"
        start = threading.Barrier(threads)
        errors = []

        def open_new(path=db, barrier=start, failed=errors) -> None:
            barrier.wait()
            try:
                with samples.connect(path) as connection:
                    mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
                    assert mode == "wal", mode
            except Exception as error:
                failed.append(error)

        workers = [threading.Thread(target=open_new) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert not errors, (race, errors)


WRITER = """
import sys
from test_samples import sample
from digitpad import samples
for i in range(int(sys.argv[2]), 10**9):
    samples.add_sample(sys.argv[1], **sample(i, canvas_bytes=1 << 20))
    print(i, flush=True)
"""


def test_a_writer_killed_mid_write_leaves_whole_samples_only(tmp_path):
    """SIGKILL a process writing 1 MB samples in a loop, eight times: what it reported
    committed is there, and nothing half-written is. Each kill lands at a random moment: with
    three, a write of a sample in two statements, not one transaction, passed now and then."""
    db = tmp_path / "samples.db"
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'tests'}"}
    committed, rng = [], np.random.default_rng(0)
    for round_ in range(8):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), str(1000 * round_)],
            stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        # Wait for a few commits, then kill at a random moment of the next writes.
        for _line in range(3):
            committed.append(int(writer.stdout.readline()))
        time.sleep(rng.uniform(0, 0.05))
        writer.send_signal(signal.SIGKILL)
        committed += [int(line) for line in writer.stdout.read().split()]
        writer.wait()
        assert writer.returncode == -signal.SIGKILL
    rows = assert_whole(db)
    saved = {int.from_bytes(row.canvas_png[:4], "big") for row in rows}
    assert set(committed) <= saved, "a committed sample was lost"
    assert len(saved) == len(rows)


def fill(db, count: int = 6) -> None:
    """Samples with real canvas PNGs (imports check them) and ink (imports leave out blank
    ones), and one only the CNN read."""
    for i in range(count):
        canvas = png_bytes(np.full((280, 280, 4), i, np.uint8))
        image = np.zeros((28, 28), np.float32)
        image[4:24, 4 + i] = 1.0
        # The thresholds the answers were judged by, where known: the CNN's of the first three.
        judged_by = {"cnn": 0.85 + i / 100} if i < 3 else None
        samples.add_sample(
            db, **{**sample(i), "canvas_png": canvas, "image": image, "thresholds": judged_by}
        )
    only_cnn = {"cnn": np.eye(10)[3]}
    image = np.linspace(0, 1, 784).reshape(28, 28)
    samples.add_sample(db, png_bytes(image.astype(np.uint8)), image, 3, only_cnn)


def assert_same(ours, theirs, atol=0.0) -> None:
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert (a.created, a.label, a.canvas_png) == (b.created, b.label, b.canvas_png)
        np.testing.assert_allclose(a.image, b.image, atol=atol)
        assert a.probs.keys() == b.probs.keys()
        for name in a.probs:
            np.testing.assert_allclose(a.probs[name], b.probs[name], rtol=1e-6)
        assert a.thresholds == b.thresholds  # "not sure" judged as it was, after a move


def test_npz_round_trip_and_importing_twice_adds_once(tmp_path):
    fill(tmp_path / "a.db")
    exported = sample_files.export_npz(tmp_path / "a.db")
    with np.load(io.BytesIO(exported), allow_pickle=False) as f:
        assert f["images"].shape == (7, 28, 28) and f["labels"].tolist()[-1] == 3
        assert np.isnan(f["probs_mlp"][-1]).all()
    assert sample_files.import_file(tmp_path / "b.db", exported) == sample_files.Imported(
        7, 0, 0, 0
    )
    assert sample_files.import_file(tmp_path / "b.db", exported) == sample_files.Imported(
        0, 7, 0, 0
    )
    assert_same(samples.list_samples(tmp_path / "a.db"), samples.list_samples(tmp_path / "b.db"))


def test_answers_of_a_network_digitpad_has_not_are_left_out_of_an_import(tmp_path):
    # Any probs_<name> became a network scored on Your digits, its name shown as Markdown.
    answers = np.eye(10, dtype=np.float32)[[3, 5]]
    images = np.zeros((2, 28, 28), np.float32)
    images[:, 6:22, 13:15] = 1.0  # a stroke of ink each
    npz = io.BytesIO()
    np.savez(npz, images=images, labels=np.array([3, 5]),
             probs_cnn=answers, **{"probs_:red[**HACK**]": answers})  # fmt: skip
    assert sample_files.import_file(tmp_path / "b.db", npz.getvalue()).added == 2
    assert set(samples.evaluate_samples(tmp_path / "b.db")) == {"cnn"}


def test_zip_round_trip(tmp_path):
    fill(tmp_path / "a.db")
    exported = sample_files.export_zip(tmp_path / "a.db")
    names = zipfile.ZipFile(io.BytesIO(exported)).namelist()
    assert "28x28/id7_digit3.png" in names and "canvas/id7_digit3.png" in names
    assert sample_files.import_file(tmp_path / "b.db", exported).added == 7
    # The zip's 28x28 PNGs are 8-bit: the inputs come back to within half a gray level.
    assert_same(
        samples.list_samples(tmp_path / "a.db"),
        samples.list_samples(tmp_path / "b.db"),
        atol=0.5 / 255 + 1e-6,
    )
    exported = sample_files.export_npz(tmp_path / "a.db")
    assert sample_files.import_file(tmp_path / "b.db", exported).already_here == 7


def test_files_without_times_imported_twice_add_once(tmp_path):
    # A teacher's .npz of images and labels, and a zip of 28x28 PNGs with no manifest, were
    # each added again at every import: their pictures took the import's time, new each time.
    images = np.zeros((3, 28, 28), np.uint8)
    for i, image in enumerate(images):
        image[4:24, 8 + 4 * i] = 255
    plain_npz = npz_of(labels=np.array([1, 1, 7]), images=images)
    plain_zip = zip_of({f"28x28/id{i}_digit{d}.png": png_bytes(images[i])
                        for i, d in enumerate([1, 1, 7])})  # fmt: skip
    db = tmp_path / "samples.db"
    assert sample_files.import_file(db, plain_npz) == sample_files.Imported(3, 0, 0, 0)
    assert sample_files.import_file(db, plain_npz) == sample_files.Imported(0, 3, 0, 0)
    assert sample_files.import_file(db, plain_zip) == sample_files.Imported(0, 3, 0, 0)
    kept = samples.list_samples(db)
    assert sorted(s.label for s in kept) == [1, 1, 7] and all(s.created for s in kept)
    # The same picture under another digit is another sample.
    relabelled = npz_of(labels=np.array([4, 1, 7]), images=images)
    assert sample_files.import_file(db, relabelled) == sample_files.Imported(1, 2, 0, 0)


@pytest.mark.parametrize("order", [[0, 1], [1, 0]])
def test_a_picture_in_a_file_with_and_without_a_time_is_one_digit(tmp_path, order):
    # It was added once or twice by the rows' order, and the second copy said "already here".
    image = np.zeros((1, 28, 28), np.uint8)
    image[0, 4:24, 14] = 255
    times = np.array(["2024-01-01T00:00:00.000+00:00", ""])[order]
    twice = npz_of(labels=np.array([1, 1]), images=np.repeat(image, 2, axis=0), created=times)
    assert sample_files.import_file(tmp_path / "samples.db", twice) == sample_files.Imported(
        1, 0, 1, 0
    )
    kept = samples.list_samples(tmp_path / "samples.db")
    assert [s.created for s in kept] == ["2024-01-01T00:00:00.000+00:00"], "the file's own time"


@pytest.mark.parametrize("drawing", ["3000x1", "16-bit"])
def test_a_drawing_the_page_cannot_show_is_imported_as_it_is(tmp_path, drawing):
    # Until 2026-12-03 the drawing page saved an upload whole, a phone's photo or a 16-bit PNG:
    # its export was refused as "larger than any drawing DigitPad saves". Kept, never decoded.
    canvas = {"3000x1": PNG_3000x1, "16-bit": PNG_16_BIT.tobytes()}[drawing]
    seven = np.zeros((28, 28), np.uint8)
    seven[6, 8:20], seven[6:22, 18] = 255, 255
    files = {"28x28/id1_digit7.png": png_bytes(seven), "canvas/id1_digit7.png": canvas}
    assert sample_files.import_file(tmp_path / "samples.db", zip_of(files)).added == 1
    (kept,) = samples.list_samples(tmp_path / "samples.db")
    assert kept.canvas_png == canvas and not sample_files.showable(canvas)


def test_an_export_without_its_drawings_imported_back_adds_nothing(tmp_path):
    # Made smaller by dropping the drawings, every digit came back a second time: they were
    # matched on their drawing, and the 28x28 input stood in for it.
    db = tmp_path / "samples.db"
    fill(db)
    with np.load(io.BytesIO(sample_files.export_npz(db))) as f:
        arrays = {k: f[k] for k in f.files if k not in ("canvas_png", "canvas_offsets")}
    assert sample_files.import_file(db, npz_of(**arrays)) == sample_files.Imported(0, 7, 0, 0)
    with zipfile.ZipFile(io.BytesIO(sample_files.export_zip(db))) as archive:
        inputs = {n: archive.read(n) for n in archive.namelist() if not n.startswith("canvas/")}
    assert sample_files.import_file(db, zip_of(inputs)) == sample_files.Imported(0, 7, 0, 0)
    assert samples.count_samples(db) == 7


def test_a_delete_undone_after_the_digit_came_back_does_not_keep_it_twice(tmp_path):
    # Deleted, imported back from an export made before, then "Undo": the same digit twice,
    # and the next fine-tune trained on it twice.
    db = tmp_path / "samples.db"
    fill(db)
    export = sample_files.export_npz(db)
    deleted = samples.delete_sample(db, 1)
    assert sample_files.import_file(db, export).added == 1
    (back,) = [s.id for s in samples.list_samples(db) if s.created == deleted.created]
    assert samples.restore_sample(db, deleted) == back != deleted.id
    assert samples.count_samples(db) == 7
    # Two digits drawn alike (two plain 1s give one 28x28 input) are two: either comes back.
    times = ["2026-01-01T10:00:00.000+00:00", "2026-01-01T10:00:05.000+00:00"]
    first, second = (samples.add_sample(db, **sample(1), created=time) for time in times)
    assert samples.restore_sample(db, samples.delete_sample(db, second)) is None
    assert {first, second} <= {s.id for s in samples.list_samples(db)}


def test_an_input_halfway_between_two_grays_matches_its_zip_export(tmp_path):
    # Rounded in float32 for the match and in float64 for the zip, a pixel at k + 0.5 (of 255)
    # fell to two grays, and the digit came back from its own zip a second time.
    db = tmp_path / "samples.db"
    image = np.zeros((28, 28), np.float32)
    image[4:24, 14] = 1.0
    image[4, 15] = np.float32(0.5 / 255)
    samples.add_sample(db, png_bytes(as_uint8(image)), image, 1, {})
    assert sample_files.import_file(db, sample_files.export_zip(db)).already_here == 1


@pytest.mark.parametrize(
    "table", ["users (name TEXT)", "samples (id INTEGER PRIMARY KEY, label TEXT, path TEXT)"]
)
def test_another_programs_database_is_refused_and_left_as_it_was(tmp_path, table):
    # $DIGITPAD_SAMPLES mistyped: opening the page put that file in WAL mode and added a table
    # to it, and one with a samples table of its own stopped the page with an IndexError.
    theirs = tmp_path / "theirs.db"
    with sqlite3.connect(theirs) as db:
        db.execute(f"CREATE TABLE {table}")
        db.execute(f"INSERT INTO {table.split()[0]} VALUES ({'1, ' if 'id' in table else ''}'cat'"
                   f"{', 12' if 'id' in table else ''})")  # fmt: skip
    db.close()
    before = theirs.read_bytes()
    for read in (samples.count_samples, samples.counts_per_digit, samples.list_samples,
                 samples.evaluate_samples, samples.training_arrays):  # fmt: skip
        with pytest.raises(samples.SamplesUnavailable, match="another program's database"):
            read(theirs)
    with pytest.raises(samples.SamplesUnavailable, match="another program's database"):
        samples.add_sample(theirs, **sample(1))
    assert theirs.read_bytes() == before
    assert not (tmp_path / "theirs.db-wal").exists()


@pytest.mark.parametrize("slash", ["/", "\\"])
def test_an_export_unzipped_and_zipped_again_imports(tmp_path, slash):
    # Zipping the unzipped folder puts everything under it, a Mac adds __MACOSX beside it, and
    # Windows' own zipping writes "\\" between folders.
    fill(tmp_path / "a.db")
    with zipfile.ZipFile(io.BytesIO(sample_files.export_zip(tmp_path / "a.db"))) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    again = zip_of(
        {f"digitpad-digits/{name}".replace("/", slash): data for name, data in files.items()}
        | {"__MACOSX/digitpad-digits/._samples.json": b"\0\5\26\7"}
    )
    assert sample_files.import_file(tmp_path / "b.db", again).added == 7
    assert_same(
        samples.list_samples(tmp_path / "a.db"),
        samples.list_samples(tmp_path / "b.db"),
        atol=0.5 / 255 + 1e-6,
    )


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def npy_header(shape: tuple) -> bytes:
    """A .npy file of uint8s that says it holds `shape`, and holds nothing."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "|u1", "fortran_order": False, "shape": shape}
    )
    return buffer.getvalue()


def npz_of(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def as_zipped_elsewhere(data: bytes, encrypted: bool = False, method: int | None = None) -> bytes:
    """A zip's every entry marked as encrypted (a password, as Windows and 7-Zip set one), or
    packed by a compression `method` Python cannot unpack."""
    patched = bytearray(data)
    for header, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local, central
        at = patched.find(header)
        while at >= 0:
            patched[at + flags] |= encrypted
            if method is not None:
                patched[at + flags + 2 : at + flags + 4] = method.to_bytes(2, "little")
            at = patched.find(header, at + 4)
    return bytes(patched)


PNG_30x28 = png_bytes(np.zeros((28, 30), np.uint8))
PNG_28x28 = png_bytes(np.zeros((28, 28), np.uint8))
PNG_3000x1 = png_bytes(np.zeros((1, 3000), np.uint8))
HDR = cv2.imencode(".hdr", np.ones((9, 9, 3), np.float32))[1].tobytes()
JPEG_28x28 = cv2.imencode(".jpg", np.eye(28, dtype=np.uint8) * 255)[1].tobytes()
PNG_16_BIT = np.frombuffer(cv2.imencode(".png", np.zeros((9, 9), np.uint16))[1], np.uint8)
ONE_DIGIT = {"labels": np.array([1]), "images": np.zeros((1, 28, 28), np.float32)}
BAD_FILES = {
    "text": (b"hello", "not a DigitPad export"),
    "empty zip": (zip_of({}), "empty zip"),
    # Cut short in a download: it was "not a DigitPad export", as a text file is.
    "truncated npz": (
        npz_of(labels=np.arange(3), images=np.zeros((3, 28, 28)))[:200],
        "the file is cut short or damaged",
    ),
    "truncated zip": (zip_of({"28x28/id1_digit4.png": PNG_28x28})[:-30], "cut short or damaged"),
    "pickled labels": (
        npz_of(labels=np.array([1], object), images=np.zeros((1, 28, 28))),
        "other than plain arrays",
    ),
    "no images": (npz_of(labels=np.arange(3)), "lacks images"),
    "mismatched": (npz_of(labels=np.arange(3), images=np.zeros((2, 28, 28))), "N 28x28 images"),
    "one label, not a list": (npz_of(labels=np.array(1), images=np.zeros((1, 28, 28))),
                              "N 28x28 images"),
    "times that are numbers": (npz_of(**ONE_DIGIT, created=np.array([5.0])), "one text time each"),
    "infinite answers": (npz_of(**ONE_DIGIT, probs_cnn=np.full((1, 10), np.inf)), "probabilities"),
    "negative answers": (npz_of(**ONE_DIGIT, probs_cnn=-np.eye(10)[[3]]), "probabilities"),
    "answers in words": (npz_of(**ONE_DIGIT, probs_cnn=np.full((1, 10), "high")), "probabilities"),
    "label 12": (npz_of(labels=np.array([12]), images=np.zeros((1, 28, 28))), "digits 0-9"),
    "0-255 floats": (npz_of(labels=np.array([1]), images=np.full((1, 28, 28), 9.0)), "[0, 1]"),
    # Imported as they were, and fine-tuning would have learnt from them.
    "dark digits on white": (
        npz_of(labels=np.array([1, 7]), images=1 - np.eye(28)[None].repeat(2, 0)),
        "2 of its 2 digits are dark on a light ground",
    ),
    "zip of other things": (zip_of({"notes.txt": b"hi"}), "no 28x28/id<N>_digit<D>.png"),
    "npz of no digits": (npz_of(labels=np.zeros(0, np.int64), images=np.zeros((0, 28, 28))),
                         "the file holds no digits"),
    "black pictures": (zip_of({f"28x28/id{i}_digit0.png": PNG_28x28 for i in range(3)}),
                       "the file holds no digits (3 blank pictures, with no ink)"),
    "30x28 png": (zip_of({"28x28/id1_digit4.png": PNG_30x28}), "30x28, not 28x28"),
    "broken png": (zip_of({"28x28/id1_digit4.png": b"\x89PNG junk"}), "not a readable PNG"),
    # Imported without a word, its 28x28 input blurred by the JPEG it was.
    "a jpeg named png": (zip_of({"28x28/id1_digit4.png": JPEG_28x28}), "not a readable PNG"),
    # Told from the header before anything is decoded: a 2 MB zip of 16,000-pixel squares took
    # 2 GB to import.
    "a 28x28 that is not": (zip_of({"28x28/id1_digit4.png": PNG_3000x1}), "3000x1, not 28x28"),
    "an HDR canvas": (
        zip_of({"28x28/id1_digit4.png": PNG_28x28, "canvas/id1_digit4.png": HDR}),
        "canvas/id1_digit4.png is not a readable picture",
    ),
    "members that are no arrays": (zip_of({"images.npy": b"garbage", "labels.npy": b"garbage"}),
                                   "images, labels are not arrays"),
    "broken canvas": (
        zip_of({"28x28/id1_digit4.png": PNG_28x28, "canvas/id1_digit4.png": b"junk"}),
        "canvas/id1_digit4.png is not a readable picture",
    ),
    "bad offsets": (
        npz_of(**ONE_DIGIT, canvas_png=np.frombuffer(PNG_28x28, np.uint8),
               canvas_offsets=np.array([0, 5])),
        "canvas_offsets do not cut",
    ),
    "offsets in floats": (
        npz_of(**ONE_DIGIT, canvas_png=np.frombuffer(PNG_28x28, np.uint8),
               canvas_offsets=np.array([0.0, len(PNG_28x28)])),
        "canvas_offsets do not cut",
    ),
    "npz canvas junk": (
        npz_of(**ONE_DIGIT, canvas_png=np.ones(4, np.uint8), canvas_offsets=np.array([0, 4])),
        "canvas 0 is not a readable picture",
    ),
    "bad manifest": (
        zip_of({"28x28/id1_digit4.png": PNG_28x28,
                "samples.json": json.dumps({"id1_digit4.png": {"probs": {"cnn": [1, 2]}}})}),
        "bad answers",
    ),
    "answers over 1 in the manifest": (
        zip_of({"28x28/id1_digit4.png": PNG_28x28,
                "samples.json": json.dumps({"id1_digit4.png": {"probs": {"cnn": [9] * 10}}})}),
        "bad answers",
    ),
    "a threshold that is no number in the manifest": (
        zip_of({"28x28/id1_digit4.png": PNG_28x28,
                "samples.json": json.dumps({"id1_digit4.png": {"thresholds": {"cnn": "high"}}})}),
        "bad thresholds for id1_digit4.png",
    ),
    "thresholds of another length": (
        npz_of(**ONE_DIGIT, thresholds_cnn=np.array([0.8, 0.9])),
        "thresholds_cnn must be a number from 0 to 1 a digit, 1 in all",
    ),
    # A digit read at 100% was "not sure" by a threshold of 7.
    "a threshold over 1": (
        npz_of(**ONE_DIGIT, thresholds_cnn=np.array([7.0])),
        "thresholds_cnn must be a number from 0 to 1 a digit",
    ),
    # Each of these was a traceback on the page.
    "an encrypted zip": (
        as_zipped_elsewhere(zip_of({"28x28/id1_digit4.png": PNG_28x28}), encrypted=True),
        "28x28/id1_digit4.png in the zip cannot be unpacked (",
    ),
    "an encrypted npz": (as_zipped_elsewhere(npz_of(**ONE_DIGIT), encrypted=True),
                         "its arrays cannot be unpacked ("),
    "a zip packed by a method Python lacks": (
        as_zipped_elsewhere(zip_of({"28x28/id1_digit4.png": PNG_28x28}), method=97),
        "28x28/id1_digit4.png in the zip cannot be unpacked (",
    ),
    "an npz packed by a method Python lacks": (as_zipped_elsewhere(npz_of(**ONE_DIGIT), method=97),
                                               "its arrays cannot be unpacked ("),
    "an id of 5,000 digits": (zip_of({f"28x28/id{'9' * 5000}_digit1.png": PNG_28x28}),
                              "the zip holds no 28x28/id<N>_digit<D>.png pictures"),
    # Each of these four was a traceback on the page, with the server's paths in it.
    "a header claiming 7 TB": (zip_of({"labels.npy": npy_header((10**12,)),
                                       "images.npy": npy_header((1, 28, 28))}),
                               "claims arrays too large to load"),
    "a manifest 200,000 deep": (
        zip_of({"28x28/id1_digit4.png": PNG_28x28, "samples.json": "[" * 200_000 + "]" * 200_000}),
        "samples.json in the zip is not JSON",
    ),
    "a threshold of 400 digits": (
        zip_of({"28x28/id1_digit4.png": PNG_28x28,
                "samples.json": json.dumps({"id1_digit4.png": {"thresholds": {"cnn": 10**400}}})}),
        "bad thresholds for id1_digit4.png",
    ),
    "answers of 400 digits": (
        zip_of({"28x28/id1_digit4.png": PNG_28x28,
                "samples.json": json.dumps({"id1_digit4.png": {"probs": {"cnn": [10**400]}}})}),
        "bad answers",
    ),
    # 100,000 digits in 771 kB made the shared database 410 MB, again and again.
    "more digits than an import takes": (
        npz_of(labels=np.arange(10_001) % 10, images=np.zeros((10_001, 28, 28), np.uint8)),
        "it holds 10,001 digits, more than the 10,000 an import takes",
    ),
    "a zip of more digits than an import takes": (
        zip_of({f"28x28/id{i}_digit4.png": PNG_28x28 for i in range(10_001)}),
        "it holds 10,001 digits",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_import_files_say_what_is_wrong_and_add_nothing(name, tmp_path):
    data, message = BAD_FILES[name]
    with pytest.raises(sample_files.BadSampleFile, match=re.escape(message)):
        sample_files.import_file(tmp_path / "samples.db", data)
    assert samples.count_samples(tmp_path / "samples.db") == 0


def test_blank_and_repeated_pictures_are_left_out_and_said(tmp_path):
    # A zip of 40,000 black squares went into the class's database as 28,829 zeros: those read
    # in the same millisecond were taken for one digit, the rest each for a digit of its own.
    seven = np.zeros((28, 28), np.uint8)
    seven[6, 8:20], seven[6:22, 18] = 255, 255
    files = {f"28x28/id{i}_digit0.png": PNG_28x28 for i in range(300)}
    files |= {f"28x28/id{i}_digit7.png": png_bytes(seven) for i in range(1000, 1500)}
    files["28x28/id2000_digit1.png"] = png_bytes(np.eye(28, dtype=np.uint8) * 255)
    imported = sample_files.import_file(tmp_path / "samples.db", zip_of(files))
    assert imported == sample_files.Imported(added=2, already_here=0, repeated=499, blank=300)
    assert sorted(s.label for s in samples.list_samples(tmp_path / "samples.db")) == [1, 7]
    assert imported.said("class.zip") == (
        "Imported 2 digits from class.zip; left out 499 repeated in the file, "
        "300 blank, with no ink to read."
    )
    assert sample_files.Imported(1, 0, 0, 0).said("a.zip") == "Imported 1 digit from a.zip."
    assert sample_files.Imported(0, 3, 0, 0).said("a.zip") == (
        "Imported 0 digits from a.zip; left out 3 already here."
    )


def test_a_file_that_unpacks_too_large_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(sample_files, "MAX_IMPORT_BYTES", 1 << 20)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("images.npy", b"\0" * (2 << 20))  # a few kB packed
    with pytest.raises(sample_files.BadSampleFile, match="unpacks to more than 1 MB"):
        sample_files.import_file(tmp_path / "samples.db", buffer.getvalue())


def test_reading_the_digits_to_train_on_from_no_file_makes_none(tmp_path):
    # Only read, as train.py --finetune-on reads: a missing file was made, and its folder.
    with pytest.raises(samples.SamplesUnavailable, match="no file at"):
        samples.training_arrays(tmp_path / "nowhere" / "samples.db")
    assert not (tmp_path / "nowhere").exists()


def test_a_time_of_any_length_survives_the_npz(tmp_path):
    # Times were cut to 32 characters in an .npz: a digit imported from a zip with a longer one
    # no longer matched itself, and importing the .npz again added it twice.
    when = "2026-12-06T07:00:00.000000+00:00 (school clock)"
    stroke = png_bytes(np.eye(28, dtype=np.uint8) * 255)
    data = zip_of({"28x28/id1_digit4.png": stroke,
                   "samples.json": json.dumps({"id1_digit4.png": {"created": when}})})  # fmt: skip
    database = tmp_path / "samples.db"
    sample_files.import_file(database, data)
    exported = sample_files.export_npz(database)
    with np.load(io.BytesIO(exported)) as arrays:
        assert arrays["created"].tolist() == [when]
    assert sample_files.import_file(database, exported).added == 0
    assert samples.count_samples(database) == 1


def test_a_file_that_cannot_be_written_is_read_and_said_read_only(tmp_path):
    # Opened to write, it could not even be counted: the person's digits were out of reach.
    folder = tmp_path / "share"
    folder.mkdir()
    db = folder / "samples.db"
    fill(db, 2)  # and one more
    with read_only(folder):
        assert samples.count_samples(db) == 3 and len(samples.list_samples(db)) == 3
        assert len(np.load(io.BytesIO(sample_files.export_npz(db)))["labels"]) == 3
        with pytest.raises(samples.SamplesUnavailable, match="cannot be written .* can be read"):
            samples.add_sample(db, **sample(9))
        assert sorted(p.name for p in folder.iterdir()) == ["samples.db"], "nothing made"


def test_a_file_held_by_another_writer_says_to_try_again(tmp_path, monkeypatch):
    db = tmp_path / "samples.db"
    fill(db, 0)  # one
    monkeypatch.setattr(samples, "BUSY_TIMEOUT_S", 0.2)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program, mid-write
    try:
        with pytest.raises(samples.SamplesUnavailable, match="another program writing to it"):
            samples.add_sample(db, **sample(5))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert samples.count_samples(db) == 1


def test_a_read_only_copy_whose_last_digits_are_in_its_wal_is_read_whole(tmp_path):
    # Read as the file alone stands, its last digits, still in the -wal, went unsaid: 5 of 12.
    live = tmp_path / "live.db"
    fill(live, 4)  # and one more
    holder = sqlite3.connect(live)  # a server's connection: the -wal is not folded back at close
    holder.execute("SELECT count(*) FROM samples").fetchall()
    fill(live, 6)
    folder = tmp_path / "copy"
    folder.mkdir()
    for end in ("", "-wal"):  # copied without its -shm, as a copy taken mid-use may be
        (folder / f"samples.db{end}").write_bytes((tmp_path / f"live.db{end}").read_bytes())
    holder.close()
    assert (folder / "samples.db-wal").stat().st_size > 0
    with read_only(folder):
        assert samples.count_samples(folder / "samples.db") == 12
        with pytest.raises(samples.SamplesUnavailable, match="cannot be written"):
            samples.add_sample(folder / "samples.db", **sample(9))
    assert sorted(p.name for p in folder.iterdir()) == ["samples.db", "samples.db-wal"]


def test_why_no_digit_could_be_saved_is_told_without_making_the_file(tmp_path):
    # The server says it as it starts, before a student's save fails.
    assert samples.why_not_saved(tmp_path / "new" / "samples.db") is None
    assert not (tmp_path / "new").exists()
    assert samples.why_not_saved(tmp_path).startswith(f"{tmp_path} is a folder")
    (tmp_path / "notes.txt").write_text("not a folder")
    said = samples.why_not_saved(tmp_path / "notes.txt" / "samples.db")
    assert f"{tmp_path / 'notes.txt'} is a file" in said
    kept = tmp_path / "kept.db"
    with samples.connect(kept):
        pass
    assert samples.why_not_saved(kept) is None
    with read_only(tmp_path):
        said = samples.why_not_saved(kept)
        assert said == f"{kept} cannot be written, only read ($DIGITPAD_SAMPLES)"
        said = samples.why_not_saved(tmp_path / "new.db")
        assert said.startswith(f"{tmp_path / 'new.db'} cannot be made: {tmp_path} cannot be")
