"""Where the keyboard goes when the button it pressed is gone, and what a screen reader is told.

A button that saves, deletes or clears is replaced, in the page's next run, by one that takes it
back: the browser's focus fell to the page itself, and the next Tab skipped past "Take it back"
and "Undo" to whatever came after them, where a screen reader lost its place. And the digit
picked on the drawing page, which Streamlit is told is required so that it has no clear button
between it and Save, is not said to be; a chart, which its `alt` names, is not read out again
as its axes' tick labels ("100% 0 1 2 3 … 9 0% 50%").
"""

import json

import streamlit as st

# (the key of the button pressed by the keyboard, as a JavaScript pattern of the whole key; the
# keys of the controls the keyboard goes to once it is gone, the first on the page that takes
# it, where $1 is what the pattern's group matched and a key ending in * any key it begins)
NEXT_CONTROL = [
    # The drawing page's "Is it right?": Save, and "Yes, it is a 7" (saving.YES_KEY and its digit).
    (r"^(save_sample|confirm_sample_\d)$", ["unsave"]),
    # Taken back: "Yes, it is a 7" again, or the digit to pick where the networks disagree.
    ("^unsave$", ["confirm_sample_*", "label_digit"]),
    (r"^delete_(\d+)$", ["undo_delete_$1"]),  # Your digits, and the digit put back
    (r"^undo_delete_(\d+)$", ["delete_$1"]),
    ("^(.+)_clear$", ["$1_unclear"]),  # a pad's "Clear the pad", and "Undo clear"
    ("^(.+)_unclear$", ["$1_clear"]),
    # The pad brought back in place of a picture read: its Clear, where there is a drawing.
    ("^.+_draw_instead$", ["canvas_clear", "number_canvas_clear"]),
]

FOCUS_SCRIPT = """<script>
if (!window.digitpadFocusScript) {
  window.digitpadFocusScript = true;
  const next = [NEXT];
  const keyOf = (element) => {
    const holder = element && element.closest && element.closest("[class*='st-key-']");
    const name = holder && [...holder.classList].find((c) => c.startsWith("st-key-"));
    return name ? name.slice("st-key-".length) : null;
  };
  let waiting = null;  // {keys, until}: the controls to focus, the first the page has
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    const key = keyOf(document.activeElement);
    const rule = key && next.find(([pattern]) => pattern.test(key));
    waiting = rule ? {
      keys: rule[1].map((target) => key.replace(rule[0], target)), until: Date.now() + 10000
    } : null;
  }, true);
  setInterval(() => {
    // The digit picked has no clear button (required, to Streamlit), yet is not required:
    // "Yes, it is a 7" saves without it. Not said to a screen reader either.
    document.querySelectorAll(".st-key-label_digit input[aria-required]")
      .forEach((input) => input.removeAttribute("aria-required"));
    document.querySelectorAll(
      "[data-testid=stPlotlyChart][aria-label] > .js-plotly-plot:not([aria-hidden])"
    ).forEach((drawing) => drawing.setAttribute("aria-hidden", "true"));
    // The number read, said as it changes, as the drawing page's verdict is: in big type
    // alone, a person writing a number with a screen reader heard nothing of it.
    document.querySelectorAll(".st-key-numbers_read:not([role])")
      .forEach((read) => read.setAttribute("role", "status"));
    if (!waiting) return;
    if (Date.now() > waiting.until) waiting = null;
    else if (document.activeElement === document.body) {
      const control = waiting.keys.map((key) => {
        const holder = key.endsWith("*")
          ? `[class*="st-key-${key.slice(0, -1)}"]` : `.st-key-${key}`;
        return document.querySelector(`${holder} button:not(:disabled), ${holder} input`);
      }).find(Boolean);
      if (control) { control.focus(); waiting = null; }
    }
  }, 100);
}
</script>""".replace(
    "NEXT", ", ".join(f"[/{pattern}/, {json.dumps(keys)}]" for pattern, keys in NEXT_CONTROL)
)


def keep_keyboard_focus() -> None:
    """Moves the keyboard on to the button that takes back what it just did."""
    # In the sidebar, where the space an element takes is out of sight; it runs even closed.
    st.sidebar.html(FOCUS_SCRIPT, unsafe_allow_javascript=True)
