"""python -m digitpad predict|read|evaluate: read digits or numbers in images, or score models."""

import argparse
import json
import os
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from digitpad import MODEL_NAMES, changes, versions
from digitpad.calibration import is_sure
from digitpad.data import (
    MNIST_ENV,
    PEN_ENV,
    BadDataFile,
    MnistUnavailable,
    cannot_load_mnist,
    load_mnist,
    mnist_path,
)
from digitpad.images import UnreadableImage, image_files, read_image
from digitpad.number import NO_DIGITS, digit_in_picture, digit_places, read_number
from digitpad.store import (
    CHAPTER_DIR,
    STORE_ENV,
    active_card_path,
    calibrated_threshold,
    load_card,
    store_dir,
    write_card,
)
from digitpad.tensorflow_import import import_tensorflow
from digitpad.verdict import too_wide_for_a_digit

if TYPE_CHECKING:
    from digitpad.inference import DigitReader

# Images preprocessed while the networks read the batch before: as many as they read at once.
PREDICT_BATCH = 256
TOO_WIDE = "too wide for one digit: if it is a number, the read command reads it"


def load_reader(store: Path, numbers: bool = False) -> "DigitReader | None":
    """A DigitReader over every model that loads (with `numbers`, the whole-digit network too);
    problems go to stderr. None if no digit model loads."""
    import_tensorflow()  # only when a command needs it
    from digitpad.inference import open_reader

    reader, problems = open_reader(store, whole_digit=numbers)
    for problem in problems.values():
        print(f"warning: {problem}", file=sys.stderr)
    if reader is None:
        print(f"error: no model in {store} could be loaded", file=sys.stderr)
    # What "cnn" names: a fine-tuned version, once one is active, as on every page.
    elif (version := versions.active_version("cnn", store)) != "cnn" and "cnn" in reader.names:
        print(f"note: cnn is {versions.title(version)} (active on the Your digits page)",
              file=sys.stderr)  # fmt: skip
    return reader


def _answer(probs: np.ndarray, threshold: float | None) -> dict:
    """One model's reading of one digit, as the JSON lines give it; "sure" is false below the
    model's calibrated threshold, where the app says it is not sure."""
    return {
        "digit": int(probs.argmax()),
        "probs": [round(float(v), 6) for v in probs],
        "sure": is_sure(float(probs.max()), threshold),
    }


