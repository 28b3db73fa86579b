"""The ladder from the chapter's recipe to each shipped network, in its card and on the report."""

import pytest

from digitpad import MODEL_NAMES, changes, report
from digitpad.store import CHAPTER_DIR, load_card, store_dir


def percent(value: float, test: str) -> float:
    return round(value * 100, changes.DECIMALS.get(test, 2))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_the_shipped_card_holds_the_ladder_as_the_code_states_it(name):
    assert load_card(name, store_dir())["changes_from_chapter"] == changes.as_card(name)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_the_ladder_runs_from_the_chapters_model_to_the_shipped_one(name):
    """Its ends are the figures `evaluate --record` measured: a retrained model whose ladder
    was not brought up to date fails here."""
    evaluation = load_card(name, store_dir())["evaluation"]
    steps = changes.CHANGES[name]["steps"]
    first, last = steps[0].figures, steps[-1].figures
    # A set made again since: the chapter's model was scored on it as it was.
    remade = {test for step in steps if step.remade_set for test in step.figures}
    for test, value in evaluation["chapter_scores"].items():
        if test not in remade:
            assert first[test][0] == percent(value, test), test
    measured = [test for test in evaluation["scores"] if test in last]
    assert measured
    for test in measured:
        assert last[test][1] == percent(evaluation["scores"][test], test), test


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_the_report_shows_a_row_a_step_with_every_figure_before_and_after(name):
    network, rows = report.changes_table(load_card(name, store_dir()))
    steps = changes.CHANGES[name]["steps"]
    assert network == changes.CHANGES[name]["network"]
    assert [row["change"] for row in rows] == [step.what for step in steps]
    for row, step in zip(rows, steps):
        for test, (before, after) in step.figures.items():
            decimals = changes.DECIMALS.get(test, 2)
            assert row[test] == f"{before:.{decimals}f}% → {after:.{decimals}f}%"
        for test in row.keys() - step.figures.keys() - {"step", "change", "why"}:
            assert row[test] == "", "a step that did not measure a figure shows none"


def test_cards_without_a_ladder_show_none():
    chapter = load_card("cnn", store_dir() / CHAPTER_DIR)
    assert report.changes_table(chapter) is None
    assert report.changes_table({"changes_from_chapter": "an old card's paragraph"}) is None
