"""Which code runs a fit: ``_plan.plan`` is the one place that decides.

The table of ``docs/architecture.rst`` checked entry by entry, and the
engine a fit ran on reported by the estimator (``_engine``, ``verbose=2``).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _helpers import scaled_data
from sklearn.exceptions import ConvergenceWarning

from sigmoid_mlp import SigmoidMLPRegressor, _compiled, _drivers, _engines, _lm
from sigmoid_mlp import _plan as plan_module

COMPILED = "compiled" if _compiled.AVAILABLE else "numpy"


def _full_plan(solver, X, y, hidden=3, **kw):
    y2 = y.reshape(len(y), -1)
    return plan_module.plan(solver, X, y2, None, 0.0,
                            [X.shape[1], hidden, y2.shape[1]], **kw)


def _plan(solver, X, y, hidden=3, **kw):
    the_plan = _full_plan(solver, X, y, hidden, **kw)
    assert the_plan.engine == the_plan.objective.engine
    return the_plan.driver, the_plan.engine


@pytest.mark.parametrize(
    "solver, n, kw, driver, engine",
    [
        ("gd", 200, {}, _drivers.run_full_batch_gd, COMPILED),
        ("gd", 5000, {}, _drivers.run_full_batch_gd, "numpy"),
        ("gd", 200, dict(learning_rate_schedule="adaptive"),
         _drivers.run_epochs, COMPILED),
        ("gd", 5000, dict(learning_rate_schedule="adaptive"),
         _drivers.run_epochs, COMPILED),
        ("sgd", 200, {}, _drivers.run_epochs, COMPILED),
        ("adam", 200, {}, _drivers.run_epochs, COMPILED),
        # whatever the size of the data and the network (the batch size is
        # not an input of the choice)
        ("adam", 5000, dict(hidden=100), _drivers.run_epochs, COMPILED),
        ("sgd", 5000, {}, _drivers.run_epochs, COMPILED),
        ("lbfgs", 200, {}, _drivers.run_lbfgs, "reference"),
        ("lm", 200, {}, _lm.run_lm, COMPILED),
    ],
)
def test_plan_picks_driver_and_engine(solver, n, kw, driver, engine):
    X, y = scaled_data(n=n)
    assert _plan(solver, X, y, **kw) == (driver, engine)


def test_numpy_switch_keeps_every_fit_off_the_compiled_engines(monkeypatch):
    monkeypatch.setattr(plan_module, "ENGINE", "numpy")
    X, y = scaled_data(n=200)
    assert _plan("gd", X, y)[1] == "numpy"
    assert _plan("lm", X, y)[1] == "numpy"
    assert _plan("sgd", X, y)[1] == "numpy"
    assert _plan("adam", X, y)[1] == "numpy"


@pytest.mark.parametrize("solver", ["gd", "sgd", "adam"])
def test_sparse_and_float32_data_take_the_numpy_engine(solver):
    X, y = scaled_data(n=200)
    assert _plan(solver, sp.csr_matrix(X), y)[1] == "numpy"
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    assert _plan(solver, X32, y32)[1] == "numpy"


def test_other_array_libraries_take_the_reference_batches():
    # What plan hands the mini-batch solvers when y is not a numpy array
    # (torch, CuPy, array-api-strict): the reference, in that library.
    X, _ = scaled_data(n=50)
    objective = plan_module.mini_batch(X, _NotNumpy(), None, 0.0, [1, 3, 1])
    assert objective.engine == "reference"
    assert isinstance(objective, _engines.ReferenceBatches)


class _NotNumpy:
    shape = (50, 1)


@pytest.mark.parametrize("solver", ["gd", "sgd", "adam", "lbfgs", "lm"])
def test_the_estimator_reports_its_engine(solver, capsys):
    X, y = scaled_data(n=200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = SigmoidMLPRegressor(solver=solver, max_iter=3, verbose=2,
                                  random_state=0).fit(X, y)
    expected = _plan(solver, X, y)[1]
    assert est._engine == expected
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"plan: solver={solver!r}, driver ")
    assert f"engine {expected!r}" in first


# The architecture page's plan table, row by row: driver, engine and epochs
# per engine call (0: the driver's Python loop), unwatched and watched.
PLAN_TABLE = [
    ("gd", 200, {}, _drivers.run_full_batch_gd, COMPILED, 50, 1),
    ("gd", 5000, {}, _drivers.run_full_batch_gd, "numpy", 50, 1),
    ("gd", 200, dict(learning_rate_schedule="invscaling"), _drivers.run_epochs,
     COMPILED, 1, 1),
    ("sgd", 200, {}, _drivers.run_epochs, COMPILED, 1, 1),
    ("adam", 200, {}, _drivers.run_epochs, COMPILED, 1, 1),
    ("lbfgs", 200, {}, _drivers.run_lbfgs, "reference", 1, 1),
    ("lm", 200, {}, _lm.run_lm, COMPILED,
     plan_module.LM_BLOCK if _compiled.AVAILABLE else 0,
     1 if _compiled.AVAILABLE else 0),
]


@pytest.mark.parametrize("solver, n, kw, driver, engine, block, watched_block",
                         PLAN_TABLE)
def test_the_plan_table(solver, n, kw, driver, engine, block, watched_block):
    X, y = scaled_data(n=n)
    for watched, expected in ((False, block), (True, watched_block)):
        the_plan = _full_plan(solver, X, y, n_epochs=50, watched=watched, **kw)
        assert (the_plan.driver, the_plan.engine, the_plan.block) == (
            driver, engine, expected)
        assert the_plan.dtype == np.float64
        assert the_plan.describe().startswith(f"plan: solver={solver!r}")


@pytest.mark.skipif(not _compiled.AVAILABLE, reason="the compiled engine needs numba")
def test_the_plan_says_why_a_faster_engine_was_declined(monkeypatch):
    X, y = scaled_data(n=200)
    assert _full_plan("adam", X, y).declined == ()
    cases = {
        "sparse": _full_plan("adam", sp.csr_matrix(X), y),
        "float32": _full_plan("gd", X.astype(np.float32), y.astype(np.float32)),
        "n_samples x hidden units = 15000 > 4096": _full_plan(
            "gd", *scaled_data(n=5000)),
        "256 weights > 250": _full_plan("lm", X, y, hidden=51),
    }
    for reason, the_plan in cases.items():
        assert the_plan.engine == "numpy"
        assert len(the_plan.declined) == 1 and reason in the_plan.declined[0]
        assert reason in the_plan.describe()
    monkeypatch.setattr(plan_module, "ENGINE", "numpy")
    assert "SIGMOID_MLP_ENGINE=numpy" in _full_plan("lm", X, y).declined[0]


WATCHED = {
    "gd": dict(max_iter=40),
    "gd-invscaling": dict(max_iter=10, learning_rate_schedule="invscaling"),
    "sgd": dict(solver="sgd", learning_rate=0.05, batch_size=20, max_iter=10),
    "adam": dict(solver="adam", learning_rate=0.01, batch_size=20, max_iter=10),
    "lbfgs": dict(solver="lbfgs", max_iter=15),
    "lm": dict(solver="lm", max_iter=15, alpha=1e-3),
    "lm-auto": dict(solver="lm", alpha="auto", max_iter=30),
    "lm-auto-norm": dict(solver="lm", alpha="auto", max_iter=30, normalize_y=True),
    "lm-ard": dict(solver="lm", alpha="ard", max_iter=30),
    "lm-ard-norm": dict(solver="lm", alpha="ard", max_iter=30, normalize_y=True),
}


@pytest.mark.parametrize("case", sorted(WATCHED))
@pytest.mark.parametrize("engine", ["auto", "numpy"])
def test_watching_a_fit_does_not_change_its_weights(case, engine, monkeypatch,
                                                    capsys):
    """verbose, a validation set or a callback run the same kernels as an
    unwatched fit (one epoch per engine call instead of blocks): the weights,
    curves and counters are equal bit for bit."""
    monkeypatch.setattr(plan_module, "ENGINE", engine)
    X, y = scaled_data(n=120)
    X_val, y_val = scaled_data(n=30, seed=1)

    def fit(**extra):
        est = SigmoidMLPRegressor(random_state=0, **WATCHED[case], **extra.pop("p", {}))
        if "callbacks" in extra:
            est.set_callbacks(extra.pop("callbacks"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return est.fit(X, y, **extra)

    plain = fit()
    watched = [fit(p=dict(verbose=True)), fit(X_val=X_val, y_val=y_val)]
    if hasattr(SigmoidMLPRegressor, "set_callbacks"):
        from sklearn.callback import ProgressBar  # noqa: F401  (the API exists)
        from test_training_callbacks import Recorder

        watched.append(fit(callbacks=Recorder()))
    capsys.readouterr()
    for other in watched:
        assert other._engine == plain._engine
        assert other.n_iter_ == plain.n_iter_
        assert other.loss_curve_ == plain.loss_curve_
        for a, b in zip(plain.coefs_ + plain.intercepts_,
                        other.coefs_ + other.intercepts_):
            np.testing.assert_array_equal(a, b)