def printable(path: Path) -> str:
    """A path as a terminal shows it as it reads: a name may hold an escape sequence (one that
    clears the screen, or sets the window's title), written out here as Python writes it."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(path))


def _print_error(path: Path, problem: str, as_json: bool) -> None:
    """In the JSON lines, with the readings; as text, on stderr, apart from them."""
    if as_json:
        print(json.dumps({"path": str(path), "error": problem}))
    else:
        print(f"{printable(path)}: error: {problem}", file=sys.stderr)


def _preprocessed(
    paths: list[Path], failures: dict[Path, str], too_wide: set[Path]
) -> tuple[list[Path], list[np.ndarray]]:
    """The paths whose images hold a digit, and those 28x28 digits; why the others do not, and
    which ink is too wide for one digit (a number, read digit by digit by `read`)."""
    readable, images = [], []
    for path in paths:
        try:
            result = digit_in_picture(read_image(path))
        except UnreadableImage as error:
            failures[path] = f"cannot read image: {error}"
            continue
        if result is None:
            failures[path] = "nothing drawn: the image is blank"
            continue
        readable.append(path)
        images.append(result.image)
        if too_wide_for_a_digit(result.box):
            too_wide.add(path)
    return readable, images


def predict(args: argparse.Namespace) -> int:
    paths = image_files(args.paths)
    store = args.store
    failures, answers, reader, too_wide = {}, {}, None, set()
    # The networks read a batch in a thread of their own while the next batch is read from disk
    # and preprocessed: on 2 cores, a fifth more images a second than one after the other.
    with ThreadPoolExecutor(max_workers=1) as networks:
        batches = []
        for start in range(0, len(paths), PREDICT_BATCH):
            readable, images = _preprocessed(
                paths[start : start + PREDICT_BATCH], failures, too_wide
            )
            if not readable:
                continue
            # Models load only once a readable image is found: bad input fails fast.
            reader = reader or load_reader(store)
            if reader is None:
                return 2
            batches.append((readable, networks.submit(reader.probabilities, np.stack(images))))
        for readable, reading in batches:
            probs = reading.result()
            for i, path in enumerate(readable):
                answers[path] = {name: p[i] for name, p in probs.items()}
    for path in paths:
        if path in failures:
            _print_error(path, failures[path], args.json)
            continue
        per_model, thresholds = answers[path], reader.thresholds
        # A number read as one digit, said surely: where it may be one, `read` is named.
        note = {"note": TOO_WIDE} if path in too_wide else {}
        if args.json:
            readings = {n: _answer(p, thresholds[n]) for n, p in per_model.items()}
            print(json.dumps({"path": str(path)} | readings | note))
        else:
            parts = [
                f"{name} {int(p.argmax())} ({p.max():.1%}"
                f"{'' if is_sure(p.max(), thresholds[name]) else ', not sure'}) "
                f"[{' '.join(f'{v:.3f}' for v in p)}]"
                for name, p in per_model.items()
            ]
            print(f"{printable(path)}: " + "  ".join(parts) + (f"  ({TOO_WIDE})" if note else ""))
    return 1 if failures else 0


def read_numbers(args: argparse.Namespace) -> int:
    """The number written in each image; like predict, goes on past files it cannot read."""
    paths = image_files(args.paths)
    store = args.store
    reader, failed = None, False
    for path in paths:
        try:
            picture = read_image(path)
            # The models load once, and only when there is a picture to read.
            reader = reader or load_reader(store, numbers=True)
            if reader is None:
                return 2
            reading = read_number(picture, reader)
            deciding = reading.deciding_model
            unsure = reading.unsure(deciding, reader.thresholds[deciding])
            title = deciding.upper()
            problem = reading.no_number(unsure, title) if reading.digits else NO_DIGITS
        except UnreadableImage as error:
            problem = f"cannot read image: {error}"
        if problem:
            _print_error(path, problem, args.json)
            failed = True
            continue
        if args.json:
            thresholds = reader.thresholds
            digits = [
                {"box": list(digit.box)}
                | {name: _answer(p[i], thresholds[name]) for name, p in reading.probs.items()}
                for i, digit in enumerate(reading.digits)
            ]
            print(json.dumps({"path": str(path), "number": reading.number, "digits": digits}))
        else:
            others = ", ".join(f"{name} {reading.read_by(name)}" for name in reading.probs)
            doubts = f"; the {title} is not sure of {digit_places(unsure)}" if unsure else ""
            print(f"{printable(path)}: {reading.number}  ({others}{doubts})")
    return 1 if failed else 0


def evaluate(args: argparse.Namespace) -> int:
    import datetime

    # The data before the models: a wrong path is told at once, not after TensorFlow's import.
    # Keras' download needs Keras: imported first, its notices left out.
    if mnist_path(args.data) is None:
        import_tensorflow()
    try:
        _, (x_test, y_test) = load_mnist(args.data)
    except MnistUnavailable as error:
        print(cannot_load_mnist(error), file=sys.stderr)
        return 2
    if args.limit and args.limit < len(x_test):
        x_test, y_test = x_test[: args.limit], y_test[: args.limit]
        print(f"MNIST test and drawn: the first {len(x_test):,} test digits only")
    pen_data = args.pen_data
    if pen_data and not Path(pen_data).is_file():
        print(f"error: pen digits file not found: {pen_data}", file=sys.stderr)
        return 2
    if not pen_data:
        print(f"pen digits: not scored (pass --pen-data PATH or set ${PEN_ENV})", file=sys.stderr)
    import_tensorflow()
    from digitpad.scoring import build_test_sets, score, table

    store = args.store
    # The cards of the models about to be read: a version made active while they are scored
    # (a fine-tune ending) must not get their scores, nor lose its own card to theirs.
    card_paths = {name: active_card_path(name, store) for name in MODEL_NAMES}
    # Told before minutes of scoring, not as a traceback after them.
    if args.record and (locked := _unwritable(card_paths.values())):
        print(f"error: --record: cannot write the model cards in {locked}", file=sys.stderr)
        return 2
    reader = load_reader(store)
    if reader is None:
        return 2
    try:
        sets = build_test_sets(x_test, y_test, pen_data)
    except BadDataFile as error:
        print(f"error: --pen-data: {error}", file=sys.stderr)
        return 2
    # The scores belong to the models read: a fine-tuned version's card, if one is active.
    cards = {name: load_card(card_paths[name].stem, card_paths[name].parent) or {}
             for name in reader.names}  # fmt: skip
    # Each model's calibrated threshold, as the app finds it (a version fine-tuned before it
    # chose one, its base's); a model without one scores no scribbles, as the app's rule of
    # thumb is no threshold chosen from data.
    thresholds = {name: calibrated_threshold(card, name, store) for name, card in cards.items()}
    scores = score(reader, sets, thresholds)
    print(table(scores))
    if args.record:
        if any(active_card_path(name, store) != card_paths[name] for name in cards):
            print("error: another model version was made active while these were scored: "
                  "nothing recorded; run the command again", file=sys.stderr)  # fmt: skip
            return 1
        for name, card in cards.items():
            if card.get("recipe") == "robust":
                card["changes_from_chapter"] = changes.as_card(name)
            card["evaluation"] = {
                "scores": scores[name],
                "command": "python -m digitpad " + " ".join(sys.argv[1:]),
                "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            }
            # The chapter's model, kept beside the shipped one, is the "before" of these figures.
            chapter = load_card(name, store / CHAPTER_DIR) or {}
            if card.get("recipe") == "robust" and "evaluation" in chapter:
                card["evaluation"]["chapter_scores"] = chapter["evaluation"]["scores"]
            write_card(card_paths[name].stem, card, card_paths[name].parent)
        recorded = ", ".join(str(card_paths[name]) for name in cards)
        print(f"recorded in the model cards: {recorded}")
    return 0


def _unwritable(cards: Iterable[Path]) -> Path | None:
    """The first folder of `cards` that a card cannot be written in (each is written beside
    itself, then moved over the old one); None if every one can be."""
    for folder in (card.parent for card in cards):
        if not os.access(folder, os.W_OK | os.X_OK):
            return folder
    return None


PATHS_HELP = "image files, folders of images, or - for standard input"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m digitpad", description=__doc__)
    parser.add_argument(
        "--store",
        default=None,
        help=f"folder of <name>.keras models (default: ${STORE_ENV}, else the shipped ones)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    said = "read the digit in each image, by both networks"
    reading = commands.add_parser("predict", help=said, description=said)
    reading.add_argument("--json", action="store_true", help="one JSON object a line")
    reading.add_argument("paths", nargs="+", help=PATHS_HELP)
    reading.set_defaults(run=predict)
    said = "read the number written in each image (the CNN's reading; both networks' digits)"
    numbers = commands.add_parser("read", help=said, description=said)
    numbers.add_argument("--json", action="store_true", help="one JSON object a line")
    numbers.add_argument("paths", nargs="+", help=PATHS_HELP)
    numbers.set_defaults(run=read_numbers)
    said = (
        "the accuracy of the models the app reads with (the shipped ones, or those of the "
        "folder named by --store before the command; a fine-tuned CNN if one is active) on "
        "MNIST test digits, the same redrawn as canvas drawings and new writers' pen digits, "
        "and the share of scribbles they flag as not sure"
    )
    scoring = commands.add_parser("evaluate", help=said, description=said)
    scoring.add_argument(
        "--data",
        default=None,
        help=f"mnist.npz (default: ${MNIST_ENV}, else Keras downloads MNIST)",
    )
    scoring.add_argument(
        "--pen-data",
        default=os.environ.get(PEN_ENV),
        help=f"pendigits_train_strokes.npz (default: ${PEN_ENV})",
    )
    scoring.add_argument(
        "--record",
        action="store_true",
        help="write the scores into the cards (the robust models' with the chapter's beside them)",
    )
    scoring.add_argument(
        "--limit", type=int, default=None, help="score the first N MNIST test digits: a quick look"
    )
    scoring.set_defaults(run=evaluate)
    args = parser.parse_args(argv)
    named_by = "--store" if args.store else f"${STORE_ENV}"
    args.store = Path(args.store or store_dir())  # what every command reads its models from
    if args.store.is_file():
        parser.error(f"{named_by}: {args.store} is a file, not a folder of models")
    if not args.store.is_dir():
        parser.error(f"{named_by}: no such folder: {args.store}")
    if args.command == "evaluate" and args.limit is not None:
        if args.limit < 1:
            scoring.error("--limit: at least 1 test digit")
        if args.record:
            scoring.error("--record writes the figures into the cards: score every test digit")
    if args.command == "evaluate" and args.record and not args.pen_data:
        scoring.error(f"--record writes the figures into the cards: name the pen digits too "
                      f"(--pen-data PATH or ${PEN_ENV})")  # fmt: skip
    return args.run(args)
