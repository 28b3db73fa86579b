"""train.py end to end on a small slice: it writes a loadable model and a truthful card."""

import json
import subprocess
import sys

import keras

from conftest import REPO


def test_train_writes_models_and_cards(tmp_path, mnist_file):
    done = subprocess.run(
        [sys.executable, "train.py", "--limit", "1200", "--epochs", "2",
         "--data", str(mnist_file), "--out", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    for name in ("mlp", "cnn"):
        card = json.loads((tmp_path / f"{name}.json").read_text())
        net = keras.saving.load_model(tmp_path / f"{name}.keras", compile=False)
        assert card["params"] == net.count_params()
        assert card["data"]["train_images"] == 1000 and card["epochs_run"] == 2
        assert card["command"] == (
            f"python train.py --limit 1200 --epochs 2 --data {mnist_file} --out {tmp_path}"
        )
        assert 0.5 < card["test_accuracy"] < 1.0  # learned something from 1,000 images
        assert sum(map(sum, card["confusion_matrix"])) == 10000
