"""What the networks compute on one digit: feature maps, filters, saliency and Grad-CAM.

Gradients are taken with `tf.GradientTape`: Keras 3 has no backend-neutral gradient call, and
TensorFlow is the backend the app runs on.
"""

import cv2
import keras
import numpy as np
import tensorflow as tf

from digitpad.calibration import is_sure
from digitpad.evaluation import as_model_input
from digitpad.inference import Reading
from digitpad.models import FIRST_CONV, MLP_HIDDEN, Deskew

# The chapter's hand-made 3x3 filters, by what they respond to.
HAND_MADE_FILTERS = {
    "horizontal edge": [[1, 1, 1], [1, 1, 1], [-2, -2, -2]],
    "vertical edge": [[-2, 1, 1], [-2, 1, 1], [-2, 1, 1]],
    "diagonal edge": [[0, 0, -1], [0, 1, 0], [0, 0, 0]],
    "horizontal stripes": [[1, 1, 1], [-1, -1, -1], [1, 1, 1]],
}
INK_LEVEL = 0.3  # a pixel at least this inked is part of a stroke
# A gradient's share near the ink within this factor of the ink's share of the square is said to
# be about what chance would put there: on one digit, 20% against 19% shows nothing either way.
ABOUT_CHANCE = 1.25


def conv_layer_names(model: keras.Model) -> list[str]:
    return [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]


def pooling_after(model: keras.Model, conv_name: str) -> str | None:
    """The max-pooling layer that pools a conv layer's maps, if one does before the next conv."""
    names = [layer.name for layer in model.layers]
    for layer in model.layers[names.index(conv_name) + 1 :]:
        if isinstance(layer, keras.layers.Conv2D):
            return None
        if isinstance(layer, keras.layers.MaxPooling2D):
            return layer.name
    return None


def deskews(model: keras.Model) -> bool:
    return any(isinstance(layer, Deskew) for layer in model.layers)


def as_seen(model: keras.Model, image: np.ndarray) -> np.ndarray:
    """The 28x28 image as the model's first weighted layer sees it: deskewed if the model is."""
    pixels = as_model_input(image)
    for layer in model.layers:
        if not isinstance(layer, Deskew):
            break
        pixels = layer(pixels)
    return np.asarray(pixels)[0, :, :, 0]


def activations(
    model: keras.Model, image: np.ndarray, layer_names: list[str]
) -> dict[str, np.ndarray]:
    """Each named layer's output for one 28x28 image, without the batch axis: (H, W, C) or (U,)."""
    probe = keras.Model(
        inputs=model.inputs, outputs=[model.get_layer(name).output for name in layer_names]
    )
    outputs = probe([as_model_input(image)], training=False)
    if len(layer_names) == 1:
        outputs = [outputs]
    return {name: np.asarray(out[0]) for name, out in zip(layer_names, outputs)}


def conv_filters(model: keras.Model, layer_name: str) -> np.ndarray:
    """A conv layer's kernels as (filters, input channels, height, width)."""
    kernel = model.get_layer(layer_name).get_weights()[0]  # (kh, kw, in, out)
    return np.transpose(kernel, (3, 2, 0, 1))


def first_layer_filters(cnn: keras.Model) -> np.ndarray:
    """The first conv layer's kernels as (filters, 3, 3): it sees one channel, the digit."""
    return conv_filters(cnn, FIRST_CONV)[:, 0]


