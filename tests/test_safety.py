"""What a model file, a data file or another site can make the app do: nothing it should not."""

import re
import tomllib

import keras
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from conftest import REPO
from digitpad.gallery import load_npz
from digitpad.store import ModelUnavailable, load_model

# app.py, serve.py, train.py, and pages/, digitpad/, docs/ and benchmarks/
SOURCES = [REPO / "app.py", REPO / "serve.py", REPO / "train.py", *REPO.glob("[pdb]*/**/*.py")]


def test_a_model_file_carrying_code_is_refused(tmp_path):
    # A Lambda layer stores Python bytecode in the file; Keras' safe mode will not run it.
    keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Lambda(lambda x: x * 1.0),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    ).save(tmp_path / "cnn.keras")
    with pytest.raises(ModelUnavailable, match=r"cnn\.keras.*(?i:safe)"):
        load_model("cnn", tmp_path)


def test_an_npz_with_pickled_objects_is_not_unpickled(tmp_path):
    path = tmp_path / "examples.npz"
    np.savez(path, images=np.array([{"not": "an array"}], dtype=object))
    assert load_npz(path) is None


@pytest.mark.parametrize("source", SOURCES, ids=[str(s.relative_to(REPO)) for s in SOURCES])
def test_no_source_unpickles_or_loads_models_unsafely(source):
    text = source.read_text()
    for risky in [
        r"^\s*(import|from) (pickle|cloudpickle|dill|joblib)\b",
        r"allow_pickle\s*=\s*True",
        r"safe_mode\s*=\s*False",
        r"\bpd\.read_pickle\b",
    ]:
        assert not re.search(risky, text, re.MULTILINE), (source.name, risky)


def test_streamlit_keeps_xsrf_protection_and_an_upload_limit():
    server = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())["server"]
    assert server["enableXsrfProtection"] is True
    # Streamlit's default is 200 MB; an export of a class's digits needs a fraction of it.
    assert 0 < server["maxUploadSize"] <= 64
    # A picture, a phone's photo at most, weighs less.
    page = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    (pictures,) = page.get("file_uploader")
    assert 0 < pictures.proto.max_upload_size_mb <= 32
    # An export of a class's digits, about 7 kB each, imports back: 1,600 of them were refused.
    digits = AppTest.from_file(str(REPO / "pages" / "6_Your_digits.py"), default_timeout=60).run()
    (exported,) = digits.get("file_uploader")
    assert exported.proto.max_upload_size_mb * 1000 >= 2000 * 7
