"""Your digits as files: exported as `.npz` or as a zip of PNGs, and imported from either.

An `.npz` holds plain arrays (loaded with allow_pickle=False); a zip holds each sample's 28x28
input and drawing as PNGs, with a manifest for what PNGs cannot hold. An import is checked
whole before anything is written, and is written in one transaction.
"""

import io
import json
import os
import re
import zipfile
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from digitpad import NUM_CLASSES
from digitpad.data import BadDataFile, npz_contents
from digitpad.images import png_bytes
from digitpad.preprocess import as_uint8, extract_ink
from digitpad.samples import (
    Sample,
    add_new_rows,
    input_image,
    input_key,
    list_samples,
    sample_row,
)

# Zip layout: the 28x28 input and the drawing, each named by sample id and label, plus a
# manifest with what PNGs cannot hold (time, the models' answers).
ZIP_INPUT_DIR, ZIP_CANVAS_DIR, ZIP_MANIFEST = "28x28", "canvas", "samples.json"
ZIP_NAME = re.compile(r"id(\d{1,18})_digit(\d)\.png")  # an id of 5,000 digits broke int()
MAX_IMPORT_BYTES = 256 << 20  # unpacked; a digit takes a few kB: refuse zip bombs
# A class's digits are a few thousand; a 771 kB file of 100,000 made the database 410 MB, which
# any visitor could repeat till the server's disk was full.
MAX_IMPORT_DIGITS = 10_000
# The pad saves its canvas, an upload its thumbnail: a few hundred pixels a side.
MAX_DRAWING_SIDE = 2048
SHOWN_MODES = {"1", "L", "LA", "P", "RGB", "RGBA"}  # what the page's pictures are drawn from


class BadSampleFile(ValueError):
    """An import file that is not a DigitPad export; the message says what is wrong."""


@dataclass(frozen=True)
class Imported:
    """What an import did with a file's digits: how many it added, and how many it left out
    and why."""

    added: int
    already_here: int  # saved before: the same time (where the file gives one), digit, input
    repeated: int  # the same as one before it in the file, by the same test
    blank: int  # no ink in the 28x28 input

    def said(self, name: str) -> str:
        """What the import did, in a sentence that names the file."""
        digits = f"{self.added:,} digit{'' if self.added == 1 else 's'}"
        left_out = [
            f"{count:,} {why}"
            for count, why in [
                (self.already_here, "already here"),
                (self.repeated, "repeated in the file"),
                (self.blank, "blank, with no ink to read"),
            ]
            if count
        ]
        return f"Imported {digits} from {name}" + (
            f"; left out {', '.join(left_out)}." if left_out else "."
        )


def _model_names(samples: list[Sample]) -> list[str]:
    return sorted({name for sample in samples for name in sample.probs})


