"""Train DigitPad's MLP and CNN, and the small network that helps read numbers, and write them,
with their model cards, to model_store/.

    python train.py                          # every model, robust recipe (the shipped models)
    python train.py --recipe chapter         # the chapter's recipe, into model_store/chapter
    python train.py --model whole_digit      # only the network that helps read numbers
    python train.py --model cnn --epochs 5 --data ../shared/data/mnist.npz
    python train.py --finetune-on ~/.digitpad/samples.db   # the CNN, tuned to one person's digits

Recipes:
- chapter: MNIST as it is, adam, early stopping on validation loss (the chapter: MLP 98.11%,
  CNN 99.13%).
- robust: the same kinds of networks, a layer deeper each (MLP 784-1024-256-10 with dropout;
  CNN with one more Conv-MaxPool-Dropout block and 256 dense units), each straightening its
  input's slant first, trained on MNIST plus MNIST redrawn as canvas drawings, plus digits 20
  other people wrote with a pen, plus digits in styles MNIST lacks (a flagged 1, a closed 4, a
  slashed 0 and a Ø), plus scribbles and nine signs ($ + = ...) that are no digit (target:
  unsure), with random rotation, shear and translation, and a cosine learning-rate schedule.
  People draw unlike MNIST; this is what reads them right. Beside them, the small network that
  tells the number reader whether a piece of ink is one whole digit (digitpad/whole_digit.py),
  trained on what the reader cuts from numbers written with MNIST training digits.

Each model is saved as `<name>.keras` beside a card `<name>.json` that says how it was made and
how well it reads, so the app and its pages need nothing else.
"""

import argparse
import contextlib
import os
import re
import shlex
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from digitpad.tensorflow_import import import_tensorflow

# Before anything imports Keras: TensorFlow's start-up notices to its developers (oneDNN is on,
# the CPU has instructions it was not built for) left out of stderr, where a person reads this
# script's own messages.
import_tensorflow()

import keras
import numpy as np
from keras import layers

from digitpad import MODEL_NAMES, calibration, training_data, whole_digit
from digitpad.batches import Batches
from digitpad.data import (
    MNIST_ENV,
    PEN_ENV,
    VALIDATION_SIZE,
    BadDataFile,
    MnistUnavailable,
    Split,
    cannot_load_mnist,
    file_sha256,
    load_mnist,
    mnist_path,
    mnist_source,
    validation_count,
)
from digitpad.drawn import pen_digit_parts
from digitpad.evaluation import as_model_input, evaluate_probs
from digitpad.finetune import BATCH_SIZE as FINETUNE_BATCH_SIZE
from digitpad.finetune import EPOCHS as FINETUNE_EPOCHS
from digitpad.gallery import save_examples, save_mistakes
from digitpad.models import BUILDERS
from digitpad.signs import SIGNS, sign_samples
from digitpad.store import (
    CHAPTER_DIR,
    SHIPPED_STORE,
    STORE_ENV,
    made_now,
    source_commit,
    store_dir,
    write_card,
    written_whole,
)
from digitpad.styles import STYLES, style_samples

# -----------------------------------------------------------------------------
# Settings (each one a command-line flag)
model = "all"  # mlp, cnn, whole_digit, both (mlp and cnn) or all (robust: the three)
recipe = "robust"  # robust or chapter
epochs = None  # default: CHAPTER_EPOCHS (early stopping ends it); robust: ROBUST_EPOCHS
patience = None  # default: PATIENCE, by recipe
batch_size = None  # default: BATCH_SIZE, by recipe; fine-tuning: finetune.BATCH_SIZE
validation_size = VALIDATION_SIZE  # the last MNIST training images, never trained on
seed = 1
out = None  # default: $DIGITPAD_STORE, else model_store/; the chapter's recipe: chapter/ in that
data = None  # a local mnist.npz; default: $DIGITPAD_MNIST, else Keras' download
pen_data = os.environ.get(PEN_ENV)  # pendigits_train_strokes.npz, for the robust recipe
drawn_copies = None  # redrawn copies of each MNIST training digit; default: DRAWN_COPIES
pen_copies = 3  # renders of each pen digit in different styles (robust)
scribbles = 6000
styled = 400 * len(STYLES)  # digits in styles MNIST lacks (digitpad/styles.py): flagged 1, ...
signs = 400 * len(SIGNS)  # signs written with numbers (digitpad/signs.py), taught as no digit
whole_digit_numbers = 4000  # numbers written with MNIST training digits, for whole_digit
workers = None  # processes that draw the training data; default: every core
precision = None  # float32 or mixed_bfloat16; default: see robust_precision (chapter: float32)
final_epochs = None  # robust: epochs without augmentation at the end; default: FINAL_EPOCHS
# -----------------------------------------------------------------------------

