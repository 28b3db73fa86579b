from digitpad.views.file_names import LONGEST, plain_name, shown_name


def test_a_name_is_shown_as_code_not_as_markdown():
    # In code, Markdown, LaTeX and an address are text: none of it bold, a link or a picture.
    name = "**x** [a](http://evil.example/g) $$\\LaTeX$$ `echo`.png"
    assert shown_name(name) == "`**x** [a](http://evil.example/g) $$\\LaTeX$$ 'echo'.png`"


def test_what_breaks_or_turns_the_text_round_a_name_is_left_out_and_a_long_one_cut():
    assert plain_name("a\u202egnp.exe\nb\x1b[2J.png") == "agnp.exeb[2J.png"
    long = "x" * 250 + ".png"
    assert len(plain_name(long)) == LONGEST and plain_name(long).endswith("…")
    assert plain_name("seven.png") == "seven.png"
