"""What the environment should have, it has: no silent skips.

Optional pieces (numba's compiled engine, the array-API backends, ONNX, ...)
are tested where they are installed and skipped where they are not.  A
skip is only honest when the piece is really absent: if numba is installed
but fails to import, every compiled-engine test would skip and the suite
would pass while testing less.  These tests turn that into failures:

* every requirement of the ``test`` extra (``pyproject.toml``) is installed
  at a version it allows, so a test that skips when one of them is missing
  never skips under ``pip install -e ".[test]"``;
* numba installed means the compiled engine is available (unless it is
  switched off on purpose with ``SIGMOID_MLP_DISABLE_NUMBA``);
* an optional module of the package imports wherever its extra is
  installed (``tests/test_onnx.py`` skips when ``sigmoid_mlp.onnx`` does
  not import).
"""

import importlib.metadata
import importlib.util
import os
import re

import pytest

from sigmoid_mlp import _compiled


def _test_extra():
    """The requirements of sigmoid-mlp's ``test`` extra, as installed metadata says."""
    requires = importlib.metadata.requires("sigmoid-mlp") or []
    extra = [r.split(";")[0].strip() for r in requires
             if re.search(r"""extra\s*==\s*["']test["']""", r)]
    assert extra, "sigmoid-mlp's metadata lists no 'test' extra"
    return extra


def test_every_requirement_of_the_test_extra_is_installed():
    from packaging.requirements import Requirement

    missing, wrong = [], []
    for text in _test_extra():
        req = Requirement(text)
        try:
            version = importlib.metadata.version(req.name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(text)
            continue
        if req.specifier and not req.specifier.contains(version, prereleases=True):
            wrong.append(f"{text} (installed {version})")
    assert not missing and not wrong, (
        f"the test extra is not fully installed (pip install -e '.[test]'): "
        f"missing {missing}, wrong versions {wrong}")


def test_numba_installed_means_the_compiled_engine_is_available():
    if importlib.util.find_spec("numba") is None:
        pytest.skip("numba is not installed (the compiled engine is optional)")
    if os.environ.get("SIGMOID_MLP_DISABLE_NUMBA", "") not in ("", "0"):
        pytest.skip("SIGMOID_MLP_DISABLE_NUMBA is set: switched off on purpose")
    import numba  # an ImportError here is the failure: installed but broken

    assert _compiled.AVAILABLE, (
        f"numba {numba.__version__} imports, but sigmoid_mlp's compiled engine "
        "is not available: every compiled-engine test would skip")


@pytest.mark.parametrize("module, needs", [("sigmoid_mlp.onnx", ("skl2onnx", "onnx"))])
def test_optional_modules_import_where_their_extra_is_installed(module, needs):
    absent = [n for n in needs if importlib.util.find_spec(n) is None]
    if absent:
        pytest.skip(f"{module} needs {absent} (an optional extra)")
    importlib.import_module(module)  # an ImportError here is the failure
