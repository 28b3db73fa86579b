import logging
import os
import sys

# TensorFlow's start-up notices (oneDNN, CPU features) and its note on tracing the predict step
# again for a new batch size are for its developers; the command's own output is what matters.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
logging.getLogger("tensorflow").setLevel(logging.ERROR)

from digitpad.cli import main  # noqa: E402

sys.exit(main())