def export_npz(path: str | os.PathLike) -> bytes:
    """Every sample as plain arrays: ids, created, labels, images, the canvas PNGs (one flat
    uint8 array cut at `canvas_offsets`), `probs_<model>` (NaN where a model gave none) and
    `thresholds_<model>`, the "not sure" threshold each answer was judged by (NaN: unknown)."""
    samples = list_samples(path)[::-1]
    pngs = [np.frombuffer(s.canvas_png, np.uint8) for s in samples]
    missing = np.full(NUM_CLASSES, np.nan, np.float32)
    arrays = {
        "ids": np.array([s.id for s in samples], np.int64),
        # As long as the longest: a time imported from a zip's manifest may be any length, and
        # cut short it no longer matched its digit when imported again.
        "created": np.array([s.created for s in samples], dtype=str),
        "labels": np.array([s.label for s in samples], np.int64),
        "images": np.array([s.image for s in samples], np.float32).reshape(-1, 28, 28),
        "canvas_png": np.concatenate(pngs) if pngs else np.zeros(0, np.uint8),
        "canvas_offsets": np.cumsum([0, *map(len, pngs)]).astype(np.int64),
        **{
            f"probs_{name}": np.array(
                [s.probs.get(name, missing) for s in samples], np.float32
            ).reshape(-1, NUM_CLASSES)
            for name in _model_names(samples)
        },
        **{
            f"thresholds_{name}": np.array(
                [s.thresholds.get(name, np.nan) for s in samples], np.float64
            )
            for name in _model_names(samples)
        },
    }
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def export_zip(path: str | os.PathLike) -> bytes:
    """Every sample as `28x28/id<id>_digit<label>.png` (the input, 8-bit gray) and
    `canvas/id<id>_digit<label>.png` (the drawing), with `samples.json` for times and answers."""
    samples = list_samples(path)[::-1]
    manifest = {}
    buffer = io.BytesIO()
    # PNGs are compressed already: store them as they are.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for s in samples:
            name = f"id{s.id}_digit{s.label}.png"
            archive.writestr(f"{ZIP_INPUT_DIR}/{name}", png_bytes(as_uint8(s.image)))
            archive.writestr(f"{ZIP_CANVAS_DIR}/{name}", s.canvas_png)
            manifest[name] = {
                "created": s.created,
                "probs": {k: [float(v) for v in p] for k, p in s.probs.items()},
                "thresholds": s.thresholds,
            }
        archive.writestr(ZIP_MANIFEST, json.dumps(manifest, indent=1))
    return buffer.getvalue()


ZIP_SIGNATURE = b"PK\x03\x04"  # how a zip's first member, and so an .npz, begins


