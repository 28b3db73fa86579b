"""A file's name as the pages show it: as it was given, never as Markdown or LaTeX.

A name is the one thing on a page a visitor writes: "**x** [grade](http://…) ![](http://…)" was
shown bold, with a live link and a picture fetched from elsewhere, in the app's own messages; a
right-to-left override turned the rest of the message round.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from streamlit.runtime.uploaded_file_manager import UploadedFile

    from digitpad.views.pad import HandedOver

# What breaks the line or turns the text round it: control and bidirectional characters.
HIDDEN = re.compile(r"[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
LONGEST = 80  # characters: a 250-character name pushed the pad far down the page


def plain_name(name: str) -> str:
    """`name` less what breaks or turns the text round it, cut to LONGEST characters: for text
    shown as it is (a picture's alt text)."""
    name = HIDDEN.sub("", name)
    return name if len(name) <= LONGEST else name[: LONGEST - 1] + "…"


def shown_name(name: str) -> str:
    """plain_name as code in Markdown (messages, captions, button labels): as it reads, in the
    file's own characters. Escaped Markdown was no help: an address in it was still made a link.
    A backtick, which would end the code, becomes a quote."""
    return "`" + plain_name(name).replace("`", "'") + "`"


def picture_name(picture: UploadedFile | HandedOver) -> str:
    """A picture read, named in Markdown: by the name the app gave it ("your drawing"), or a
    file by its own (`shown_name`), handed over from another page too."""
    by_the_app = getattr(picture, "named_by_the_app", False)
    return picture.name if by_the_app else shown_name(picture.name)
