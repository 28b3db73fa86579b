"""Work that outlasts a click: run in a thread of its own, and polled by the pages."""

import atexit
import logging
import threading
from collections.abc import Callable
from pathlib import Path

Progress = Callable[[float, str], None]  # (fraction done, what is happening)
# How long Python's exit waits for a job asked to stop: fine-tuning reports after every batch.
STOP_AT_EXIT_S = 10.0


class Cancelled(Exception):
    """Raised in a job's thread at its next progress report once someone asked it to stop."""


class Job:
    """`run(progress)` in a thread of its own, which a page polls: on Streamlit, any click
    reruns the page and stopped a fine-tuning run there, a minute's work lost without a word.

    What `run` returns becomes `result` (fine-tuning's: the version it saved), what it raises
    `error`. `cancel` stops it at its next progress report, with `Cancelled` as its error: a
    run that has reported its last (fine-tuning's, as it saves) ends as if not asked.
    """

    def __init__(self, run: Callable[[Progress], object]):
        self.fraction, self.doing = 0.0, "Starting"
        self.result: object = None
        self.error: Exception | None = None
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(run,), daemon=True)
        self._thread.start()

    def _run(self, run: Callable[[Progress], object]) -> None:
        try:
            self.result = run(self._report)
        except Cancelled as stopped:
            self.error = stopped
        except Exception as error:  # told on the pages that watch it
            # And where it came from, to the server's terminal: a bug's message alone ("'x'", of
            # a KeyError) on the page told nobody where to look.
            logging.getLogger(__name__).exception("Work started from a page failed")
            self.error = error

    def _report(self, fraction: float, doing: str) -> None:
        if self._cancel.is_set():
            raise Cancelled
        self.fraction, self.doing = fraction, doing

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelling(self) -> bool:
        return self._cancel.is_set()

    @property
    def cancelled(self) -> bool:
        return isinstance(self.error, Cancelled)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)


def failure_said(what: str, error: Exception) -> str:
    """A job's error as a page says it: the message of what DigitPad raises for people to read
    (a ValueError, or an OSError of the disk), else its kind too, and where to look."""
    if isinstance(error, (ValueError, OSError)):
        return str(error)
    return (
        f"{what} stopped on an error DigitPad does not expect ({type(error).__name__}: {error}); "
        "the server's terminal shows where it came from."
    )


# The fine-tuning run of each model store, whichever session started it: a reloaded page (a new
# session) finds the run still going, and no second one starts beside it on the same cores.
JOBS: dict[Path, Job] = {}
_STARTING = threading.Lock()  # two sessions' clicks at once: one looks and starts, then the other


def start_once(key: Path, run: Callable[[Progress], object]) -> Job | None:
    """`run` started as the job of `key`, unless that key's job is still running: None then."""
    with _STARTING:
        job = JOBS.get(key)
        if job is not None and job.running:
            return None
        JOBS[key] = Job(run)
        return JOBS[key]


@atexit.register
def stop_jobs() -> None:
    """Jobs still running as Python exits (the server stopped with Ctrl-C), stopped at their
    next report and waited for: a daemon thread is killed wherever it is, half-way through
    writing a fine-tuned version, say, and one not a daemon would hold the exit for minutes."""
    running = [job for job in list(JOBS.values()) if job.running]
    for job in running:
        job.cancel()
    for job in running:
        job.join(STOP_AT_EXIT_S)
