"""Decode image files and uploads into arrays, with a plain message for anything unreadable."""

import io
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, TiffImagePlugin

# What the pages' upload boxes offer: the formats phones, browsers and scanners save pictures in
# (.jfif: a JPEG as Chrome on Windows saves one, refused as "image/jpeg files are not allowed").
UPLOAD_TYPES = ["png", "jpg", "jpeg", "jfif", "webp", "gif", "bmp", "tif", "tiff"]
IMAGE_SUFFIXES = {f".{kind}" for kind in UPLOAD_TYPES} | {".pgm", ".ppm"}  # a folder's, read
JPEG_START = b"\xff\xd8"
EXIF_ORIENTATION = 0x0112  # the EXIF tag that says which way is up
# A 10,000-pixel-square scan; a phone's largest photos have half as many. A small file can hold
# far more (a 0.4 MB PNG decodes to 400 million pixels), each taking bytes of memory to read.
MAX_PIXELS = 100_000_000
# The largest file read: such a picture uncompressed, 8 bytes a pixel (16-bit RGBA), and a header.
# A bigger one was read whole into memory before it was found to be no picture (3 GB, 17 s).
MAX_FILE_BYTES = 8 * MAX_PIXELS + 2**20
NOT_AN_IMAGE = "not a picture read here, or a damaged one: try a PNG or JPEG"
DAMAGED = "a damaged {kind} file, its picture unreadable: save it again"
# A phone's photo saved as a PNG (4032x3024) weighs 24 MB; a JPEG of it, 2 to 5.
PICTURE_UPLOAD_MB = 32

# The formats, as Pillow names them, that OpenCV decodes here: one it cannot is a damaged file.
READ_HERE = {"PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF", "PPM"}

STANDARD_INPUT = "/dev/stdin"

# A damaged file is reported once, by us, not also as OpenCV's error ("Unexpected end of input
# stream", of a TIFF or BMP cut short).
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


class UnreadableImage(Exception):
    pass


def decode_image(data: bytes) -> np.ndarray:
    """Gray, RGB or RGBA array from encoded bytes (PNG, JPEG, GIF's first frame, ...);
    UnreadableImage, saying why, for anything else."""
    if not data:
        raise UnreadableImage("the file is empty")
    kind, orientation = refuse_too_many_pixels(data)
    # A phone saves a photo as its sensor lay and says in EXIF which way is up; IMREAD_UNCHANGED,
    # which keeps a PNG's alpha (where the pad's ink is), ignores that and read a photo taken
    # upright lying on its side. A JPEG has no alpha: OpenCV decodes it turned upright, as it
    # does a TIFF; a PNG or WebP (a phone's or an editor's) is turned here.
    jpeg = data[:2] == JPEG_START
    flags = cv2.IMREAD_ANYCOLOR | cv2.IMREAD_ANYDEPTH if jpeg else cv2.IMREAD_UNCHANGED
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    except cv2.error:
        image = None
    if image is None or image.size == 0:
        if kind in READ_HERE:  # "try a PNG" said of a PNG cut short in its download
            raise UnreadableImage(DAMAGED.format(kind=kind))
        raise UnreadableImage(NOT_AN_IMAGE)
    if kind in TURNED_HERE:
        image = upright(image, orientation)
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    if image.ndim == 3 and image.shape[2] == 1:
        return image[:, :, 0]
    if image.ndim != 2:  # what preprocessing takes: gray, RGB or RGBA, nothing else
        raise UnreadableImage(f"a picture of {image.shape[2]} channels: send a gray or colour one")
    return image


def refuse_too_many_pixels(data: bytes) -> tuple[str, int]:
    """UnreadableImage for a picture of more than MAX_PIXELS, told from its header by Pillow
    before anything is decoded, or in a format Pillow does not know (OpenCV reads some, such as
    HDR, whose size would then be known only once decoded). Returns the picture's format and
    the EXIF orientation its header gives (1: as stored, or none given)."""
    limit = f"more than {MAX_PIXELS // 1_000_000} million pixels"
    too_many = f"it has {limit}: send a smaller copy"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a bomb, or "Corrupt EXIF data": said by us
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    # The size after the remedy read as the size to send.
                    raise UnreadableImage(f"it is {width}x{height}, {limit}: send a smaller copy")
                kind, orientation = image.format, _orientation(image)
                if kind == "PNG":
                    # Checked by its chunks' checksums, not by libpng, which decoding it cut
                    # short wrote "libpng error: ..." on stderr before the message below.
                    try:
                        with Image.open(io.BytesIO(data)) as unread:  # as verify needs it
                            unread.verify()
                    except Exception:
                        raise UnreadableImage(DAMAGED.format(kind=kind)) from None
                return kind, orientation
    except Image.DecompressionBombError:  # Pillow's own limit, above ours
        raise UnreadableImage(too_many) from None
    except UnreadableImage:
        raise
    except Exception:  # Pillow raises many kinds for a file it cannot parse
        if data[:4] not in TIFF_STARTS:
            raise UnreadableImage(NOT_AN_IMAGE) from None
    # A TIFF of pixels Pillow does not hold (64-bit floats, as a program saves an array), which
    # OpenCV reads: its size from the header's first directory. OpenCV turns a TIFF upright.
    width, height = _tiff_size(data)
    if width * height > MAX_PIXELS:
        raise UnreadableImage(f"it is {width}x{height}, {limit}: send a smaller copy")
    return "TIFF", 1


