from digitpad.views.file_names import LONGEST, picture_name, plain_name, shown_name


def test_a_name_is_shown_as_code_not_as_markdown():
    # In code, Markdown, LaTeX and an address are text: none of it bold, a link or a picture.
    name = "**x** [a](http://evil.example/g) $$\\LaTeX$$ `echo`.png"
    assert shown_name(name) == "`**x** [a](http://evil.example/g) $$\\LaTeX$$ 'echo'.png`"


def test_what_breaks_or_turns_the_text_round_a_name_is_left_out_and_a_long_one_cut():
    assert plain_name("a\u202egnp.exe\nb\x1b[2J.png") == "agnp.exeb[2J.png"
    long = "x" * 250 + ".png"
    assert len(plain_name(long)) == LONGEST and plain_name(long).endswith("…")
    assert plain_name("seven.png") == "seven.png"


class Handed:  # as pad.HandedOver, which this test cannot import outside a running app
    def __init__(self, name: str, named_by_the_app: bool = False):
        self.name, self.named_by_the_app = name, named_by_the_app


def test_a_files_name_handed_to_another_page_is_still_shown_as_code():
    # Read on the drawing page, then handed to Read a number: there it was Markdown again.
    name = "**bold** [link](https:evil.example) 12.png"
    assert picture_name(Handed(name)) == f"`{name}`"
    assert picture_name(Handed("your drawing", named_by_the_app=True)) == "your drawing"