def cross_correlate(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Slide a 3x3 kernel over a 28x28 image the way Conv2D does: (26, 26), no bias, no ReLU.

    Conv2D, like cv2.filter2D, computes a cross-correlation (the kernel is not flipped, as a
    textbook convolution flips it), and its 'valid' padding drops the one-pixel border, which
    is what the crop does.
    """
    image = np.asarray(image, np.float32).reshape(28, 28)
    full = cv2.filter2D(image, cv2.CV_32F, np.asarray(kernel, np.float32))
    return full[1:-1, 1:-1]


def most_similar_filters(
    kernel: np.ndarray, learned: np.ndarray, count: int = 3
) -> list[tuple[int, float]]:
    """The learned (N, 3, 3) filters nearest the kernel by cosine similarity, best first."""
    flat = np.asarray(learned, np.float64).reshape(len(learned), -1)
    target = np.asarray(kernel, np.float64).ravel()
    norms = np.linalg.norm(flat, axis=1) * np.linalg.norm(target)
    # An all-zero kernel is like nothing: similarity 0 rather than a division by zero.
    cosines = np.divide(flat @ target, norms, out=np.zeros(len(flat)), where=norms > 0)
    order = np.argsort(-cosines, kind="stable")[:count]
    return [(int(i), float(cosines[i])) for i in order]


def strongest_filter(maps: np.ndarray, seen: np.ndarray, grid: tuple[float, float]) -> int:
    """The filter whose (H, W, filters) feature map fires most on the strokes of `seen`, the
    28x28 digit as the conv layers see it (`as_seen`); `grid` is where the map's pixels sit on
    it (`input_grid`).

    Not over the whole map: many filters answer "no ink here", and one lit all over the blank
    paper won for most digits, shown as the filter "your digit excites most".
    """
    strokes = near_the_ink(seen).astype(np.float32)
    # The strokes' share of each map pixel's cell of the input. Squeezed whole into the map
    # instead, they lay up to 3.6 pixels off conv3's grid, and the pick changed for a third of
    # MNIST's digits.
    rows, columns = (_cells(size, *grid) for size in maps.shape[:2])
    on_strokes = rows @ strokes @ columns.T
    return int(np.tensordot(on_strokes, maps, axes=([0, 1], [0, 1])).argmax())


def _cells(size: int, step: float, first: float) -> np.ndarray:
    """(size, 28): how much of each input pixel lies in each map pixel's cell, `step` wide
    about its centre, as a share of the cell."""
    centres = first + step * np.arange(size)[:, None]
    pixels = np.arange(28)[None, :]
    overlap = np.minimum(centres + step / 2, pixels + 0.5) - np.maximum(
        centres - step / 2, pixels - 0.5
    )
    return np.clip(overlap, 0, None).astype(np.float32) / step


def hidden_unit_weights(mlp: keras.Model, units: np.ndarray) -> np.ndarray:
    """The MLP's first hidden layer weights of the given units, each as a 28x28 picture."""
    kernel = mlp.get_layer(MLP_HIDDEN).get_weights()[0]  # (784, units)
    return kernel[:, np.asarray(units)].T.reshape(-1, 28, 28)


def most_excited_units(
    mlp: keras.Model, image: np.ndarray, count: int = 16
) -> tuple[np.ndarray, np.ndarray]:
    """The hidden units this digit drives hardest: (units, their activations), largest first."""
    hidden = activations(mlp, image, [MLP_HIDDEN])[MLP_HIDDEN]
    units = np.argsort(-hidden, kind="stable")[:count]
    return units, hidden[units]


def _forward(
    model: keras.Model, pixels: tf.Tensor, inner: str | None
) -> tuple[tf.Tensor | None, tf.Tensor]:
    """(the inner layer's output or None, the output layer's input), layer by layer.

    A loaded Sequential model holds its layers' graph nodes twice, so a keras.Model cut at an
    inner layer's `.output` may compute that layer on a branch the output does not use, and its
    gradient comes back None; calling the layers in order keeps one path.
    """
    kept = None
    for layer in model.layers[:-1]:
        pixels = layer(pixels, training=False)
        if layer.name == inner:
            kept = pixels
    return kept, pixels


def _class_score(model: keras.Model, head: tf.Tensor, digit: int) -> tf.Tensor:
    # The score before softmax, as Simonyan et al. and Grad-CAM use: a confident softmax is
    # flat at 1.0, so its gradient vanishes exactly where the answer is clearest.
    kernel, bias = model.layers[-1].kernel, model.layers[-1].bias
    return tf.matmul(head, kernel[:, digit : digit + 1])[:, 0] + bias[digit]


def predicted_digit(model: keras.Model, image: np.ndarray) -> int:
    return int(np.argmax(model(as_model_input(image), training=False)[0]))


def saliency(model: keras.Model, image: np.ndarray, digit: int | None = None) -> np.ndarray:
    """|d score / d pixel| for the digit (the predicted one by default), as a 28x28 map."""
    if digit is None:
        digit = predicted_digit(model, image)
    pixels = tf.constant(as_model_input(image))
    with tf.GradientTape() as tape:
        tape.watch(pixels)
        score = _class_score(model, _forward(model, pixels, None)[1], digit)
    return np.abs(tape.gradient(score, pixels).numpy()[0, :, :, 0])


def near_the_ink(image: np.ndarray) -> np.ndarray:
    """The 28x28 digit's strokes and the pixels touching them, as a bool mask."""
    strokes = (np.asarray(image).reshape(28, 28) >= INK_LEVEL).astype(np.uint8)
    return cv2.dilate(strokes, np.ones((3, 3), np.uint8)) > 0


def share_near_the_ink(heat: np.ndarray, image: np.ndarray) -> float:
    """How much of a 28x28 map's total lies on the digit's strokes or touching them."""
    total = float(heat.sum())
    return float(heat[near_the_ink(image)].sum()) / total if total > 0 else 0.0


def near_the_ink_said(network: str, share: float, ink_area: float) -> str:
    """What a network's share of its gradient on and beside the strokes shows, against chance:
    `ink_area`, the share of the square those pixels make, which a gradient spread evenly over
    the square would put there. Measured, not a mechanism: a share can come out at chance or
    below it, for either network."""
    said = (
        f"{share:.0%} of the {network}'s gradient lies on the strokes or the pixels touching "
        f"them, which make {ink_area:.0%} of the square: "
    )
    if share > ink_area * ABOUT_CHANCE:
        return said + (
            f"{share / ink_area:.1f} times what a gradient spread evenly over the square would "
            "put there."
        )
    if share < ink_area / ABOUT_CHANCE:
        return said + (
            "less than a gradient spread evenly over the square would put there; more of it "
            "lies on the blank paper."
        )
    return said + (
        "about what a gradient spread evenly over the square would put there, so on this digit "
        "it is no nearer the ink than chance."
    )


def grad_cam(
    model: keras.Model, image: np.ndarray, layer_name: str | None = None, digit: int | None = None
) -> np.ndarray:
    """Grad-CAM of a conv layer (by default the last) for the digit: a 28x28 map in [0, 1].

    In the HiResCAM form (Draelos and Carin, 2020): each position's activations times the
    gradient at that position, where Grad-CAM first averages the gradient over positions. The
    CNN flattens its maps into dense layers, so each position has weights of its own; averaged,
    a channel that fires on blank paper (through its bias) lit the whole background of a 0 or
    a 9, which the answer did not rest on.
    """
    if digit is None:
        digit = predicted_digit(model, image)
    layer_name = layer_name or conv_layer_names(model)[-1]
    with tf.GradientTape() as tape:
        maps, head = _forward(model, tf.constant(as_model_input(image)), layer_name)
        score = _class_score(model, head, digit)
    gradients = tape.gradient(score, maps)
    cam = np.maximum(tf.reduce_sum(gradients * maps, axis=-1).numpy()[0], 0)
    if cam.max() > 0:
        cam = cam / cam.max()
    # Each map pixel back over the input pixels at the centre of what it sees: after a pooling
    # a map is not the input with its border shaved (conv3's 10x10 squeezed into the middle
    # lit a 0's hole, not its ring), but a coarser grid.
    step, first = input_grid(model, layer_name)
    to_input = np.float32([[step, 0, first], [0, step, first]])
    return cv2.warpAffine(cam.astype(np.float32), to_input, (28, 28), flags=cv2.INTER_LINEAR)


def input_grid(model: keras.Model, layer_name: str) -> tuple[float, float]:
    """Where a layer's map pixels sit on the 28x28 input: (the step between them, in input
    pixels; the input pixel the first one is centred on). 'valid' convolutions and poolings,
    in the order the model has them."""
    step, first = 1.0, 0.0
    for layer in model.layers:
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.MaxPooling2D)):
            if layer.padding != "valid" or tuple(getattr(layer, "dilation_rate", (1, 1))) != (1, 1):
                raise ValueError(f"{layer.name}: only 'valid', undilated layers can be placed")
            size = (
                layer.kernel_size[0]
                if isinstance(layer, keras.layers.Conv2D)
                else layer.pool_size[0]
            )
            first += (size - 1) / 2 * step
            step *= layer.strides[0]
        if layer.name == layer_name:
            return step, first
    raise ValueError(f"{model.name} has no layer {layer_name!r}")