TIFF_STARTS = {b"II*\x00", b"MM\x00*"}  # little- and big-endian
TIFF_WIDTH, TIFF_HEIGHT = 256, 257  # the tags


def _tiff_size(data: bytes) -> tuple[int, int]:
    """A TIFF's width and height, read from its first directory by Pillow's TIFF reader."""
    try:
        directory = TiffImagePlugin.ImageFileDirectory_v2(ifh=data[:8])
        file = io.BytesIO(data)
        file.seek(directory.next)
        with warnings.catch_warnings():  # "Corrupt EXIF data", of a file cut short: said by us
            warnings.simplefilter("ignore")
            directory.load(file)
        return int(directory[TIFF_WIDTH]), int(directory[TIFF_HEIGHT])
    except Exception:  # a directory cut short or missing its size: no picture to decode
        raise UnreadableImage(DAMAGED.format(kind="TIFF")) from None


def _orientation(image: Image.Image) -> int:
    """The picture's EXIF orientation (1: as stored, or none given), asked for only once its
    size has passed: Pillow decodes a PNG's pixels to find EXIF stored after them. A damaged
    block says nothing: the picture is read as stored."""
    try:
        with warnings.catch_warnings():  # "Corrupt EXIF data", of a file cut short
            warnings.simplefilter("ignore")
            return int(image.getexif().get(EXIF_ORIENTATION, 1))
    except Exception:  # Pillow raises many kinds for a block it cannot parse
        return 1


# Formats whose EXIF orientation OpenCV's IMREAD_UNCHANGED leaves undone (it does a TIFF's).
TURNED_HERE = {"PNG", "WEBP"}
# EXIF's orientations 2 to 8, each as the turn and flip that stands the stored pixels upright.
TURNS = {
    2: lambda a: cv2.flip(a, 1),
    3: lambda a: cv2.rotate(a, cv2.ROTATE_180),
    4: lambda a: cv2.flip(a, 0),
    5: cv2.transpose,
    6: lambda a: cv2.rotate(a, cv2.ROTATE_90_CLOCKWISE),
    7: lambda a: cv2.flip(cv2.transpose(a), -1),
    8: lambda a: cv2.rotate(a, cv2.ROTATE_90_COUNTERCLOCKWISE),
}


def upright(image: np.ndarray, orientation: int) -> np.ndarray:
    """The decoded pixels turned as their EXIF orientation says; as they are for 1 or none."""
    turn = TURNS.get(orientation)
    return image if turn is None else turn(image)


def read_image(path: str | Path) -> np.ndarray:
    """The picture in a file, or on standard input for "-"."""
    path = Path(STANDARD_INPUT if str(path) == "-" else path)
    if path.is_dir():  # image_files names a folder that holds no images, or cannot be listed
        try:
            # Not .git or __MACOSX: a folder of pictures that a person would name.
            folders = [
                inside
                for inside in path.iterdir()
                if inside.is_dir() and inside.name[0] not in "._"
            ]
        except OSError as error:
            raise UnreadableImage(f"cannot list the folder: {error.strerror or error}") from error
        below = ": the folders in it are not looked in, name them" if folders else ""
        raise UnreadableImage(f"a folder with no images in it{below}")
    too_big = UnreadableImage(f"more than any picture read here ({MAX_FILE_BYTES / 1e6:,.0f} MB)")
    try:
        if path.stat().st_size > MAX_FILE_BYTES:  # known without reading it, for a file
            raise too_big
        # At most that much of anything else: /dev/stdin piped in is read, /dev/zero was read
        # until the system killed the process.
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise UnreadableImage(error.strerror or str(error)) from error
    if len(data) > MAX_FILE_BYTES:
        raise too_big
    return decode_image(data)


def image_files(paths: list[str | Path]) -> list[Path]:
    """The files named ("-": standard input, as read_image reads it), with each folder replaced
    by the images in it, in name order; a folder with none, or that cannot be listed, is kept,
    for read_image to say so (a traceback left the files after it unread)."""
    found = []
    for path in map(Path, paths):
        inside = []
        if path.is_dir():
            try:
                listed = list(path.iterdir())
            except OSError:
                listed = []
            inside = sorted(p for p in listed if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        found += inside or [path]
    return found


def png_bytes(picture: np.ndarray) -> bytes:
    """A gray, RGB or RGBA array as PNG bytes."""
    picture = np.asarray(picture)
    if picture.ndim == 3:
        code = cv2.COLOR_RGBA2BGRA if picture.shape[2] == 4 else cv2.COLOR_RGB2BGR
        picture = cv2.cvtColor(picture, code)
    ok, encoded = cv2.imencode(".png", picture)
    if not ok:
        raise ValueError("the picture could not be encoded as PNG")
    return encoded.tobytes()
