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

from sigmoid_mlp import SigmoidMLPRegressor, _compiled, _drivers, _engines
from sigmoid_mlp import _plan as plan_module

COMPILED = "compiled" if _compiled.AVAILABLE else "numpy"


def _plan(solver, X, y, hidden=3, **kw):
    y2 = y.reshape(len(y), -1)
    driver, objective = plan_module.plan(solver, X, y2, None, 0.0,
                                       [X.shape[1], hidden, y2.shape[1]], **kw)
    return driver, objective.engine


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
        ("lm", 200, {}, _drivers.run_lm, COMPILED),
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
    assert first.startswith(f"{solver}: engine: {expected}")
