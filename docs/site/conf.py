"""Sphinx configuration of the course website (built by `python tools/site.py build`).

tools/site.py lays out the site's source folder (the executed lesson notebooks, the exercise
handout, generated index and API pages) and runs Sphinx on it with this file. Nothing here lists
lessons or modules: the index and the API pages are generated from what is in the repository.
"""

import os
import sys

ROOT = os.environ.get("MINIGAN_SITE_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..")
)
sys.path.insert(0, ROOT)  # autodoc documents this checkout's minigan

project = "minigan"
author = "the minigan authors"
copyright = "the minigan authors, MIT licence"

extensions = [
    "myst_nb",  # .ipynb and .md pages (MyST Markdown); notebooks are rendered, never executed
    "sphinx.ext.autodoc",  # the API reference, from the docstrings
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax 3 copied into _static/mathjax: no CDN, works offline
]

# The notebooks are committed with the outputs of a full run; the site shows those outputs.
nb_execution_mode = "off"
# tqdm's progress bars are widgets: show their text (the final state, tools/notebook.py writes
# it), and load no widget JavaScript (it would come from a CDN).
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_ipywidgets_js = {}
nb_merge_streams = True

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
# Optional backends (CuPy) are not needed to read their documentation.
autodoc_mock_imports = ["cupy", "cupyx"]


def docstring_as_written(app, what, name, obj, options, lines):
    """Show a docstring as its author wrote it: the summary line as text, the rest verbatim.

    minigan's docstrings are plain text with formulas and shape tables (`|a|`, `x: (N, C, H, W)`),
    not reStructuredText; read as reST they would be mangled, so they are shown as written.
    """
    text = [line.rstrip() for line in lines]
    while text and not text[0]:
        text.pop(0)
    if not text:
        return
    summary = "".join("\\" + ch if not (ch.isalnum() or ch.isspace()) else ch for ch in text[0])
    rest = text[1:]
    while rest and not rest[0]:
        rest.pop(0)
    lines[:] = [summary, ""]
    if rest:
        lines += ["::", ""] + ["    " + line if line else "" for line in rest] + [""]


def setup(app):
    app.connect("autodoc-process-docstring", docstring_as_written)


html_theme = "sphinx_book_theme"
html_title = "minigan"
html_theme_options = {
    "show_toc_level": 2,
    "home_page_in_toc": True,
    "use_download_button": True,  # the page's .ipynb, from the site itself
    "navigation_with_keys": False,
}
html_show_sourcelink = False
html_favicon = "favicon.svg"  # without one, the browser's request for /favicon.ico is a 404
# The theme's light/dark switch starts from this mode; left empty, the theme logs an error.
html_context = {"default_mode": "light"}
html_last_updated_fmt = None

exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type"]
