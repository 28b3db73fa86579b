"""The training report from the model cards, and the gallery of misclassified test digits.

Everything here comes from model_store/: the cards and the `<name>.mistakes.npz` files shipped
beside them, so the report needs no MNIST at run time.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitpad import MODEL_NAMES, NUM_CLASSES
from digitpad.changes import DECIMALS
from digitpad.gallery import load_npz
from digitpad.store import load_card

# What the report reads from a card; other keys come and go and are ignored.
CARD_KEYS = (
    "params",
    "epochs_run",
    "best_epoch",
    "history",
    "train_seconds",
    "test_accuracy",
    "confusion_matrix",
    "misclassified",
)


def load_cards(store: Path) -> dict[str, dict]:
    """The readable cards that hold everything the report shows, by model name."""
    cards = {name: load_card(name, store) for name in MODEL_NAMES}
    return {name: card for name, card in cards.items() if card is not None and _readable(card)}


def _readable(card: dict) -> bool:
    """Whether the report can show everything it reads from a card: every key there, and each
    of the kind train.py writes (a card edited by hand, "history": "x", was a traceback)."""
    if not all(key in card for key in CARD_KEYS):
        return False
    try:
        summary(card)
        changes_table(card)
        drawing_scores({"": card})
        return (
            np.asarray(card["confusion_matrix"], np.float64).shape == (NUM_CLASSES, NUM_CLASSES)
            and all(np.asarray(v, np.float64).ndim == 1 for v in card["history"].values())
            and np.asarray(card["misclassified"], np.int64).ndim == 1
            and ("calibration" not in card or _readable_calibration(card))
        )
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return False


def _readable_calibration(card: dict) -> bool:
    """Whether each bin of the calibration curve holds two shares and a count of digits (a bin
    of none, or a share over 1, broke the curve's error bars)."""
    calibration_summary(card)
    bins = card["calibration"]["bins"]
    rows = [(b["confidence"], b["accuracy"], b["count"]) for b in bins]
    numbers = np.asarray(rows, np.float64).reshape(-1, 3)
    shares, counts = numbers[:, :2], numbers[:, 2]
    return len(counts) == len(bins) and bool(
        ((shares >= 0) & (shares <= 1)).all() and (counts >= 1).all()
    )


def load_mistakes(store: Path) -> dict[str, dict[str, np.ndarray]]:
    """Each model's shipped mistakes (indices, images, labels, probs), by model name; a file
    missing, damaged or not of that form is left out, as the gallery cannot show it."""
    sets = {name: load_npz(Path(store) / f"{name}.mistakes.npz") for name in MODEL_NAMES}
    return {name: arrays for name, arrays in sets.items() if arrays and are_mistakes(arrays)}


def are_mistakes(arrays: dict[str, np.ndarray]) -> bool:
    """Whether the arrays are N test digits' indices, 28x28 images, labels and 10 probs each."""
    shapes = {key: np.shape(arrays.get(key)) for key in ("indices", "images", "labels", "probs")}
    count = shapes["indices"][:1]
    return (
        len(count) == 1
        and shapes["images"] == (*count, 28, 28)
        and shapes["labels"] == count
        and shapes["probs"] == (*count, NUM_CLASSES)
    )


def summary(card: dict) -> dict[str, str]:
    """One model's column of the side-by-side table: {row: text}."""
    confusion = np.asarray(card["confusion_matrix"])
    wrong = int(confusion.sum() - np.trace(confusion))
    return {
        "Test accuracy": f"{card['test_accuracy']:.2%}",
        "Test mistakes": f"{wrong:,} of {int(confusion.sum()):,}",
        "Parameters": f"{card['params']:,}",
        "Training time": f"{card['train_seconds']:,.1f} s",
        "Epochs run": epochs_text(card),
    }


def training_time_note(cards: dict[str, dict]) -> str:
    """Why the training times may not compare the networks: they trained in different number
    formats (the robust CNN in bfloat16 where the CPU has it); empty where they did not."""
    precisions = {
        name.upper(): card.get("training", {}).get("precision", "float32").removeprefix("mixed_")
        for name, card in cards.items()
    }
    if len(set(precisions.values())) < 2:
        return ""
    return (
        "The seconds are what each recipe cost, not each kind of network: "
        + " and ".join(f"the {title} trained in {kind}" for title, kind in precisions.items())
        + ", each for its own number of epochs."
    )


def final_epochs(card: dict) -> int:
    """How many last epochs trained on the digits as they are, after the augmented ones."""
    return card.get("training", {}).get("final_epochs_without_augmentation", 0)


def resumed_from(card: dict) -> int | None:
    """The augmented epoch whose weights the last epochs went on from; None without them."""
    final = final_epochs(card)
    if not final:
        return None
    # Early stopping kept the best augmented epoch.
    return int(np.argmin(card["history"]["val_loss"][: card["epochs_run"] - final])) + 1


def epochs_text(card: dict) -> str:
    """How many epochs ran, and which weights ship."""
    run, kept, final = card["epochs_run"], resumed_from(card), final_epochs(card)
    if kept is None:
        return f"{run}, epoch {card['best_epoch']}'s weights kept"
    # Its parts adding up to the epochs run: "42: epoch 33's weights, then 2 more" did not.
    return (
        f"{run}: {run - final} augmented, then {final} without augmentation "
        f"from epoch {kept}'s weights"
    )


def curves_captions(cards: Iterable[dict]) -> list[str]:
    """What to look for in the loss and the accuracy curves of these cards' trainings."""
    if all(card.get("recipe") != "robust" for card in cards):  # MNIST as it is, no dropout
        return [
            "Look where each dashed validation curve bottoms out (the star, the weights kept) "
            "while the solid training curve keeps falling: that gap is overfitting.",
            "Compare the two dashed validation curves: the higher one reads digits it never "
            "trained on better, and the distance to its solid curve is what it memorised.",
        ]
    return [
        "The solid curves are measured while training: on digits slanted, sheared and shifted "
        "afresh each epoch, scribbles among them, read through dropout; the dashed ones on "
        "validation digits as they are. So here the training loss sits above the validation "
        "loss. Overfitting would show as a dashed curve turning up while its solid one falls: "
        "look how the dashed curves flatten instead. The last epochs, on digits as they are at "
        "a low learning rate, go on from the best augmented epoch's weights (the ring) and end "
        "at the star, what ships.",
        "Compare the two dashed validation curves: the higher one reads digits it never "
        "trained on better. The solid ones stay lower mostly because the augmented digits are "
        "harder to read. They also count the scribbles that are no digit (a few in a hundred "
        "training images), whose target is all ten digits alike: Keras' accuracy takes the "
        "first of ten equal targets, 0, for the right answer, so it scores a scribble right "
        "only where the network happens to answer 0. The loss curves count them fairly.",
    ]


CHAPTER_COLUMN = ", chapter's"  # after the network's name: the chapter's model's scores


def drawing_scores(cards: dict[str, dict]) -> dict[str, dict[str, str]]:
    """Each test set's accuracy, the chapter's model beside the shipped one: {column: {row}}.

    From the `evaluation` that `python -m digitpad evaluate --record` writes into the cards.
    """
    columns = {}
    for name, card in cards.items():
        evaluation = card.get("evaluation") or {}
        title = name.upper()
        for column, scores in (
            (f"{title}{CHAPTER_COLUMN}", evaluation.get("chapter_scores")),
            (title, evaluation.get("scores")),
        ):
            if scores:
                columns[column] = {row: f"{value:.2%}" for row, value in scores.items()}
    return columns


# What the changes tables' columns count, and why their figures do not always carry on.
LADDER_NOTES = (
    "*Drawn*: MNIST's test digits redrawn as canvas drawings; *pen, new writers*: digits by six "
    "writers no model trained on; *scribbles flagged*: the share of 1,000 test scribbles called "
    "not sure; *whole numbers*: the share of 500 generated numbers the CNN reads exactly, cut "
    "by their shapes alone (the number page also asks a third network where digits are whole, "
    "and reads more). A row's *before* is the model before it scored again that day, on that "
    "day's machine: it can differ a little from the *after* above it. Where a row says the "
    "drawn set was made again, the rows before it were scored on the old set; the rest of this "
    "page uses the new one."
)


def changes_table(card: dict) -> tuple[str, list[dict[str, str]]] | None:
    """The network in a sentence and its steps from the chapter's recipe, a row each, with
    every figure as "before → after"; None when the card does not hold them."""
    changes = card.get("changes_from_chapter")
    if not isinstance(changes, dict) or not changes.get("steps"):
        return None  # a chapter model, a fine-tuned version, or a card written by hand
    steps = changes["steps"]
    tests = list(dict.fromkeys(test for step in steps for test in step["figures"]))
    rows = []
    for number, step in enumerate(steps, start=1):
        figures = step["figures"]
        row = {"step": str(number), "change": step["change"]}
        for test in tests:
            decimals = DECIMALS.get(test, 2)
            pair = figures.get(test, ())
            row[test] = " → ".join(f"{value:.{decimals}f}%" for value in pair)
        row["why"] = step["why"]
        rows.append(row)
    return changes.get("network", ""), rows


def calibration_summary(card: dict) -> str:
    """What the card's "not sure" threshold does, in a sentence; empty without calibration."""
    calibrated = card.get("calibration")
    if not calibrated:
        return ""
    caught = calibrated["flagged_wrong"]
    return (
        f"below {calibrated['threshold']:.0%} it says it is not sure: that passes "
        f"{calibrated['kept_correct']:.0%} of the validation digits it reads right, and flags "
        + (f"{caught:.0%} of those it reads wrong and " if caught is not None else "")
        + f"{calibrated['flagged_scribbles']:.0%} of the validation scribbles, which are no "
        "digit"
    )


def right_when_unsure(card: dict, below: float = 0.7) -> str:
    """How many validation digits the card's model was under `below` sure of, and how many of
    them it read right, from its calibration curve's bins; empty without any."""
    bins = [b for b in (card.get("calibration") or {}).get("bins", []) if b["high"] <= below + 1e-9]
    count = sum(b["count"] for b in bins)
    if not count:
        return ""
    right = sum(b["count"] * b["accuracy"] for b in bins) / count
    return (
        f"read {right:.0%} right of the {count} validation digits it was under {below:.0%} sure of"
    )


def confusion_rates(confusion: np.ndarray) -> np.ndarray:
    """Each row divided by its total: the share of each true digit read as each digit."""
    confusion = np.asarray(confusion, np.float64)
    totals = confusion.sum(axis=1, keepdims=True)
    return np.divide(confusion, totals, out=np.zeros_like(confusion), where=totals > 0)


def mismatches(cards: dict[str, dict], mistakes: dict[str, dict[str, np.ndarray]]) -> list[str]:
    """What disagrees between a card and the mistakes shipped beside it (stale files)."""
    problems = []
    for name in cards.keys() & mistakes.keys():
        stated = sorted(cards[name]["misclassified"])
        shipped = mistakes[name]["indices"].tolist()
        if stated != shipped:
            problems.append(
                f"{name}.mistakes.npz lists {len(shipped)} test digits but {name}.json lists "
                f"{len(stated)} mistakes, not the same ones: retrain to remake both."
            )
    return problems


@dataclass(frozen=True)
class Gallery:
    """Test digits that at least one model gets wrong, with every model's answer."""

    indices: np.ndarray  # MNIST test indices, ascending
    images: np.ndarray  # (N, 28, 28) uint8
    labels: np.ndarray  # (N,)
    probs: dict[str, np.ndarray]  # model name -> (N, 10)
    wrong: dict[str, np.ndarray]  # model name -> (N,) bool, as the card says

    def predicted(self, name: str) -> np.ndarray:
        return self.probs[name].argmax(axis=1)

    def confidence(self, name: str) -> np.ndarray:
        return self.probs[name].max(axis=1)


def union_of_mistakes(mistakes: dict[str, dict[str, np.ndarray]]) -> tuple:
    """(indices, images, labels) of every test digit any model gets wrong, by test index."""
    found: dict[int, tuple[np.ndarray, int]] = {}
    for arrays in mistakes.values():
        for index, image, label in zip(arrays["indices"], arrays["images"], arrays["labels"]):
            found[int(index)] = (image, int(label))
    indices = np.array(sorted(found), dtype=np.int64)
    images = np.array([found[i][0] for i in indices], np.uint8).reshape(-1, 28, 28)
    labels = np.array([found[i][1] for i in indices], np.int64)
    return indices, images, labels


def build_gallery(
    mistakes: dict[str, dict[str, np.ndarray]], live_probs: dict[str, np.ndarray]
) -> Gallery:
    """The union of the mistakes, each model's answer on all of them.

    A model's answer on its own mistakes is the one recorded at training time, so the gallery
    agrees with its card; on the others it is `live_probs`, the shipped model run on
    `union_of_mistakes(...)` images here.
    """
    indices, images, labels = union_of_mistakes(mistakes)
    probs, wrong = {}, {}
    for name, live in live_probs.items():
        probs[name] = np.array(live, np.float32, copy=True)
        wrong[name] = np.zeros(len(indices), bool)
        if name in mistakes:
            rows = np.searchsorted(indices, mistakes[name]["indices"])
            probs[name][rows] = mistakes[name]["probs"]
            wrong[name][rows] = True
    return Gallery(indices, images, labels, probs, wrong)


def select(
    gallery: Gallery,
    true_digit: int | None = None,
    predicted_digit: int | None = None,
    wrong: tuple[str, ...] = (),
    right: tuple[str, ...] = (),
) -> np.ndarray:
    """Positions in the gallery of the digits that pass every filter given.

    `predicted_digit` matches a wrong answer of any model: a right answer is the true digit.
    """
    keep = np.ones(len(gallery.indices), bool)
    if true_digit is not None:
        keep &= gallery.labels == true_digit
    if predicted_digit is not None:
        answered = np.zeros_like(keep)
        for name, is_wrong in gallery.wrong.items():
            answered |= is_wrong & (gallery.predicted(name) == predicted_digit)
        keep &= answered
    for name in wrong:
        keep &= gallery.wrong[name]
    for name in right:
        keep &= ~gallery.wrong[name]
    return np.flatnonzero(keep)