def import_file(path: str | os.PathLike, data: bytes) -> Imported:
    """Add the samples of an exported .npz or zip of PNGs, all in one transaction.

    A sample already in the database (same time, digit and 28x28 input; the same digit and input
    where the file gives no time) is left out, so importing a file twice adds it once; so is one
    repeated in the file, and one with no ink. Raises BadSampleFile saying what is wrong, and for
    a file that holds no digit to add.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        if data.startswith(ZIP_SIGNATURE):  # begun as a zip, an .npz is one, and not ended
            raise BadSampleFile(
                "the file is cut short or damaged: export or download it again"
            ) from None
        raise BadSampleFile(
            "not a DigitPad export: expected a .npz or a .zip of PNGs from the Your digits page"
        ) from None
    if not members:
        raise BadSampleFile("the file is an empty zip, with no digits in it")
    if sum(info.file_size for info in members) > MAX_IMPORT_BYTES:
        raise BadSampleFile(f"the file unpacks to more than {MAX_IMPORT_BYTES >> 20} MB")
    # An .npz is a zip of .npy files.
    if all(info.filename.endswith(".npy") for info in members):
        rows = _rows_from_npz(data)
    else:
        rows = _rows_from_zip(data)
    if inverted := sum(map(_inverted, rows)):
        which = "is" if inverted == 1 else "are"
        raise BadSampleFile(
            f"{inverted:,} of its {len(rows):,} digits {which} dark on a light ground, where "
            "DigitPad's 28x28 inputs are light digits on black, as MNIST's: turn those light on "
            "dark and import the file again"
        )
    inked = [row for row in rows if not _blank(row)]
    if not inked:
        blank = f" ({len(rows):,} blank pictures, with no ink)" if rows else ""
        raise BadSampleFile(f"the file holds no digits{blank}")
    # A file of one picture thousands of times over is one digit, not thousands. A picture
    # with no time of its own is matched on its digit and input alone, as `add_new_rows` does,
    # against every other in the file: one with a time, before or after it, too.
    keyed = [(row[0], row[1], input_key(row[3]), row) for row in inked]
    timed = {(label, key) for created, label, key, _ in keyed if created}
    unique = {}
    for created, label, key, row in keyed:
        if created:
            unique.setdefault((created, label, key), row)
        elif (label, key) not in timed:
            unique.setdefault((label, key), row)
    added = add_new_rows(path, list(unique.values()))
    return Imported(added, len(unique) - added, len(inked) - len(unique), len(rows) - len(inked))


EDGE = np.pad(np.zeros((24, 24), bool), 2, constant_values=True)  # a 28x28's two outer pixels


def _inverted(row: tuple) -> bool:
    """Whether a `sample_row`'s 28x28 input is a dark digit on a light ground: its edge, which
    MNIST's steps leave black, mostly light. Saved by another tool so, 18 of 30 MNIST digits
    were misread, and fine-tuning would have learnt from them."""
    image = np.frombuffer(row[3], np.float32).reshape(28, 28)
    return bool(image[EDGE].mean() > 0.5)


def _blank(row: tuple) -> bool:
    """Whether a `sample_row`'s 28x28 input holds no ink, by the test that has the drawing page
    say "nothing drawn": a zip of black squares was imported as thousands of 0s."""
    image = np.frombuffer(row[3], np.float32).reshape(28, 28)
    return extract_ink(image) is None


def _header(data: bytes) -> tuple[str, str, tuple[int, int]] | None:
    """A picture's format, mode and (width, height), from its header alone; None for what
    Pillow cannot parse."""
    try:
        with Image.open(io.BytesIO(data)) as picture:
            return picture.format, picture.mode, picture.size
    except Exception:  # Pillow raises many kinds for a file it cannot parse
        return None


def _shown(header: tuple[str, str, tuple[int, int]] | None) -> bool:
    """Whether a picture with this header is an 8-bit PNG no larger than a drawing."""
    return (
        header is not None
        and header[0] == "PNG"
        and header[1] in SHOWN_MODES
        and max(header[2]) <= MAX_DRAWING_SIDE
    )


def showable(data: bytes) -> bool:
    """Whether a saved drawing is one the Your digits page can show, by its header: an imported
    16,000-pixel square, or an HDR named .png, stopped the page at its picture, and with it
    every delete button below."""
    return _shown(_header(data))


def _kept_drawing(data: bytes, what: str) -> bytes:
    """The drawing's bytes, if its header says what picture they are. One the Your digits page
    shows is decoded first, to be sure it can be; any other is kept as it is, never decoded (a
    2 MB zip held pictures that decode to gigabytes), and the page shows its 28x28 input: an
    upload saved whole, as the drawing page did until 2026-12-03 (a phone's photo, a 16-bit
    PNG), is still its drawing."""
    header = _header(data)
    if header is None:
        raise BadSampleFile(f"{what} is not a readable picture")
    if _shown(header) and cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) is None:
        raise BadSampleFile(f"{what} is not a readable PNG")
    return data


def are_probabilities(values: np.ndarray) -> bool:
    """Whether every value is a probability: a negative one or infinity, saved as a model's
    answer, read as that model's digit on the page and counted in its accuracy."""
    return bool(np.all((values >= 0) & (values <= 1)))


def too_many(count: int) -> None:
    """BadSampleFile for a file of more digits than one import takes."""
    if count > MAX_IMPORT_DIGITS:
        raise BadSampleFile(
            f"it holds {count:,} digits, more than the {MAX_IMPORT_DIGITS:,} an import takes: "
            f"import it in parts (an .npz's arrays cut {MAX_IMPORT_DIGITS:,} at a time with "
            "NumPy, each saved as an .npz of its own)"
        )


