"""How a person reads the drawn test digits a network misreads: how far is its target from reach?

    .venv/bin/python benchmarks/read_by_eye.py --pages /tmp/eye   # pages to read, blind
    .venv/bin/python benchmarks/read_by_eye.py                    # score eye_readings.txt

--pages draws the network's mistakes on the drawn set, mixed with twice as many digits it reads
right, shuffled, as the networks see them (28x28, enlarged), each tile numbered and nothing else
shown, and writes the list of their indices to fill in. Scoring compares a filled-in list
(`index reading` a line) with MNIST's labels and the network's readings now: how many of its
mistakes the person reads right, and how many digits the person misreads among those it reads
right, which, scaled to the whole set, says how the person would score on it.
"""

import argparse
from pathlib import Path

import common
import cv2
import numpy as np

from digitpad.data import load_mnist
from digitpad.evaluation import as_model_input
from digitpad.store import load_model
from digitpad.testsets import drawn_test_set

READINGS = Path(__file__).with_name("eye_readings.txt")
SEED = 20261203
RIGHT_PER_MISTAKE = 2  # without them every tile would be a mistake, and read as one
ZOOM, COLUMNS, PER_PAGE = 4, 10, 50


def write_pages(drawn: np.ndarray, wrong: np.ndarray, folder: Path) -> None:
    rng = np.random.default_rng(SEED)
    mistakes = np.flatnonzero(wrong)
    right = rng.choice(np.flatnonzero(~wrong), RIGHT_PER_MISTAKE * len(mistakes), replace=False)
    order = rng.permutation(np.concatenate([mistakes, right]))
    folder.mkdir(parents=True, exist_ok=True)
    tiles = []
    for tile, index in enumerate(order):
        image = cv2.resize(
            (drawn[index] * 255).astype(np.uint8),
            None,
            fx=ZOOM,
            fy=ZOOM,
            interpolation=cv2.INTER_NEAREST,
        )
        image = np.vstack([np.zeros((14, image.shape[1]), np.uint8), image])
        cv2.putText(image, str(tile), (2, 11), cv2.FONT_HERSHEY_SIMPLEX, 0.4, 160, 1)
        tiles.append(np.pad(image, 2, constant_values=255))
    blank = np.full_like(tiles[0], 255)
    for page in range(0, len(tiles), PER_PAGE):
        chunk = tiles[page : page + PER_PAGE]
        chunk += [blank] * (-len(chunk) % COLUMNS)
        rows = [np.hstack(chunk[r : r + COLUMNS]) for r in range(0, len(chunk), COLUMNS)]
        cv2.imwrite(str(folder / f"page_{page // PER_PAGE}.png"), np.vstack(rows))
    lines = [f"{index}  # tile {tile}" for tile, index in enumerate(order)]
    (folder / "readings.txt").write_text("\n".join(lines) + "\n")
    print(
        f"{len(order)} digits on {-(-len(tiles) // PER_PAGE)} pages in {folder}: "
        f"write each tile's reading after its index in readings.txt"
    )


def score(path: Path, labels: np.ndarray, wrong: np.ndarray, name: str) -> None:
    # "index reading", the reading's "*" marking a guess; tiles not read yet are left out.
    rows = [line.split() + [""] for line in path.read_text().splitlines() if line[:1].isdigit()]
    rows = [(i, r) for i, r, *_ in rows if r[:1].isdigit()]
    index = np.array([int(i) for i, _ in rows])
    read = np.array([int(r[0]) for _, r in rows])
    unsure = np.array(["*" in r for _, r in rows])
    person_right = read == labels[index]
    for what, among in (("misreads", wrong[index]), ("reads right", ~wrong[index])):
        print(
            f"digits the {name} {what}: {among.sum():4d}; the person reads right "
            f"{person_right[among].sum():4d} ({person_right[among].mean():.1%}), "
            f"unsure of {unsure[among].sum()}"
        )
    # Scaled to the whole set: the person's share of misreadings in each part, times its size.
    misread_share = {part: 1 - person_right[wrong[index] == part].mean() for part in (True, False)}
    person_wrong = misread_share[True] * wrong.sum() + misread_share[False] * (~wrong).sum()
    print(
        f"the {name} on the whole drawn set: {1 - wrong.mean():.2%}; the person, scaled from "
        f"these: about {1 - person_wrong / len(wrong):.2%}"
    )
    reachable = wrong.sum() - (person_right & wrong[index]).sum() * wrong.sum() / wrong[index].sum()
    print(
        f"the {name} reading right every mistake the person reads right (and no other): "
        f"{1 - reachable / len(wrong):.2%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=common.description(__doc__))
    parser.add_argument("--data", default=None, help=common.MNIST_HELP)
    parser.add_argument("--store", default=str(common.REPO / "model_store"))
    parser.add_argument("--model", default="cnn", choices=("mlp", "cnn"))
    parser.add_argument("--pages", type=Path, help="write pages to read into this folder")
    parser.add_argument("--readings", type=Path, default=READINGS)
    args = parser.parse_args()
    _, (x_test, y_test) = load_mnist(common.mnist_file(args.data))
    drawn = drawn_test_set(x_test)
    model = load_model(args.model, Path(args.store))
    wrong = model.predict(as_model_input(drawn), batch_size=1000, verbose=0).argmax(1) != y_test
    if args.pages:
        write_pages(drawn, wrong, args.pages)
    else:
        score(args.readings, y_test, wrong, args.model.upper())


if __name__ == "__main__":
    main()
