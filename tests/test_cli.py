"""python -m digitpad predict / evaluate, run as a user runs them."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import PENDIGITS_FILE, REPO, mnist_on_canvas
from digitpad import versions
from digitpad.cli import PREDICT_BATCH
from digitpad.store import UNCALIBRATED_THRESHOLD, load_card, not_sure_thresholds, store_dir


def run_cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "digitpad", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory, mnist_test):
    folder = tmp_path_factory.mktemp("images")
    images, labels = mnist_test
    for i in range(6):
        # dark ink on white paper, as a scan or a photo would be
        cv2.imwrite(
            str(folder / f"digit{i}_{labels[i]}.png"), 255 - mnist_on_canvas(images[i])[..., 0]
        )
    (folder / "garbage.png").write_bytes(b"this is not an image")
    cv2.imwrite(str(folder / "blank.png"), np.full((60, 60), 255, np.uint8))
    return folder


def json_records(done) -> dict[str, dict]:
    """The CLI's JSON lines, keyed by each file's name."""
    records = map(json.loads, done.stdout.splitlines())
    return {record["path"].rsplit("/", 1)[-1]: record for record in records}


def test_predict_json_reads_digits_and_reports_bad_files(image_folder):
    done = run_cli("predict", "--json", str(image_folder))
    assert done.returncode == 1, "two files not read"
    records = json_records(done)
    assert len(records) == 8
    for name, record in records.items():
        if name.startswith("digit"):
            label = int(name.split("_")[1].split(".")[0])
            for model in ("mlp", "cnn"):
                assert record[model]["digit"] == label
                assert len(record[model]["probs"]) == 10
                assert sum(record[model]["probs"]) == pytest.approx(1, abs=1e-3)
    assert "error" in records["garbage.png"] and "mlp" not in records["garbage.png"]
    assert "blank" in records["blank.png"]["error"]
    assert "Traceback" not in done.stderr


def test_predict_reads_batch_after_batch_in_order(tmp_path, mnist_test):
    # More images than the networks read at once, blank ones among them: every line in name
    # order, each digit read as itself, whichever batch it fell in.
    images, labels = mnist_test
    count = 2 * PREDICT_BATCH + 40
    for i in range(count):
        picture = np.full((28, 28), 255, np.uint8) if i % 97 == 0 else 255 - images[i]
        cv2.imwrite(str(tmp_path / f"{i:04d}.png"), picture)
    done = run_cli("predict", "--json", str(tmp_path))
    assert done.returncode == 1, "the blank images not read"
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["path"].rsplit("/", 1)[-1] for r in records] == [f"{i:04d}.png" for i in range(count)]
    read = [i for i, r in enumerate(records) if "cnn" in r]
    assert [i for i, r in enumerate(records) if "error" in r] == list(range(0, count, 97))
    cnn_digits = np.array([records[i]["cnn"]["digit"] for i in read])
    assert (cnn_digits == labels[read]).mean() > 0.97


def test_predict_text_output(image_folder):
    done = run_cli("predict", str(image_folder / "digit0_7.png"))
    assert done.returncode == 0
    # One line a picture: its path, then each model's digit, how sure, and all ten
    # probabilities, in a form scripts read.
    (line,) = done.stdout.splitlines()
    reading = r"(mlp|cnn) 7 \(\d{1,3}\.\d%(, not sure)?\) \[(0|1)\.\d{3}( (0|1)\.\d{3}){9}\]"
    assert re.fullmatch(rf".*digit0_7\.png: {reading}  {reading}", line), line
    # TensorFlow's start-up notices ("oneDNN custom operations are on", four lines) are not
    # the command's to say: nothing went wrong, and stderr says nothing.
    assert done.stderr == ""


def test_the_cli_says_when_cnn_is_a_fine_tuned_version(image_folder, store_copy):
    # "cnn 99.57%" from evaluate, 99.61% for the shipped CNN, with no word of which was read.
    folder = store_copy / "versions"
    folder.mkdir()
    version = "cnn-20250101T000000Z"
    (folder / f"{version}.keras").symlink_to(store_copy / "cnn.keras")
    (folder / f"{version}.json").write_text(json.dumps({"finetuned_from": "cnn"}))
    versions.activate("cnn", version, store_copy)
    done = run_cli("predict", str(image_folder / "digit0_7.png"))
    assert done.returncode == 0 and "cnn 7" in done.stdout
    assert done.stderr == (
        "note: cnn is the CNN fine-tuned 01 Jan 2025, 00:00:00 UTC (active on the Your digits "
        "page)\n"
    )


@pytest.mark.parametrize("command", ["predict", "read"])
def test_a_file_name_the_terminal_cannot_show_is_printed_escaped(image_folder, tmp_path, command):
    # Bytes that are no UTF-8 (copied from an old disk), or an "ß" in an ASCII terminal: the text
    # output stopped at the name with a traceback, and the files after it went unread.
    odd = tmp_path / os.fsdecode(b"seven\xff.png")
    odd.write_bytes((image_folder / "digit0_7.png").read_bytes())
    (tmp_path / "sieben\u00df.png").write_bytes((image_folder / "digit0_7.png").read_bytes())
    (tmp_path / "then.png").write_bytes((image_folder / "digit1_2.png").read_bytes())
    done = run_cli(command, str(tmp_path), env=os.environ | {"PYTHONIOENCODING": "ascii:strict"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"{tmp_path}/seven\\udcff.png: ") and "7" in lines[0]
    assert lines[1].startswith(f"{tmp_path}/sieben\\xdf.png: ") and "7" in lines[1]
    assert lines[2].startswith(f"{tmp_path}/then.png: ") and "2" in lines[2]


@pytest.mark.parametrize("command", ["predict", "read"])
def test_a_file_name_holding_a_terminals_escape_sequence_is_printed_escaped(
    image_folder, tmp_path, command
):
    # Printed as it was, "\x1b[2J" cleared the screen and "\x1b]0;…\x07" set the window title.
    (tmp_path / "a\x1b[2J\x1b]0;pwned\x07b.png").write_bytes(
        (image_folder / "digit0_7.png").read_bytes()
    )
    done = run_cli(command, str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert done.stdout.startswith(f"{tmp_path}/a\\x1b[2J\\x1b]0;pwned\\x07b.png: ")


def grid_of_lines(path: Path) -> None:
    """A picture that is no digit: a grid of lines."""
    grid = np.zeros((200, 200), np.uint8)
    for at in range(40, 170, 30):
        cv2.line(grid, (at, 30), (at, 170), 255, 8)
        cv2.line(grid, (30, at), (170, at), 255, 8)
    cv2.imwrite(str(path), grid)


def test_predict_says_when_a_model_is_not_sure(image_folder, tmp_path):
    # A grid of lines is no digit: below both cards' calibrated thresholds, as on the page.
    grid_of_lines(tmp_path / "grid.png")
    paths = [str(tmp_path / "grid.png"), str(image_folder / "digit0_7.png")]
    records = json_records(run_cli("predict", "--json", *paths))
    thresholds = not_sure_thresholds(store_dir())
    for record in records.values():
        for name, threshold in thresholds.items():
            assert record[name]["sure"] == (max(record[name]["probs"]) >= threshold)
    assert not records["grid.png"]["mlp"]["sure"] and not records["grid.png"]["cnn"]["sure"]
    assert records["digit0_7.png"]["mlp"]["sure"] and records["digit0_7.png"]["cnn"]["sure"]
    lines = {
        line.split(":")[0].rsplit("/", 1)[-1]: line
        for line in run_cli("predict", *paths).stdout.splitlines()
    }
    assert lines["grid.png"].count(", not sure)") == 2
    assert "not sure" not in lines["digit0_7.png"]


def test_each_model_is_judged_by_its_own_threshold(tmp_path, store_copy):
    # The MLP judged by the CNN's threshold passed every test before: on the digits they read,
    # the two thresholds never gave different answers. An MLP whose card says it is sure above
    # 5% is sure of everything, a grid of lines too, which the CNN is not sure of.
    card = json.loads((store_copy / "mlp.json").read_text())
    card["calibration"]["threshold"] = 0.05
    (store_copy / "mlp.json").unlink()  # a link to the shipped card: replaced, not written
    (store_copy / "mlp.json").write_text(json.dumps(card))
    grid_of_lines(tmp_path / "grid.png")
    record = json_records(run_cli("predict", "--json", str(tmp_path / "grid.png")))["grid.png"]
    assert record["mlp"]["sure"] and not record["cnn"]["sure"]


def test_a_damaged_card_is_warned_of_and_its_model_is_not_sure_below_half(
    image_folder, tmp_path, store_copy
):
    # Its threshold lost with it, the CNN was never "not sure": a grid of lines read 12% sure
    # came out sure, offered on the page as a digit to confirm.
    (store_copy / "cnn.json").unlink()  # a link to the shipped card: replaced, not written
    (store_copy / "cnn.json").write_text("{not json")
    grid_of_lines(tmp_path / "grid.png")
    done = run_cli("--store", str(store_copy), "predict", "--json", str(tmp_path / "grid.png"))
    assert "warning: CNN: no calibrated “not sure” threshold" in done.stderr, done.stderr
    (record,) = json_records(done).values()
    assert record["cnn"]["sure"] == (max(record["cnn"]["probs"]) >= UNCALIBRATED_THRESHOLD)
    assert not record["cnn"]["sure"]
    assert "MLP: no calibrated" not in done.stderr  # its card is whole


def test_a_folder_that_cannot_be_listed_is_said_and_the_rest_are_read(
    image_folder, tmp_path, monkeypatch, capsys
):
    # A traceback, and nothing read: iterdir's PermissionError was caught by no one.
    from digitpad import cli

    locked, seven = tmp_path / "locked", image_folder / "digit0_7.png"
    locked.mkdir()
    iterdir = Path.iterdir

    def not_listed(folder):
        if folder == locked:
            raise PermissionError(13, "Permission denied", str(folder))
        return iterdir(folder)

    monkeypatch.setattr(Path, "iterdir", not_listed)
    assert cli.main(["predict", "--json", str(locked), str(seven)]) == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0]["path"] == str(locked)
    assert lines[0]["error"].endswith("cannot list the folder: Permission denied")
    assert lines[1]["path"] == str(seven) and lines[1]["cnn"]["digit"] == 7


def test_predict_fails_when_any_image_cannot_be_read(image_folder, tmp_path):
    # It exited 0 when one image of several was read: a script could not tell a file was lost.
    seven, missing = image_folder / "digit0_7.png", tmp_path / "missing.png"
    done = run_cli("predict", str(seven), str(image_folder / "garbage.png"), str(missing))
    assert done.returncode == 1
    # The readings on stdout, the files not read on stderr, apart from them.
    assert done.stdout.startswith(f"{seven}: mlp 7") and "error" not in done.stdout
    assert f"{missing}: error" in done.stderr and "Traceback" not in done.stderr


def test_evaluate_prints_a_table(mnist_file):
    done = run_cli("evaluate", "--data", str(mnist_file), "--limit", "1000")
    assert done.returncode == 0, done.stderr
    assert "the first 1,000 test digits only" in done.stdout
    rows = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines()}
    assert rows["model"] == ["MNIST", "test", "drawn", "scribbles", "flagged"]
    for name in ("mlp", "cnn"):
        mnist, drawn, flagged = (float(cell.rstrip("%")) / 100 for cell in rows[name])
        # What the card says of the same digits and the whole scribble set (a borderline
        # digit may flip on another machine).
        card = load_card(name)
        misread = sum(index < 1000 for index in card["misclassified"])
        assert mnist == pytest.approx(1 - misread / 1000, abs=0.002)
        assert flagged == pytest.approx(
            card["evaluation"]["scores"]["scribbles flagged"], abs=0.002
        )
        assert drawn >= 0.96


@pytest.mark.parametrize(
    ("flags", "why"),
    [(["--limit", "0"], "at least 1"), (["--limit", "100", "--record"], "score every test digit")],
)
def test_evaluate_limit_says_what_it_cannot_do(mnist_file, flags, why):
    done = run_cli("evaluate", "--data", str(mnist_file), *flags)
    assert done.returncode == 2 and why in done.stderr and "Traceback" not in done.stderr
    assert "usage: python -m digitpad evaluate" in done.stderr, "the usage of the command at fault"


def test_evaluate_without_pen_digits_says_so_and_records_nothing(mnist_file, tmp_path):
    # Without them the table lacks the pen column, and --record wrote cards without its figure.
    env = {k: v for k, v in os.environ.items() if k != "DIGITPAD_PENDIGITS"}
    done = run_cli("evaluate", "--data", str(mnist_file), "--limit", "50", env=env)
    assert done.returncode == 0 and "pen digits: not scored (pass --pen-data" in done.stderr
    done = run_cli("--store", str(tmp_path), "evaluate", "--data", str(mnist_file), "--record",
                   env=env)  # fmt: skip
    assert done.returncode == 2 and "name the pen digits too" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_store_that_is_no_folder_is_named_not_retrained(image_folder, tmp_path):
    missing = tmp_path / "no_such_store"
    done = run_cli("--store", str(missing), "predict", str(image_folder))
    assert done.returncode == 2 and f"--store: no such folder: {missing}" in done.stderr
    assert "train.py" not in done.stderr, "a typo, not a reason to train for half an hour"
    done = run_cli("--store", str(REPO / "model_store" / "cnn.keras"), "predict", str(image_folder))
    assert done.returncode == 2, "a model's file, not the folder it is in"
    assert f"--store: {REPO / 'model_store' / 'cnn.keras'} is a file, not a folder" in done.stderr
    done = run_cli("--store", str(tmp_path), "predict", str(image_folder))  # a folder, no models
    assert done.returncode == 2 and f"error: no model in {tmp_path} could be loaded" in done.stderr


def test_evaluate_without_data_says_how(tmp_path):
    # An empty store too: the data is looked at first, before any model is loaded.
    done = run_cli("--store", str(tmp_path), "evaluate", "--data", str(tmp_path / "nope.npz"))
    assert done.returncode != 0
    assert "--data" in done.stderr and "Traceback" not in done.stderr
    assert "model" not in done.stderr


@pytest.mark.parametrize("content", ["bytes", "other arrays", "one array"])
def test_evaluate_with_a_file_that_is_not_mnist_says_what_it_expected(tmp_path, content):
    data = tmp_path / "mnist.npz"
    if content == "bytes":
        data.write_bytes(b"not an npz")
    elif content == "other arrays":
        np.savez(data, images=np.zeros((2, 28, 28), np.uint8))
    else:  # a .npy, which np.load hands back bare: a TypeError traceback
        with data.open("wb") as file:
            np.save(file, np.zeros((2, 28, 28), np.uint8))
    done = run_cli("evaluate", "--data", str(data))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "an .npz of x_train, y_train, x_test, y_test" in done.stderr
    # Not NumPy's advice to unpickle the file, which holds no pickle and is not to be trusted.
    assert "pickle" not in done.stderr
    if content == "bytes":
        assert "it is no .npz archive" in done.stderr


@pytest.mark.parametrize("content", ["bytes", "labels short"])
def test_evaluate_with_a_pen_file_that_is_no_pen_data_says_so(tmp_path, mnist_file, content):
    pen = tmp_path / "pendigits.npz"
    if content == "bytes":
        pen.write_bytes(b"not an npz")
    else:  # the arrays it should hold, but a label short: a traceback deep in the scoring
        with np.load(PENDIGITS_FILE) as shipped:
            np.savez(pen, **{**shipped, "labels": shipped["labels"][:-1]})
    done = run_cli("evaluate", "--data", str(mnist_file), "--pen-data", str(pen))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"error: --pen-data: {pen} is not the pen digits file" in done.stderr


@pytest.mark.parametrize("command", ["predict", "read"])
def test_a_folder_of_no_images_is_an_error_line_and_a_pipe_in_a_folder_is_passed_over(
    command, image_folder, tmp_path
):
    # An empty folder gave --json no line at all, and a pipe named like a picture inside a
    # folder was read forever.
    empty = tmp_path / "empty"
    empty.mkdir()
    done = run_cli(command, "--json", str(empty))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert (
        json_records(done)["empty"]["error"] == "cannot read image: a folder with no images in it"
    )
    (empty / ".git").mkdir()  # no folder of pictures that a person would name
    assert json_records(run_cli(command, "--json", str(empty)))["empty"]["error"].endswith(
        "a folder with no images in it"
    )
    (empty / "scans").mkdir()  # whose pictures are a folder down, not looked in
    said = json_records(run_cli(command, "--json", str(empty)))["empty"]["error"]
    assert said.endswith("the folders in it are not looked in, name them"), said
    os.mkfifo(image_folder / "a pipe.png")
    try:
        assert "a pipe.png" not in json_records(run_cli(command, "--json", str(image_folder)))
    finally:
        (image_folder / "a pipe.png").unlink()


def test_a_file_too_big_to_be_a_picture_is_refused_unread_and_the_rest_are_read(
    image_folder, tmp_path
):
    # A 3 GB file took 3 GB of memory and 17 s to be called no picture; /dev/zero, read without
    # end, had the process killed before it said anything or read the files after it.
    vast = tmp_path / "vast.png"
    with vast.open("wb") as file:
        file.truncate(3 * 2**30)  # sparse: no room taken on the disk
    seven = image_folder / "digit0_7.png"
    done = run_cli("predict", "--json", str(vast), "/dev/zero", str(seven))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    records = json_records(done)
    for name in ("vast.png", "zero"):
        assert records[name]["error"].startswith("cannot read image: more than any picture read")
    assert records["digit0_7.png"]["cnn"]["digit"] == 7


@pytest.mark.parametrize("stdin", ["/dev/stdin", "-"])
def test_a_picture_piped_in_is_read(image_folder, stdin):
    piped = subprocess.run(
        [sys.executable, "-m", "digitpad", "predict", stdin],
        input=(image_folder / "digit0_7.png").read_bytes(),
        cwd=REPO, capture_output=True, timeout=300,
    )  # fmt: skip
    assert piped.returncode == 0 and b"mlp 7" in piped.stdout, piped.stderr[-500:]
    assert piped.stdout.startswith(f"{stdin}: ".encode()), "named as it was given"


@pytest.mark.parametrize("copies", [1, 100], ids=["buffered to the end", "still writing"])
@pytest.mark.parametrize("command", ["predict", "read"])
def test_output_whose_reader_has_gone_ends_quietly(command, copies, image_folder):
    # `python -m digitpad predict DIR | head -1` ended in a BrokenPipeError traceback, or, with
    # the lines still buffered when the command ended, in "Exception ignored ... BrokenPipeError".
    # A pipe whose reading end is closed stands in for head gone.
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    reading, writing = os.pipe()
    os.close(reading)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "digitpad", command, *[str(image_folder)] * copies],
            stdout=writing, stderr=subprocess.PIPE, text=True, cwd=REPO, env=environment,
            timeout=300,
        )  # fmt: skip
    finally:
        os.close(writing)
    assert done.returncode == 1 and "BrokenPipeError" not in done.stderr, done.stderr


@pytest.mark.parametrize("command", ["predict", "read"])
def test_output_to_a_full_disk_says_so(command, image_folder):
    # `> /dev/full` ended in an OSError traceback.
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "digitpad", command, str(image_folder)],
            stdout=full, stderr=subprocess.PIPE, text=True, cwd=REPO, env=environment,
            timeout=300,
        )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "cannot write the output: No space left on device" in done.stderr


@pytest.mark.parametrize("command", ["predict", "read"])
def test_ctrl_c_stops_the_cli_in_a_line(command, image_folder):
    # Ctrl-C over a long run printed a KeyboardInterrupt traceback from deep in the reading.
    run = subprocess.Popen(
        [sys.executable, "-u", "-m", "digitpad", command, *[str(image_folder)] * 400],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    first = run.stdout.readline()  # reading has begun
    assert first, f"it ended before reading: {run.wait()}, {run.stderr.read()[-2000:]}"
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=120)
    stderr = stderr.decode()
    assert run.returncode == 130 and "Traceback" not in stderr, stderr[-3000:]
    assert stderr.strip().endswith("stopped"), stderr[-3000:]


def test_a_model_without_a_threshold_has_no_share_of_scribbles_flagged():
    # Every answer "sure" without one: 0.00% flagged said the model flags none, where it was
    # never asked. The table shows "-" instead.
    from types import SimpleNamespace

    from digitpad import scoring

    # Two models' readings of two digits, as a DigitReader gives them.
    reader = SimpleNamespace(names=["mlp", "cnn"], probabilities=lambda images: {
        "mlp": np.eye(10)[[3, 3]] * 0.5 + 0.05, "cnn": np.eye(10)[[3, 5]]
    })  # fmt: skip
    sets = {"MNIST test": (np.zeros((2, 28, 28)), np.array([3, 3])),
            "scribbles flagged": (np.zeros((2, 28, 28)), None)}  # fmt: skip
    scores = scoring.score(reader, sets, {"mlp": 0.8, "cnn": None})
    assert scores == {
        "mlp": {"MNIST test": 1.0, "scribbles flagged": 1.0},
        "cnn": {"MNIST test": 0.5},
    }
    cnn_row = scoring.table(scores).splitlines()[2].split()
    assert cnn_row == ["cnn", "50.00%", "-"]


def test_evaluate_reads_a_version_tuned_before_calibration_as_the_app_does(
    store_copy, tiny_mnist, monkeypatch
):
    # It scored such a version's scribbles with no threshold, where the app takes its base's.
    from digitpad import cli, scoring, store, versions

    fine_tuned = "cnn-20250101T000000Z"
    folder = store_copy / "versions"
    folder.mkdir()
    (folder / f"{fine_tuned}.keras").symlink_to(store_copy / "cnn.keras")
    (folder / f"{fine_tuned}.json").write_text(json.dumps({"finetuned_from": "cnn"}))
    versions.activate("cnn", fine_tuned, store_copy)
    build = scoring.build_test_sets
    monkeypatch.setattr(scoring, "build_test_sets", lambda x, y, pen: build(x[:20], y[:20]))
    score, thresholds = scoring.score, {}

    def scored(reader, sets, given):
        thresholds.update(given)
        return score(reader, sets, given)

    monkeypatch.setattr(scoring, "score", scored)
    code = cli.main(["--store", str(store_copy), "evaluate", "--data", str(tiny_mnist)])
    assert code == 0
    assert thresholds == store.not_sure_thresholds(store_copy)
    assert thresholds["cnn"] == store.card_threshold(store.load_card("cnn", store_copy))


def test_evaluate_records_each_models_scores_beside_the_chapters_in_its_card(
    store_copy, tiny_mnist, monkeypatch
):
    from digitpad import cli, scoring, store

    (store_copy / "chapter").symlink_to(store.SHIPPED_STORE / "chapter")
    build = scoring.build_test_sets
    monkeypatch.setattr(scoring, "build_test_sets", lambda x, y, pen: build(x[:20], y[:20]))
    scored, score = {}, scoring.score

    def keep(reader, sets, thresholds):
        scored.update(score(reader, sets, thresholds))
        return scored

    monkeypatch.setattr(scoring, "score", keep)
    shipped = {name: store.load_card(name, store.SHIPPED_STORE) for name in ("mlp", "cnn")}
    code = cli.main(["--store", str(store_copy), "evaluate", "--data", str(tiny_mnist),
                     "--pen-data", str(PENDIGITS_FILE), "--record"])  # fmt: skip
    assert code == 0
    for name in ("mlp", "cnn"):
        card = store.load_card(name, store_copy)
        assert card["evaluation"]["scores"] == pytest.approx(scored[name])
        chapter = store.load_card(name, store_copy / "chapter")
        assert card["evaluation"]["chapter_scores"] == chapter["evaluation"]["scores"]
        assert card["changes_from_chapter"] and card["calibration"] == shipped[name]["calibration"]
        assert store.load_card(name, store.SHIPPED_STORE) == shipped[name], "linked, untouched"


def test_evaluate_records_nothing_if_another_version_became_active_meanwhile(
    store_copy, tiny_mnist, monkeypatch, capsys
):
    # Scoring takes minutes: a fine-tune that ended meanwhile had its new version's card
    # overwritten with the scores and card of the model measured before it.
    from digitpad import cli, scoring, versions

    fine_tuned = "cnn-20250101T000000Z"
    folder = store_copy / "versions"
    folder.mkdir()
    (folder / f"{fine_tuned}.keras").symlink_to(store_copy / "cnn.keras")
    card = {"recipe": "finetune", "finetuned_from": "cnn"}
    (folder / f"{fine_tuned}.json").write_text(json.dumps(card))
    build = scoring.build_test_sets
    # A few digits, no pen set: the race, not the scoring, is what is tested.
    monkeypatch.setattr(scoring, "build_test_sets", lambda x, y, pen: build(x[:20], y[:20]))
    score = scoring.score

    def fine_tune_ends_while_scoring(*args):
        scores = score(*args)
        versions.activate("cnn", fine_tuned, store_copy)
        return scores

    monkeypatch.setattr(scoring, "score", fine_tune_ends_while_scoring)
    recorded = {path: path.stat().st_mtime_ns for path in store_copy.rglob("*.json")}
    code = cli.main(["--store", str(store_copy), "evaluate", "--data", str(tiny_mnist),
                     "--pen-data", str(tiny_mnist), "--record"])  # fmt: skip
    assert code == 1 and "nothing recorded" in capsys.readouterr().err
    assert json.loads((folder / f"{fine_tuned}.json").read_text()) == card
    assert recorded == {path: path.stat().st_mtime_ns for path in recorded}
