#!/usr/bin/env bash
# Docs stage (run by .ci/run after the test suites):
#   1. the docstring examples of the package run as doctests;
#   2. the code examples (>>>) of the documentation pages run as doctests;
#   3. the documentation builds with warnings as errors, executing every
#      examples/plot_*.py for the gallery;
#   4. no page loads a script from the network (MathJax is bundled; the
#      gallery's timing tables excepted);
#   5. the browser check: the system's Chromium (installed with apt-get when
#      missing) opens pages of the built HTML headless, with no network but
#      localhost, and checks that the math rendered, images loaded and
#      internal links resolve, and drives the playground pages
#      (export_playground: the docs' playground/deck.html and one written from
#      a fresh fit, opened from file://) through window.playground, whose
#      predict/lossGradient/step must equal the estimator's to 1e-9
#      (.ci/check_docs_browser.py; its --self-test first proves it reports
#      planted defects, a wrong playground included).  Nothing here is
#      skipped: a missing page, browser or driver fails the stage.
# Needs .venv-ci-new (created by .ci/run with the project and the [test] extra);
# adds the [docs] and [browser] extras.  About 2-3 minutes on 2 cores (apt
# adds about a minute when Chromium is not installed yet).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
source .venv-ci-new/bin/activate
export MPLBACKEND=Agg PIP_DISABLE_PIP_VERSION_CHECK=1
python -m pip install -q -e ".[docs,browser]"

echo "--- doctests: docstrings of src/sigmoid_mlp"
python -m pytest -q -p no:cacheprovider --doctest-modules src/sigmoid_mlp

echo "--- doctests: documentation pages"
python -m pytest -q -p no:cacheprovider --doctest-glob="*.rst" docs/*.rst

echo "--- sphinx-build (warnings are errors, gallery executed)"
rm -rf docs/_build docs/generated docs/auto_examples docs/sg_execution_times.rst
start=$SECONDS
python -m sphinx -W --keep-going -b html docs docs/_build/html
echo "docs built in $((SECONDS - start)) s: docs/_build/html/index.html"

echo "--- no script is loaded from the network"
# sphinx-gallery's computation-time tables (sg_execution_times.html) load
# jQuery/DataTables from CDNs for sorting; offline they are plain tables.
if grep -rlE '<script[^>]*src="(https?:)?//' docs/_build/html --include='*.html' \
        | grep -v 'sg_execution_times\.html$'; then
    echo "the pages above load a script from the network (math must render offline)" >&2
    exit 1
fi

echo "--- browser check (headless Chromium)"
start=$SECONDS
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
fi
chromium --version 2>/dev/null || true
python .ci/check_docs_browser.py --self-test --html docs/_build/html \
    --chromium "$(command -v chromium)" --chromedriver "$(command -v chromedriver)"
echo "browser check done in $((SECONDS - start)) s"
