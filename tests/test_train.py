"""train.py end to end on small slices: it writes loadable models and truthful cards."""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import REPO, data_file, read_only
from digitpad.store import (
    SHIPPED_STORE,
    STORE_ENV,
    load_model,
    load_whole_digit,
    write_card,
    written_whole,
)
from train import (
    MAX_SEED,
    bfloat16_in_hardware,
    count,
    default_out,
    robust_precision,
    saving,
    written,
)


def train(*args):
    done = subprocess.run(
        [sys.executable, "train.py", *args], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def check_cards(out, command):
    cards = {}
    for name in ("mlp", "cnn"):
        card = json.loads((out / f"{name}.json").read_text())
        net = load_model(name, out)  # as the app loads it
        assert card["params"] == net.count_params()
        assert {layer.dtype_policy.name for layer in net.layers} == {"float32"}, (
            "whatever precision it trained in, a shipped network computes in float32"
        )
        assert card["command"] == command
        # The command runs as it did at this commit: its defaults may change later.
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        )
        assert (
            card["commit"].startswith(head.stdout.strip())
            if head.returncode == 0
            else card["commit"] is None
        )
        assert sum(map(sum, card["confusion_matrix"])) == 10000
        assert len(card["history"]["loss"]) == card["epochs_run"]
        cards[name] = card
    assert (out / "examples.npz").is_file() and (out / "cnn.mistakes.npz").is_file()
    return cards


def test_chapter_recipe(tmp_path, mnist_file):
    # In bfloat16, which the chapter's recipe never picks itself: the networks must still ship
    # computing in float32 (check_cards).
    args = ["--recipe", "chapter", "--limit", "1200", "--epochs", "2", "--precision",
            "mixed_bfloat16", "--data", str(mnist_file), "--out", str(tmp_path)]  # fmt: skip
    train(*args)
    cards = check_cards(tmp_path, "python train.py " + " ".join(args))
    for card in cards.values():
        assert card["training"]["precision"] == "mixed_bfloat16"
        assert card["training"]["train_images"] == 1000 and card["epochs_run"] == 2
        assert 0.5 < card["test_accuracy"] < 1.0  # learned something from 1,000 images
        assert "calibration" not in card


def test_robust_recipe(tmp_path, mnist_file):
    pen = data_file("DIGITPAD_PENDIGITS", "pendigits_train_strokes.npz")
    args = ["--limit", "600", "--epochs", "1", "--pen-copies", "1", "--scribbles", "120",
            "--styled", "200", "--data", str(mnist_file), "--pen-data", str(pen),
            "--out", str(tmp_path)]  # fmt: skip
    train(*args)
    cards = check_cards(tmp_path, "python train.py " + " ".join(args))
    cnn = cards["cnn"]
    assert cnn["training"]["precision"] == robust_precision("cnn")  # this CPU's
    assert cards["mlp"]["training"]["precision"] == "float32"
    for card in cards.values():
        # 500 MNIST + 2 x 500 redrawn + 600 pen digits + 200 in other styles + 100 scribbles
        # + 600 signs (3,600 held to --limit)
        assert card["training"]["train_images"] == 3000
        assert card["training"]["drawn_copies"] == 2
        # One augmented epoch, then the network's final epochs on the images as they are, whose
        # last weights ship.
        final = card["training"]["final_epochs_without_augmentation"]
        assert final > 0 and card["epochs_run"] == card["best_epoch"] == 1 + final
    assert {"mnist", "drawn", "pen"} == set(cnn["validation_accuracy"])
    assert 0 < cnn["calibration"]["threshold"] < 1
    mlp_layers = {layer["name"]: layer for layer in cards["mlp"]["architecture"]}
    assert mlp_layers["hidden"]["output_shape"] == [1024] and "dropout" in mlp_layers
    assert mlp_layers["hidden2"]["output_shape"] == [256] and "dropout2" in mlp_layers
    cnn_layers = {layer["name"]: layer for layer in cnn["architecture"]}
    assert cnn_layers["conv3"]["output_shape"] == [10, 10, 128]
    assert cnn_layers["flatten"]["output_shape"] == [5 * 5 * 128]
    assert cnn_layers["dense"]["output_shape"] == [256]


