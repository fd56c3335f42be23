#!/usr/bin/env bash
# Array API stage (run by .ci/run after the test suites): the estimator on
# array-api-strict and torch (CPU) arrays with scikit-learn's array API
# dispatch, which needs SCIPY_ARRAY_API=1 before scipy is imported.
# Uses .venv-ci-new (newest scikit-learn) plus the [array-api] extra; torch is
# the CPU build 2.13.0 found offline on these machines; where it cannot be
# installed, the torch cases are skipped (and the log says so).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
source .venv-ci-new/bin/activate
export PIP_DISABLE_PIP_VERSION_CHECK=1
python -m pip install -q -e ".[test,array-api]"
if ! timeout 600 python -m pip install -q --only-binary=:all: "torch==2.13.0"; then
    echo "torch 2.13.0 (CPU) could not be installed: the torch cases will be skipped"
fi
SCIPY_ARRAY_API=1 python -m pytest -q -p no:cacheprovider -rs \
    tests/test_array_api.py tests/test_network_array_api.py \
    tests/test_common.py -k "array_api or test_network_array_api or test_array_api"
