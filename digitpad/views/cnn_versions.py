"""Your digits' fine-tuning and CNN versions: the callbacks of their buttons and what they say.

What a click could not do is kept in session state under "finetune_problem" or
"versions_problem", for the page to say where it has got to.
"""

import functools
from pathlib import Path

import streamlit as st

from digitpad import finetune, jobs, samples, versions
from digitpad.data import MNIST_ENV, MnistUnavailable, mnist_path
from digitpad.store import lost_versions
from digitpad.views import ui


def fine_tuning_now(store: Path) -> bool:
    """Whether a fine-tune runs on this store; if so, says that a switch waits for it: a page
    drawn before it started still offers the buttons, and the run's end undid the switch."""
    job = jobs.JOBS.get(store)
    if job is None or not job.running:
        return False
    st.session_state["versions_problem"] = (
        "Fine-tuning is running: switch or roll back once it has saved its CNN."
    )
    return True


def switch_version(store: Path) -> None:
    if fine_tuning_now(store):
        return
    version = st.session_state["cnn_version"]
    try:
        versions.activate("cnn", version, store)
    except (ValueError, OSError) as problem:  # its file gone since the list was shown; read-only
        message = f"Cannot switch to {versions.title(version)}: {problem}."
        st.session_state["versions_problem"] = message
    else:
        st.toast(f"Every page reads with {versions.title(version)} now.")
        ui.models_changed()


def fine_tune(
    store: Path, database: Path, epochs: int, yours: tuple, progress: jobs.Progress
) -> tuple[str, bool]:
    """Fine-tunes the active CNN and makes the new one active, if no other was made active
    meanwhile; runs in a jobs.Job. The new version, and whether it is active."""
    try:
        version, active, _ = finetune.finetune_active_cnn(
            store, database, yours, "the Your digits page", mnist_path(), progress, epochs=epochs
        )
    except MnistUnavailable as problem:  # no local file and no download: say where it should be
        # The server reads the variable as it starts: set in a shell beside it, it did nothing.
        raise ValueError(f"Fine-tuning needs MNIST: start the app again with ${MNIST_ENV} set "
                         f"to an mnist.npz ({problem}).") from problem  # fmt: skip
    return version, active


def start_fine_tuning(store: Path, database: Path) -> None:
    try:
        yours = samples.training_arrays(database)
    except samples.SamplesUnavailable as problem:
        st.session_state["finetune_problem"] = f"Cannot read your digits to train on: {problem}."
        return
    epochs = int(st.session_state["finetune_epochs"])
    run = functools.partial(fine_tune, store, database, epochs, yours)
    job = jobs.start_once(store, run)
    if job is not None:  # None: another session's click came first, and this one watches it
        st.session_state["finetune_watched"] = job


def follow_fine_tuning(store: Path) -> None:
    """The running job's progress, polled; when it ends, the whole page again, which says what
    came of it (and every page reads with the new CNN: app.py sees active.json change)."""
    job = jobs.JOBS[store]
    if not job.running:
        st.rerun()
    if job.cancelling:
        st.progress(job.fraction, "Stopping fine-tuning.")
        return
    # Said until the job's end is seen: "Done. You can look around meanwhile." said neither.
    meanwhile = " You can look around meanwhile." if job.fraction < 1 else ""
    st.progress(job.fraction, f"{job.doing}.{meanwhile}")
    # Ten epochs started by mistake held switching and rolling back for minutes.
    st.button("Stop fine-tuning", key="finetune_stop", on_click=stop_fine_tuning, args=(job,))


def stop_fine_tuning(job: jobs.Job) -> None:
    # Any session watching the run may stop it: the others are told it was not theirs.
    st.session_state["finetune_stopped"] = job
    job.cancel()


def fine_tuning_outcome(job: jobs.Job, store: Path) -> None:
    """What came of a run this session watched, said once: every session that watched it hears,
    the one that started it too, not only the first to see it end."""
    if st.session_state.get("finetune_told") is job:
        return
    st.session_state["finetune_told"] = job
    if job.result is not None:
        version, active = job.result
        # Stopped while it saved: too late to stop, and said, or the page would seem to ignore it.
        late = "The stop came as it was saving. " if job.cancelling else ""
        if active:
            st.success(f"{late}Saved {versions.title(version)}; every page reads with it now.")
        else:  # a switch made elsewhere while it trained (from the command line) stands
            st.info(
                f"{late}Saved {versions.title(version)}, not made active: "
                f"{versions.title(versions.active_version('cnn', store))} was made active while "
                "it trained. Switch to it under CNN versions."
            )
    elif job.cancelled:
        elsewhere = "" if st.session_state.get("finetune_stopped") is job else " in another session"
        st.info(
            f"Fine-tuning stopped{elsewhere}: nothing was saved; every page reads with the CNN as "
            "before."
        )
    else:
        st.error(
            jobs.failure_said("Fine-tuning", job.error)
            if job.error
            else "Fine-tuning stopped before it saved a model."
        )


def forget_lost_versions(store: Path, lost: dict[str, str]) -> None:
    """Sets the shipped models to be read where versions that cannot be read were set: every
    page warned of them, and picking the shipped CNN, already shown, changed nothing. Only
    those still set: one made active since the button was drawn (a fine-tune's) stands."""
    if fine_tuning_now(store):
        return
    try:
        for name, version in lost.items():
            if lost_versions(store).get(name) == version:
                versions.activate(name, name, store)
    except OSError as problem:
        st.session_state["versions_problem"] = f"Cannot switch: {problem}."
    else:
        st.toast("Reading with the shipped models again.")
        ui.models_changed()


def what_deleting_loses(version: str, size: int, active: str, rolls_back_to: str | None) -> str:
    """What is lost with `version` (`size` bytes), said before it is deleted: for good, and
    where it is what Roll back goes back to (`rolls_back_to`; None while the shipped CNN is
    read) from the version every page reads with (`active`), where Roll back then goes."""
    said = (
        f"Once deleted, {versions.title(version)} goes for good, its {size / 2**20:.0f} MB with "
        "it: no undo."
    )
    if rolls_back_to == version:
        said += (
            f" Every page reads with {versions.title(active)}, which was fine-tuned from it: "
            "Roll back would then go back to the shipped CNN."
        )
    return said


def delete_version(store: Path, version: str) -> None:
    if fine_tuning_now(store):
        return
    try:
        deleted = versions.delete_version("cnn", version, store)
    except OSError as problem:  # a read-only store
        st.session_state["versions_problem"] = (
            f"Cannot delete {versions.title(version)}: {problem}."
        )
    else:
        if deleted:
            st.toast(f"Deleted {versions.title(version)}.")
        else:
            st.session_state["versions_problem"] = (
                f"Not deleted: {versions.title(version)} was made active since this page was "
                "drawn, and every page reads with it."
            )


def roll_back(store: Path, shown: str) -> None:
    """Back from `shown`, the version the page showed active when its button was clicked."""
    if fine_tuning_now(store):
        return
    try:
        base = versions.rollback("cnn", shown, store)
    except (ValueError, OSError) as problem:  # its base's file gone since; a read-only store
        st.session_state["versions_problem"] = f"Cannot roll back: {problem}."
    else:
        if base is None:
            now = versions.title(versions.active_version("cnn", store))
            st.session_state["versions_problem"] = (
                f"Not rolled back: {now} was made active since this page was drawn (by another "
                "session, a fine-tune's end or `train.py`), and every page reads with it now; "
                "roll back from it below if you mean to."
            )
        else:
            st.toast(f"Reading with {versions.title(base)} again.")
        ui.models_changed()
