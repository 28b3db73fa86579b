"""Shared fixtures: where the data lives, the shipped models, and drawings made with OpenCV."""

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
# Optional: tests that use it where it is also pass without it.
PENDIGITS_FILE = Path(
    os.environ.get("DIGITPAD_PENDIGITS") or SHARED_DATA / "pendigits_train_strokes.npz"
)


def data_file(env: str, name: str) -> Path:
    path = Path(os.environ.get(env) or SHARED_DATA / name)  # set but empty: the shared one
    if not path.is_file():
        pytest.skip(f"{name} not found (set ${env})")
    return path


@pytest.fixture(scope="session")
def mnist_file() -> Path:
    return data_file("DIGITPAD_MNIST", "mnist.npz")


@pytest.fixture(scope="session")
def mnist_test(mnist_file):
    with np.load(mnist_file) as f:
        return f["x_test"], f["y_test"]


@pytest.fixture(scope="module")
def app_url():
    """The app served on localhost, one server for a module's browser tests."""
    from browser import running_app

    with running_app() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's headless chromium, driven by Playwright."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from browser import CHROMIUM, CHROMIUM_ARGS

    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def reader():
    """Every shipped network, the whole-digit one too, as the app loads them."""
    from digitpad.inference import DigitReader
    from digitpad.store import load_models, load_whole_digit

    models, problems = load_models()
    assert not problems, problems
    return DigitReader(models, whole_digit=load_whole_digit())


def opaque_canvas(value: int = 0, shape=(280, 280)) -> np.ndarray:
    """An RGBA canvas of one opaque gray, black by default: the app's pad before a stroke."""
    canvas = np.full((*shape, 4), value, np.uint8)
    canvas[..., 3] = 255
    return canvas


def draw_polyline(points, size=280, width=18, canvas=None) -> np.ndarray:
    """White strokes on a black opaque RGBA canvas, like the app's pad returns."""
    if canvas is None:
        canvas = opaque_canvas(shape=(size, size))
    pts = np.array(points, np.int32).reshape(-1, 1, 2)
    cv2.polylines(canvas, [pts], False, (255, 255, 255, 255), width, cv2.LINE_AA)
    return canvas


def mnist_on_canvas(digit: np.ndarray, size=280, box=(40, 40, 200, 200)) -> np.ndarray:
    """An MNIST digit enlarged onto an opaque black RGBA canvas."""
    x, y, w, h = box
    canvas = opaque_canvas(shape=(size, size))
    canvas[y : y + h, x : x + w, :3] = cv2.resize(digit, (w, h))[..., None]
    return canvas


def canvas_state(rgba: np.ndarray) -> dict:
    """The widget value the drawing canvas sends back for this RGBA picture."""
    import base64

    ok, png = cv2.imencode(".png", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    url = "data:image/png;base64," + base64.b64encode(png.tobytes()).decode()
    return {
        "drawing": {"raw": {"objects": [{"type": "path"}], "background": "#000000"}, "data": url},
        "backgroundFit": None,
    }


@pytest.fixture(scope="session")
def tiny_mnist(mnist_file, tmp_path_factory) -> Path:
    """MNIST's first 300 training and 300 test digits as an mnist.npz: fine-tuning in seconds."""
    path = tmp_path_factory.mktemp("tiny_mnist") / "mnist.npz"
    with np.load(mnist_file) as f:
        np.savez(path, **{key: f[key][:300] for key in f.files})
    return path


@pytest.fixture
def store_copy(tmp_path, monkeypatch) -> Path:
    """A model store of links to the shipped files, made $DIGITPAD_STORE: versions saved while
    testing land in it, never beside the shipped models."""
    from digitpad.store import ACTIVE_FILE, STORE_ENV, store_dir

    store = tmp_path / "store"
    store.mkdir()
    for shipped in store_dir().iterdir():
        if shipped.is_file() and shipped.name != ACTIVE_FILE:
            (store / shipped.name).symlink_to(shipped)
    monkeypatch.setenv(STORE_ENV, str(store))
    return store


@contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """The folder, which cannot be written meanwhile: made read-only, and mounted read-only for
    root, whom a folder's permissions do not stop."""
    folder.chmod(0o555)
    mounted = os.geteuid() == 0
    try:
        if mounted and subprocess.run(["mount", "--bind", "-o", "ro", folder, folder],
                                      capture_output=True).returncode:  # fmt: skip
            pytest.skip("root cannot mount a folder read-only here")
        yield folder
    finally:
        if mounted:
            subprocess.run(["umount", folder], capture_output=True)
        folder.chmod(0o755)


def yes_button(app):
    """The drawing page's "Yes, it is a …" (keyed by its digit) in an AppTest, or None."""
    offered = [b for b in app.button if (b.key or "").startswith("confirm_sample_")]
    assert len(offered) <= 1, offered
    return offered[0] if offered else None
