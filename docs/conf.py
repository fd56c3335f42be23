"""Sphinx configuration for the sigmoid-mlp documentation.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html``
(``.ci/stage-docs.sh`` does exactly that).  The build needs no network:
no intersphinx inventories are fetched; and neither does reading it: MathJax
is bundled (``sphinx-mathjax-offline``), not loaded from a CDN.
"""

import os
import re
import sys
from datetime import date

# Document the checkout the docs belong to, even when another copy of the
# package is installed.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "src")))

import sigmoid_mlp

project = "sigmoid-mlp"
author = "sigmoid-mlp developers"
copyright = f"{date.today().year}, {author}"
version = release = sigmoid_mlp.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax 3 is copied into _static/mathjax and loaded from there: the
    # math renders with no network (the default loads it from a CDN)
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "literal"

# -- autodoc / autosummary / numpydoc -----------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- sphinx-gallery --------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Examples whose file name starts with ``plot_`` are executed during the
    # build (their figures and output appear on the page); keep them fast.
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sigmoid_mlp",),
    "reference_url": {"sigmoid_mlp": None},
    "backreferences_dir": "generated/backreferences",
    "abort_on_example_error": True,
    "remove_config_comments": True,
    "show_memory": False,
    "download_all_examples": False,
}

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sigmoid-mlp {release}"
html_static_path = ["_static"]
# wide math and tables scroll in their own box instead of being cut off
html_css_files = ["custom.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
}
html_sidebars = {"index": [], "install": []}


def _skip_metadata_request_methods(app, what, name, obj, skip, options):
    """Skip scikit-learn's generated ``set_{method}_request`` methods.

    They are created by scikit-learn's metadata-routing machinery, are
    documented in scikit-learn's metadata-routing guide, and their docstrings
    refer to pages of scikit-learn's own documentation (unresolvable here).
    """
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


_SHAPE = re.compile(r"shape \(([^()]*)\)")
_TRAILING_UNDERSCORE = re.compile(r"\b([A-Za-z]\w*?)_(?=[,)\s]|$)")


def _escape_shape_names(app, what, name, obj, options, lines):
    """Escape names like ``n_features_in_`` in ``shape (...)`` type specs.

    scikit-learn's docstring convention writes ``ndarray of shape
    (n_features_in_,)``; in reStructuredText a word ending in ``_`` is a
    link target reference, which would fail the build.
    """

    def escape(match):
        return "shape (" + _TRAILING_UNDERSCORE.sub(r"\1\\_", match.group(1)) + ")"

    lines[:] = [_SHAPE.sub(escape, line) for line in lines]


def _write_playground(app, exception):
    """Write the playground page that docs/playground.rst embeds.

    ``playground/deck.html`` of the built HTML: the deck's network with the
    given weights of examples/plot_deck_end_to_end.py and the deck's data,
    written by :func:`sigmoid_mlp.inspection.export_playground` at every
    build (the browser check of .ci/stage-docs.sh drives it).
    """
    if exception is not None or app.builder.format != "html":
        return
    import numpy as np

    from sigmoid_mlp import SigmoidMLPRegressor
    from sigmoid_mlp.inspection import export_playground

    rng = np.random.RandomState(0)
    X = rng.uniform(-3, 3, size=(200, 1))
    y = np.sin(X).ravel() + 0.1 * rng.randn(200)
    model = SigmoidMLPRegressor.from_weights(
        coefs=[[[-1.22, 1.02, -1.06]], [[3.99], [-4.76], [-5.13]]],
        intercepts=[[-3.56, -3.03, 0.07], [2.75]],
    )
    out = os.path.join(app.outdir, "playground")
    os.makedirs(out, exist_ok=True)
    export_playground(model, X, y, os.path.join(out, "deck.html"),
                      title="The deck's network: a playground")


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_request_methods)
    app.connect("autodoc-process-docstring", _escape_shape_names)
    app.connect("build-finished", _write_playground)
