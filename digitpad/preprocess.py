"""Turn any drawing or picture of one digit into a 28x28 image the way MNIST was made.

MNIST's recipe (LeCun et al.): crop to the ink, fit the digit into a 20x20 box keeping its aspect
ratio with anti-aliasing, put it in a 28x28 field and shift it so the centre of mass sits at the
centre. The centre used here, (14, 14) in pixel indices, is measured from MNIST itself.
"""

from dataclasses import dataclass

import cv2
import numpy as np

MNIST_SIZE = 28
DIGIT_BOX = 20
MNIST_CENTRE = 14.0
# Below this contrast (out of 255) between ink and background a picture counts as blank.
MIN_CONTRAST = 24
# Ink fainter than this fraction of the strongest ink is noise or anti-aliasing halo.
INK_FLOOR = 0.1
# The background is looked for again in a band along the picture's edge, this share of its
# shorter side wide: where a digit seldom is, and wider than a frame.
EDGE_BAND = 0.1
# Bigger pictures are shrunk first: the digit ends up 20 pixels tall anyway.
MAX_SIDE = 1024
# A float picture brighter than this somewhere is in 0..255 rather than 0..1 (see as_uint8).
FLOAT_TOP_OF_ONE = 2.0


@dataclass(frozen=True)
class Preprocessed:
    """Every step from input to model input, for display; `image` is what the models see."""

    ink: np.ndarray  # the input at most MAX_SIDE a side, float32 in [0, 1], white ink on black
    box: tuple[int, int, int, int]  # x, y, width, height of the ink in `ink`'s pixels
    cropped: np.ndarray  # the ink's bounding box
    fitted: np.ndarray  # cropped, resized to fit 20x20 keeping the aspect ratio
    image: np.ndarray  # 28x28 float32 in [0, 1], centre of mass at the centre


def to_gray(image: np.ndarray) -> np.ndarray:
    """Gray uint8 from gray, RGB or RGBA of any integer, bool or float dtype.

    Ink drawn on a transparent background (as the canvas draws) comes back as the alpha channel
    itself.
    """
    return _gray(image)[0]


def _gray(image: np.ndarray) -> tuple[np.ndarray, bool]:
    """`to_gray`'s picture, and whether it is the alpha channel: ink on a transparent
    background."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
        raise ValueError(f"expected a gray, RGB or RGBA image, got shape {image.shape}")
    image = as_uint8(image)
    if image.ndim == 2:
        return image, False
    if image.shape[2] == 4:
        alpha = image[:, :, 3]
        if ink_in_alpha(image):
            if alpha.max() - alpha.min() >= MIN_CONTRAST:
                return alpha, True
            return np.zeros_like(alpha), True
        image = flattened(image) if alpha.min() < 255 else image[:, :, :3]
    return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY), False


def ink_in_alpha(rgba: np.ndarray) -> bool:
    """Whether an 8-bit RGBA picture's strokes are where its alpha is: some of it see-through,
    and its opaque part one colour, as the canvas draws one ink on a transparent background.

    Not whenever any pixel is see-through: a screenshot's clear rounded corners were taken for
    its strokes. Nor only where most of it is: a bold digit cropped close covers most of it.
    """
    alpha = rgba[:, :, 3]
    if alpha.min() == 255:
        return False
    opaque = alpha >= 128
    if not opaque.any():
        return True
    gray = cv2.cvtColor(np.ascontiguousarray(rgba[:, :, :3]), cv2.COLOR_RGB2GRAY)[opaque]
    darkest, lightest = np.percentile(gray, [1, 99])  # a few odd pixels aside
    return lightest - darkest < MIN_CONTRAST


def flattened(rgba: np.ndarray) -> np.ndarray:
    """RGB of an 8-bit RGBA picture on an opaque background, its few see-through pixels filled
    with that background's colour."""
    opacity = rgba[:, :, 3:].astype(np.float32) / 255
    rgb = rgba[:, :, :3].astype(np.float32)
    background = np.array([background_level(rgba[:, :, i]) for i in range(3)], np.float32)
    return (rgb * opacity + background * (1 - opacity)).round().astype(np.uint8)


def as_uint8(image: np.ndarray) -> np.ndarray:
    """Any picture's pixels as 8 bits: 16-bit, boolean and float ones scaled to 0..255."""
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.bool_:
        return image.astype(np.uint8) * 255
    # Scaled and rounded by OpenCV straight into 8 bits, as float64 copies of a 16-bit RGBA
    # picture of 100 million pixels (an 800 kB upload) took 10 GB of the server's memory.
    if image.dtype == np.uint16:
        return cv2.convertScaleAbs(image, alpha=255 / 65535)
    if np.issubdtype(image.dtype, np.integer):
        top = np.iinfo(image.dtype).max
        if image.dtype.itemsize > 2 or np.issubdtype(image.dtype, np.signedinteger):
            # No camera or editor writes signed or 32-bit pixels: such a TIFF, saved by a
            # program, holds 8- or 16-bit values, and a digit in 0..255 (int16) or 0..25500
            # (int32) came out blank on the type's own scale.
            top = min(max(int(image.max()), 255), top)
        share = np.clip(image.astype(np.float64) / top, 0.0, 1.0)  # a signed type's negatives: 0
        return (share * 255).round().astype(np.uint8)
    share = np.nan_to_num(image.astype(np.float64))
    # Floats are 0..1 or 0..255. Resampling a 0..1 picture overshoots a little past 1, which is
    # no reason to darken it 255 times; a 0..255 one whose brightest pixel is under 2 is black to
    # the eye, so reading it as 0..1 (stretched) loses no digit anyone could see.
    if share.max() > FLOAT_TOP_OF_ONE:
        share = share / 255.0
    return (np.clip(share, 0.0, 1.0) * 255).round().astype(np.uint8)


