"""TensorFlow and Keras imported without their start-up notices: what a person reads on stderr
from DigitPad's commands is theirs."""

import os
import re
import sys
import tempfile

# What TensorFlow's libraries write to stderr as they load, before its logging is set up, and so
# whatever TF_CPP_MIN_LOG_LEVEL says: notices for its developers (oneDNN is on, the CPU has
# instructions it was not built for), four lines before every command's own output.
TENSORFLOW_NOTICE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\)|I0000 .*\] |To enable the "
    r"following instructions: )"
)


def import_tensorflow() -> None:
    """Imports TensorFlow and Keras with their start-up notices left out of stderr; anything
    else they write there is kept."""
    sys.stderr.flush()
    stderr = os.dup(2)
    with tempfile.TemporaryFile() as written:
        os.dup2(written.fileno(), 2)  # the libraries write to the file, not through Python
        try:
            import keras  # noqa: F401
            import tensorflow  # noqa: F401
        finally:
            sys.stderr.flush()
            os.dup2(stderr, 2)
            os.close(stderr)
            written.seek(0)
            for line in written.read().decode(errors="replace").splitlines(keepends=True):
                if not TENSORFLOW_NOTICE.match(line):
                    sys.stderr.write(line)
