"""Your digits: the drawings you labelled, how each network reads them, and a CNN tuned on them."""

import functools

import numpy as np
import streamlit as st

from digitpad import MODEL_NAMES, charts, jobs, sample_files, samples, versions
from digitpad.calibration import is_sure
from digitpad.data import MNIST_ENV, mnist_path
from digitpad.store import (
    STORE_ENV,
    active_versions,
    lost_versions,
    reading_thresholds,
    store_dir,
)
from digitpad.views import layout, ui
from digitpad.views.buttons import button, say_problem
from digitpad.views.your_digits import delete, import_upload, offer_undo

PER_PAGE = 24

ui.page_header(
    "Your digits",
    "The digits you drew and labelled on the drawing page (“Is it right?”): how well each "
    "network reads your handwriting, and a CNN fine-tuned on it.",
)
# Imported after the title: it brings TensorFlow, 4 to 5 s on a server that has not loaded it
# yet (this page opened first), which left the page blank.
from digitpad import finetune  # noqa: E402
from digitpad.views import cnn_versions  # noqa: E402

database, store = samples.default_path(), store_dir()
unreadable = None  # what stops the digits being read, when something does
# Said up front, its controls off: Delete and Import failed only once clicked.
database_read_only = samples.read_only(database)


@st.cache_data(max_entries=4, show_spinner="Reading your digits with the fine-tuned CNN…")
def scored_now(
    version: str, images: np.ndarray, labels: np.ndarray, mnist_test: tuple[str, ...]
) -> finetune.ReadNow | None:
    """The active CNN (`version`, for the cache) on your digits, those of them its fine-tuning
    held out as MNIST test digits (`mnist_test`, their keys) held out too; None without it."""
    reader, _ = ui.load_reader(store)
    if reader is None or "cnn" not in reader.models:  # said where the page shows its problems
        return None
    return finetune.reads_now(reader.models["cnn"], images, labels, mnist_test)


def read_now(version: str, card: dict) -> None:
    """What fine-tuning changed: how the fine-tuned CNN reads your digits now, where the
    figures above are the answers given when each was saved."""
    try:
        images, labels = samples.training_arrays(database)
    except samples.SamplesUnavailable:
        return  # the page has said so at its top
    # A card edited by hand may hold anything there: read as none.
    said = card.get("samples") if isinstance(card.get("samples"), dict) else {}
    mnist_test = said.get("mnist_test_digits")
    now = scored_now(
        version, images, labels, tuple(map(str, mnist_test)) if isinstance(mnist_test, list) else ()
    )
    if now is None:
        return
    text = (
        f"Now {versions.title(version)}, which every page reads with, reads {now.right:,} of "
        f"your {now.digits:,} digits right"
    )
    # Versions fine-tuned before the held-out digits were chosen by their pixels held out others.
    if said.get("held_out_by") == "pixels":
        if now.held_out:
            text += (
                f", {now.held_out_right:,} of the {now.held_out:,} that fine-tuning never trains on"
            )
        else:  # "14 of 14" read like proof that fine-tuning helped, of the digits it trained on
            text += (
                ", but none of them is held out of fine-tuning (of a few digits, none may be): "
                "it may have trained on every one, so this says little of how it reads a new one"
            )
    st.info(text + ".")


def how_many(counts: np.ndarray) -> None:
    st.header("How many of each", anchor=False)
    st.table({str(digit): [int(n)] for digit, n in enumerate(counts)}, hide_index=True)
    if counts.min() == 0:
        missing = ", ".join(str(d) for d in range(10) if counts[d] == 0)
        st.caption(f"No {missing} yet: fine-tuning learns most from every digit.")