def _rows_from_npz(data: bytes) -> list[tuple]:
    try:
        arrays = npz_contents(io.BytesIO(data))
    except BadDataFile as error:
        raise BadSampleFile(f"the .npz file: {error}") from None
    missing = {"labels", "images"} - arrays.keys()
    if missing:
        raise BadSampleFile(f"the .npz lacks {', '.join(sorted(missing))}: not a DigitPad export")
    labels, images = arrays["labels"], arrays["images"]
    count = len(labels) if labels.ndim == 1 else -1
    too_many(count)
    if images.shape != (count, 28, 28):
        raise BadSampleFile(
            f"the .npz has {labels.shape} labels and {images.shape} images: "
            "expected N labels and N 28x28 images"
        )
    if not np.issubdtype(labels.dtype, np.integer) or np.any((labels < 0) | (labels > 9)):
        raise BadSampleFile("the .npz's labels must be digits 0-9")
    if images.dtype != np.uint8 and not np.issubdtype(images.dtype, np.floating):
        raise BadSampleFile(f"the .npz's images are {images.dtype}: expected float32 or uint8")
    if images.dtype != np.uint8 and count and not 0 <= images.min() <= images.max() <= 1:
        raise BadSampleFile("the .npz's float images must lie in [0, 1]")
    created = arrays.get("created")  # none: each picture is given the import's time
    if created is not None and (created.shape != (count,) or created.dtype.kind != "U"):
        raise BadSampleFile(f"the .npz has {created.shape} {created.dtype} times for {count} "
                            "samples: expected one text time each")  # fmt: skip
    pngs, offsets = arrays.get("canvas_png"), arrays.get("canvas_offsets")
    if offsets is not None and not (
        pngs is not None
        and pngs.dtype == np.uint8
        and np.issubdtype(offsets.dtype, np.integer)
        and offsets.shape == (count + 1,)
        and offsets[0] == 0
        and offsets[-1] == len(pngs)
        and np.all(np.diff(offsets) > 0)
    ):
        raise BadSampleFile("the .npz's canvas_offsets do not cut its canvas_png into samples")
    probs = {key.removeprefix("probs_"): value for key, value in arrays.items()
             if key.startswith("probs_")}  # fmt: skip
    for name, p in probs.items():
        numbers = np.issubdtype(p.dtype, np.floating) or np.issubdtype(p.dtype, np.integer)
        given = p[~np.isnan(p).any(axis=1)] if numbers and p.ndim == 2 else p  # NaN: no answer
        if p.shape != (count, NUM_CLASSES) or not numbers or not are_probabilities(given):
            raise BadSampleFile(
                f"the .npz's probs_{name} must be ({count}, 10) probabilities, each in [0, 1] "
                f"(it is {p.shape} {p.dtype})"
            )
    thresholds = {key.removeprefix("thresholds_"): value for key, value in arrays.items()
                  if key.startswith("thresholds_")}  # fmt: skip
    for name, t in thresholds.items():
        # NaN: none known. A threshold of -5 called a digit read at 100% not sure.
        if (
            t.shape != (count,)
            or not np.issubdtype(t.dtype, np.floating)
            or not np.all(np.isnan(t) | ((t >= 0) & (t <= 1)))
        ):
            raise BadSampleFile(
                f"the .npz's thresholds_{name} must be a number from 0 to 1 a digit, {count} in "
                f"all (it is {t.shape} {t.dtype})"
            )
    rows = []
    for i in range(count):
        if offsets is not None:
            png = _kept_drawing(pngs[offsets[i] : offsets[i + 1]].tobytes(), f"canvas {i}")
        else:  # no drawing kept: the 28x28 input stands in for it
            png = png_bytes(as_uint8(input_image(images[i])))
        answers = {name: p[i] for name, p in probs.items() if not np.isnan(p[i]).any()}
        judged_by = {name: float(t[i]) for name, t in thresholds.items() if np.isfinite(t[i])}
        when = None if created is None else str(created[i])
        rows.append(sample_row(png, images[i], int(labels[i]), answers, when, judged_by))
    return rows


def _thresholds(extra: dict, base: str) -> dict[str, float]:
    """A zip manifest's thresholds for one picture's answers; none in one made before they were
    kept."""
    given = extra.get("thresholds", {})
    # Compared before any float() of them: a 400-digit integer overflowed it.
    if not isinstance(given, dict) or not all(
        isinstance(t, int | float) and not isinstance(t, bool) and 0 <= t <= 1
        for t in given.values()
    ):
        raise BadSampleFile(f"{ZIP_MANIFEST} has bad thresholds for {base}")
    return {name: float(t) for name, t in given.items()}


