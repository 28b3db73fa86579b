"""How the two networks trained and where they go wrong, all read from model_store/."""

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from digitpad import charts, report, versions
from digitpad.calibration import is_sure, percents_apart
from digitpad.store import (
    card_threshold,
    load_model,
    read_with,
    retrain_command,
    store_dir,
    versions_read,
)
from digitpad.views import layout, ui

GALLERY_PAGE = 48  # digits shown at once
WHICH = {
    "every mistake": ((), ()),
    "MLP wrong, CNN right": (("mlp",), ("cnn",)),
    "CNN wrong, MLP right": (("cnn",), ("mlp",)),
    "both wrong": (("mlp", "cnn"), ()),
}


# Figures are cached as they are: cache_data would unpickle them on every rerun, which costs
# as much as building them.
@st.cache_resource
def curves_figures(store: Path) -> dict[str, go.Figure]:
    cards = report.load_cards(store)
    histories = {name: card["history"] for name, card in cards.items()}
    best = {name: card.get("best_epoch") for name, card in cards.items()}
    resumed = {
        name: (went_on_from, card["epochs_run"] - report.final_epochs(card) + 1)
        for name, card in cards.items()
        if (went_on_from := report.resumed_from(card))
    }
    return {
        metric: charts.training_curves(histories, metric, title, best, resumed)
        for metric, title in (
            ("loss", "Loss per epoch (log scale)"),
            ("accuracy", "Accuracy per epoch"),
        )
    }


@st.cache_resource
def confusion_figures(store: Path, rates: bool, dark: bool) -> dict[str, go.Figure]:
    cards = report.load_cards(store)
    matrices = {name: np.asarray(card["confusion_matrix"]) for name, card in cards.items()}
    if rates:
        matrices = {name: report.confusion_rates(m) for name, m in matrices.items()}
    # One colour scale for both models, so the same red means the same number of mistakes.
    worst = max(float((m - np.diag(np.diag(m))).max()) for m in matrices.values())
    return {
        name: charts.confusion_heatmap(
            m,
            f"{charts.MODEL_TITLES[name]}: true digit against answer",
            rates,
            worst or None,
            dark,
        )
        for name, m in matrices.items()
    }


@st.cache_resource
def calibration_figure(store: Path) -> go.Figure:
    cards = report.load_cards(store)
    return charts.calibration_curve(
        {name: card["calibration"] for name, card in cards.items() if "calibration" in card}
    )


@st.cache_data(show_spinner="Reading the mistakes with both models…")
def mistakes_gallery(store: Path) -> report.Gallery:
    reader, _ = ui.load_reader(store)
    if versions_read(store):  # the report is of the shipped models, not one fine-tuned since
        from digitpad.inference import DigitReader

        shipped = {name: load_model(name, store, version=name) for name in reader.models}
        reader = DigitReader(shipped)
    mistakes = report.load_mistakes(store)
    _, images, _ = report.union_of_mistakes(mistakes)
    return report.build_gallery(mistakes, reader.probabilities(images))


store = store_dir()
folder = store.resolve()
if folder.is_relative_to(Path.cwd()):  # as it is typed where the app was started
    folder = folder.relative_to(Path.cwd())
ui.page_header(
    "Training report",
    "How the MLP and the CNN learned, how well they read MNIST's 10,000 test digits, and which "
    f"digits each gets wrong; all of it from the model cards in `{folder}`.",
)
cards = report.load_cards(store)
for version in versions_read(store).values():
    st.info(
        f"Every page reads with {versions.title(version)} on your digits; this report is of "
        "the shipped one. The Your digits page compares the two."
    )
for name in charts.MODEL_TITLES.keys() - cards.keys():
    st.error(
        f"The model card {name}.json is missing, incomplete or damaged. "
        f"Retrain with `{retrain_command(name, store)}`."
    )
if not cards:
    st.stop()

st.header("Side by side", anchor=False)
st.table({charts.MODEL_TITLES[name]: report.summary(card) for name, card in cards.items()})
st.caption(
    "Read across a row to compare the two networks: their mistakes on MNIST's test set against "
    "the parameters each spends and the seconds its training took."
    + (f" {note}" if (note := report.training_time_note(cards)) else "")
)

scores = report.drawing_scores(cards)
if scores:
    st.header("Reading drawings, not just MNIST", anchor=False)
    st.table(scores)
    if any(column.endswith(report.CHAPTER_COLUMN) for column in scores):
        st.caption(
            "Compare each network with the chapter's version of it (as the textbook chapter "
            "DigitPad grew from trained it, on MNIST as it is) down the drawn and pen rows: "
            "digits drawn at any size, pen width and colour, and by writers no model trained "
            "on, are where the training recipe matters."
        )
    else:
        st.caption(
            "Digits drawn at any size, pen width and colour, and by writers no model trained "
            "on: MNIST's test set alone does not say how a network reads them."
        )
    ladders = {name: report.changes_table(card) for name, card in cards.items()}
    for name, ladder in ladders.items():
        if ladder:
            network, steps = ladder
            # Folded: each row's "why" is a paragraph, and the page reads on below them.
            title = f"How the {charts.MODEL_TITLES[name]} got here: {len(steps)} changes"
            with st.expander(title):
                st.markdown(network)
                st.table(steps, hide_index=True, hide_header=False)
                st.caption(
                    "Read the table top to bottom: every row is one change, trained and scored "
                    "beside the model before it (percent, before → after), from the chapter's "
                    "recipe to the model that ships. Some changes moved a figure by no more than "
                    "another run would. " + report.LADDER_NOTES
                )