def browse(total: int, counts: np.ndarray, thresholds: dict[str, float]) -> None:
    """Your digits, the latest first, a page at a time, each with a button that deletes it;
    an answer saved without its threshold judged by `thresholds`, the networks' now."""
    st.header("Browse", anchor=False)
    offer_undo(database)
    shown = st.selectbox("Show", ["every digit", *range(10)], key="browse_digit", width=200)
    label = None if shown == "every digit" else shown
    shown_count = total if label is None else int(counts[label])
    page = ui.page_number(shown_count, PER_PAGE, "browse_page")
    # Wide enough for "MLP 4 ✗ wrong" on one line, which a card 110 pixels wide broke in two.
    with st.grid(8, min_column_width=140):
        for sample in samples.list_samples(database, PER_PAGE, (page - 1) * PER_PAGE, label):
            with st.container(border=True):
                # A drawing imported before pictures were checked may be one the page cannot
                # draw: the 28x28 input the networks read stands in for it.
                shown = sample.canvas_png if sample_files.showable(sample.canvas_png) else None
                st.image(
                    sample.image if shown is None else shown,
                    width=84,
                    alt=f"your digit #{sample.id}, {ui.a_digit(sample.label)}",
                )
                answers = []
                for name, title in charts.MODEL_TITLES.items():
                    digit = sample.predicted(name)
                    if digit is not None:
                        # A mark beside the colour: red and green alone, a colour-blind
                        # person and a screen reader could not tell right from wrong.
                        right = digit == sample.label
                        colour, mark = ("green", "✓") if right else ("red", "✗ wrong")
                        # As the pad said it, and the accuracy above counts it: a plain ✓
                        # for "CNN is not sure (maybe 2, 70%)".
                        sure_from = sample.thresholds.get(name, thresholds.get(name))
                        if right and not is_sure(float(sample.probs[name].max()), sure_from):
                            mark += " not sure"
                        answers.append(f"{title} :{colour}[{digit} {mark}]")
                # A network a line: side by side, "MLP 5 ✗ wrong CNN 5 ✗ wrong" wrapped mid-way.
                st.markdown(f"you: **{sample.label}** · #{sample.id}  \n" + "  \n".join(answers))
                button(
                    f"Delete #{sample.id}",  # 24 buttons all "Delete" to a screen reader
                    key=f"delete_{sample.id}",
                    on_click=delete,
                    args=(database, sample.id),
                    type="tertiary",
                    icon=":material/delete:",
                    disabled=database_read_only,
                )


def how_many_of(count: int, total: int) -> str:
    """ "3 of your 15 digits", "all 5 of your digits", "your digit"."""
    if total == 1:
        return "your digit"
    return (
        f"all {total:,} of your digits" if count == total else f"{count:,} of your {total:,} digits"
    )


def how_well(total: int, thresholds: dict[str, float]) -> None:
    st.header("How well each network reads them", anchor=False)
    evaluations = samples.evaluate_samples(database)
    # Digits imported from a file that lacks the networks' answers (MNIST's own, say) have
    # none to score: said, where the section was left empty.
    # Each network's own count: a file may hold one network's answers and not the other's, and
    # digits saved while one network was missing hold none of its.
    unscored = {
        title: total - (int(evaluations[name].confusion.sum()) if name in evaluations else 0)
        for name, title in charts.MODEL_TITLES.items()
    }
    if not evaluations:
        have = "Your digit has" if total == 1 else f"Your {total:,} digits have"
        st.info(
            f"{have} no answers of the networks saved with them (imported from a file without "
            "them, say) and no score here: a digit saved on the drawing page is scored as each "
            "network read it then."
        )
    elif any(unscored.values()):
        which = ", ".join(
            f"{how_many_of(count, total)} for the {title}"
            for title, count in unscored.items()
            if count
        )
        st.info(
            "Each network is scored by the answer it gave when a digit was saved. Not counted, "
            f"saved without one (imported from a file without them, say): {which}."
        )
    for column, (name, result) in zip(
        layout.columns_that_wrap([layout.CHART_WIDTH, layout.CHART_WIDTH], "your_confusion"),
        [(name, evaluations[name]) for name in MODEL_NAMES if name in evaluations],
    ):
        title = charts.MODEL_TITLES.get(name, name)
        scored = len(result.probs)
        right = scored - len(result.misclassified)
        unsure = result.right_but_unsure(thresholds.get(name))
        column.metric(
            f"{title}: right on your digits",
            f"{result.accuracy:.0%}",
            delta=f"{right:,} of {scored:,}" + (f", {unsure:,} of them not sure" if unsure else ""),
            delta_color="off",
            delta_arrow="off",
            help="A digit counts as right when the network's top answer was your digit, also "
            "where it said it was not sure (below its threshold).",
        )
        column.plotly_chart(
            charts.confusion_heatmap(
                result.confusion, f"{title}: your digit against its answer", dark=ui.dark_page()
            ),
            config=ui.CHART_CONFIG,
            key=f"your_confusion_{name}",
            alt=charts.confusion_summary(result.confusion, title),
        )
        column.caption(
            f"As the {title} read each digit when you saved it. Each row is what you drew; "
            "the red cells off the grey diagonal are where it read something else."
        )
    now_reading = versions.active_version("cnn", store)
    if now_reading != "cnn":
        read_now(now_reading, versions.version_card(now_reading, store) or {})


