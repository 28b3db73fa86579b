"""The README's accuracy figures are the ones the model cards and the ladder hold.

They are copied by hand into the README; a model retrained and scored without them brought up to
date fails here.
"""

import pytest

from conftest import REPO
from digitpad import changes
from digitpad.store import load_card, store_dir
from digitpad.testsets import DRAWN, MNIST_TEST, PEN, SCRIBBLES

README = (REPO / "README.md").read_text(encoding="utf-8")
NOT_MEASURED = "–"


def table(first_column: str, columns: list[str]) -> dict[str, dict[str, str]]:
    """The README's table with this header: {first cell: {column: cell}}, bold marks dropped."""
    header = "| " + " | ".join([first_column, *columns]) + " |"
    lines = README.splitlines()
    assert header in lines, f"the README has no table headed {header}"
    rows = {}
    for line in lines[lines.index(header) + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip().replace("**", "") for cell in line.strip("|").split("|")]
        rows[cells[0]] = dict(zip(columns, cells[1:], strict=True))
    return rows


def percent(value: float, test: str) -> str:
    return f"{value * 100:.{changes.DECIMALS.get(test, 2)}f}%"


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_the_accuracy_table_holds_each_cards_scores(name):
    columns = [MNIST_TEST, DRAWN, PEN, SCRIBBLES]
    rows = table("model", columns)
    evaluation = load_card(name, store_dir())["evaluation"]
    title = name.upper()
    shipped, chapter = rows[f"{title}, shipped"], rows[f"{title}, chapter's recipe"]
    for test in columns:
        assert shipped[test] == percent(evaluation["scores"][test], test), test
        chapter_score = evaluation["chapter_scores"].get(test)
        expected = NOT_MEASURED if chapter_score is None else percent(chapter_score, test)
        assert chapter[test] == expected, test


def test_the_cnns_ladder_in_the_readme_is_the_one_in_its_card():
    columns = [MNIST_TEST, DRAWN, PEN]
    rows = list(table("change", columns).values())
    steps = changes.CHANGES["cnn"]["steps"]
    assert len(rows) == len(steps)
    for row, step in zip(rows, steps):
        for test in columns:
            if test not in step.figures:  # a step that scored one set, as when it was made again
                assert row[test] == NOT_MEASURED, (step.what, test)
                continue
            before, after = step.figures[test]
            assert row[test] == f"{before:.2f}% → {after:.2f}%", (step.what, test)