# Epochs of freshly augmented images. An MLP epoch costs about a quarter of a bfloat16 CNN epoch:
# the MLP gets more of them. The CNN's cosine decay over 18 epochs rather than 15 validated better
# twice (loss 0.0279 -> 0.0271 and 0.0266; MNIST test 99.56% -> 99.62% and 99.59%); the MLP
# gave it the time, 40 epochs rather than 45 (its validation loss 0.0386 -> 0.0390).
ROBUST_EPOCHS = {"mlp": 40, "cnn": 18}
CHAPTER_EPOCHS = 30
# Early stopping's patience: the chapter CNN's validation loss is noisy; cosine decay does its
# best work in the last epochs, and the robust recipe must not stop short of them.
PATIENCE = {"chapter": 5, "robust": 10}
BATCH_SIZE = {"chapter": 128, "robust": 256}  # robust: fewer, cheaper steps
# Each MNIST training digit redrawn this many times. A second redrawing, in 15 epochs rather than
# 20 (the same steps), lifted the CNN on the drawn set (98.33% -> 98.52% in its trial) and whole
# numbers (80.6% -> 81.8%). The one-hidden-layer MLP read worse with it (drawn 97.52%); the
# two-layer one, in 45 epochs rather than 60, validated better (loss 0.0495 -> 0.0479, drawn
# 98.18% -> 98.28%).
DRAWN_COPIES = 2
# After the augmented epochs, a few more at a low, constant learning rate on the images as they
# are: the network ends on digits exactly as the app hands them over, centred by mass, not
# shifted or sheared. Two such epochs after the shipped CNN's training, in a trial: drawn
# 98.40% -> 98.54%, pen 98.53% -> 98.80% (four, or three with a cosine decay from 3e-4, gave
# the same). The one-layer MLP's moved by less than a run's noise (drawn 97.69% -> 97.75%); the
# two-layer MLP's validation rose on all three sets (MNIST 99.18% -> 99.32%, drawn 98.28% ->
# 98.32%, pen 98.60% -> 98.70%).
FINAL_EPOCHS = {"mlp": 2, "cnn": 2}
MIN_LIMIT = 300  # --limit: fewer left no digit of some kind to write numbers with
FINAL_LEARNING_RATE = 1e-4
# The whole-digit network: the candidates cut from 4,000 numbers (about 117,000, a fifth of
# them whole digits) read numbers better than those from 2,000 (on a tuning seed, 84.8% exactly
# against 83.8%; 6,848 read no better); its validation loss still fell a little at its 8th epoch.
WHOLE_DIGIT_EPOCHS = 10
WHOLE_DIGIT_BATCH = 128
# What the robust recipe changes in the networks (digitpad/changes.py says why, measured).
# The MLP's second hidden layer of 256 units: validation drawn 98.24% -> 98.28%, pen 98.40% ->
# 98.60%, its loss 0.054 -> 0.050, for at most a tenth more time a step. The CNN's dense layer of
# 256 units rather than 128: validation MNIST 99.44% -> 99.50%, drawn 98.92% -> 99.02%, its loss
# 0.0343 -> 0.0338 (pen 99.30% -> 99.00%), for no training time that shows.
MODEL_OPTIONS = {
    "mlp": {"hidden": 1024, "dropout": 0.3, "deskew": True, "hidden2": 256},
    "cnn": {"deskew": True, "conv3": 128, "dense": 256},
}


# Keras takes seeds below 2**32, and train.py adds up to 999 to this one for its other draws.
MAX_SEED = 2**32 - 1000


