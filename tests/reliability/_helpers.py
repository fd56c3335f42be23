"""Shared pieces of the reliability suite: solvers, data, snapshots."""

from __future__ import annotations

import os
import pickle
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sigmoid_mlp import SigmoidMLPRegressor

#: Examples hypothesis tries per property.  Modest by default so the whole
#: reliability suite runs in seconds on a 2-core CI machine; raise it locally
#: for a deeper search, e.g. ``SIGMOID_MLP_RELIABILITY_EXAMPLES=2000 pytest
#: tests/reliability``.
N_EXAMPLES = int(os.environ.get("SIGMOID_MLP_RELIABILITY_EXAMPLES", "40"))

#: CI gates on these properties, so hypothesis draws the same examples on
#: every run (``derandomize``: a red run is reproducible, not a lottery).
#: ``SIGMOID_MLP_EXPLORE=1`` lets it draw new ones, to look for new failures
#: (with a larger ``SIGMOID_MLP_RELIABILITY_EXAMPLES``).
DERANDOMIZE = not os.environ.get("SIGMOID_MLP_EXPLORE")

#: Every solver the estimator offers; each is tested throughout the suite.
#: A solver that fails its trial fit is a failure
#: (``test_reliability_solvers.py``), never a smaller suite, and a solver the
#: estimator offers but this list lacks fails there too.
ALL_SOLVERS = ("gd", "sgd", "adam", "lbfgs", "lm")
HAS_SOLVER_PARAM = "solver" in SigmoidMLPRegressor().get_params()
SOLVERS = list(ALL_SOLVERS)


def trial_fit(solver):
    """Two iterations of ``solver`` on tiny data (raises whatever the fit raises)."""
    rng = np.random.RandomState(0)
    X, y = rng.uniform(-1, 1, (8, 2)), rng.uniform(-1, 1, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return SigmoidMLPRegressor(solver=solver, max_iter=2, random_state=0).fit(X, y)


#: Solvers with ``partial_fit`` (L-BFGS and Levenberg-Marquardt have none, by
#: design).
PARTIAL_FIT_SOLVERS = [s for s in SOLVERS if s not in ("lbfgs", "lm")]
#: Solvers that step with ``learning_rate`` (L-BFGS uses a line search,
#: Levenberg-Marquardt its damping).
STEP_SOLVERS = [s for s in SOLVERS if s not in ("lbfgs", "lm")]


def make_estimator(solver="gd", **params):
    """A ``SigmoidMLPRegressor`` for ``solver`` (no ``solver`` key before it exists)."""
    if HAS_SOLVER_PARAM:
        params["solver"] = solver
    elif solver != "gd":  # pragma: no cover - guarded by SOLVERS
        raise ValueError(solver)
    if solver in ("sgd", "adam") and "learning_rate" not in params:
        # the default 0.5 is tuned for full-batch GD; Adam takes ~1e-3-sized steps
        params["learning_rate"] = 0.05 if solver == "sgd" else 0.01
    return SigmoidMLPRegressor(**params)


def make_data(n_samples=20, n_features=3, n_outputs=1, dtype=np.float64, seed=0):
    """Small, well-scaled regression data (uniform inputs, smooth targets)."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, (n_samples, n_features))
    Y = np.sin(X @ rng.uniform(-1, 1, (n_features, n_outputs)))
    Y += 0.05 * rng.randn(n_samples, n_outputs)
    y = Y.ravel() if n_outputs == 1 else Y
    return X.astype(dtype), y.astype(dtype)


def quiet_fit(est, *args, **kwargs):
    """``est.fit`` with ``ConvergenceWarning`` silenced (short test fits)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


def fitted_state(est):
    """Every attribute that is not a constructor parameter, pickled.

    Comparing two such snapshots compares the fitted state (weights, loss
    curve, counters, optimizer state) bit for bit: pickling a numpy array
    stores its exact bytes.
    """
    params = est.get_params(deep=False)
    return {
        key: pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        for key, value in vars(est).items()
        if key not in params
    }


def assert_same_state(before, after):
    """Two :func:`fitted_state` snapshots are identical (names and bytes)."""
    assert sorted(after) == sorted(before), (
        f"attributes changed: added {sorted(set(after) - set(before))}, "
        f"removed {sorted(set(before) - set(after))}"
    )
    changed = sorted(k for k in before if before[k] != after[k])
    assert not changed, f"attributes changed by the failed call: {changed}"


def assert_weights_identical(a, b):
    """coefs_, intercepts_, n_iter_ and loss_curve_ of two models, bit for bit."""
    assert len(a.coefs_) == len(b.coefs_)
    for wa, wb in zip([*a.coefs_, *a.intercepts_], [*b.coefs_, *b.intercepts_]):
        assert wa.dtype == wb.dtype
        np.testing.assert_array_equal(wa, wb, strict=True)
    assert a.n_iter_ == b.n_iter_
    np.testing.assert_array_equal(
        np.asarray(getattr(a, "loss_curve_", [])),
        np.asarray(getattr(b, "loss_curve_", [])),
    )
