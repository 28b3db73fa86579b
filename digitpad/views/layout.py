"""Streamlit containers side by side that keep their widths: each goes under the others where
it does not fit, rather than being squeezed to a sliver beside a tablet's sidebar."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator

GAP = 16  # pixels: the small gap (1rem) Streamlit leaves between things side by side
CHART_WIDTH = 380  # pixels, at least: two charts a row beside the sidebar at 1280, one on a tablet


def width_between(key: str, least: int, most: int | None = None, share: int = 1) -> str:
    """A style that makes the container keyed `key`, in a horizontal container, at least
    `least` pixels wide and `most` at the most, growing by `share` into the room left over;
    one that does not fit goes under the others. Show it with st.html.

    A container's width in Streamlit is one number, so the range is a style on the wrapper
    Streamlit puts round the container (`stLayoutWrapper`, its own test id: the one place to
    look if a Streamlit upgrade breaks this).
    """
    # Streamlit writes other characters of a key as "-" in the class name: no rule would match.
    assert re.fullmatch(r"[A-Za-z0-9_-]+", key), key
    most_rule = f" max-width: {most}px !important;" if most else ""
    return (
        f"[data-testid=stLayoutWrapper]:has(> .st-key-{key}) {{ flex: {share} 1 {least}px "
        f"!important; width: auto !important; min-width: 0;{most_rule} }} "
        f".st-key-{key} {{ width: 100% !important; }} "
    )


def beside_if_room(row_key: str, row_width: int, key: str, least: int) -> str:
    """A style that puts the container keyed `key`, at least `least` pixels wide, beside the
    others in the horizontal container keyed `row_key` only where that row is at least
    `row_width` pixels wide, and under them, the row's whole width, elsewhere. Show it with
    st.html.

    Flexbox wraps an item only when even its least width does not fit, so an item that just fits
    takes its room from its neighbours; this one leaves them theirs.
    """
    assert re.fullmatch(r"[A-Za-z0-9_-]+", row_key + key), (row_key, key)
    wrapper = f"[data-testid=stLayoutWrapper]:has(> .st-key-{key})"
    return (
        f".st-key-{row_key} {{ container: {row_key} / inline-size; }} "
        f"{wrapper} {{ flex: 1 1 100% !important; width: auto !important; min-width: 0; }} "
        f"@container {row_key} (width >= {row_width}px) "
        f"{{ {wrapper} {{ flex-basis: {least}px !important; }} }} "
        f".st-key-{key} {{ width: 100% !important; }} "
    )


def first_and_beside(
    key: str, least: int, most: int, beside_least: int
) -> tuple[DeltaGenerator, DeltaGenerator]:
    """Two containers in a row: the first `least` to `most` pixels wide; the second beside it
    only where the row has room for the first at its `most` and the second at `beside_least`,
    else under it, the row's whole width."""
    with st.container(horizontal=True, key=key):
        first, beside = st.container(key=f"{key}_first"), st.container(key=f"{key}_beside")
    st.html(
        "<style>"
        # The first takes its room before the second, beside it, takes the rest.
        + width_between(f"{key}_first", least, most, share=100)
        + beside_if_room(key, most + GAP + beside_least, f"{key}_beside", beside_least)
        + "</style>"
    )
    return first, beside


def columns_that_wrap(widths: list[int], key: str) -> list[DeltaGenerator]:
    """Columns side by side, each at least its width in pixels, sharing the room left over in
    proportion to those widths; a column that does not fit goes under the others.

    st.columns squeezes its columns to slivers beside a tablet's sidebar (cut titles, legends
    run together) and stacks them only on a phone's narrow screen.
    """
    with st.container(horizontal=True):
        columns = [st.container(width=width, key=f"{key}_{i}") for i, width in enumerate(widths)]
    styles = (width_between(f"{key}_{i}", width, share=width) for i, width in enumerate(widths))
    st.html(f"<style>{''.join(styles)}</style>")
    return columns
