"""Fine-tune the CNN on MNIST plus the digits one person drew and labelled.

About a fifth of the person's digits are held out, each one always or never (by its pixels);
the rest are repeated so that a few dozen of them count beside thousands of MNIST digits. The
old and the new model are then compared on MNIST's test set and on the held-out digits, and the
new one's "not sure" threshold is chosen again. `save_as_active` keeps it as a new version
(digitpad/versions.py), the old one beside it.
"""

import hashlib
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from digitpad import NUM_CLASSES, calibration, training_data, versions
from digitpad.batches import Batches
from digitpad.data import load_mnist, mnist_source, validation_count
from digitpad.evaluation import Evaluation, as_model_input, evaluate_probs
from digitpad.jobs import Progress
from digitpad.preprocess import as_uint8
from digitpad.store import UNCALIBRATED_THRESHOLD, card_threshold, load_model, made_now

HOLD_OUT = 0.2  # share of the person's digits kept out of training, to judge the new model on
MIN_SAMPLES = 10  # fewer, and two held-out digits say nothing
MNIST_IMAGES = 10_000  # MNIST training digits mixed in, so the CNN keeps reading MNIST
YOUR_SHARE = 0.1  # the person's digits, repeated, make up about this share of training ...
MAX_REPEATS = 10  # ... but each one is shown at most this many times an epoch, against memorising
LEARNING_RATE = 1e-4  # a tenth of training's: adjust the weights, do not start over
EPOCHS = 3
BATCH_SIZE = 128
# The new model's threshold is chosen on MNIST's validation digits, these many of them redrawn as
# train.py draws them, and scribbles, drawn as train.py draws its validation sets (seed + 999):
# with the seed alone, the scribbles were the first thousand the base CNN trained on. No pen
# digits, which fine-tuning does without. A few seconds of drawing.
CALIBRATION_DRAWN = 2000
CALIBRATION_SCRIBBLES = 1000
UNSEEN_SEED = 999
# A fine-tune reads MNIST's test digits within tenths of a point of the CNN it began from; one
# that fell further learnt something broken (one NaN pixel in one digit: 99.61% to 9.80%).
MAX_MNIST_DROP = 0.02


@dataclass(frozen=True)
class Finetuned:
    model: keras.Model  # the new weights, without optimizer state
    old: dict[str, Evaluation]  # "mnist_test" and, when there are any, "held_out"
    new: dict[str, Evaluation]
    your_trained: int  # the person's digits trained on
    your_held_out: int
    your_mnist_test: list[str]  # keys of those that are MNIST test digits, held out with them
    repeats: int  # how many times each of them is shown an epoch
    train_images: int  # MNIST and repeated digits together
    batch_size: int
    history: dict[str, list[float]]
    train_seconds: float
    calibration: dict  # the new model's, as calibration.calibrate gives it


def untold(fraction: float, doing: str) -> None:
    """The progress of a fine-tune nobody follows (a test, a script)."""


class ReportProgress(keras.callbacks.Callback):
    """Tells `report` how far training has got, batch by batch, as a share of [start, end]."""

    def __init__(self, report: Progress, start: float, end: float):
        super().__init__()
        self.report, self.start, self.end = report, start, end
        self.epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        epochs, steps = self.params["epochs"], self.params["steps"]
        done = (self.epoch * steps + batch + 1) / (epochs * steps)
        self.report(
            self.start + (self.end - self.start) * done,
            f"Training: epoch {self.epoch + 1} of {epochs}, batch {batch + 1} of {steps}",
        )


def digit_keys(images: np.ndarray) -> list[str]:
    """Each digit's key: a hash of its pixels as 8-bit grays, as an export keeps them (uint8
    images, or floats in [0, 1])."""
    grays = as_uint8(np.asarray(images))  # rounded as samples.input_key rounds them
    return [hashlib.blake2b(gray.tobytes(), digest_size=8).hexdigest() for gray in grays]


@contextmanager
def training_graph_let_go() -> Iterator[None]:
    """Training traced inside it leaves its graph to be collected with its model.

    Keras' training step, traced, registers a custom gradient in TensorFlow's global registry,
    which holds it, and the whole graph it closes over, for good (tensorflow/tensorflow#97697):
    the app's server grew by 110 to 170 MB with every fine-tune and never gave it back. Once the
    training is traced and run, nothing looks those gradients up again.
    """
    if keras.backend.backend() != "tensorflow":
        yield
        return
    from tensorflow.python.framework import ops  # the registry has no public handle

    registry = ops.gradient_registry._registry
    before = set(registry)
    try:
        yield
    finally:
        for name in set(registry) - before:
            if name.startswith("CustomGradient-"):
                registry.pop(name, None)


