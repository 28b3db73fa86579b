"""A button whose callback runs on every click, the first after the server restarted too, and
what a callback could not do, said on the page."""

from collections.abc import Callable

import streamlit as st


def button(
    label: str, key: str, on_click: Callable[..., object], args: tuple = (), **options: object
) -> bool:
    """st.button (with `options`, but no `kwargs`), `on_click` called with `args` whenever it is
    clicked.

    A page left open while the server restarted sends its next click to a session that has
    never run the page, and Streamlit, which learns a page's callbacks as it runs it, calls none:
    the button only reads True, where that session's run draws it. Then the callback runs here,
    and the page again to show what it did. For buttons drawn whatever the session did before
    (Clear the pad, Delete #N, Fine-tune...): one drawn only after something the old session
    did ("Take it back", "Undo") is not drawn in the new one, to read True at all.
    """
    called = f"_called_back::{key}"

    def call(*values: object) -> None:
        st.session_state[called] = True
        on_click(*values)

    clicked = st.button(label, key=key, on_click=call, args=args, **options)
    if not st.session_state.pop(called, False) and clicked:
        on_click(*args)
        st.rerun()
    return clicked


def say_problem(key: str) -> None:
    """What a button's callback could not do, kept in session state under `key`, said once,
    where the page has got to."""
    if key in st.session_state:
        st.error(st.session_state.pop(key))
