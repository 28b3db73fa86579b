import errno
import logging
import os
import sys

# TensorFlow's note on tracing the predict step again for a new batch size is for its developers
# (its start-up notices are quietened by the package); the command's own output is what matters.
logging.getLogger("tensorflow").setLevel(logging.ERROR)

from digitpad.cli import main  # noqa: E402

# A file name the terminal cannot show (bytes an old disk wrote, or "ß" in an ASCII terminal) is
# printed escaped, not a traceback that leaves the files after it unread.
sys.stdout.reconfigure(errors="backslashreplace")

try:
    code = main()
    sys.stdout.flush()  # here, where a reader gone is caught, not at exit
except BrokenPipeError:  # `... | head`: the reader had what it wanted
    # Python's recipe: stdout to nowhere, so that flushing it at exit does not fail again.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(1)
except OSError as error:
    # `> /dev/full`, or a disk filling as the lines are written: said, not a traceback.
    if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
        raise
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # as above
    print(f"error: cannot write the output: {error.strerror}", file=sys.stderr)
    sys.exit(1)
except KeyboardInterrupt:  # Ctrl-C: what was read is printed already, one line a file
    print("\nstopped", file=sys.stderr)
    sys.exit(130)
sys.exit(code)