try:
    total = samples.count_samples(database)
except samples.SamplesUnavailable as problem:
    # The CNN's versions below do not need the file: switching back must still be offered.
    say_problem("digits_problem")  # a delete the same trouble stopped
    st.error(f"Cannot read your digits: {problem}. Set ${samples.SAMPLES_ENV} to another file.")
    total, unreadable = 0, problem
else:
    saved = f"{total:,} digit{'' if total == 1 else 's'} saved in `{database}`"
    # One file a server: in a classroom the digits, and the CNN fine-tuned on them, are
    # everyone's.
    st.caption(
        f"{saved}, by everyone who uses this server, and the CNN fine-tuned here is the one "
        "every page reads with, for everyone (whoever starts the server sets "
        f"${samples.SAMPLES_ENV} for another file)."
    )
    if database_read_only:
        st.warning(
            f"`{database}` can be read but not written (the file or its folder is read-only): "
            "deleting and importing digits are off, and the drawing page cannot save any. Set "
            f"${samples.SAMPLES_ENV} to a file that can be written."
        )

if unreadable is None and total == 0:
    st.info(
        "No digits yet. Draw one on the drawing page and say whether the networks read it "
        "right, or import an export below."
    )
    offer_undo(database)
elif unreadable is None:
    try:
        # The digits themselves first, the latest at the top: one just saved is on the first
        # screen.
        counts = samples.counts_per_digit(database)
        # As every page reads with them: for answers saved without theirs, and for the scores.
        thresholds, _ = reading_thresholds(MODEL_NAMES, store)
        how_many(counts)
        browse(total, counts, thresholds)
        how_well(total, thresholds)
    except samples.SamplesUnavailable as problem:
        # A file damaged in part counts its digits but cannot list them all: the rest of the
        # page (the CNN's versions) still works.
        unreadable = problem
        st.error(
            f"Cannot read all of your digits: {problem}. The file is damaged: keep a copy of "
            f"`{database}`, and to save digits again, set ${samples.SAMPLES_ENV} to a new file, "
            "where you can import the digits you exported before."
        )

st.header("Export and import", anchor=False)
npz, png_zip = st.columns(2)
npz.download_button(
    "Download as .npz",
    data=functools.partial(sample_files.export_npz, database),
    file_name="digitpad-digits.npz",
    mime="application/octet-stream",
    on_click="ignore",
    disabled=total == 0 or unreadable is not None,
    key="export_npz",
)
npz.caption("Arrays for NumPy: `images` (N, 28, 28), `labels`, `probs_mlp`, `probs_cnn`, …")
png_zip.download_button(
    "Download as a zip of PNGs",
    data=functools.partial(sample_files.export_zip, database),
    file_name="digitpad-digits.zip",
    mime="application/zip",
    on_click="ignore",
    disabled=total == 0 or unreadable is not None,
    key="export_zip",
)
png_zip.caption("`28x28/` what the networks read, `canvas/` what you drew: `id<N>_digit<D>.png`")
st.file_uploader(
    "Import digits from a DigitPad .npz or zip",
    type=["npz", "zip"],
    key="import_file",
    on_change=import_upload,
    args=(database,),
    disabled=database_read_only,
)
if "import_message" in st.session_state:
    kind, message = st.session_state.pop("import_message")
    {"error": st.error, "info": st.info, "success": st.success}[kind](message)

st.header("Fine-tune the CNN on your digits", anchor=False)
st.caption(
    f"Trains a copy of the CNN for a few epochs on {finetune.MNIST_IMAGES:,} MNIST digits plus "
    f"about {1 - finetune.HOLD_OUT:.0%} of yours, compares old and new on MNIST's test set and "
    "on the rest of yours, then saves the new CNN as a version and switches to it, every page "
    "for everyone using this server (*Roll back*, below, switches back: the old one is kept). "
    "It takes a minute or a few, and can be stopped till it saves."
    + (
        ""
        if mnist_path()
        else " It gets MNIST from Keras, which downloads it the first time: with no internet, "
        f"start the app with ${MNIST_ENV} naming a local mnist.npz."
    )
)
st.number_input("Epochs", 1, 10, finetune.EPOCHS, key="finetune_epochs", width=150)
job = jobs.JOBS.get(store)
running = job is not None and job.running
unwritable = versions.unwritable(store)
if unwritable is not None:  # said now, not after a whole fine-tune, or at a click
    st.warning(
        f"The model folder `{unwritable}` cannot be written: fine-tuning, switching and rolling "
        "back need to write there, and are off. To turn them on, copy the model folder where "
        f"the server can write and start it with `${STORE_ENV}` naming the copy."
    )
