"""The documentation covers the public API and the examples run as scripts.

The full documentation build (with the gallery) is the CI stage
``.ci/stage-docs.sh``; these checks are cheap enough for the test suite.
"""

import ast
import importlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sigmoid_mlp
import sigmoid_mlp.inspection
import sigmoid_mlp.persistence

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"


def api_entries():
    """Names listed in the autosummary blocks of docs/api.rst, fully qualified."""
    text = (DOCS / "api.rst").read_text(encoding="utf-8")
    module = None
    names = set()
    in_summary = False
    for line in text.splitlines():
        if line.startswith(".. currentmodule::"):
            module = line.split("::")[1].strip()
        elif line.startswith(".. autosummary::"):
            in_summary = True
        elif in_summary and line.startswith("   ") and not line.strip().startswith(":"):
            if line.strip():
                names.add(f"{module}.{line.strip()}")
        elif in_summary and line.strip() and not line.startswith("   "):
            in_summary = False
    return names


@pytest.mark.parametrize(
    "module", [sigmoid_mlp, sigmoid_mlp.inspection, sigmoid_mlp.persistence]
)
def test_every_public_name_is_in_the_api_reference(module):
    listed = api_entries()
    public = {n for n in module.__all__ if not n.startswith("__")}
    missing = sorted(n for n in public if f"{module.__name__}.{n}" not in listed)
    assert not missing, f"add to docs/api.rst: {missing}"


#: Public modules that need an optional extra, and the distributions it brings.
OPTIONAL_MODULES = {"sigmoid_mlp.onnx": ("skl2onnx", "onnx")}


def test_api_reference_lists_only_existing_names():
    for entry in api_entries():
        module_name, _, name = entry.rpartition(".")
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            # sigmoid_mlp.onnx without the onnx extra: tests/test_onnx.py
            # checks its entries where the extra is installed (as in CI).
            # Any other import error (the extra installed, the module broken)
            # is a failure, not a skip.
            needs = OPTIONAL_MODULES.get(module_name, ())
            if any(importlib.util.find_spec(n) is None for n in needs):
                continue
            raise
        assert hasattr(module, name), entry


def test_toctree_pages_exist():
    index = (DOCS / "index.rst").read_text(encoding="utf-8")
    toctree = index.split(".. toctree::")[1].split("\n\n", 2)[1]
    for page in toctree.split():
        if page == "auto_examples/index":
            assert (EXAMPLES / "GALLERY_HEADER.rst").exists()
        else:
            assert (DOCS / f"{page}.rst").exists(), page


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("plot_*.py")), ids=lambda p: p.name)
def test_examples_are_gallery_scripts(path):
    source = path.read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(source))
    assert docstring, "a gallery example starts with a docstring"
    title, underline = docstring.splitlines()[:2]
    assert title and set(underline) == {"="} and len(underline) >= len(title)
    assert "# %%" in source, "cells are separated by '# %%'"


def test_gradient_page_maps_every_network_function():
    """The derivation page points at every reference function of _network."""
    from sigmoid_mlp import _network

    text = (DOCS / "gradients.rst").read_text(encoding="utf-8")
    for name in ("sigmoid", "sigmoid_derivative", "forward", "predict",
                 "squared_error", "l2_penalty", "backward", "loss_gradient",
                 "init_weights"):
        assert hasattr(_network, name)
        assert re.search(rf"sigmoid_mlp\._network\.{name}\b", text) or \
            f".. autofunction:: {name}\n" in text, name


@pytest.mark.slow
def test_deck_example_runs_as_a_script(tmp_path):
    """The README's main job: the deck example runs, prints the fit quality.

    With matplotlib it also saves its figure; without it (the CI test extra)
    it must still run.
    """
    src = os.path.dirname(os.path.dirname(os.path.abspath(sigmoid_mlp.__file__)))
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": src}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "plot_deck_end_to_end.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    match = re.search(r"R\^2 after training: training data ([\d.]+), fresh data "
                      r"([\d.]+)", out)
    assert match, out
    assert float(match.group(2)) > 0.95
    assert "ŷ = w_10^(2) + w_11^(2)·g(z_1^(1))" in out
    if "figure saved to deck_end_to_end.png" in out:
        assert (tmp_path / "deck_end_to_end.png").stat().st_size > 10_000
    else:
        assert "matplotlib is not installed" in out
        # ... and that is true of the interpreter that ran the example.
        probe = subprocess.run([sys.executable, "-c", "import matplotlib"], env=env,
                               capture_output=True, check=False)
        assert probe.returncode != 0