@pytest.mark.parametrize(
    ("flags", "hardware"),
    [("fpu sse avx2 fma", False), ("avx2 amx_bf16 amx_tile", True), ("avx512f avx512_bf16", True)],
)
def test_the_cnn_trains_in_bfloat16_only_where_the_cpu_multiplies_it(tmp_path, flags, hardware):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n")
    assert bfloat16_in_hardware(cpuinfo) is hardware
    assert not bfloat16_in_hardware(tmp_path / "no_such_file")  # not Linux
    assert robust_precision("mlp") == "float32"


def test_whole_digit_network(tmp_path, mnist_file):
    args = ["--model", "whole_digit", "--limit", "2000", "--whole-digit-numbers", "40",
            "--epochs", "1", "--data", str(mnist_file), "--out", str(tmp_path)]  # fmt: skip
    train(*args)  # without --pen-data: this network needs MNIST only
    card = json.loads((tmp_path / "whole_digit.json").read_text())
    net = load_whole_digit(tmp_path)  # as the app loads it
    assert card["params"] == net.count_params()
    assert card["command"] == "python train.py " + " ".join(args)
    assert 0 < card["training"]["whole_share"] < 1, "whole digits and pieces that are not"
    assert card["training"]["numbers"] == 40
    assert card["training"]["train_candidates"] > 9 * card["training"]["validation_candidates"]
    assert len(card["history"]["loss"]) == card["training"]["epochs"] == 1
    assert not (tmp_path / "cnn.keras").exists(), "only the network asked for"