if any("calibration" in card for card in cards.values()):
    st.header("Knowing when it does not know", anchor=False)
    calibrated = calibration_figure(store)
    st.plotly_chart(
        calibrated, config=ui.CHART_CONFIG, key="calibration", alt=charts.in_words(calibrated)
    )
    unsure_read = [
        f"the {charts.MODEL_TITLES[name]} {read}"
        for name, card in cards.items()
        if (read := report.right_when_unsure(card))
    ]
    st.caption(
        "On the dotted diagonal a model's 70% means right 7 times in 10; above it, a model is "
        "right more often than it says, below it less. Nearly all the digits lie in the top bin, "
        'and a model\'s "not sure", below its threshold, is a warning to check, not a verdict '
        "that its answer is wrong"
        + (f": {'; '.join(unsure_read)}. " if unsure_read else ". ")
        + "Each point is the validation digits a model was about that sure of, its bar where its "
        "share right lies, 95% sure (a Wilson interval); a hollow point is fewer than "
        f"{charts.FEW_DIGITS} digits, its bar long: read it as rough. The axis starts at 10%, "
        "below which the top of ten probabilities never is. "
        + " ".join(
            f"The {charts.MODEL_TITLES[name]}: {report.calibration_summary(card)}."
            for name, card in cards.items()
            if "calibration" in card
        )
    )

st.header("Learning curves", anchor=False)
for column, (metric, figure), caption in zip(
    layout.columns_that_wrap([layout.CHART_WIDTH, layout.CHART_WIDTH], "curves"),
    curves_figures(store).items(),
    report.curves_captions(cards.values()),
):
    column.plotly_chart(
        figure, config=ui.CHART_CONFIG, key=f"curves_{metric}", alt=charts.in_words(figure)
    )
    column.caption(caption)

st.header("Confusion matrices", anchor=False)
scale = st.segmented_control(
    "Show", ["counts", "rates"], default="counts", required=True, key="confusion_scale"
)
figures = confusion_figures(store, scale == "rates", ui.dark_page())
for column, (name, figure) in zip(
    layout.columns_that_wrap([layout.CHART_WIDTH, layout.CHART_WIDTH], "confusion"), figures.items()
):
    column.plotly_chart(
        figure,
        config=ui.CHART_CONFIG,
        key=f"confusion_{name}",
        alt=charts.confusion_summary(cards[name]["confusion_matrix"], charts.MODEL_TITLES[name]),
    )
    column.caption(
        f"Each row is a true digit; the red cells off the grey diagonal are the "
        f"{charts.MODEL_TITLES[name]}'s mistakes, darkest where it confuses two digits most."
    )

st.header("Misclassified test digits", anchor=False)
reader, _ = ui.load_reader(store)
mistakes = report.load_mistakes(store)
if reader is None or set(reader.models) != set(charts.MODEL_TITLES) or not mistakes:
    st.info("The gallery needs both models and their shipped mistakes (<name>.mistakes.npz).")
    st.stop()
for problem in report.mismatches(cards, mistakes):
    st.warning(problem)
gallery = mistakes_gallery(store)

true_column, predicted_column, which_column = st.columns(3)
any_digit = ["any", *range(10)]
true_digit = true_column.selectbox("True digit", any_digit, key="gallery_true")
predicted_digit = predicted_column.selectbox(
    "Read as", any_digit, key="gallery_predicted", help="A wrong answer of either model."
)
which = which_column.selectbox("Which mistakes", list(WHICH), key="gallery_which")
wrong, right = WHICH[which]
shown = report.select(
    gallery,
    None if true_digit == "any" else true_digit,
    None if predicted_digit == "any" else predicted_digit,
    wrong,
    right,
)
# The shipped models' own, whose confidences these are (a fine-tuned CNN may be active); one
# not calibrated as the drawing page reads it.
thresholds = {name: read_with(card_threshold(cards.get(name))) for name in charts.MODEL_TITLES}
st.caption(
    f"{len(shown)} of the {len(gallery.indices)} test digits that either model gets wrong; "
    "pick “MLP wrong, CNN right” and then its reverse to see whose mistakes the other avoids. "
    "A “?” marks an answer below the model's not-sure threshold: the drawing page would say it "
    "is not sure rather than announce it."
)
if len(shown) == 0:
    st.info("No test digit matches these filters.")
    st.stop()
page = ui.page_number(len(shown), GALLERY_PAGE, "gallery_page")
with st.grid(8, min_column_width=110):
    for position in shown[(page - 1) * GALLERY_PAGE : page * GALLERY_PAGE]:
        with st.container():
            answers, said = [], []
            for name, title in charts.MODEL_TITLES.items():
                digit = int(gallery.predicted(name)[position])
                # A cross or a tick as well as the colour: red and green alone are one colour
                # to many readers.
                wrong = digit != gallery.labels[position]
                colour, tick = ("red", "✗") if wrong else ("green", "✓")
                confidence = gallery.confidence(name)[position]
                unsure = "?" if not is_sure(confidence, thresholds[name]) else ""
                # Below a threshold of 84.99%, 84.87% is "84.9%", not "85%".
                percent, _ = percents_apart(confidence, thresholds[name])
                answers.append(f"{title} :{colour}[**{digit}{unsure}** {tick}] {percent}")
                said.append(f"{title} read {digit}")
            st.image(
                charts.pixelated(gallery.images[position] / 255.0, 84),
                alt=f"{ui.a_digit(gallery.labels[position])} of MNIST's: {', '.join(said)}",
            )
            st.markdown(
                f"true **{gallery.labels[position]}** · #{gallery.indices[position]}  \n"
                + "  \n".join(answers)
            )