def _export_names(names: list[str]) -> dict[str, str]:
    """The zip's entries by their names in the export. An export unzipped and zipped again
    holds them all in its folder ("digitpad-digits/28x28/..."), beside the __MACOSX folder a
    Mac adds, and with "\\" between folders where Windows zipped it: that folder is the root."""
    entries = {name.replace("\\", "/"): name for name in names}
    entries = {name: entry for name, entry in entries.items() if not name.startswith("__MACOSX/")}
    folders = {name.split("/", 1)[0] for name in entries}
    if len(folders) == 1 and all("/" in name for name in entries):
        inside = f"{folders.pop()}/"
        if not any(name.startswith(f"{ZIP_INPUT_DIR}/") for name in entries):
            return {name.removeprefix(inside): entry for name, entry in entries.items()}
    return entries


def _rows_from_zip(data: bytes) -> list[tuple]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = _export_names(archive.namelist())

        def read(name: str) -> bytes:
            try:
                return archive.read(names[name])
            except (zipfile.BadZipFile, OSError) as error:
                raise BadSampleFile(f"{name} in the zip is damaged ({error})") from None
            except (RuntimeError, NotImplementedError) as error:  # a password, a method unknown
                raise BadSampleFile(f"{name} in the zip cannot be unpacked ({error})") from None

        manifest = {}
        if ZIP_MANIFEST in names:
            try:
                manifest = json.loads(read(ZIP_MANIFEST))
            except (ValueError, RecursionError):  # RecursionError: arrays 200,000 deep
                raise BadSampleFile(f"{ZIP_MANIFEST} in the zip is not JSON") from None
        if not isinstance(manifest, dict):
            raise BadSampleFile(f"{ZIP_MANIFEST} in the zip is not a DigitPad manifest")
        inputs = sorted(
            (int(match[1]), int(match[2]), name.removeprefix(f"{ZIP_INPUT_DIR}/"))
            for name in names
            if name.startswith(f"{ZIP_INPUT_DIR}/")
            and (match := ZIP_NAME.fullmatch(name.removeprefix(f"{ZIP_INPUT_DIR}/")))
        )
        too_many(len(inputs))
        if not inputs:
            raise BadSampleFile(
                f"the zip holds no {ZIP_INPUT_DIR}/id<N>_digit<D>.png pictures: "
                "not a DigitPad export"
            )
        rows = []
        for _, label, base in inputs:
            name = f"{ZIP_INPUT_DIR}/{base}"
            data = read(name)
            header = _header(data)
            if header and header[2] != (28, 28):  # told before a giant is decoded
                raise BadSampleFile(f"{name} is {header[2][0]}x{header[2][1]}, not 28x28")
            image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
            # A JPEG named .png, its 28x28 input blurred by compression, is no DigitPad export.
            if header is None or header[0] != "PNG" or image is None or image.shape != (28, 28):
                raise BadSampleFile(f"{name} is not a readable PNG")
            canvas_name = f"{ZIP_CANVAS_DIR}/{base}"
            png = (
                _kept_drawing(read(canvas_name), canvas_name)
                if canvas_name in names
                else png_bytes(image)
            )
            extra = manifest.get(base, {})
            try:
                answers = {k: np.asarray(p, np.float32) for k, p in extra.get("probs", {}).items()}
                if any(
                    p.shape != (NUM_CLASSES,) or not are_probabilities(p) for p in answers.values()
                ):
                    raise ValueError
            except (AttributeError, TypeError, ValueError, OverflowError):
                raise BadSampleFile(f"{ZIP_MANIFEST} has bad answers for {base}") from None
            created = extra.get("created")
            created = created if isinstance(created, str) else None
            rows.append(sample_row(png, image, label, answers, created, _thresholds(extra, base)))
    return rows
