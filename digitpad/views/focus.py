"""Where the keyboard goes when the button it pressed is gone.

A button that saves or deletes is replaced, in the page's next run, by one that takes it back:
the browser's focus fell to the page itself, and the next Tab skipped past "Take it back" and
"Undo" to whatever came after them.
"""

import streamlit as st

# (the key of the button pressed by the keyboard, as a JavaScript pattern; the key of the
# button the keyboard goes to once it is gone)
NEXT_BUTTON = [
    ("^(save_sample|confirm_sample)$", "unsave"),  # the drawing page's "Is it right?"
    ("^unsave$", "confirm_sample"),  # taken back: "Yes, it is a 7" again
    (r"^delete_\d+$", "undo_delete"),  # Your digits
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
  let waiting = null;  // {key, until}: the button to focus once the page has it
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    const key = keyOf(document.activeElement);
    const rule = key && next.find(([pattern]) => pattern.test(key));
    waiting = rule ? { key: rule[1], until: Date.now() + 10000 } : null;
  }, true);
  setInterval(() => {
    if (!waiting) return;
    if (Date.now() > waiting.until) waiting = null;
    else if (document.activeElement === document.body) {
      const button = document.querySelector(`.st-key-${waiting.key} button`);
      if (button) { button.focus(); waiting = null; }
    }
  }, 100);
}
</script>""".replace("NEXT", ", ".join(f'[/{pattern}/, "{key}"]' for pattern, key in NEXT_BUTTON))


def keep_keyboard_focus() -> None:
    """Moves the keyboard on to the button that takes back what it just did."""
    # In the sidebar, where the space an element takes is out of sight; it runs even closed.
    st.sidebar.html(FOCUS_SCRIPT, unsafe_allow_javascript=True)
