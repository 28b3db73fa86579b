"""What the pages share that is Streamlit's: the cached models and page header (`ui`), the
drawing pad and the upload kept across pages (`pad`), containers that wrap rather than squeeze
(`layout`). The rest of digitpad knows nothing of Streamlit."""
