"""What the pages share that is Streamlit's: the cached models and page header (`ui`), the
drawing pad and the upload kept across pages (`pad`), containers that wrap rather than squeeze
(`layout`); and the pages' callbacks and what they say, kept out of the page scripts: a digit
saved from the drawing page (`saving`), Your digits' deletes and imports (`your_digits`) and its
CNN versions (`cnn_versions`). The rest of digitpad knows nothing of Streamlit."""
