"""Fine-tuning the CNN on a person's digits, keeping versions, and train.py --finetune-on."""

import errno
import gc
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import REPO, read_only
from digitpad import finetune, jobs, sample_files, samples, store, training_data, versions
from digitpad.evaluation import as_model_input
from digitpad.images import png_bytes
from digitpad.preprocess import as_uint8


@pytest.fixture(scope="module")
def yours(mnist_test) -> tuple[np.ndarray, np.ndarray]:
    """20 digits as a person's samples: MNIST test digits the tiny MNIST slice does not hold."""
    images, labels = mnist_test
    return images[-20:].astype(np.float32) / 255, labels[-20:]


def tiny_mnist_sets(path) -> tuple:
    with np.load(path) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])


def same_weights(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def test_finetune_a_tiny_slice_then_save_switch_and_roll_back(store_copy, tiny_mnist, yours):
    train, test = tiny_mnist_sets(tiny_mnist)
    base = store.load_model("cnn")
    shipped = [w.copy() for w in base.get_weights()]
    progress, doing = [], []
    result = finetune.finetune(
        base, train, test, yours, epochs=1,
        progress=lambda done, what: (progress.append(done), doing.append(what)),
    )  # fmt: skip
    trained, held = finetune.split_held_out(yours[0])
    assert (result.your_trained, result.your_held_out) == (len(trained), len(held))
    # The tiny slice's last sixth, as train.py splits it, is never trained on: calibrated on.
    assert result.repeats > 1 and result.train_images == 250 + len(trained) * result.repeats
    assert result.calibration["validation_digits"] == 50 + 50
    assert result.calibration["validation_scribbles"] == finetune.CALIBRATION_SCRIBBLES
    for figures in (result.old, result.new):
        assert len(figures["mnist_test"].probs) == 300 and len(figures["held_out"].probs) == len(
            held
        )
        assert all(0 <= figures[name].accuracy <= 1 for name in figures)
    assert result.old["mnist_test"].accuracy > 0.9, "the shipped CNN reads MNIST"
    assert progress == sorted(progress) and progress[0] == 0 and progress[-1] == 1
    # Choosing the threshold took 20 to 40 s at one report, where a Stop waited it out.
    choosing = [what for what in doing if what.startswith("Choosing when the new model")]
    assert len(choosing) == 3 and "redrawing 2,000 digits" in choosing[0], doing
    assert same_weights(base.get_weights(), shipped), "the base model is left as it was"
    tuned = result.model.get_weights()
    assert not same_weights(tuned, shipped), "training changed the weights"
    # "Old against new" is the base's reading against the tuned CNN's, each its own: a new CNN
    # scored by the base's weights would never be refused for reading MNIST worse.
    for model, figures in ((base, result.old), (result.model, result.new)):
        read = model.predict(as_model_input(test[0]), verbose=0)
        np.testing.assert_allclose(figures["mnist_test"].probs, read, atol=1e-5)

    card = finetune.finetuned_card(store.load_card("cnn"), "cnn", result, "pytest", {})
    version = versions.save_version(result.model, card, "cnn")
    assert versions.list_versions("cnn") == ["cnn", version]
    # Saved as the shipped CNN is, without Adam's moments: each version took 11 MB, not 3.7.
    shipped_bytes = (store_copy / "cnn.keras").stat().st_size
    assert versions.version_bytes(version) < 1.01 * shipped_bytes
    assert store.model_path("cnn") == store_copy / "cnn.keras", "saved, not yet active"
    shipped_threshold = store.not_sure_thresholds()["cnn"]
    assert shipped_threshold is not None
    versions.activate("cnn", version)
    assert versions.active_version("cnn") == version
    # The tuned CNN says "not sure" by a threshold chosen for it, not the shipped CNN's.
    assert store.not_sure_thresholds()["cnn"] == result.calibration["threshold"]
    assert 0 < result.calibration["threshold"] < 1
    assert same_weights(store.load_model("cnn").get_weights(), tuned)
    saved = versions.version_card(version)
    assert saved["finetuned_from"] == "cnn" and saved["version"] == version
    assert saved["samples"] == {
        "trained_on": len(trained),
        "held_out": len(held),
        "held_out_by": "pixels",
    }
    assert saved["comparison"]["held_out"]["digits"] == len(held)
    # Right but "not sure", by the threshold each gives its answers: the old one's and its own.
    for on, figures in saved["comparison"].items():
        digits = figures["digits"]
        unsure = result.old[on].right_but_unsure(shipped_threshold) / digits
        assert figures["old_not_sure"] == unsure
        unsure = result.new[on].right_but_unsure(result.calibration["threshold"]) / digits
        assert figures["new_not_sure"] == unsure
    assert saved["params"] == base.count_params()
    assert "evaluation" not in saved, "the shipped CNN's figures"
    assert saved["calibration"] == result.calibration

    # A version tuned from that version rolls back to it, and that one to the shipped CNN.
    second = versions.save_version(result.model, {**card, "finetuned_from": version}, "cnn")
    versions.activate("cnn", second)
    assert versions.list_versions("cnn") == ["cnn", version, second]
    assert versions.rollback("cnn", second) == version
    # A page's button still offering to roll back from `second`, once another has rolled back.
    assert versions.rollback("cnn", second) is None
    assert versions.active_version("cnn") == version, "the other session's roll back stands"
    assert versions.rollback("cnn", version) == "cnn"
    assert same_weights(store.load_model("cnn").get_weights(), shipped)
    assert store.not_sure_thresholds()["cnn"] == shipped_threshold
    assert versions.rollback("cnn", "cnn") == "cnn", "nothing older than the shipped CNN"

    # A version made active while a fine-tune ran (a rollback in another session) stands: the
    # new one is kept beside it, not made active over it, as it was.
    made = [finetune.save_as_active(result, base, "pytest", None, store_copy / "s.db", store_copy)
            for base in (second, "cnn")]  # fmt: skip
    assert made[0][1] is False and made[1][1] is True
    assert versions.list_versions("cnn")[-2:] == [made[0][0], made[1][0]]
    assert versions.active_version("cnn") == made[1][0]

    # One NaN pixel in one digit trained a CNN that read 9.8% of MNIST, and it went live.
    broken = replace(result, new={**result.new, "mnist_test": replace(
        result.new["mnist_test"], accuracy=result.old["mnist_test"].accuracy - 0.03)})  # fmt: skip
    before = versions.list_versions("cnn")
    with pytest.raises(ValueError, match=r"read \d+\.\d\d% of MNIST's test digits, against"):
        finetune.save_as_active(broken, made[1][0], "pytest", None, store_copy / "s.db", store_copy)
    assert versions.list_versions("cnn") == before, "not saved"
    assert versions.active_version("cnn") == made[1][0]


def test_a_save_or_a_switch_that_fails_leaves_nothing_behind(store_copy, monkeypatch):
    def no_room(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    # A card was left without its model, and a switch's file beside active.json.
    with pytest.raises(OSError, match="No space"):
        versions.save_version(SimpleNamespace(save=no_room), {}, "cnn", store_copy)
    assert versions.list_versions("cnn", store_copy) == ["cnn"]
    assert [p.name for p in (store_copy / "versions").iterdir()] == [versions.LOCK_FILE]
    (store_copy / "versions" / "cnn-20250101T000000Z.keras").symlink_to(store_copy / "cnn.keras")
    monkeypatch.setattr(versions.os, "replace", no_room)
    with pytest.raises(OSError, match="No space"):
        versions.activate("cnn", "cnn-20250101T000000Z", store_copy)
    assert versions.active_version("cnn", store_copy) == "cnn"
    assert not list(store_copy.glob(".*partial*")) and not list(store_copy.glob("*/.*partial*"))


def test_a_damaged_or_foreign_active_json_falls_back_to_the_shipped_model(store_copy):
    shipped = store_copy / "cnn.keras"
    (store_copy / "versions").mkdir(exist_ok=True)
    (store_copy / "versions" / "mlp-20250101T000000Z.keras").write_bytes(b"")
    damaged = ["{broken", '["cnn"]', '{"cnn": "../../elsewhere/cnn"}',
               '{"cnn": "mlp-20250101T000000Z"}']  # fmt: skip
    for text in [*damaged, '{"cnn": "cnn-20990101T000000Z"}']:  # the last: no such file
        (store_copy / "active.json").write_text(text)
        assert store.model_path("cnn") == shipped and versions.active_version("cnn") == "cnn"
    with pytest.raises(ValueError, match="no version"):
        versions.activate("cnn", "cnn-20990101T000000Z")


def test_a_version_tuned_before_calibration_says_not_sure_by_its_bases_threshold(store_copy):
    folder = store_copy / "versions"
    folder.mkdir()
    older, newer = "cnn-20250101T000000Z", "cnn-20250102T000000Z"
    for version, base in ((older, "cnn"), (newer, older)):  # tuned from a version, no threshold
        (folder / f"{version}.keras").symlink_to(store_copy / "cnn.keras")
        (folder / f"{version}.json").write_text(json.dumps({"finetuned_from": base}))
    versions.activate("cnn", newer, store_copy)
    shipped = store.card_threshold(store.load_card("cnn", store_copy))
    assert store.not_sure_thresholds(store_copy)["cnn"] == shipped
    (folder / f"{older}.json").write_text(json.dumps({"finetuned_from": newer}))  # a loop
    assert store.not_sure_thresholds(store_copy)["cnn"] is None
    # Edited by hand to name no version: no threshold, and no TypeError on every page.
    for base in (["cnn"], {"cnn": 1}, 7):
        (folder / f"{newer}.json").write_text(json.dumps({"finetuned_from": base}))
        assert store.not_sure_thresholds(store_copy)["cnn"] is None, base


def test_versions_switched_from_two_threads_at_once(store_copy):
    """Two sessions (or a page and train.py) switching at the same moment."""
    folder = store_copy / "versions"
    folder.mkdir(exist_ok=True)
    (folder / "cnn-20250101T000000Z.keras").symlink_to(store_copy / "cnn.keras")
    errors = []

    def switch(version: str) -> None:
        for _ in range(200):
            try:
                versions.activate("cnn", version, store_copy)
            except Exception as error:  # any of them fails the test
                errors.append(error)

    workers = [threading.Thread(target=switch, args=(v,)) for v in ("cnn", "cnn-20250101T000000Z")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors, errors[:3]
    assert versions.active_version("cnn", store_copy) in ("cnn", "cnn-20250101T000000Z")
    assert not list(store_copy.glob(".*partial*")), "no switch left a file behind"
    # Readable as any file made here (a private temporary file's 0600 was kept, once).
    umask = os.umask(0)
    os.umask(umask)
    assert (store_copy / "active.json").stat().st_mode & 0o777 == 0o666 & ~umask


def test_two_models_switched_at_once_both_stay_switched(store_copy, monkeypatch):
    # Each switch read active.json, changed it and wrote it back: of two at once, the second
    # wrote back what it had read before the first was written, and the first was undone.
    folder = store_copy / "versions"
    folder.mkdir(exist_ok=True)
    chosen = {"mlp": "mlp-20250101T000000Z", "cnn": "cnn-20250101T000000Z"}
    for name, version in chosen.items():
        (folder / f"{version}.keras").symlink_to(store_copy / f"{name}.keras")
    read_now = versions.active_versions

    def read_slowly(store=None):
        active = read_now(store)
        time.sleep(0.2)  # the other switch comes in here, if it may
        return active

    monkeypatch.setattr(versions, "active_versions", read_slowly)
    workers = [threading.Thread(target=versions.activate, args=(name, version, store_copy))
               for name, version in chosen.items()]  # fmt: skip
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert {name: versions.active_version(name, store_copy) for name in chosen} == chosen


def test_versions_are_changed_by_one_process_at_a_time(store_copy):
    # The app and `train.py --finetune-on` beside it: a thread lock alone keeps neither from
    # undoing the other's switch.
    script = f"""
import pathlib
from digitpad import versions
print("waiting", flush=True)
with versions.changing_versions(pathlib.Path({str(store_copy)!r})):
    print("in", flush=True)
"""
    with versions.changing_versions(store_copy):
        other = subprocess.Popen([sys.executable, "-c", script], cwd=REPO,
                                 stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert other.stdout.readline() == "waiting\n"
        time.sleep(1.0)
        assert other.poll() is None, "the other process got in while this one held the lock"
    assert other.stdout.readline() == "in\n"
    assert other.wait(60) == 0


def test_a_digit_is_held_out_or_trained_on_whatever_digits_are_beside_it(yours):
    # Held out by position in a shuffle, digits a model was fine-tuned on moved into the set it
    # was judged on once a digit was added or deleted.
    images = np.random.default_rng(0).random((1000, 28, 28), np.float32)
    trained, held = finetune.split_held_out(images)
    assert sorted([*trained, *held]) == list(range(len(images)))
    assert 0.15 < len(held) / len(images) < 0.25, "about a fifth"
    held_images = {images[i].tobytes() for i in held}
    for fewer in (images[1:], images[:-300], images[::2], images[:3]):
        fewer_trained, fewer_held = finetune.split_held_out(fewer)
        assert {fewer[i].tobytes() for i in fewer_held} <= held_images
        assert not {fewer[i].tobytes() for i in fewer_trained} & held_images
    # As a zip export keeps them, 8-bit grays, and an import reads them back: each digit keeps
    # its side (rounded in float32, not as the export rounds, a digit halfway between two grays
    # changed sides).
    gray = np.stack([samples.input_image(as_uint8(image)) for image in images])
    assert np.array_equal(finetune.split_held_out(gray)[1], held)


def test_digits_that_all_draw_the_held_out_share_are_all_trained_on():
    images = np.random.default_rng(0).random((100, 28, 28), np.float32)
    _, held = finetune.split_held_out(images)
    copies = np.repeat(images[held[:1]], 12, axis=0)  # one held-out picture, saved 12 times
    trained, held = finetune.split_held_out(copies)
    assert len(trained) == 12 and not len(held)


def test_fine_tuning_with_none_held_out_is_judged_on_mnist_alone(tiny_mnist, yours):
    train, test = tiny_mnist_sets(tiny_mnist)
    images, labels = yours
    trained, _ = finetune.split_held_out(images)
    result = finetune.finetune(
        store.load_model("cnn"), train, test, (images[trained], labels[trained]), epochs=1
    )
    assert result.your_held_out == 0 and list(finetune.comparison(result)) == ["mnist_test"]


def test_a_fine_tune_leaves_no_training_graph_behind(tiny_mnist, yours):
    # TensorFlow's gradient registry held every fine-tune's training graph for good: the app's
    # server grew by 110 to 170 MB a fine-tune.
    from tensorflow.python.framework.func_graph import FuncGraph

    def graphs_alive() -> int:
        gc.collect()
        return sum(isinstance(thing, FuncGraph) for thing in gc.get_objects())

    train, test = tiny_mnist_sets(tiny_mnist)
    base = store.load_model("cnn")
    finetune.finetune(base, train, test, yours, epochs=1)  # what a first one traces and keeps
    before = graphs_alive()
    finetune.finetune(base, train, test, yours, epochs=1)
    assert graphs_alive() == before


def test_a_worse_new_model_is_said_by_how_many_digits():
    compared = {"mnist_test": {"digits": 10000, "old": 0.9959, "new": 0.9954},
                "held_out": {"digits": 4, "old": 0.75, "new": 1.0}}  # fmt: skip
    assert finetune.read_worse(compared) == [
        "5 more of the 10,000 MNIST test digits wrong (99.54% against 99.59%)"
    ]


def test_versions_are_named_by_when_they_were_fine_tuned():
    assert versions.title("cnn") == "the shipped CNN (cnn.keras)"
    made = "the CNN fine-tuned 04 Dec 2026, 14:04:58 UTC"
    assert versions.title("cnn-20261204T140458Z") == made
    assert versions.title("cnn-20261204T140458Z-2") == made + " (2)"
    for odd in ("cnn-", "", "cnn-20260230T000000Z", "a name"):
        assert versions.title(odd) == odd


def test_mnist_test_digits_imported_as_yours_are_never_trained_on(tiny_mnist, yours):
    # Imported from MNIST's test set, trained on, they flattered the new CNN's MNIST figure.
    images, labels = yours
    as_mnist = (images * 255).round().astype(np.uint8)
    trained, held = finetune.split_held_out(images, never_trained=finetune.digit_keys(as_mnist[:6]))
    assert set(range(6)) <= set(held) and not set(range(6)) & set(trained)
    assert set(finetune.split_held_out(images)[1]) <= set(held), "the others as before"
    train, test = tiny_mnist_sets(tiny_mnist)
    with pytest.raises(ValueError, match="none is left to train on"):
        finetune.finetune(None, train, (as_mnist, labels), yours)
    # Four of the tiny MNIST's test digits among yours: held out, and said so in the card, for
    # the Your digits page to count them held out as fine-tuning did.
    mixed = (np.concatenate([images, test[0][:4] / 255.0]), np.concatenate([labels, test[1][:4]]))
    result = finetune.finetune(store.load_model("cnn"), train, test, mixed, epochs=1)
    keys = finetune.digit_keys(test[0][:4])
    assert result.your_mnist_test == sorted(keys)
    _, held = finetune.split_held_out(mixed[0], never_trained=keys)
    assert result.your_held_out == len(held) and {20, 21, 22, 23} <= set(held)
    now = finetune.reads_now(result.model, *mixed, result.your_mnist_test)
    assert now.held_out == result.your_held_out


def test_the_new_threshold_is_chosen_on_scribbles_the_base_cnn_never_trained_on(monkeypatch):
    # With the seed alone, fine-tuning drew the first thousand of train.py's training scribbles,
    # and its cards' share of scribbles flagged was measured on what the CNN learnt.
    drawn = []

    def rendered(strokes, seed, workers):
        drawn.append(strokes)
        return np.zeros((len(strokes), 28, 28), np.float32)

    class Unsure:  # a network that reads every picture as all ten digits alike
        def predict(self, x, batch_size, verbose):
            return np.full((len(x), 10), 0.1, np.float32)

    monkeypatch.setattr(training_data, "rendered_strokes", rendered)
    monkeypatch.setattr(training_data, "drawn_digits", lambda images, *_, **__: images)
    images = np.zeros((20, 28, 28), np.uint8)
    finetune.calibrate(Unsure(), images, np.arange(20) % 10, seed=1)
    trained = {s[0].tobytes() for s in training_data.random_scribbles(5000, 1)}  # train.py's
    assert len(drawn[0]) == finetune.CALIBRATION_SCRIBBLES
    assert not [s for s in drawn[0] if s[0].tobytes() in trained]


def test_a_card_edited_by_hand_where_fine_tuning_says_whose_digits_still_shows(tmp_path):
    card = {"finetuned_from": "cnn", "samples": {"trained_on": 10},
            "comparison": {"mnist_test": {"digits": 100, "old": 0.9, "new": 0.9}}}  # fmt: skip
    for data in (["x"], "x", {"samples": "~nobody_here_at_all/x.db"}, {"samples": "a\x00b"}):
        change = finetune.fine_tuning_change({**card, "data": data}, None, tmp_path / "s.db")
        assert change.caption.startswith("Fine-tuned from the shipped CNN"), data


def test_the_shares_not_sure_in_brackets_are_said_whenever_shown(tmp_path):
    # Said only beside both thresholds: a card whose base has none showed them unexplained.
    figures = {"digits": 100, "old": 0.9, "new": 0.95, "new_not_sure": 0.05}
    card = {"finetuned_from": "cnn", "samples": {"trained_on": 10},
            "comparison": {"mnist_test": figures}}  # fmt: skip
    change = finetune.fine_tuning_change(card, None)
    assert change.rows[0]["new CNN"] == "95.00% (5.0% not sure)"
    assert change.caption.endswith(" In brackets, the share each read right but called not sure.")
    # Nor promised where there are none: a card from before them, or one edited to null.
    for share in ({}, {"new_not_sure": None}):
        compared = {"mnist_test": {"digits": 100, "old": 0.9, "new": 0.95, **share}}
        change = finetune.fine_tuning_change({**card, "comparison": compared}, None)
        assert change.rows[0]["new CNN"] == "95.00%" and "brackets" not in change.caption


def test_too_few_digits_to_fine_tune_says_so(tiny_mnist, yours):
    train, test = tiny_mnist_sets(tiny_mnist)
    few = (yours[0][:5], yours[1][:5])
    with pytest.raises(ValueError, match=f"at least {finetune.MIN_SAMPLES}"):
        finetune.finetune(None, train, test, few)


def twelve_of_yours_saved(folder: Path, yours: tuple) -> Path:
    """A database of 12 of your digits, saved without answers, for train.py to fine-tune on."""
    database = folder / "samples.db"
    for image, label in zip(yours[0][:12], yours[1][:12]):
        samples.add_sample(
            database, png_bytes((image * 255).astype(np.uint8)), image, int(label), {}
        )
    return database


def test_train_py_finetune_on_a_tiny_database(tmp_path, store_copy, tiny_mnist, yours):
    database = twelve_of_yours_saved(tmp_path, yours)
    args = ["--finetune-on", str(database), "--out", str(store_copy), "--data", str(tiny_mnist),
            "--limit", "200", "--epochs", "1"]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "train.py", *args], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    trained, held = finetune.split_held_out(yours[0][:12])
    # Each with the share read right but "not sure", by the threshold each says it by.
    assert re.search(r"300 MNIST test digits: old [\d.]+% \([\d.]+% not sure\), new [\d.]+% "
                     r"\([\d.]+% not sure\)", done.stdout), done.stdout  # fmt: skip
    assert f"{len(held)} digits of yours held out: old" in done.stdout, done.stdout
    version = versions.active_version("cnn", store_copy)
    assert version != "cnn" and f"{version}.keras, now the active CNN" in done.stdout
    # Named as the pages name it, and the time it took said whole, not its training's alone.
    assert "the shipped CNN (cnn.keras) is kept" in done.stdout
    assert re.search(r"fine-tuned the shipped CNN \(cnn.keras\): trained in \d+ s, \d+ s in all",
                     done.stdout), done.stdout  # fmt: skip
    card = json.loads((store_copy / "versions" / f"{version}.json").read_text())
    assert card["command"] == "python train.py " + " ".join(args)
    assert card["finetuned_from"] == "cnn" and card["samples"]["trained_on"] == len(trained)
    repeats = card["training"]["your_digit_repeats"]
    assert card["training"]["train_images"] == 200 + len(trained) * repeats
    assert card["data"]["samples"] == str(database)
    assert store.load_model("cnn", store_copy).count_params() == card["params"]


def test_train_py_finetune_stopped_by_ctrl_c_says_so_and_leaves_the_active_cnn(
    tmp_path, store_copy, tiny_mnist, yours
):
    # A traceback of 55 lines ending in KeyboardInterrupt, then TensorFlow's own complaint.
    database = twelve_of_yours_saved(tmp_path, yours)
    run = subprocess.Popen(
        [sys.executable, "-u", "train.py", "--finetune-on", str(database), "--out",
         str(store_copy), "--data", str(tiny_mnist), "--limit", "300", "--epochs", "500"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    said = b""
    while b"Training: epoch" not in said:  # until its epochs have begun
        chunk = run.stdout.read1(4096)
        assert chunk, f"it ended before training: {run.wait()}, {run.stderr.read()[-2000:]}"
        said += chunk
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=120)
    stderr = stderr.decode()
    assert run.returncode == 130 and "Traceback" not in stderr, stderr[-3000:]
    assert stderr.strip().endswith(
        "stopped: nothing saved; the app reads the shipped CNN (cnn.keras)"
    ), stderr[-3000:]
    assert versions.active_version("cnn", store_copy) == "cnn"
    assert versions.list_versions("cnn", store_copy) == ["cnn"], "the shipped one alone"


def test_train_py_finetune_into_a_store_that_cannot_be_written_says_so_first(
    tmp_path, store_copy, tiny_mnist, yours
):
    # Said after a whole fine-tune, as "[Errno 30] Read-only file system: '…partial.json'".
    database = twelve_of_yours_saved(tmp_path, yours)
    with read_only(store_copy):
        done = subprocess.run(
            [sys.executable, "train.py", "--finetune-on", str(database), "--out", str(store_copy),
             "--data", str(tiny_mnist), "--limit", "200", "--epochs", "1"],
            cwd=REPO, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-3000:]
    assert f"error: the model folder {store_copy} cannot be written" in done.stderr


def another_programs_database(path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    sqlite3.connect(path).close()


@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda path: path.write_bytes(b"my notes, not a database"), "file is not a database"),
        (another_programs_database, "is another program's database (tables notes)"),
        (lambda path: path.write_bytes(b""), "holds no DigitPad digits"),
    ],
    ids=["not a database", "another program's", "empty"],
)
def test_train_py_finetune_on_a_file_of_no_digits_says_so_and_leaves_it(tmp_path, make, problem):
    # Another program's database came out with a samples table added and in WAL mode.
    database = tmp_path / "samples.db"
    make(database)
    before = database.read_bytes()
    done = subprocess.run(
        [sys.executable, "train.py", "--finetune-on", str(database)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    # Its one line alone: TensorFlow's start-up notices (oneDNN, CPU instructions) came first.
    assert done.stderr.startswith(f"error: cannot read your digits: {database}"), done.stderr
    assert problem in done.stderr, done.stderr
    assert "DIGITPAD_SAMPLES" not in done.stderr, "the file was named by --finetune-on"
    assert database.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["samples.db"]  # no -wal, no -shm


def test_train_py_finetune_on_a_folder_says_so(tmp_path):
    done = subprocess.run(
        [sys.executable, "train.py", "--finetune-on", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr == f"error: {tmp_path} is a folder: name the database of digits in it\n"
    # --out a file, or mistyped: "Model file …/cnn.keras is missing. Retrain it with …".
    for out in (REPO / "README.md", tmp_path / "model_stor"):
        done = subprocess.run(
            [sys.executable, "train.py", "--finetune-on", str(tmp_path), "--out", str(out)],
            cwd=REPO, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 1
        assert done.stderr.startswith(f"error: --out {out} is no folder"), done.stderr


def test_train_py_finetune_on_an_export_says_to_import_it(tmp_path, yours):
    # An export of the Your digits page was "file is not a database", with no word of what is.
    database = tmp_path / "samples.db"
    images, labels = yours
    for image, label in zip(images[:3], labels[:3]):
        samples.add_sample(database, png_bytes(image), image, int(label), {})
    export = tmp_path / "digitpad_digits.npz"
    export.write_bytes(sample_files.export_npz(database))
    done = subprocess.run(
        [sys.executable, "train.py", "--finetune-on", str(export)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env=os.environ | {samples.SAMPLES_ENV: str(database)},
    )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    said = f"{export} is no database of digits: if it is one exported from the Your digits page"
    assert said in done.stderr and str(database) in done.stderr, done.stderr


def test_clicks_of_several_sessions_at_once_start_one_fine_tuning(tmp_path):
    release, everyone = threading.Event(), threading.Barrier(8)
    started = []

    def click() -> None:
        everyone.wait()
        started.append(jobs.start_once(tmp_path, lambda progress: release.wait(30)))

    clicks = [threading.Thread(target=click) for _ in range(8)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()
    (job,) = [job for job in started if job is not None]
    assert jobs.JOBS[tmp_path] is job and job.running
    release.set()
    job.join(30)
    assert not job.running
    again = jobs.start_once(tmp_path, lambda progress: "done")  # once it ended, a new one
    assert again is not job and jobs.JOBS.pop(tmp_path) is again


def ended(job: jobs.Job, seconds: float = 120) -> None:
    """Waits for `job` to end, for `seconds` at most."""
    deadline = time.monotonic() + seconds
    while job.running and time.monotonic() < deadline:
        time.sleep(0.1)


def test_a_fine_tune_stopped_while_it_trains_saves_nothing(tmp_path, store_copy, tiny_mnist, yours):
    made, reports = threading.Event(), []

    def run(progress: jobs.Progress):
        def stop_once_training(done: float, doing: str) -> None:
            reports.append(doing)
            if doing.startswith("Training"):
                job.cancel()  # as the page's button does (here from the job's own thread)
            progress(done, doing)

        made.wait(30)
        return finetune.finetune_active_cnn(
            store_copy, tmp_path / "samples.db", yours, "a test", tiny_mnist,
            stop_once_training, epochs=3,
        )  # fmt: skip

    before = set(threading.enumerate())
    job = jobs.Job(run)
    made.set()
    ended(job)
    assert not job.running and job.cancelled and job.result is None, job.error
    assert reports[-1].startswith("Training: epoch 1 of 3, batch 1 of"), "it stopped there"
    assert versions.list_versions("cnn", store_copy) == ["cnn"], "no version saved"
    assert versions.active_version("cnn", store_copy) == "cnn"
    # Keras' threads that fed it batches end too: each stop left six behind, with the data.
    deadline = time.monotonic() + 10
    while (left := set(threading.enumerate()) - before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, [thread.name for thread in left]


def test_a_stop_after_the_last_report_is_too_late_and_the_fine_tune_saves(
    tmp_path, store_copy, tiny_mnist, yours
):
    # The page says "nothing was saved" of a stopped run: true only if no report follows the save.
    made = threading.Event()

    def run(progress: jobs.Progress):
        def stop_at_the_last_report(done: float, doing: str) -> None:
            progress(done, doing)
            if done == 1.0:
                job.cancel()

        made.wait(30)
        return finetune.finetune_active_cnn(
            store_copy, tmp_path / "samples.db", yours, "a test", tiny_mnist,
            stop_at_the_last_report, epochs=1,
        )  # fmt: skip

    job = jobs.Job(run)
    made.set()
    ended(job)
    assert not job.running and job.cancelling and not job.cancelled, job.error
    version, active, _ = job.result
    assert versions.list_versions("cnn", store_copy) == ["cnn", version]
    assert active and versions.active_version("cnn", store_copy) == version


def test_a_job_running_as_python_exits_is_stopped_at_its_next_report(tmp_path):
    # A daemon thread is killed wherever it is as Python exits: a fine-tune half-way through
    # writing its version (the server stopped with Ctrl-C) left a .partial file behind.
    said = tmp_path / "said"
    script = f"""
import pathlib, time
from digitpad import jobs

def run(progress):
    try:
        while True:
            progress(0.5, "Training")
            time.sleep(0.01)
    except jobs.Cancelled:
        pathlib.Path({str(said)!r}).write_text("stopped")
        raise

jobs.start_once(pathlib.Path("store"), run)
time.sleep(0.2)
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert said.read_text() == "stopped"


def test_a_job_that_fails_says_why_on_the_page_and_where_in_the_terminal(caplog):
    def run(progress: jobs.Progress):
        return {}["missing"]  # a bug, as a KeyError says it: "'missing'"

    job = jobs.Job(run)
    ended(job, 10)
    assert isinstance(job.error, KeyError)
    failed = [record for record in caplog.records if record.name == "digitpad.jobs"]
    assert len(failed) == 1 and failed[0].exc_info[0] is KeyError, "its traceback is logged"
    said = jobs.failure_said("Fine-tuning", job.error)
    assert said.startswith("Fine-tuning stopped on an error") and "KeyError: 'missing'" in said
    # What DigitPad raises for people to read is said as it is.
    assert jobs.failure_said("Fine-tuning", ValueError("needs 10 digits")) == "needs 10 digits"


def test_a_stopped_job_logs_nothing(caplog):
    def run(progress: jobs.Progress):
        while True:
            progress(0.5, "Training")
            time.sleep(0.01)

    job = jobs.Job(run)
    job.cancel()
    ended(job, 10)
    assert job.cancelled
    assert not [record for record in caplog.records if record.name == "digitpad.jobs"]