def count(least: int, most: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number no less than `least` (and no more than `most`)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}, not {value}")
        if most is not None and value > most:
            raise argparse.ArgumentTypeError(f"must be at most {most:,}, not {value:,}")
        return value

    return parse


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument(
        "--model",
        choices=(*MODEL_NAMES, whole_digit.NAME, "both", "all"),
        default=model,
        help="both: the MLP and the CNN; all: those and the whole-digit network (default: all)",
    )
    parser.add_argument(
        "--recipe", choices=("robust", "chapter"), default=recipe, help="(default: robust)"
    )
    parser.add_argument(
        "--epochs",
        type=count(1),
        default=epochs,
        help=f"(default: {CHAPTER_EPOCHS} chapter; robust MLP {ROBUST_EPOCHS['mlp']}, CNN "
        f"{ROBUST_EPOCHS['cnn']}, whole-digit {WHOLE_DIGIT_EPOCHS}; the robust MLP and CNN then "
        f"train --final-epochs more; fine-tuning {FINETUNE_EPOCHS})",
    )
    parser.add_argument(
        "--patience",
        type=count(0),
        default=patience,
        help=f"early stopping (default: {PATIENCE['chapter']} chapter, {PATIENCE['robust']} "
        "robust)",
    )
    parser.add_argument(
        "--batch-size",
        type=count(1),
        default=batch_size,
        help=f"(default: {BATCH_SIZE['chapter']} chapter, {BATCH_SIZE['robust']} robust, "
        f"{FINETUNE_BATCH_SIZE} fine-tuning)",
    )
    parser.add_argument(
        "--validation-size",
        type=count(1),
        default=validation_size,
        help="the last N MNIST training images, never trained on; at most a sixth of those "
        f"--limit takes (default: {validation_size})",
    )
    parser.add_argument(
        "--seed", type=count(0, MAX_SEED), default=seed, help=f"0 or more (default: {seed})"
    )
    parser.add_argument(
        "--out",
        default=out,
        help=f"folder for <name>.keras and <name>.json (default: ${STORE_ENV}, else "
        f"{SHIPPED_STORE.name}; the chapter's recipe: {CHAPTER_DIR}/ in that, where the app "
        "looks for its models)",
    )
    parser.add_argument(
        "--data",
        default=data,
        help=f"mnist.npz (default: ${MNIST_ENV}, else Keras downloads MNIST)",
    )
    parser.add_argument(
        "--pen-data", default=pen_data, help=f"pendigits_train_strokes.npz (${PEN_ENV})"
    )
    parser.add_argument(
        "--drawn-copies",
        type=count(0),
        default=drawn_copies,
        help=f"robust: each MNIST training digit redrawn N times (default: {DRAWN_COPIES})",
    )
    parser.add_argument(
        "--pen-copies",
        type=count(1),
        default=pen_copies,
        help=f"robust: renders of each pen digit (default: {pen_copies})",
    )
    parser.add_argument(
        "--scribbles",
        type=count(1),
        default=scribbles,
        help=f"robust: scribbles that are no digit (default: {scribbles})",
    )
    parser.add_argument(
        "--styled",
        type=count(1),
        default=styled,
        help=f"robust: digits in styles MNIST lacks (default: {styled})",
    )
    parser.add_argument(
        "--signs",
        type=count(0),
        default=signs,
        help=f"robust: signs written with numbers ($ + = ...), taught as no digit, 0 for none "
        f"(default: {signs})",
    )
    parser.add_argument(
        "--whole-digit-numbers",
        type=count(1),
        default=whole_digit_numbers,
        help=f"numbers the whole-digit network learns from (default: {whole_digit_numbers})",
    )
    parser.add_argument(
        "--workers",
        type=count(1),
        default=workers,
        help="processes that draw the training data (default: every core)",
    )
    parser.add_argument(
        "--precision",
        choices=("float32", "mixed_bfloat16"),
        default=precision,
        help="default: float32; for the robust recipe's CNN, mixed_bfloat16 where the CPU has AMX "
        "or AVX-512 BF16",
    )
    parser.add_argument(
        "--final-epochs",
        type=count(0),
        default=final_epochs,
        help=f"robust: epochs without augmentation at the end (default: {FINAL_EPOCHS['cnn']})",
    )
    parser.add_argument(
        "--limit",
        type=count(1),
        help=f"train on the first N MNIST training images only, at least {MIN_LIMIT}, into "
        "another --out than the shipped models' (smoke tests); with --finetune-on, mix in N "
        "MNIST digits rather than 10,000",
    )
    parser.add_argument(
        "--finetune-on",
        metavar="SAMPLES_DB",
        help="instead: fine-tune the active CNN in --out on MNIST plus the digits saved in this "
        "database, and save it there as a new, active version",
    )
    args = parser.parse_args()
    args.out = args.out or default_out(args.recipe)
    if args.finetune_on and (args.model not in (model, "cnn") or args.recipe != recipe):
        parser.error(
            "--finetune-on fine-tunes the active CNN by its own recipe: leave out --model and "
            "--recipe"
        )
    needs_pen = args.recipe == "robust" and not args.finetune_on and args.model != whole_digit.NAME
    for flag, path in (
        ("--data", args.data or os.environ.get(MNIST_ENV)),
        ("--pen-data", args.pen_data if needs_pen else None),
    ):
        if path and Path(path).is_dir():
            parser.error(f"{flag}: {path} is a folder: name the file in it")
        if path and not Path(path).is_file():
            parser.error(f"{flag}: no such file: {path}")
    if args.limit and not args.finetune_on:
        if args.limit < MIN_LIMIT:
            whole_digit_use = ", and the whole-digit network writes numbers with the rest"
            parser.error(
                f"--limit: at least {MIN_LIMIT} images, not {args.limit}: a sixth of them "
                f"validate{whole_digit_use if args.recipe == 'robust' else ''}"
            )
        if Path(args.out).resolve().is_relative_to(SHIPPED_STORE):  # the chapter's too
            parser.error(
                "--limit: models trained on a slice read far worse, and they would replace "
                f"the app's own in {args.out}: name a folder outside {SHIPPED_STORE.name} with "
                "--out"
            )
    if args.patience is None:
        args.patience = PATIENCE[args.recipe]
    if args.batch_size is None and not args.finetune_on:  # fine-tuning has its own default
        args.batch_size = BATCH_SIZE[args.recipe]
    if args.recipe == "chapter" and args.model == whole_digit.NAME:
        parser.error("--model whole_digit: the chapter has no whole-digit network (robust only)")
    if needs_pen and not args.pen_data:
        parser.error(
            "the robust recipe needs the pen digits: --pen-data PATH/pendigits_train_strokes.npz "
            "or $DIGITPAD_PENDIGITS (or use --recipe chapter)"
        )
    if not args.finetune_on:  # made last: a run refused for another flag leaves no folder
        # Taken away again if the data then proves unreadable (`refuse`).
        out_folders = [Path(args.out), *Path(args.out).parents]
        args.made_out = [folder for folder in out_folders if not folder.exists()]
        try:  # now, not after the data is drawn and the networks trained
            Path(args.out).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            parser.error(f"--out: cannot make the folder {args.out}: {error.strerror}")
        if not os.access(args.out, os.W_OK | os.X_OK):  # a folder there already, read-only
            parser.error(f"--out: cannot write in the folder {args.out}")
    return args


