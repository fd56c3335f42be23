#!/usr/bin/env bash
# Slow-tests stage (run by .ci/run after the test suites): the tests marked
# `slow`, which the README's test command deselects (pyproject.toml's addopts
# has -m 'not slow'): the dask LocalCluster, the deck example as a script,
# the sparse estimator checks at the estimators' full max_iter, long
# trajectories.  Uses .venv-ci-new (newest scikit-learn, the [test] extra),
# created by .ci/run.  The README's "run everything" command,
# python -m pytest -q -m "", runs these and the default ones together.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
source .venv-ci-new/bin/activate
export MPLBACKEND=Agg
start=$SECONDS
python -m pytest -q -p no:cacheprovider -m slow
echo "slow tests done in $((SECONDS - start)) s"