if total < finetune.MIN_SAMPLES and unreadable is None:
    st.info(f"Fine-tuning needs at least {finetune.MIN_SAMPLES} of your digits; you have {total}.")
else:
    button(
        "Fine-tune the CNN",
        key="finetune",
        type="primary",
        on_click=cnn_versions.start_fine_tuning,
        args=(store, database),
        disabled=running or unreadable is not None or unwritable is not None,
    )
say_problem("finetune_problem")
if running:
    st.session_state["finetune_watched"] = job
    st.fragment(run_every=1.0)(cnn_versions.follow_fine_tuning)(store)
elif job is not None and st.session_state.get("finetune_watched") is job:
    cnn_versions.fine_tuning_outcome(job, store)

st.header("CNN versions", anchor=False)
say_problem("versions_problem")
# A version set to be read that does not load, or is gone: said where another is picked. Only
# then are the models asked for: the shipped ones' problems are the drawing page's to say.
if active_versions(store):
    ui.model_problems({k: v for k, v in ui.load_reader(store)[1].items() if k.startswith("cnn")})
lost = lost_versions(store)
if lost:  # the list below shows the shipped CNN, read in its place: no switch to it
    button(
        f"Read with the shipped {' and '.join(n.upper() for n in lost)}, and forget "
        f"{' and '.join(lost.values())}",
        key="forget_lost",
        on_click=cnn_versions.forget_lost_versions,
        args=(store, lost),
        disabled=running or unwritable is not None,
    )
choices = versions.list_versions("cnn", store)
active = versions.active_version("cnn", store)
# The active version can change under the widget (fine-tuned, rolled back): show the real one.
st.session_state["cnn_version"] = active
st.selectbox(
    "The CNN every page reads with",
    choices,
    key="cnn_version",
    on_change=cnn_versions.switch_version,
    args=(store,),
    disabled=running or unwritable is not None,  # the run ends by switching to what it made
    width=420,
    format_func=versions.title,
)
rolls_back_to = None if active == "cnn" else versions.rollback_target("cnn", store)
if rolls_back_to is None:
    st.caption("The CNN train.py made: the Training report shows how it learnt.")
else:
    card = versions.version_card(active, store)
    base = (card or {}).get("finetuned_from")
    base_card = versions.version_card(base, store) if isinstance(base, str) else None
    try:
        change = finetune.fine_tuning_change(card, base_card, database)
    except finetune.DamagedCard as problem:  # rolling back, below, still works
        st.warning(
            f"What fine-tuning changed cannot be shown: the card of {versions.title(active)} "
            f"{problem}."
        )
    else:
        st.table(change.rows, hide_index=True)
        st.caption(change.caption)
        if change.worse:
            st.warning(
                f"The new CNN reads fewer right than the old one: {'; '.join(change.worse)}. A "
                "few digits either way is what another run gives; roll back if it matters."
            )
    button(
        f"Roll back to {versions.title(rolls_back_to)}",
        key="rollback",
        on_click=cnn_versions.roll_back,
        args=(store, active),
        icon=":material/undo:",
        disabled=running or unwritable is not None,
    )
# Each version is a whole CNN, 3.7 MB: on a classroom's server they only piled up.
unused = [version for version in choices if version not in ("cnn", active)]
if unused:
    sizes = {version: versions.version_bytes(version, store) for version in unused}
    with st.expander(f"Versions not in use: {len(unused)}, {sum(sizes.values()) / 2**20:.0f} MB"):
        for version in unused:
            # Asked twice: a version deleted is gone for good, with no undo.
            with st.popover(
                f"Delete {versions.title(version)}",
                icon=":material/delete:",
                disabled=running or unwritable is not None,
            ):
                loses = cnn_versions.what_deleting_loses(
                    version, sizes[version], active, rolls_back_to
                )
                st.markdown(loses)
                button(
                    "Delete it",
                    key=f"delete_version_{version}",
                    on_click=cnn_versions.delete_version,
                    args=(store, version),
                    icon=":material/delete_forever:",
                )