def default_out(recipe: str) -> str:
    """Where a recipe's models go unless --out says: where the app reads them. The chapter's
    went into model_store, in place of the shipped ones; the app looks in its chapter/, or
    reads them there itself (DIGITPAD_STORE=model_store/chapter)."""
    store = store_dir()  # the app's, wherever this is run from
    if recipe == "chapter" and store.name != CHAPTER_DIR:
        return str(store / CHAPTER_DIR)
    return str(store)


def bfloat16_in_hardware(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether the CPU multiplies bfloat16 itself (AMX, AVX-512 BF16); elsewhere TensorFlow
    emulates it, and a step of the CNN took 5.3 s against float32's 0.86 s (an AMD EPYC with
    AVX2 only)."""
    try:
        flags = cpuinfo.read_text()
    except OSError:  # not Linux: no way to ask, and emulated bfloat16 costs the most
        return False
    return re.search(r"\b(amx_bf16|avx512_bf16)\b", flags) is not None


def robust_precision(name: str) -> str:
    """The CNN trains in bfloat16, its weights kept in float32, where the CPU does bfloat16 in
    hardware: with AMX an epoch of the two-conv CNN took 40 s where float32 took 135 s, which
    bought 20 freshly augmented epochs in the time 8 took (the shipped recipe's CNN, a layer
    deeper, takes 18). The MLP, too small to gain, stays in
    float32, as does every shipped network."""
    return "mixed_bfloat16" if name == "cnn" and bfloat16_in_hardware() else "float32"


# -----------------------------------------------------------------------------
# Data

# Validation sets scored one by one: images and labels (None for scribbles), by name.
ValidationParts = dict[str, tuple[np.ndarray, np.ndarray | None]]


def chapter_data(
    x_train: np.ndarray, y_train: np.ndarray, val_count: int
) -> tuple[Split, Split, ValidationParts]:
    """MNIST split into training and validation, as the chapter does."""
    split = len(x_train) - val_count
    x, y = as_model_input(x_train), training_data.one_hot(y_train)
    return (x[:split], y[:split]), (x[split:], y[split:]), {}


def at_most(count: int, limit: int | None) -> int:
    """`count`, held to `limit` where smoke tests set one."""
    return min(count, limit) if limit else count


def robust_data(
    x_train: np.ndarray,
    y_train: np.ndarray,
    val_count: int,
    pen: dict,
    args: argparse.Namespace,
    drawn_copies: int,
) -> tuple[Split, Split, ValidationParts]:
    """MNIST, its canvas redrawings, pen digits, styled digits, scribbles and signs; validation
    drawn the same way."""
    split = len(x_train) - val_count
    (pen_train, pen_train_labels), (pen_val, pen_val_labels) = pen["train"], pen["validation"]
    limit = args.limit or len(pen_train)  # smoke tests draw only a few pen digits too
    pen_train, pen_train_labels = pen_train[:limit], pen_train_labels[:limit]
    pen_val, pen_val_labels = pen_val[:limit], pen_val_labels[:limit]
    scribble_strokes = training_data.random_scribbles(args.scribbles, args.seed)
    # Each style about as many digits as when there were fewer (400, not 384): held to the 4,996 pen
    # digits, the flagged 1 got fewer once three more Ø styles came in, and was read less well (CNN
    # 96.5% -> 93.5%). Smoke tests draw a few.
    styled_strokes, styled_labels = style_samples(at_most(args.styled, args.limit), args.seed + 777)
    sign_strokes = sign_samples(at_most(args.signs, args.limit), args.seed + 555)
    cut = len(scribble_strokes) * 5 // 6
    started = time.perf_counter()

    def draw(what, seed):
        return training_data.rendered_strokes(what, seed, args.workers)

    redrawn = [
        (
            training_data.drawn_digits(x_train[:split], args.seed + c, args.workers),
            training_data.one_hot(y_train[:split]),
        )
        for c in range(drawn_copies)
    ]
    parts = [
        (x_train[:split].astype(np.float32) / 255, training_data.one_hot(y_train[:split])),
        *redrawn[:1],
        *[
            (draw(pen_train, args.seed + c), training_data.one_hot(pen_train_labels))
            for c in range(args.pen_copies)
        ],
        (draw(styled_strokes, args.seed), training_data.one_hot(styled_labels)),
        (draw(scribble_strokes[:cut], args.seed), training_data.uniform_targets(cut)),
        # A plus is an open 4 without its first stroke, an equals sign two 2's feet: signs written
        # beside numbers that scribbles do not teach (benchmarks/symbols.py).
        (draw(sign_strokes, args.seed), training_data.uniform_targets(len(sign_strokes))),
        # Last, where they were when only the CNN had them.
        *redrawn[1:],
    ]
    val_parts = {
        "mnist": (x_train[split:].astype(np.float32) / 255, y_train[split:]),
        "drawn": (
            training_data.drawn_digits(x_train[split:], args.seed + 999, args.workers),
            y_train[split:],
        ),
        "pen": (draw(pen_val, args.seed + 999), pen_val_labels),
        "scribbles": (draw(scribble_strokes[cut:], args.seed + 999), None),
    }
    print(f"drew the training data in {time.perf_counter() - started:.0f} s")
    x = as_model_input(np.concatenate([p[0] for p in parts]))
    y = np.concatenate([p[1] for p in parts])
    digits = [k for k in val_parts if k != "scribbles"]
    x_val = as_model_input(np.concatenate([val_parts[k][0] for k in digits]))
    y_val = training_data.one_hot(np.concatenate([val_parts[k][1] for k in digits]))
    return (x, y), (x_val, y_val), val_parts


def augmentation() -> keras.Sequential:
    """Random slant, shear and shift: the ways one person's digit differs from another's."""
    return keras.Sequential(
        [
            layers.RandomRotation(0.03, fill_mode="constant"),  # about ±11 degrees
            layers.RandomShear(x_factor=0.15, fill_mode="constant"),
            # Preprocessing already fixes size and centre: only a pixel of play is left.
            layers.RandomTranslation(0.04, 0.04, fill_mode="constant"),
        ],
        name="augmentation",
    )


# -----------------------------------------------------------------------------
# Training


written = []  # the models this run has written to --out, said if it is stopped


@contextmanager
def saving(name: str) -> Iterator[None]:
    """A model's files written together: a Ctrl-C meanwhile, which left a new model beside its
    old card, stops the run once they are. The model is then counted as written."""
    stopped = []
    previous = signal.signal(signal.SIGINT, lambda *_: stopped.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    written.append(name)
    if stopped:
        raise KeyboardInterrupt


def train_one(
    name: str,
    args: argparse.Namespace,
    train: Split,
    val: Split,
    val_parts: ValidationParts,
    test: Split,
    drawn_copies: int,
) -> dict:
    """Train network `name` by the recipe in `args`, choose its "not sure" threshold on the
    validation digits and score it on the test sets: its card, less how it was run."""
    keras.utils.set_random_seed(args.seed)
    robust = args.recipe == "robust"
    epochs = args.epochs or (ROBUST_EPOCHS[name] if robust else CHAPTER_EPOCHS)
    precision = args.precision or (robust_precision(name) if robust else "float32")
    keras.mixed_precision.set_dtype_policy(precision)
    options = MODEL_OPTIONS[name] if robust else {}
    net = BUILDERS[name](**options)
    net.summary()
    optimizer, trainer = "adam", net
    if robust:
        steps = epochs * -(-len(train[0]) // args.batch_size)
        optimizer = keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(1e-3, steps))
        trainer = keras.Sequential([keras.Input(net.input_shape[1:]), augmentation(), net])
    objective = {"loss": "categorical_crossentropy", "metrics": ["accuracy"]}
    trainer.compile(optimizer=optimizer, **objective)
    stop_early = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=args.patience, restore_best_weights=True, verbose=1
    )
    started = time.perf_counter()
    validation = Batches(*val, args.batch_size)
    history = trainer.fit(
        Batches(*train, args.batch_size, seed=args.seed),
        validation_data=validation,
        epochs=epochs,
        callbacks=[stop_early],
    )
    final = 0
    if robust:
        final = FINAL_EPOCHS[name] if args.final_epochs is None else args.final_epochs
    if final:
        net.compile(optimizer=keras.optimizers.Adam(FINAL_LEARNING_RATE), **objective)
        unaugmented = net.fit(
            Batches(*train, args.batch_size, seed=args.seed),
            validation_data=validation,
            epochs=final,
        )
        for key, values in unaugmented.history.items():
            history.history[key].extend(values)
    train_seconds = time.perf_counter() - started

    # Ship the weights without Adam's moments (a third the size, and the app only predicts),
    # computing in float32; every figure below is measured on what ships.
    keras.mixed_precision.set_dtype_policy("float32")
    shipped = BUILDERS[name](**options)
    shipped.set_weights(net.get_weights())

    def probs_of(images):
        return shipped.predict(as_model_input(images), batch_size=1024, verbose=0)

    x_test, y_test = test
    result = evaluate_probs(probs_of(x_test), y_test)
    print(f"{name}: MNIST test accuracy {result.accuracy:.4f}")

    optimizer_text = "adam"
    if robust:
        optimizer_text += ", cosine learning-rate decay from 1e-3"
    if final:
        optimizer_text += f", then {final} epochs at {FINAL_LEARNING_RATE:g} without augmentation"
    # The epoch whose weights ship: the last after final epochs, else the best augmented one.
    best_epoch = (
        len(history.history["loss"]) if final else int(np.argmin(history.history["val_loss"])) + 1
    )
    card = {
        "name": name,
        "recipe": args.recipe,
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
        "command": command_line(),
        "training": {
            "optimizer": optimizer_text,
            "loss": "categorical_crossentropy",
            "precision": precision,
            "batch_size": args.batch_size,
            "max_epochs": epochs,
            "early_stopping": f"val_loss, patience {args.patience}, best weights restored",
            "train_images": len(train[0]),
            "drawn_copies": drawn_copies,
            "final_epochs_without_augmentation": final,
            "validation_images": len(val[0]),
            "seed": args.seed,
        },
        "epochs_run": len(history.history["loss"]),
        "best_epoch": best_epoch,
        "history": {key: [float(v) for v in values] for key, values in history.history.items()},
        "train_seconds": round(train_seconds, 1),
        "test_accuracy": result.accuracy,
        "confusion_matrix": result.confusion.tolist(),
        "misclassified": result.misclassified.tolist(),
        "data": {
            **mnist_source(args.data_file),
            "pen_file": str(args.pen_data) if robust else None,
            "pen_sha256": file_sha256(args.pen_data) if robust else None,
        },
        **made_now(),
    }
    if val_parts:
        val_probs = {part: probs_of(images) for part, (images, _) in val_parts.items()}
        digits = [part for part, (_, labels) in val_parts.items() if labels is not None]
        card["validation_accuracy"] = {
            part: evaluate_probs(val_probs[part], val_parts[part][1]).accuracy for part in digits
        }
        card["calibration"] = calibration.calibrate(
            np.concatenate([val_probs[part] for part in digits]),
            np.concatenate([val_parts[part][1] for part in digits]),
            val_probs["scribbles"],
        )
    # Written last, once everything above has worked, each file whole, the card last: a run
    # stopped before then leaves the store as it was.
    out_dir = Path(args.out)
    with saving(name):
        with written_whole(out_dir / f"{name}.keras") as path:
            shipped.save(path)
        with written_whole(out_dir / f"{name}.mistakes.npz") as path:
            save_mistakes(path, x_test, y_test, result)
        write_card(name, card, out_dir)
    return card


def train_whole_digit(args: argparse.Namespace, x_train: np.ndarray, y_train: np.ndarray) -> dict:
    """The network that tells the number reader whether a piece of ink is one whole digit."""
    keras.utils.set_random_seed(args.seed)
    keras.mixed_precision.set_dtype_policy("float32")
    started = time.perf_counter()
    images, shapes, whole = whole_digit.training_set(
        x_train, y_train, args.whole_digit_numbers, args.seed, args.workers
    )
    cut_seconds = time.perf_counter() - started
    numbers = sum(whole_digit.numbers_per_task(len(x_train), args.whole_digit_numbers))
    print(f"cut {len(whole)} candidates from {numbers} numbers, {whole.mean():.0%} whole digits, "
          f"in {cut_seconds:.0f} s")  # fmt: skip
    # The last tenth, from the last numbers written, validates.
    split = len(whole) - max(1, len(whole) // 10)
    train = ((as_model_input(images[:split]), shapes[:split]), whole[:split])
    val = ((as_model_input(images[split:]), shapes[split:]), whole[split:])
    net = whole_digit.build()
    net.summary()
    net.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    started = time.perf_counter()
    history = net.fit(
        Batches(*train, WHOLE_DIGIT_BATCH, seed=args.seed),
        validation_data=Batches(*val, WHOLE_DIGIT_BATCH),
        epochs=args.epochs or WHOLE_DIGIT_EPOCHS,
    )
    train_seconds = time.perf_counter() - started
    card = {
        "name": whole_digit.NAME,
        "recipe": args.recipe,
        "purpose": "tells the number reader whether a candidate cut from a number is one whole "
        "digit; its log-odds join each candidate's score (digitpad/number.py)",
        "params": net.count_params(),
        "command": command_line(),
        "training": {
            "optimizer": "adam",
            "loss": "binary_crossentropy",
            "batch_size": WHOLE_DIGIT_BATCH,
            "epochs": len(history.history["loss"]),
            "numbers": numbers,
            "train_candidates": split,
            "validation_candidates": len(whole) - split,
            "whole_share": float(whole.mean()),
            "seed": args.seed,
        },
        "history": {key: [float(v) for v in values] for key, values in history.history.items()},
        "cut_seconds": round(cut_seconds, 1),
        "train_seconds": round(train_seconds, 1),
        "validation_accuracy": float(history.history["val_accuracy"][-1]),
        "data": mnist_source(args.data_file),
        **made_now(),
    }
    out_dir = Path(args.out)
    with saving(whole_digit.NAME):
        with written_whole(out_dir / f"{whole_digit.NAME}.keras") as path:
            net.save(path)
        write_card(whole_digit.NAME, card, out_dir)
    return card


def finetune_main(args: argparse.Namespace) -> None:
    """Fine-tune the active CNN on MNIST plus a person's digits; save it as a new version."""
    from digitpad import finetune, samples, versions
    from digitpad.store import ModelUnavailable

    store, database = Path(args.out), Path(args.finetune_on)
    if not store.is_dir():  # told to retrain the CNN there, which would not have helped
        sys.exit(f"error: --out {store} is no folder: it names the folder of the models whose "
                 "CNN is fine-tuned (model_store)")  # fmt: skip
    if database.is_dir():
        sys.exit(f"error: {database} is a folder: name the database of digits in it")
    if not database.is_file():
        sys.exit(f"error: no samples database at {database}")
    try:
        images, labels = samples.training_arrays(database)
    except samples.SamplesUnavailable as problem:  # not an SQLite file, or not DigitPad's
        if database.suffix.lower() in (".npz", ".zip"):  # what the Your digits page exports
            sys.exit(f"error: {database} is no database of digits: if it is one exported from "
                     "the Your digits page, import it there, then fine-tune on that page's "
                     f"database, {samples.default_path()} (or ${samples.SAMPLES_ENV})")  # fmt: skip
        # Named by --finetune-on here, not by the variable the app reads.
        sys.exit(
            f"error: cannot read your digits: {str(problem).removesuffix(samples.ANOTHER_FILE)}"
        )
    if len(labels) < finetune.MIN_SAMPLES:
        sys.exit(f"error: {database} holds {len(labels)} digits; fine-tuning needs "
                 f"{finetune.MIN_SAMPLES}")  # fmt: skip
    if (folder := versions.unwritable(store)) is not None:
        sys.exit(f"error: the model folder {folder} cannot be written: fine-tuning saves the "
                 "new CNN there and makes it active")  # fmt: skip
    before = set(versions.list_versions("cnn", store))
    started = time.perf_counter()
    try:
        version, active, result = finetune.finetune_active_cnn(
            store, database, (images, labels),
            command=command_line(),
            mnist_file=mnist_path(args.data),
            progress=lambda done, doing: print(f"{done:4.0%} {doing:<80}", end="\r", flush=True),
            epochs=args.epochs or finetune.EPOCHS, seed=args.seed,
            batch_size=args.batch_size or finetune.BATCH_SIZE,
            mnist_images=args.limit or finetune.MNIST_IMAGES,
        )  # fmt: skip
    except (ModelUnavailable, ValueError) as problem:  # ValueError: nothing left to train on
        sys.exit(f"\nerror: {problem}")  # under the progress line, not on it
    except MnistUnavailable as problem:
        sys.exit("\n" + cannot_load_mnist(problem))
    except KeyboardInterrupt:
        # Looked at, not assumed: stopped as it saved, a version may be there, even active.
        saved = sorted(set(versions.list_versions("cnn", store)) - before)
        reads = versions.title(versions.active_version("cnn", store))
        said = f"{', '.join(saved)} saved" if saved else "nothing saved"
        print(f"\nstopped: {said}; the app reads {reads}", file=sys.stderr)
        sys.exit(130)
    card = versions.version_card(version, store) or {}
    base = versions.title(card.get("finetuned_from", "cnn"))  # as fine-tuning read it
    took = time.perf_counter() - started
    print(f"\nfine-tuned {base}: trained in {result.train_seconds:.0f} s, {took:.0f} s in all")
    # The card's, which holds each one's share read right but "not sure" too.
    for row in finetune.comparison_rows(card.get("comparison") or finetune.comparison(result)):
        print(f"{row['measured on']}: old {row['old CNN']}, new {row['new CNN']}")
    saved = f"saved {store / versions.VERSIONS_DIR / version}.keras"
    if active:
        print(f"{saved}, now the active CNN; {base} is kept (switch back on the Your digits "
              "page)")  # fmt: skip
    else:
        chosen = versions.title(versions.active_version("cnn", store))
        print(f"{saved}, not made active: {chosen} was made active while it trained and stays "
              "so (switch on the Your digits page)")  # fmt: skip


