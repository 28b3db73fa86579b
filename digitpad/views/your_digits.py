"""Your digits' browse and import: the callbacks of Delete, its Undo and the import, and what
they say.

What a click could not do is kept in session state under "digits_problem", for the page to say
where it has got to (`buttons.say_problem`).
"""

from pathlib import Path

import streamlit as st

from digitpad import sample_files, samples
from digitpad.views import ui
from digitpad.views.buttons import say_problem
from digitpad.views.file_names import shown_name


def delete(database: Path, sample_id: int) -> None:
    """Deletes a digit, kept for the session so that a click on the wrong one can be undone."""
    try:
        deleted = samples.delete_sample(database, sample_id)
    except samples.SamplesUnavailable as problem:  # locked by another program, no room
        st.session_state["digits_problem"] = f"Digit #{sample_id} was not deleted: {problem}."
        return
    if deleted is not None:
        st.session_state["deleted_sample"] = deleted
        # Said aloud: a screen reader announces a toast, not the line that offers the undo.
        st.toast(f"Deleted digit #{deleted.id} ({ui.a_digit(deleted.label)}).")
    elif getattr(st.session_state.get("deleted_sample"), "id", None) != sample_id:
        # Not this page's second click: gone by another tab's or visitor's delete, where the
        # card went without a word.
        st.toast(f"Digit #{sample_id} was deleted already, elsewhere.")


def undo_delete(database: Path) -> None:
    """Puts the digit deleted last back."""
    deleted = st.session_state.pop("deleted_sample", None)
    if deleted is None:  # a second click, the digit already back
        return
    try:
        here = samples.restore_sample(database, deleted)
    except samples.SamplesUnavailable as problem:
        st.session_state["deleted_sample"] = deleted  # kept, to be put back at the next try
        st.session_state["digits_problem"] = f"Digit #{deleted.id} is not back yet: {problem}."
    else:
        # Imported again from an export made before the delete: back already.
        again = f" already, as #{here}: not kept twice" if here is not None else ""
        st.toast(f"Digit #{deleted.id} is back{again}.")


def offer_undo(database: Path) -> None:
    """What came of the last delete, beside where it was clicked: the digit deleted and a button
    that puts it back, or why it could not be done."""
    say_problem("digits_problem")
    deleted = st.session_state.get("deleted_sample")
    if deleted is not None:
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(f"Deleted digit #{deleted.id} ({ui.a_digit(deleted.label)}).")
            st.button(
                "Undo",
                key=f"undo_delete_{deleted.id}",
                on_click=undo_delete,
                args=(database,),
                icon=":material/undo:",
            )


def import_upload(database: Path) -> None:
    """Imports the file just put in the uploader, and keeps what came of it to say."""
    upload = st.session_state.get("import_file")
    if upload is None:
        return
    try:
        imported = sample_files.import_file(database, upload.getvalue())
    except (sample_files.BadSampleFile, samples.SamplesUnavailable) as problem:
        said = f"Cannot import {shown_name(upload.name)}: {problem}."
        st.session_state["import_message"] = ("error", said)
    else:
        # Nothing added is no success to cheer: a file imported twice, say.
        kind = "success" if imported.added else "info"
        st.session_state["import_message"] = (kind, imported.said(shown_name(upload.name)))