def split_held_out(
    images: np.ndarray, never_trained: Collection[str] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Indices to train on and indices held out: about HOLD_OUT of the digits, and every one
    whose key (`digit_keys`) is `never_trained`.

    Each digit is held out or not by a hash of its pixels (as 8-bit grays, as an export keeps
    them), whatever other digits there are: a model fine-tuned on some digits is later judged on
    none of them, however many are added or deleted in between (a shuffle of positions moved
    trained-on digits into the held-out set). A few digits may hold none out: the new model is
    then judged on MNIST alone. Were every one held out by its hash, none would be, to have some
    to train on.
    """
    keys = digit_keys(images)
    held = np.array([int(key, 16) / 2.0**64 < HOLD_OUT for key in keys], bool)
    if held.all():
        held[:] = False
    kept_out = set(never_trained)
    held |= np.array([key in kept_out for key in keys], bool)
    return np.flatnonzero(~held), np.flatnonzero(held)


def finetune(
    base: keras.Model,
    mnist_train: tuple[np.ndarray, np.ndarray],
    mnist_test: tuple[np.ndarray, np.ndarray],
    yours: tuple[np.ndarray, np.ndarray],
    epochs: int = EPOCHS,
    progress: Progress | None = None,
    seed: int = 1,
    mnist_images: int = MNIST_IMAGES,
    batch_size: int = BATCH_SIZE,
) -> Finetuned:
    """Train a copy of `base` on MNIST plus `yours` (28x28 images, labels); `base` is untouched.

    `mnist_train` and `mnist_test` are uint8 images and labels as `data.load_mnist` gives them.
    """
    report = progress or untold
    images, labels = yours
    if len(labels) < MIN_SAMPLES:
        raise ValueError(
            f"fine-tuning needs at least {MIN_SAMPLES} of your digits, not {len(labels)}"
        )
    keras.utils.set_random_seed(seed)
    # MNIST's own test digits imported as yours, trained on, would flatter the new CNN's score
    # on them: held out, they are judged as your other held-out digits are.
    in_mnist_test = set(digit_keys(mnist_test[0])) & set(digit_keys(images))
    train_at, held_at = split_held_out(images, never_trained=in_mnist_test)
    if not len(train_at):
        raise ValueError(
            "every one of your digits is one of MNIST's test digits, on which the new CNN is "
            "judged: none is left to train on"
        )
    rng = np.random.default_rng(seed)
    x_mnist, y_mnist = mnist_train
    # The last digits validate and calibrate: never trained on.
    validation_start = len(y_mnist) - validation_count(len(y_mnist))
    chosen = rng.permutation(validation_start)[:mnist_images]
    repeats = int(np.clip(np.ceil(YOUR_SHARE * len(chosen) / len(train_at)), 1, MAX_REPEATS))
    x = np.concatenate(
        [
            as_model_input(x_mnist[chosen]),
            np.tile(as_model_input(images[train_at]), (repeats, 1, 1, 1)),
        ]
    )
    y = keras.utils.to_categorical(
        np.concatenate([y_mnist[chosen], np.tile(labels[train_at], repeats)]), NUM_CLASSES
    )
    sets = {"mnist_test": mnist_test}
    if len(held_at):
        sets["held_out"] = (images[held_at], labels[held_at])

    def evaluate(net: keras.Model) -> dict[str, Evaluation]:
        return {
            name: evaluate_probs(
                net.predict(as_model_input(x_set), batch_size=1024, verbose=0), y_set
            )
            for name, (x_set, y_set) in sets.items()
        }

    held = " and your held-out digits" if "held_out" in sets else ""
    report(0.0, f"Reading MNIST's test digits{held} with the old model")
    old = evaluate(base)
    net = keras.models.clone_model(base)
    net.set_weights(base.get_weights())
    net.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    started = time.perf_counter()
    with training_graph_let_go():
        history = net.fit(
            Batches(x, y, batch_size, seed=seed, stoppable=True),
            epochs=epochs,
            verbose=0,
            callbacks=[ReportProgress(report, 0.15, 0.85)],
        )
    train_seconds = time.perf_counter() - started
    report(0.85, "Reading them again with the new model")
    new = evaluate(net)
    calibrated = calibrate(
        net, x_mnist[validation_start:], y_mnist[validation_start:], seed, report
    )
    # The saved model needs no Adam moments, two thirds of its file: the app only predicts.
    # Not clone_model, which compiles the clone of a compiled model, and it saved moments too.
    clean = type(net).from_config(net.get_config())
    clean.set_weights(net.get_weights())
    report(1.0, "Done")
    return Finetuned(
        model=clean,
        old=old,
        new=new,
        your_trained=len(train_at),
        your_held_out=len(held_at),
        your_mnist_test=sorted(in_mnist_test),
        repeats=repeats,
        train_images=len(x),
        batch_size=batch_size,
        history={key: [float(v) for v in values] for key, values in history.history.items()},
        train_seconds=train_seconds,
        calibration=calibrated,
    )


def calibrate(
    net: keras.Model,
    images: np.ndarray,
    labels: np.ndarray,
    seed: int,
    progress: Progress | None = None,
) -> dict:
    """`net`'s "not sure" threshold, chosen as train.py chooses it, on MNIST validation digits
    (uint8) as they are and some of them redrawn, and on scribbles. Each step is reported: the
    whole took 20 to 40 s at one fraction, where a Stop waited for its end without a word."""
    report = progress or untold
    choosing = "Choosing when the new model is not sure: "
    report(0.88, choosing + f"redrawing {CALIBRATION_DRAWN:,} digits it never saw")
    unseen = seed + UNSEEN_SEED
    drawn = training_data.drawn_digits(images[:CALIBRATION_DRAWN], unseen, workers=1)
    report(0.92, choosing + f"drawing {CALIBRATION_SCRIBBLES:,} scribbles")
    scribbles = training_data.rendered_strokes(
        training_data.random_scribbles(CALIBRATION_SCRIBBLES, unseen), unseen, workers=1
    )
    report(0.95, choosing + "reading them")

    def probs(x: np.ndarray) -> np.ndarray:
        return net.predict(as_model_input(x), batch_size=1024, verbose=0)

    return calibration.calibrate(
        np.concatenate([probs(images), probs(drawn)]),
        np.concatenate([labels, labels[:CALIBRATION_DRAWN]]),
        probs(scribbles),
    )


# What old and new are compared on, in words.
COMPARED_ON = {"mnist_test": "MNIST test digits", "held_out": "digits of yours held out"}


def comparison(
    result: Finetuned, old_threshold: float | None = None
) -> dict[str, dict[str, float]]:
    """Old against new on each set: {"mnist_test": {"digits": 10000, "old": .., "new": ..}, ..},
    with the share of digits each read right but below its "not sure" threshold (the new one's
    chosen for it, `old_threshold` the old one's), which the pages call not sure: a higher
    threshold hedges more, which accuracy alone does not show."""
    new_threshold = card_threshold({"calibration": result.calibration})
    compared = {}
    for name in COMPARED_ON:
        if name not in result.new:
            continue
        old, new = result.old[name], result.new[name]
        digits = len(new.probs)
        compared[name] = {"digits": digits, "old": old.accuracy, "new": new.accuracy}
        if old_threshold is not None:
            compared[name]["old_not_sure"] = old.right_but_unsure(old_threshold) / digits
        if new_threshold is not None:
            compared[name]["new_not_sure"] = new.right_but_unsure(new_threshold) / digits
    return compared


@dataclass(frozen=True)
class ReadNow:
    """How a model reads a person's digits now: all of them, and those held out of fine-tuning."""

    right: int
    digits: int
    held_out_right: int
    held_out: int


def reads_now(
    net: keras.Model, images: np.ndarray, labels: np.ndarray, mnist_test: Collection[str] = ()
) -> ReadNow:
    """`net`'s readings of a person's digits (28x28 in [0, 1]), scored against their labels;
    `mnist_test`: the keys of those its fine-tuning held out as MNIST test digits (its card's)."""
    right = net.predict(as_model_input(images), batch_size=1024, verbose=0).argmax(axis=1) == labels
    _, held = split_held_out(images, never_trained=mnist_test)
    return ReadNow(int(right.sum()), len(labels), int(right[held].sum()), len(held))


def comparison_rows(compared: dict[str, dict[str, float]]) -> list[dict[str, str]]:
    """A card's comparison as table rows: what it was measured on, old and new accuracy, each
    with the share read right but not sure where the card holds it (cards before it do not)."""

    def read(figures: dict[str, float], model: str) -> str:
        not_sure = figures.get(f"{model}_not_sure")
        return f"{figures[model]:.2%}" + ("" if not_sure is None else f" ({not_sure:.1%} not sure)")

    return [
        {
            "measured on": f"{figures['digits']:,} {COMPARED_ON.get(on, on)}",
            "old CNN": read(figures, "old"),
            "new CNN": read(figures, "new"),
        }
        for on, figures in compared.items()
    ]


def read_worse(compared: dict[str, dict[str, float]]) -> list[str]:
    """Where the new model reads fewer digits right than the old, by how many: "5 more of the
    10,000 MNIST test digits wrong (99.54% against 99.59%)"."""
    return [
        f"{more} more of the {figures['digits']:,} {COMPARED_ON.get(on, on)} wrong "
        f"({figures['new']:.2%} against {figures['old']:.2%})"
        for on, figures in compared.items()
        if (more := round((figures["old"] - figures["new"]) * figures["digits"])) > 0
    ]


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file; a path that cannot be (edited into a card by hand:
    "~nobody/x.db", a NUL) names none."""
    try:
        return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()
    except (OSError, ValueError, RuntimeError):
        return False


@dataclass(frozen=True)
class FineTuningChange:
    """What the Your digits page says a fine-tuned version changed."""

    rows: list[dict[str, str]]  # old against new, a row for each set they were measured on
    caption: str
    worse: list[str]  # where the new one reads fewer right (`read_worse`)


class DamagedCard(ValueError):
    """A fine-tuned version's card that does not say what fine-tuning changed."""


def fine_tuning_change(
    card: dict | None, base_card: dict | None, database: Path | None = None
) -> FineTuningChange:
    """What fine-tuning changed, from a version's card and the card of the model it was tuned
    from; raises DamagedCard for a card without it (edited by hand, cut short, or none).
    `database`: the digits the page shows, whose they are unless the card names another."""
    if card is None:
        raise DamagedCard("is missing, or holds no JSON object")
    try:
        compared = card["comparison"]
        rows, worse = comparison_rows(compared), read_worse(compared)
        trained_on = int(card["samples"]["trained_on"])
        base = str(card["finetuned_from"])
    except KeyError as missing:
        raise DamagedCard(f"holds no {missing}") from None
    except (TypeError, ValueError, AttributeError) as problem:
        raise DamagedCard(f"holds what fine-tuning never writes: {problem}") from None
    # Chosen again for the new weights: the pages' "not sure" moves with it, unsaid till now.
    new, old = card_threshold(card), card_threshold(base_card)
    sure_from = (
        f' It says "not sure" below {new:.0%} (the old one below {old:.0%}), a threshold chosen '
        "again for its weights on MNIST's validation digits."
        if new and old
        else ""
    )
    shares = [
        figures.get(f"{cnn}_not_sure") for figures in compared.values() for cnn in ("old", "new")
    ]
    if any(share is not None for share in shares):
        sure_from += " In brackets, the share each read right but called not sure."
    # None held out, as may happen to a few digits: a student was told of held-out digits.
    held_out = (
        "Held-out digits were not trained on, so they say how it reads digits of yours it has "
        "not seen."
        if "held_out" in compared
        else "None of your digits was held out this time (about a fifth are, each chosen by its "
        "pixels: of a few, none may be), so nothing here says how it reads digits of yours it "
        "has not seen: save more and fine-tune again."
    )
    # A class's CNN outlives its database: the next class's page, another file, called the
    # digits it was tuned on theirs.
    data = card.get("data")
    tuned_on = data.get("samples") if isinstance(data, dict) else None
    elsewhere = (
        isinstance(tuned_on, str) and database is not None and not same_file(tuned_on, database)
    )
    whose = f"digits in {tuned_on}, not the ones here" if elsewhere else "of your digits"
    caption = (
        f"Fine-tuned from {versions.title(base)} on {trained_on:,} {whose}: read across a "
        f"row to see what fine-tuning changed. {held_out}{sure_from}"
    )
    return FineTuningChange(rows, caption, worse)


def finetuned_card(
    base_card: dict | None, base_version: str, result: Finetuned, command: str, data: dict
) -> dict:
    """The new version's model card: train.py's card format, with what fine-tuning changed.

    Figures measured on the base model (validation accuracy, evaluation) and how it differs
    from the chapter's are left out: they no longer describe the new weights. Its calibration is
    the new model's own.
    """
    stale = ("validation_accuracy", "evaluation", "changes_from_chapter", "version")
    kept = {k: v for k, v in (base_card or {}).items() if k not in stale}
    epochs = len(result.history["loss"])
    test = result.new["mnist_test"]
    return {
        **kept,
        "calibration": result.calibration,
        "recipe": "finetune",
        "finetuned_from": base_version,
        "command": command,
        "training": {
            "optimizer": f"adam, learning rate {LEARNING_RATE}",
            "loss": "categorical_crossentropy",
            "batch_size": result.batch_size,
            "max_epochs": epochs,
            "train_images": result.train_images,
            "your_digits": result.your_trained,
            "your_digit_repeats": result.repeats,
        },
        "samples": {
            "trained_on": result.your_trained,
            "held_out": result.your_held_out,
            # Only where there are any: the Your digits page holds them out too (reads_now).
            **({"mnist_test_digits": result.your_mnist_test} if result.your_mnist_test else {}),
            "held_out_by": "pixels",  # split_held_out: the same digits for every version since
        },
        # A base without a threshold is not sure below UNCALIBRATED_THRESHOLD, as the pages read.
        "comparison": comparison(result, card_threshold(base_card) or UNCALIBRATED_THRESHOLD),
        "epochs_run": epochs,
        "best_epoch": epochs,
        "history": result.history,
        "train_seconds": round(result.train_seconds, 1),
        "test_accuracy": test.accuracy,
        "confusion_matrix": test.confusion.tolist(),
        "misclassified": test.misclassified.tolist(),
        "data": data,
        **made_now(),
    }


def save_as_active(
    result: Finetuned,
    base_version: str,
    command: str,
    mnist_file: Path | None,
    database: Path,
    store: Path,
) -> tuple[str, bool]:
    """Saves the fine-tuned CNN with its card as a new version and makes it the one pages read,
    unless another was made active while it trained (a switch or a rollback, in another session
    or from the command line): that choice stands, and the new version is kept beside it.
    Returns the new version and whether it is active.

    The base version stays in the store, so the person can switch back to it. A CNN that reads
    MNIST's test digits far worse than its base is not saved: ValueError, saying so.
    """
    old, new = result.old["mnist_test"].accuracy, result.new["mnist_test"].accuracy
    if old - new > MAX_MNIST_DROP:
        raise ValueError(
            f"The fine-tuned CNN read {new:.2%} of MNIST's test digits, against {old:.2%} before: "
            f"it learnt something wrong, and was not saved. Every page reads with "
            f"{versions.title(base_version)} as before."
        )
    data = {**mnist_source(mnist_file), "samples": str(database)}
    base_card = versions.version_card(base_version, store)
    card = finetuned_card(base_card, base_version, result, command, data)
    version = versions.save_version(result.model, card, "cnn", store)
    return version, versions.activate_unless_switched("cnn", version, base_version, store)


def finetune_active_cnn(
    store: Path,
    database: Path,
    yours: tuple[np.ndarray, np.ndarray],
    command: str,
    mnist_file: Path | None = None,
    progress: Progress | None = None,
    **options: int,
) -> tuple[str, bool, Finetuned]:
    """Fine-tunes the CNN the pages read with on MNIST plus `yours`, the digits of `database`,
    and makes the new one active (as `save_as_active` does): its version, whether it is
    active, and how it was made. `options` go to `finetune`.

    ModelUnavailable without the CNN, data.MnistUnavailable without MNIST.
    """
    (progress or untold)(0.0, "Loading MNIST and the CNN")
    mnist_train, mnist_test = load_mnist(mnist_file)  # first: a missing file is told at once
    base_version = versions.active_version("cnn", store)
    base = load_model("cnn", store, version=base_version)  # the one its card will name
    result = finetune(base, mnist_train, mnist_test, yours, progress=progress, **options)
    version, active = save_as_active(result, base_version, command, mnist_file, database, store)
    return version, active, result