def moved(image: np.ndarray, right: float, down: float) -> np.ndarray:
    """The 28x28 digit moved `right` and `down` pixels (negative: left, up), what leaves the
    square lost and blank paper coming in."""
    shift = np.float32([[1, 0, right], [0, 1, down]])
    return cv2.warpAffine(np.asarray(image, np.float32).reshape(28, 28), shift, (28, 28))


def share_moved_off(image: np.ndarray, shifted: np.ndarray) -> float:
    """The share of the digit's ink that `moved` pushed off the square to make `shifted` (0 for
    a blank digit)."""
    ink = float(np.sum(image))
    return 0.0 if ink <= 0 else max(0.0, 1 - float(np.sum(shifted)) / ink)


def read_right_when_moved(
    models: dict[str, keras.Model],
    images: np.ndarray,
    labels: np.ndarray,
    distances: list[int],
    thresholds: dict[str, float | None] | None = None,
) -> dict[str, list[float]]:
    """The share of the digits each model reads right, moved each distance in whole pixels to
    the right and as many down, as the page's sliders move a digit: what preprocessing's
    centring spares the networks. With `thresholds`, a digit is read only where its model is
    also sure of it, as the pages count a reading; without, its top answer counts."""
    images = as_model_input(images)[..., 0]  # uint8 ones in [0, 1], as the models take them
    thresholds = thresholds or {}
    # Every distance in one call a model: a call each cost more than the page's 100 digits.
    batch = as_model_input(np.stack([moved(i, d, d) for d in distances for i in images]))
    shares = {}
    for name, net in models.items():
        probs = net.predict(batch, batch_size=1024, verbose=0).reshape(
            len(distances), len(images), -1
        )
        right = probs.argmax(axis=2) == np.asarray(labels)
        sure = is_sure(probs.max(axis=2), thresholds.get(name))
        shares[name] = [float(share) for share in (right & sure).mean(axis=1)]
    return shares


def still_read(unmoved: Reading, moved: Reading) -> bool:
    """Whether a network still reads a moved digit: sure of its own answer for it unmoved, and
    sure of the same answer moved, as read_right_when_moved counts a digit read."""
    return unmoved.sure and moved.sure and moved.digit == unmoved.digit


def one_moved_digit_said(unmoved: dict[str, Reading], moved: dict[str, Reading]) -> str | None:
    """A note when the MLP still reads a moved digit and the CNN, which read it unmoved, no
    longer does: one digit against what the curves over many show. Each network is held to its
    own answer unmoved, which need not be the other's."""
    if not (
        still_read(unmoved["mlp"], moved["mlp"])
        and unmoved["cnn"].sure
        and not still_read(unmoved["cnn"], moved["cnn"])
    ):
        return None
    mlp, cnn = unmoved["mlp"].digit, unmoved["cnn"].digit
    which = (
        f"the MLP still reads {mlp} and the CNN does not"
        if mlp == cnn
        else f"the MLP still reads the {mlp} it read unmoved and the CNN no longer reads its {cnn}"
    )
    return (
        f"Here {which}: one digit can go either way. The curves, over many digits, say which "
        "network more often still reads a moved one."
    )
