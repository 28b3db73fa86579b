"""CLI batch prediction: images a second through `python -m digitpad predict --json FOLDER`.

Writes N digit pictures as PNG files (MNIST test digits, dark ink on white paper as a scan would
be, enlarged to --size pixels), runs the command on the folder as a user would, and once more on
a single file: the difference is the steady rate, free of the process's start (TensorFlow's
import and the models' loading), which the end-to-end figure includes.

    .venv/bin/python benchmarks/cli_throughput.py          # 5,000 images; target >= 2,000 a second
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common
import cv2
import numpy as np


def write_pictures(folder: Path, count: int, size: int) -> None:
    if common.SHARED_MNIST.is_file():
        with np.load(common.SHARED_MNIST) as data:
            digits = np.resize(data["x_test"], (count, 28, 28))  # repeated past 10,000
    else:  # a stroke is enough to time the pipeline
        digits = np.zeros((count, 28, 28), np.uint8)
        digits[:, 4:24, 13:15] = 255
    for i, digit in enumerate(digits):
        picture = cv2.resize(255 - digit, (size, size), interpolation=cv2.INTER_LINEAR)
        cv2.imwrite(str(folder / f"{i:05d}.png"), picture)


def timed_predict(*paths: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "digitpad", "predict", "--json", *map(str, paths)],
        cwd=common.REPO,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0 or "Traceback" in done.stderr:
        raise SystemExit(done.stderr)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=common.description(__doc__))
    parser.add_argument("--images", type=common.count, default=5000)
    parser.add_argument(
        "--size", type=common.count, default=28, help="side of each picture in pixels"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_pictures(folder, args.images, args.size)
        one = timed_predict(folder / "00000.png")
        many = timed_predict(folder)
    print(common.machine())
    rate, steady = args.images / many, (args.images - 1) / (many - one)
    print(f"CLI batch prediction, {args.images} PNGs of {args.size}x{args.size} pixels")
    print(f"  one image, process start included  {one:6.2f} s")
    print(f"  all {args.images}, end to end            {many:6.2f} s   {rate:6.0f} images a second")
    print(f"  steady rate (the difference)                 {steady:6.0f} images a second")


if __name__ == "__main__":
    main()
