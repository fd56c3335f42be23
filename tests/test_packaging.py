"""Packaging facts that the installed package must keep.

The build itself (sdist + wheel, wheel into a fresh environment, README
quickstart) is checked by ``.ci/stage-package.sh``; these are the quick
checks that belong in the test suite.
"""

import importlib.metadata
import os
import pathlib
import subprocess
import sys

import pytest

import sigmoid_mlp

SRC = pathlib.Path(sigmoid_mlp.__file__).resolve().parents[1]


def test_version_is_pep440_and_matches_the_metadata():
    version = pytest.importorskip("packaging.version")
    parsed = version.Version(sigmoid_mlp.__version__)
    assert str(parsed) == sigmoid_mlp.__version__
    try:
        installed = importlib.metadata.version("sigmoid-mlp")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("sigmoid-mlp is not installed (running from the source tree)")
    assert installed == sigmoid_mlp.__version__


def test_py_typed_marker_ships_with_the_package():
    assert (pathlib.Path(sigmoid_mlp.__file__).parent / "py.typed").is_file()


def test_public_names():
    for name in sigmoid_mlp.__all__:
        assert hasattr(sigmoid_mlp, name), name
    assert "SigmoidMLPRegressor" in sigmoid_mlp.__all__


def _imported_modules(code):
    """Top-level modules imported by a fresh interpreter running ``code``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])}
    script = (
        f"{code}\n"
        "import sys\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", script], env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout
    return set(out.split())


@pytest.mark.parametrize(
    "code", ["import sigmoid_mlp", "import sigmoid_mlp.persistence"],
)
def test_optional_dependencies_are_not_imported(code):
    """skops, dask and matplotlib load only when a feature needs them.

    (pandas is not in the list: scikit-learn itself imports parts of it when
    it is installed.)
    """
    modules = _imported_modules(code)
    assert "sigmoid_mlp" in modules
    assert not modules & {"skops", "dask", "distributed", "dask_ml", "matplotlib"}
