#!/usr/bin/env bash
# Docs stage (run by .ci/run after the test suites):
#   1. the docstring examples of the package run as doctests;
#   2. the code examples (>>>) of the documentation pages run as doctests;
#   3. the documentation builds with warnings as errors, executing every
#      examples/plot_*.py for the gallery.
# Needs .venv-ci-new (created by .ci/run with the project and the [test] extra);
# adds the [docs] extra.  About 1-2 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
source .venv-ci-new/bin/activate
export MPLBACKEND=Agg PIP_DISABLE_PIP_VERSION_CHECK=1
python -m pip install -q -e ".[docs]"

echo "--- doctests: docstrings of src/sigmoid_mlp"
python -m pytest -q -p no:cacheprovider --doctest-modules src/sigmoid_mlp

echo "--- doctests: documentation pages"
python -m pytest -q -p no:cacheprovider --doctest-glob="*.rst" docs/*.rst

echo "--- sphinx-build (warnings are errors, gallery executed)"
rm -rf docs/_build docs/generated docs/auto_examples docs/sg_execution_times.rst
python -m sphinx -W --keep-going -b html docs docs/_build/html
echo "docs built: docs/_build/html/index.html"