def command_line() -> str:
    """This run's command, as a card records it."""
    return "python " + shlex.join(["train.py", *sys.argv[1:]])


def refuse(args: argparse.Namespace, message: str) -> NoReturn:
    """Exit saying `message`, taking away the --out folders this run made, while empty."""
    for folder in args.made_out:  # the deepest first
        with contextlib.suppress(OSError):
            folder.rmdir()
    sys.exit(message)


def mnist_or_exit(args: argparse.Namespace) -> tuple:
    try:
        return load_mnist(args.data_file)
    except MnistUnavailable as error:
        refuse(args, cannot_load_mnist(error))


def main() -> None:
    args = parse_args()
    source_commit()  # the code as this run starts, whatever is edited while it trains
    if args.finetune_on:
        return finetune_main(args)
    args.data_file = mnist_path(args.data)
    (x_train, y_train), (x_test, y_test) = mnist_or_exit(args)
    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    elif len(x_train) < MIN_LIMIT:  # as few as --limit refuses, in a file of its own
        refuse(args, f"error: {args.data_file} holds {len(x_train)} training images; training "
                     f"needs at least {MIN_LIMIT}")  # fmt: skip
    val_count = validation_count(len(x_train), args.validation_size)
    if args.recipe == "robust" and args.model != whole_digit.NAME:
        try:  # now, not after the whole-digit network has trained
            pen = pen_digit_parts(args.pen_data)
        except BadDataFile as error:
            refuse(args, f"error: --pen-data: {error}")
    try:
        if args.model in (whole_digit.NAME, "all") and args.recipe == "robust":
            # Numbers written with the digits the networks train on, never the validation ones.
            split = len(x_train) - val_count
            train_whole_digit(args, x_train[:split], y_train[:split])
        if args.model == whole_digit.NAME:
            return
        names = MODEL_NAMES if args.model in ("both", "all") else (args.model,)
        if args.recipe == "robust":
            copies = DRAWN_COPIES if args.drawn_copies is None else args.drawn_copies
            train, val, val_parts = robust_data(x_train, y_train, val_count, pen, args, copies)
        else:
            copies = 0
            train, val, val_parts = chapter_data(x_train, y_train, val_count)

        with written_whole(Path(args.out) / "examples.npz") as path:
            save_examples(path, x_test, y_test)
        for name in names:
            train_one(name, args, train, val, val_parts, (x_test, y_test), copies)
    except KeyboardInterrupt:
        print(f"\nstopped: {' and '.join(written) or 'no model'} written to {args.out}; the "
              "others there are as they were", file=sys.stderr)  # fmt: skip
        sys.exit(130)
    say_if_a_version_is_read_instead(Path(args.out))


def say_if_a_version_is_read_instead(store: Path) -> None:
    """A fine-tuned version the pages read goes on being read in place of a model just
    trained; the person is told, and where to switch."""
    from digitpad import versions

    for name in written:
        if (active := versions.active_version(name, store)) != name:
            print(f"note: the pages read {versions.title(active)} in place of the {name} just "
                  "trained; the Your digits page sets the shipped one to be read")  # fmt: skip


if __name__ == "__main__":
    main()