def background_level(gray: np.ndarray) -> int:
    """The gray level of a drawing's background: the one that covers most of the picture and
    of a band along its edge, the two shares added.

    The picture alone fails a big digit drawn with a broad pen, which can cover more than half
    of it: the paper then read as ink. Its edge alone fails a picture in a thin frame.
    """
    width = max(1, round(EDGE_BAND * min(gray.shape)))
    counts = np.bincount(gray.ravel(), minlength=256)
    band = counts - np.bincount(gray[width:-width, width:-width].ravel(), minlength=256)
    return int(np.argmax(counts / gray.size + band / band.sum()))


def extract_ink(image: np.ndarray) -> np.ndarray | None:
    """White-on-black ink map in [0, 1], or None when the picture holds no ink.

    The background is the gray `background_level` finds (the commonest over the picture and a
    band along its edge), so light-on-dark and dark-on-light drawings both work: ink is
    whatever differs from it.
    """
    gray, alpha_ink = _gray(image)
    if max(gray.shape) > MAX_SIDE:
        gray = scaled(gray, MAX_SIDE / max(gray.shape), cv2.INTER_AREA)
    # Ink drawn on a transparent background is opacity: its background is the clearest pixel,
    # not the commonest, which a bold digit cropped close outnumbers.
    ink = ink_strength(gray, int(gray.min()) if alpha_ink else None)
    if ink is not None:
        ink[ink < INK_FLOOR] = 0.0
    return ink


def ink_strength(gray: np.ndarray, background: int | None = None) -> np.ndarray | None:
    """How far each pixel is from the background's gray (`background_level`'s unless given), in
    [0, 1] of the farthest; None when nothing stands out by MIN_CONTRAST."""
    if background is None:
        background = background_level(gray)
    difference = cv2.absdiff(gray, np.full_like(gray, background))
    strongest = int(difference.max())
    if strongest < MIN_CONTRAST:
        return None
    return difference.astype(np.float32) / strongest


def scaled(image: np.ndarray, scale: float, interpolation: int) -> np.ndarray:
    """`image` resized by `scale`, keeping its aspect ratio, at least a pixel a side."""
    height, width = image.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=interpolation)


def fit_into_box(cropped: np.ndarray) -> np.ndarray:
    """Resize so the longer side is MNIST's 20 pixels, keeping the aspect ratio, with
    anti-aliasing."""
    scale = DIGIT_BOX / max(cropped.shape)
    # Area interpolation averages the pixels each output pixel covers: MNIST's anti-aliasing.
    fitted = scaled(cropped, scale, cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    # A thin pen on a big canvas averages out faint; MNIST's strokes reach full intensity.
    return fitted / max(float(fitted.max()), 1e-6)


def centre_by_mass(fitted: np.ndarray) -> np.ndarray:
    """Place `fitted` in a 28x28 field with its centre of mass at MNIST's centre.

    The shift is a whole number of pixels, as in MNIST (its centres of mass spread by exactly
    the 0.29 px of rounding), so it never blurs a stroke.
    """
    height, width = fitted.shape
    # Not cv2.moments: it takes a two-column image (a thin "1") for a list of points.
    rows, cols = np.indices(fitted.shape)
    mass = fitted.sum()
    left = round(MNIST_CENTRE - (cols * fitted).sum() / mass)
    top = round(MNIST_CENTRE - (rows * fitted).sum() / mass)
    field = np.zeros((MNIST_SIZE, MNIST_SIZE), np.float32)
    # Clip to the field: a lopsided digit may be pushed partly over the edge, as in MNIST.
    src_top, src_left = max(0, -top), max(0, -left)
    dst_top, dst_left = max(0, top), max(0, left)
    rows = min(height - src_top, MNIST_SIZE - dst_top)
    cols = min(width - src_left, MNIST_SIZE - dst_left)
    field[dst_top : dst_top + rows, dst_left : dst_left + cols] = fitted[
        src_top : src_top + rows, src_left : src_left + cols
    ]
    return field


def to_mnist(image: np.ndarray) -> Preprocessed | None:
    """All the steps from a drawing to a model input; None when nothing is drawn."""
    ink = extract_ink(image)
    return None if ink is None else from_ink(ink)


def from_ink(ink: np.ndarray) -> Preprocessed | None:
    """MNIST's steps for ink already found (white on black in [0, 1], as `extract_ink` gives
    it): crop, fit into 20x20, centre by mass. None when there is no ink."""
    x, y, width, height = cv2.boundingRect((ink > 0).astype(np.uint8))
    if width == 0:
        return None
    cropped = ink[y : y + height, x : x + width]
    fitted = fit_into_box(cropped).astype(np.float32)
    return Preprocessed(
        ink=ink,
        box=(x, y, width, height),
        cropped=cropped,
        fitted=fitted,
        image=centre_by_mass(fitted),
    )
