"""The estimator on torch and array-api-strict arrays (``array_api_dispatch``).

scikit-learn's ``array_api_dispatch`` needs ``SCIPY_ARRAY_API=1`` in the
environment before scipy and scikit-learn are imported; the main suite must
run without it.  So the cases live in ``tests/array_api_cases.py`` and run here
in a subprocess with the variable set; a failure shows that run's output.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from _array_api_env import provide_compat

try:  # the torch cases run where torch is installed (its CPU build suffices)
    import torch  # noqa: F401

    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False

TESTS = Path(__file__).parent
ROOT = TESTS.parent


def _run_pytest(*args):
    env = dict(os.environ, SCIPY_ARRAY_API="1")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])]
    )
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )


def test_estimator_with_array_api_dispatch(monkeypatch):
    # array-api-strict must be there (the test extra); array_api_compat is
    # the real one or scikit-learn's vendored copy (tests/_array_api_env.py)
    provide_compat(monkeypatch.setitem)
    result = _run_pytest(str(TESTS / "array_api_cases.py"))
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    assert " passed" in result.stdout, result.stdout[-4000:]
    # array-api-strict's cases all ran; only torch's may skip, where torch
    # is not installed
    skipped = [line for line in result.stdout.splitlines()
               if line.startswith("SKIPPED") and "torch" not in line]
    assert not skipped, skipped
    if HAVE_TORCH:
        # nothing may be skipped silently where every library is installed
        assert " skipped" not in result.stdout, result.stdout[-4000:]


@pytest.mark.slow  # a fresh interpreter compiles the engines anew
def test_numpy_users_need_no_array_api_compat():
    # Without dispatch nothing imports array_api_compat: numpy-only users do
    # not need the optional dependency.
    code = (
        "import sys, numpy as np\n"
        "from sigmoid_mlp import SigmoidMLPRegressor\n"
        "X = np.random.RandomState(0).randn(20, 2); y = X[:, 0]\n"
        "for s in ('gd', 'sgd', 'adam', 'lbfgs', 'lm'):\n"
        "    m = SigmoidMLPRegressor(solver=s, max_iter=3).fit(X, y)\n"
        "    m.predict(X); m.score(X, y); m.forward_pass(X); m.loss_gradient(X, y)\n"
        "assert 'array_api_compat' not in sys.modules, 'array_api_compat imported'\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.pop("SCIPY_ARRAY_API", None)
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", code], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