def test_an_out_folder_that_cannot_be_written_is_said_before_training(tmp_path, mnist_file):
    # A traceback at the first file written, after the data was drawn and the networks trained.
    with read_only(tmp_path):
        done = subprocess.run(
            [sys.executable, "train.py", "--recipe", "chapter", "--model", "mlp",
             "--data", str(mnist_file), "--out", str(tmp_path)],
            cwd=REPO, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"--out: cannot write in the folder {tmp_path}" in done.stderr


@pytest.mark.parametrize(
    "bad",
    [
        ["--recipe", "robust", "--pen-data", ""],
        ["--model", "rnn"],
        ["--recipe", "chapter", "--model", "whole_digit"],
        ["--recipe", "chapter", "--data", "/no/such/mnist.npz"],
        ["--pen-data", "/no/such/pendigits.npz"],
        ["--recipe", "chapter", "--out", "/proc/no/such/folder"],
        ["--recipe", "chapter", "--epochs", "-1"],  # trained nothing, wrote a model, then fell
        ["--recipe", "chapter", "--epochs", "0"],  # taken for "the default": a whole training
        ["--recipe", "chapter", "--batch-size", "0"],
        ["--recipe", "chapter", "--seed", "-1"],  # Keras' ValueError, after the data was read
        ["--recipe", "chapter", "--seed", "5000000000"],
        ["--recipe", "chapter", "--limit", "many"],
        ["--recipe", "chapter", "--out", "/tmp", "--limit", "50"],  # nothing left to validate on
        # A slice's models, far worse, put in place of the shipped ones without a word.
        ["--recipe", "chapter", "--limit", "300"],
        ["--recipe", "chapter", "--out", "model_store/chapter", "--limit", "300"],
        # Fine-tuned the CNN whatever the network or recipe asked for.
        ["--model", "mlp", "--finetune-on", "samples.db"],
        ["--recipe", "chapter", "--finetune-on", "samples.db"],
    ],
)
def test_bad_flags_say_why(bad):
    done = subprocess.run(
        [sys.executable, "train.py", *bad], cwd=REPO, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 2 and "error:" in done.stderr and "Traceback" not in done.stderr
    # The usage line names every flag: the error itself must name this one.
    (said,) = [line for line in done.stderr.splitlines() if line.startswith("train.py: error:")]
    assert bad[-2] in said, "the message names the flag at fault"


def test_a_whole_number_flag_takes_its_least_and_most_and_nothing_past_them():
    epochs, seed = count(1), count(0, MAX_SEED)
    assert epochs("1") == 1 and seed("0") == 0 and seed(str(MAX_SEED)) == MAX_SEED
    for parse, text in ((epochs, "0"), (seed, "-1"), (seed, str(MAX_SEED + 1)), (epochs, "1.5")):
        with pytest.raises(argparse.ArgumentTypeError):
            parse(text)


def test_the_chapters_recipe_writes_beside_the_models_the_app_reads_not_over_them(
    monkeypatch, tmp_path
):
    # `python train.py --recipe chapter`, train.py's own example, wrote into model_store, and
    # with $DIGITPAD_STORE into that folder, where the app looks for them in its chapter/.
    monkeypatch.delenv(STORE_ENV, raising=False)
    # The app's model_store/, wherever train.py is run from: from another folder, the models
    # went into a model_store/ made there, which the app never reads.
    monkeypatch.chdir(tmp_path)
    assert default_out("chapter") == str(SHIPPED_STORE / "chapter")
    assert default_out("robust") == str(SHIPPED_STORE)
    monkeypatch.setenv(STORE_ENV, "/srv/models")
    assert default_out("chapter") == "/srv/models/chapter"
    assert default_out("robust") == "/srv/models"
    monkeypatch.setenv(STORE_ENV, "model_store/chapter")  # the chapter's models read by the app
    assert default_out("chapter") == "model_store/chapter"
    done = subprocess.run(
        [sys.executable, str(REPO / "train.py"), "--recipe", "chapter", "--limit", "300"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 2
    assert f"they would replace the app's own in {SHIPPED_STORE / 'chapter'}" in done.stderr


def test_a_run_refused_for_a_flag_makes_no_out_folder(tmp_path):
    out = tmp_path / "models"
    done = subprocess.run(
        [sys.executable, "train.py", "--recipe", "chapter", "--limit", "50", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and "--limit" in done.stderr
    assert not out.exists(), "an empty folder left behind"


def test_a_pen_data_file_that_is_no_pen_data_says_so(tmp_path, mnist_file):
    pen = tmp_path / "pendigits.npz"
    pen.write_bytes(b"not an npz")
    done = subprocess.run(
        [sys.executable, "train.py", "--data", str(mnist_file), "--pen-data", str(pen),
         "--limit", "300", "--out", str(tmp_path / "store")],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"error: --pen-data: {pen} is not the pen digits file" in done.stderr
    assert not (tmp_path / "store").exists(), "said before training anything, no folder left"


def test_mnist_that_cannot_be_read_leaves_no_out_folder(tmp_path):
    (tmp_path / "mnist.npz").write_bytes(b"not an npz")
    out = tmp_path / "new" / "models"
    done = subprocess.run(
        [sys.executable, "train.py", "--recipe", "chapter", "--data", str(tmp_path / "mnist.npz"),
         "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert not (tmp_path / "new").exists(), "the folders it made, taken away"


def test_an_mnist_file_too_small_to_train_on_says_so(tmp_path, mnist_file):
    # --limit refuses under 300 images, but a file that held 20 passed: the whole-digit network
    # found no digit of some kind to write numbers with, and a traceback ended the run.
    small = tmp_path / "mnist.npz"
    with np.load(mnist_file) as f:
        np.savez(small, **{key: f[key][:20] for key in f.files})
    out = tmp_path / "models"
    done = subprocess.run(
        [sys.executable, "train.py", "--data", str(small), "--model", "whole_digit",
         "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"{small} holds 20 training images; training needs at least 300" in done.stderr
    assert not out.exists(), "the folder it made, taken away"


def test_a_run_stopped_while_it_saves_leaves_the_store_as_it_was(tmp_path):
    card = tmp_path / "cnn.json"
    card.write_text('{"name": "cnn"}\n')
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C halfway through the new card
        with written_whole(card) as path:
            path.write_text('{"name": "c')
            raise KeyboardInterrupt
    assert card.read_text() == '{"name": "cnn"}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["cnn.json"], "nothing half-written is left"
    write_card("cnn", {"name": "cnn", "params": 1}, tmp_path)
    assert json.loads(card.read_text()) == {"name": "cnn", "params": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["cnn.json"]


def test_a_ctrl_c_while_a_model_is_saved_stops_the_run_once_its_files_are_written():
    # Stopped between its .keras and its card, a model was left beside the card of the one
    # before it, and the run said it had not been written.
    done = []
    # Ctrl-C as a terminal's Python takes it, whatever started the tests (a shell's background
    # job ignores it, and this failed there on the code as it is).
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            with saving("cnn"):
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, as the files are being written
                time.sleep(0.1)
                done.append("every file")
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "given back"
    finally:
        signal.signal(signal.SIGINT, before)
    assert done == ["every file"] and written[-1] == "cnn"
