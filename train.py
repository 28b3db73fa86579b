"""Train DigitPad's MLP and CNN on MNIST and write them, with their model cards, to model_store/.

    python train.py                       # both models, chapter recipe
    python train.py --model cnn --epochs 5 --data ../shared/data/mnist.npz

Each model is saved as `<name>.keras` beside a card `<name>.json` that says how it was made and
how well it reads MNIST's test set, so the app and its pages need nothing else.
"""

import argparse
import datetime
import json
import platform
import shlex
import sys
import time
from pathlib import Path

import keras
import numpy as np

from digitpad.data import MNIST_ENV, file_sha256, load_mnist, mnist_path
from digitpad.evaluation import as_model_input, evaluate_probs
from digitpad.gallery import save_examples, save_mistakes
from digitpad.models import BUILDERS, MODEL_NAMES, NUM_CLASSES

# -----------------------------------------------------------------------------
# Settings (each one a command-line flag)
model = "both"  # mlp, cnn or both
epochs = 30  # at most: early stopping ends training when validation loss stops improving
patience = 5  # the CNN's validation loss is noisy: give it room before stopping
batch_size = 128
validation_size = 5000  # the last training images, never trained on
seed = 1
out = "model_store"
data = None  # a local mnist.npz; default: $DIGITPAD_MNIST, else Keras' download
# -----------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=(*MODEL_NAMES, "both"), default=model)
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--patience", type=int, default=patience)
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--validation-size", type=int, default=validation_size)
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--out", default=out, help="folder for <name>.keras and <name>.json")
    parser.add_argument("--data", default=data, help=f"mnist.npz (default: ${MNIST_ENV})")
    parser.add_argument(
        "--limit", type=int, default=None, help="train on the first N images only (smoke tests)"
    )
    return parser.parse_args()


def train_one(name: str, args: argparse.Namespace, train, val, test) -> dict:
    keras.utils.set_random_seed(args.seed)
    net = BUILDERS[name]()
    net.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    net.summary()
    stop_early = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=args.patience, restore_best_weights=True, verbose=1
    )
    started = time.perf_counter()
    history = net.fit(
        *train,
        validation_data=val,
        epochs=args.epochs,
        batch_size=args.batch_size,
        callbacks=[stop_early],
    )
    train_seconds = time.perf_counter() - started

    x_test, y_test = test
    result = evaluate_probs(net.predict(x_test, batch_size=1024, verbose=0), y_test)
    print(f"{name}: MNIST test accuracy {result.accuracy:.4f}")

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Ship the weights without Adam's moments: a third the size, and the app only predicts.
    shipped = BUILDERS[name]()
    shipped.set_weights(net.get_weights())
    shipped.save(out_dir / f"{name}.keras")
    save_mistakes(out_dir / f"{name}.mistakes.npz", test_uint8(x_test), y_test, result)
    card = {
        "name": name,
        "architecture": [
            {
                "name": layer.name,
                "type": type(layer).__name__,
                "output_shape": list(layer.output.shape[1:]),
                "params": layer.count_params(),
            }
            for layer in net.layers
        ],
        "params": net.count_params(),
        "command": "python " + shlex.join(["train.py", *sys.argv[1:]]),
        "recipe": {
            "optimizer": "adam",
            "loss": "categorical_crossentropy",
            "batch_size": args.batch_size,
            "max_epochs": args.epochs,
            "early_stopping": f"val_loss, patience {args.patience}, best weights restored",
            "validation": f"last {len(val[1])} training images",
            "seed": args.seed,
        },
        "epochs_run": len(history.history["loss"]),
        "best_epoch": int(np.argmin(history.history["val_loss"])) + 1,
        "history": {key: [float(v) for v in values] for key, values in history.history.items()},
        "train_seconds": round(train_seconds, 1),
        "test_accuracy": result.accuracy,
        "confusion_matrix": result.confusion.tolist(),
        "misclassified": result.misclassified.tolist(),
        "data": {
            "file": str(args.data_file) if args.data_file else "keras.datasets.mnist",
            "sha256": file_sha256(args.data_file) if args.data_file else None,
            "train_images": len(train[1]),
        },
        "versions": {
            "python": platform.python_version(),
            "keras": keras.__version__,
            "backend": keras.backend.backend(),
            "numpy": np.__version__,
        },
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    (out_dir / f"{name}.json").write_text(json.dumps(card, indent=1) + "\n")
    return card


def test_uint8(x_test: np.ndarray) -> np.ndarray:
    return (x_test[..., 0] * 255).round().astype(np.uint8)


def main() -> None:
    args = parse_args()
    args.data_file = mnist_path(args.data)
    (x_train, y_train), (x_test, y_test) = load_mnist(args.data_file)
    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    x_train, x_test = as_model_input(x_train), as_model_input(x_test)
    y_onehot = keras.utils.to_categorical(y_train, NUM_CLASSES)
    split = len(x_train) - min(args.validation_size, len(x_train) // 6)
    train = (x_train[:split], y_onehot[:split])
    val = (x_train[split:], y_onehot[split:])

    save_examples(Path(args.out) / "examples.npz", test_uint8(x_test), y_test)
    names = MODEL_NAMES if args.model == "both" else (args.model,)
    for name in names:
        train_one(name, args, train, val, (x_test, y_test))


if __name__ == "__main__":
    main()
