#!/usr/bin/env bash
# The compiled kernels as plain Python (run by .ci/run after the test suites):
# NUMBA_DISABLE_JIT=1 runs every numba kernel of sigmoid_mlp._compiled as the
# Python it is written in, over the engine tests (small sizes), so that what
# numba accepts but Python does not (a keyword-only argument passed by
# position, math.floor of NaN, ...) fails here, and coverage can see the
# kernels.  About a minute on 2 cores.
# Needs .venv-ci-new (created by .ci/run with the project and the [test] extra).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
source .venv-ci-new/bin/activate
export NUMBA_DISABLE_JIT=1
python - <<'PYEOF'
import inspect

from sigmoid_mlp import _compiled

# the stage means nothing if the engines are off or still compiled
assert _compiled.AVAILABLE, "numba is not importable: the compiled engines are off"
for kernel in (_compiled.lm._lm_block, _compiled.mini_batch._mb_epoch,
               _compiled.full_batch._gd_block, _compiled.core._sigmoid_row,
               _compiled.evidence._group_update):
    assert inspect.isfunction(kernel), f"{kernel} is compiled despite NUMBA_DISABLE_JIT"
print("the compiled engines run as plain Python")
PYEOF
# Warnings are errors (pyproject.toml); as plain Python, _sigmoid_row's
# cast of NaN to an integer warns where compiled IEEE arithmetic is silent
# (test_compiled_sigmoid_matches_expit calls the kernel directly).
python -m pytest -q -p no:cacheprovider \
    -W "ignore:invalid value encountered in cast:RuntimeWarning" \
    tests/test_kernels.py tests/test_minibatch.py \
    tests/test_training_lm.py tests/test_engines.py
