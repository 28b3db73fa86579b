"""The shipped models and their cards in model_store/.

Keras is imported by the calls that load a model, not by this module: reading a card or finding
the store must not wait for TensorFlow's 3 s import.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import platform
import re
import shlex
import subprocess
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from digitpad import INPUT_SHAPE, MODEL_NAMES, NUM_CLASSES

if TYPE_CHECKING:
    import keras

STORE_ENV = "DIGITPAD_STORE"
SHIPPED_STORE = Path(__file__).resolve().parent.parent / "model_store"


def store_dir() -> Path:
    """model_store/ beside the package, unless $DIGITPAD_STORE names another folder."""
    return Path(os.environ.get(STORE_ENV) or SHIPPED_STORE)


class ModelUnavailable(Exception):
    """A model file that is missing, unreadable or not a DigitPad model; says how to remake it."""


# The network that helps read numbers: its name, and how many numbers describe a candidate's
# shape beside its image (candidates.Candidate.shape_features; whole_digit.py imports Keras).
WHOLE_DIGIT = "whole_digit"
WHOLE_DIGIT_SHAPE_FEATURES = 4


def retrain_command(name: str, store: Path | None = None) -> str:
    """The train.py command that makes the model `name` again where it is read from: `store`,
    named where train.py would write elsewhere, by the chapter's recipe in the chapter's."""
    command = f"python train.py --model {name}"
    if store is not None and Path(store).name == CHAPTER_DIR:
        command += " --recipe chapter"
    if store is not None and Path(store).resolve() != store_dir().resolve():
        command += f" --out {shlex.quote(str(store))}"
    return command


# Fine-tuned models live in versions/ (see digitpad/versions.py); active.json names the one the
# app reads for each model, e.g. {"cnn": "cnn-20250101T120000Z"}. No entry: the shipped file.
VERSIONS_DIR = "versions"
ACTIVE_FILE = "active.json"
VERSION_NAME = re.compile(r"[a-z]+-\d{8}T\d{6}Z(-\d+)?")
# The chapter's models, trained by `train.py --recipe chapter`: the "before" of every figure.
CHAPTER_DIR = "chapter"


def active_versions(store: Path | None = None) -> dict[str, str]:
    """The version active for each model that has one; a damaged active.json counts as none."""
    try:
        active = json.loads((Path(store or store_dir()) / ACTIVE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(active, dict):
        return {}
    # Only well-formed names: a hand-edited file must not point outside versions/.
    return {k: v for k, v in active.items() if isinstance(v, str) and VERSION_NAME.fullmatch(v)}


def model_path(name: str, store: Path | None = None) -> Path:
    """The active version of the model if it has one (and its file exists), else the shipped."""
    store = Path(store or store_dir())
    version = active_versions(store).get(name)
    # Only a version of this model: "cnn" must not load a saved MLP.
    if (
        version
        and version.startswith(f"{name}-")
        and (store / VERSIONS_DIR / f"{version}.keras").is_file()
    ):
        return store / VERSIONS_DIR / f"{version}.keras"
    return store / f"{name}.keras"


def lost_versions(store: Path | None = None) -> dict[str, str]:
    """Each model whose version active.json names is none of its own there (its file deleted by
    hand, or a name that is another model's): the shipped model is read in its place, which a
    person who fine-tuned must be told."""
    store = Path(store or store_dir())
    return {
        name: version
        for name, version in active_versions(store).items()
        if name in MODEL_NAMES and model_path(name, store) == store / f"{name}.keras"
    }


def versions_read(store: Path | None = None) -> dict[str, str]:
    """Each model read in a version of its own, not shipped: active and its file there."""
    lost = lost_versions(store)
    return {
        name: version
        for name, version in active_versions(store).items()
        if name in MODEL_NAMES and name not in lost
    }


def _loaded(path: Path, remedy: str) -> keras.Model:
    """A model file loaded in Keras' safe mode (no code runs from the file)."""
    import keras

    from digitpad import models  # noqa: F401  (registers the Deskew layer the files name)

    if path.parent.is_file():  # $DIGITPAD_STORE naming a file: "retrain it" would not help
        raise ModelUnavailable(f"{path.parent} is a file, not a folder of models (${STORE_ENV}).")
    if not path.parent.is_dir():  # $DIGITPAD_STORE mistyped
        raise ModelUnavailable(f"There is no folder {path.parent} of models (${STORE_ENV}).")
    if not path.is_file():
        raise ModelUnavailable(f"Model file {path} is missing. {remedy}")
    if not zipfile.is_zipfile(path):  # Keras says "File not found" of a file that is there
        raise ModelUnavailable(
            f"Model file {path} is damaged: a .keras file is a zip archive, and this is none "
            f"(cut short, or something else saved under its name). {remedy}"
        )
    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many kinds for a damaged file
        raise ModelUnavailable(
            f"Model file {path} could not be loaded ({error}). {remedy}"
        ) from error


def load_model(name: str, store: Path | None = None, version: str | None = None) -> keras.Model:
    """Load a digit model: the active version of it, or the `version` named (`name` itself: the
    shipped one; a saved one read from active.json once, not read again)."""
    store = Path(store or store_dir())
    if version is not None and VERSION_NAME.fullmatch(version):
        path = store / VERSIONS_DIR / f"{version}.keras"
    elif version == name:
        path = store / f"{name}.keras"
    else:
        path = model_path(name, store)
    if path.parent.name == VERSIONS_DIR:  # retrained, the shipped one would be, not this
        remedy = (
            f"The Your digits page sets the shipped {name.upper()} or another version to be read."
        )
    else:
        remedy = f"Retrain it with `{retrain_command(name, store)}`."
        if path.absolute().is_relative_to(SHIPPED_STORE):  # in git: minutes, not half an hour
            shipped = path.absolute().relative_to(SHIPPED_STORE.parent).as_posix()
            remedy = (
                f"Restore it as DigitPad shipped it (in its git clone: `git checkout -- "
                f"{shipped}`), or retrain it with `{retrain_command(name, store)}`."
            )
    net = _loaded(path, remedy)
    if tuple(net.input_shape[1:]) != INPUT_SHAPE or tuple(net.output_shape[1:]) != (NUM_CLASSES,):
        raise ModelUnavailable(
            f"Model file {path} takes {net.input_shape} and gives {net.output_shape}, "
            f"not 28x28 digits to 10 probabilities. {remedy}"
        )
    from digitpad.models import FIRST_CONV, MLP_HIDDEN  # imported by _loaded already

    # The layer the pages show of each: one network saved under the other's name has not got it.
    shown = {"mlp": (MLP_HIDDEN, "first hidden layer"), "cnn": (FIRST_CONV, "first conv layer")}
    layer, said = shown[name]
    if layer not in {each.name for each in net.layers}:
        raise ModelUnavailable(
            f"Model file {path} has no {said} ({layer}): it is no {name.upper()} of DigitPad's. "
            f"{remedy}"
        )
    return net


def load_whole_digit(store: Path | None = None) -> keras.Model:
    """Load the network that helps the number reader cut (`digitpad.whole_digit`)."""
    path = Path(store or store_dir()) / f"{WHOLE_DIGIT}.keras"
    remedy = (
        f"Numbers are cut into digits by the shape of their ink alone until it is retrained "
        # Where its file is: the chapter's folder links the shipped one.
        f"with `{retrain_command(WHOLE_DIGIT, path.resolve().parent)}`."
    )
    net = _loaded(path, remedy)
    inputs = net.input_shape if isinstance(net.input_shape, list) else [net.input_shape]
    shapes = [tuple(shape[1:]) for shape in inputs]
    if shapes != [INPUT_SHAPE, (WHOLE_DIGIT_SHAPE_FEATURES,)] or net.output_shape[1:] != (1,):
        raise ModelUnavailable(
            f"Model file {path} takes {net.input_shape} and gives {net.output_shape}, not a "
            f"candidate digit and its shape to one probability. {remedy}"
        )
    return net


def load_networks(
    store: Path | None = None, whole_digit: bool = True
) -> tuple[dict[str, keras.Model], keras.Model | None, dict[str, str]]:
    """The digit models that load, the whole-digit network (if asked for and it loads), and a
    message for each one that does not (the whole-digit network's under WHOLE_DIGIT)."""
    models, problems = load_models(store)
    helper = None
    if whole_digit:
        try:
            helper = load_whole_digit(store)
        except ModelUnavailable as problem:
            problems[WHOLE_DIGIT] = str(problem)
    return models, helper, problems


def load_models(store: Path | None = None) -> tuple[dict[str, keras.Model], dict[str, str]]:
    """Every model that loads, and a message for each one that does not."""
    models, problems = {}, {}
    for name in MODEL_NAMES:
        try:
            models[name] = load_model(name, store)
        except ModelUnavailable as problem:
            problems[name] = str(problem)
    return models, problems


def load_card(name: str, store: Path | None = None) -> dict | None:
    """The model card written by train.py, or None when there is none readable (a file that
    holds JSON but no object, a list or a string, is as damaged as one that holds none)."""
    try:
        card = json.loads((Path(store or store_dir()) / f"{name}.json").read_text())
    except (OSError, ValueError):
        return None
    return card if isinstance(card, dict) else None


def active_card_path(name: str, store: Path | None = None) -> Path:
    """The card beside the model file the app reads: the active version's, else the shipped."""
    return model_path(name, store).with_suffix(".json")


def active_card(name: str, store: Path | None = None) -> dict | None:
    path = active_card_path(name, store)
    return load_card(path.stem, path.parent)


def card_threshold(card: dict | None) -> float | None:
    """A card's calibrated "not sure" threshold, or None where it holds none that can be one (a
    card edited by hand: a threshold of 2 made every answer "not sure", one of "x" a traceback)."""
    calibration = (card or {}).get("calibration")
    threshold = calibration.get("threshold") if isinstance(calibration, dict) else None
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        return None
    return float(threshold) if 0 < threshold < 1 else None


def not_sure_thresholds(store: Path | None = None) -> dict[str, float | None]:
    """Each active model's calibrated "not sure" threshold; None where no card has one."""
    return {name: _threshold(name, store) for name in MODEL_NAMES}


# What the app and the CLI take for a model whose card holds no calibrated threshold (lost,
# damaged, or the chapter's recipe, which does not calibrate): "not sure" unless half the
# probability is on one digit. With none, a scribble read 12% sure was offered as a digit.
UNCALIBRATED_THRESHOLD = 0.5
CHAPTER_THRESHOLD = "chapter threshold"  # the note that the chapter's models have none


def reading_thresholds(
    names: Iterable[str], store: Path | None = None
) -> tuple[dict[str, float], dict[str, str]]:
    """The "not sure" threshold each of the models `names` is read with, and a warning for each
    that is not calibrated (keyed "<model> threshold")."""
    calibrated = {name: _threshold(name, store) for name in names}
    uncalibrated = [name for name, threshold in calibrated.items() if threshold is None]
    # The chapter's models by design: one short note for them all, not a warning each.
    chapter = [n for n in uncalibrated if made_by_the_chapters_recipe(active_card(n, store))]
    warnings = {
        f"{name} threshold": (
            f"{name.upper()}: no calibrated “not sure” threshold in "
            f"{active_card_path(name, store)} (missing, damaged, or a recipe that does not "
            f"calibrate), so it is not sure below {UNCALIBRATED_THRESHOLD:.0%}, a rule of thumb "
            "rather than a threshold chosen from data: train.py's default (robust) recipe "
            "calibrates one."
        )
        for name in uncalibrated
        if name not in chapter
    }
    if chapter:
        named = " and ".join(name.upper() for name in chapter)
        their, each = ("their", "each is") if len(chapter) > 1 else ("its", "it is")
        warnings[CHAPTER_THRESHOLD] = (
            f"The chapter's {named}: {their} recipe chooses no “not sure” threshold, so {each} "
            f"not sure below {UNCALIBRATED_THRESHOLD:.0%}, a rule of thumb (train.py's default "
            "recipe chooses one from data)."
        )
    return {name: read_with(threshold) for name, threshold in calibrated.items()}, warnings


def read_with(threshold: float | None) -> float:
    """The threshold a model is read with: its calibrated one, else the rule of thumb."""
    return UNCALIBRATED_THRESHOLD if threshold is None else threshold


def made_by_the_chapters_recipe(card: dict | None) -> bool:
    """A card of train.py's chapter recipe: named so, or made before train.py had recipes, when
    the chapter's was its only one (its "recipe" then held the training settings)."""
    recipe = (card or {}).get("recipe")
    return recipe == "chapter" or isinstance(recipe, dict)


def learnt_from(store: Path | None = None) -> str:
    """What the active digit networks learnt from, for a caption: "MNIST" alone told a student
    comparing them that the robust MLP's 99.2% was MNIST's plain result."""
    if all(made_by_the_chapters_recipe(active_card(name, store)) for name in MODEL_NAMES):
        return "MNIST's training digits"
    learnt = (
        "MNIST's training digits, as they are and redrawn with pens of every width, tablet-pen "
        "digits, digits in styles MNIST lacks, and scribbles to be unsure of"
    )
    if (active_card("cnn", store) or {}).get("finetuned_from"):
        learnt += "; the CNN, fine-tuned, from your own digits too"
    return learnt


def _threshold(name: str, store: Path | None) -> float | None:
    """The active version's threshold (`calibrated_threshold`)."""
    return calibrated_threshold(active_card(name, store), name, store)


def calibrated_threshold(card: dict | None, name: str, store: Path | None) -> float | None:
    """The threshold of the model `name` whose card is `card`, or, for a version fine-tuned
    before fine-tuning chose one, that of the model it was tuned from: a few epochs at a tenth
    of the learning rate leave it close, and a model that is never "not sure" reads scribbles
    as digits."""
    store = Path(store or store_dir())
    seen = set()
    while card is not None and card_threshold(card) is None:
        base = card.get("finetuned_from")
        # A hand-edited card may name anything there, a list too: only a name is followed.
        if (
            not isinstance(base, str)
            or base in seen
            or not (base == name or VERSION_NAME.fullmatch(base))
        ):
            break
        seen.add(base)
        card = load_card(base, store if base == name else store / VERSIONS_DIR)
    return card_threshold(card)


def made_now() -> dict[str, object]:
    """What every card records of when, and with what software, its model was made: the card's
    command runs the code of its commit, whose defaults may since have changed."""
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    return {"versions": library_versions(), "commit": source_commit(), "date": now}


@functools.cache
def source_commit() -> str | None:
    """The git commit of the code running, "+changes" after it where its tracked files outside
    model_store/ differ from it (the models a run writes are no change to the code); None
    outside a git checkout of DigitPad (an unpacked archive) or without git. Worked out once."""
    repo = Path(__file__).resolve().parent.parent
    commands = (
        ["rev-parse", "--show-toplevel"],
        ["rev-parse", "--short", "HEAD"],
        ["status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)model_store"],
    )
    try:
        top, head, changes = (
            subprocess.run(
                ["git", *command], cwd=repo, capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            for command in commands
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if Path(top).resolve() != repo:  # an archive unpacked inside another repository
        return None
    return head + ("+changes" if changes else "")


def library_versions() -> dict[str, str]:
    """What a card records of the software that made its model."""
    import keras

    return {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "numpy": np.__version__,
    }


@contextmanager
def written_whole(path: Path) -> Iterator[Path]:
    """A name to write `path` under, which becomes `path` once written: a run stopped while it
    writes (Ctrl-C, no room) leaves the file before it, never half of the new one."""
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")  # .cnn.partial.keras
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_card(name: str, card: dict, store: Path | None = None) -> None:
    with written_whole(Path(store or store_dir()) / f"{name}.json") as path:
        path.write_text(json.dumps(card, indent=1) + "\n")
