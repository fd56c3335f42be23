"""The mini-batch engine follows the reference path, and MLPRegressor.

:class:`sigmoid_mlp._minibatch.MiniBatchEngine` runs 'sgd', 'adam' and
scheduled 'gd' on numpy data; the reference batches
(:class:`sigmoid_mlp._engines.ReferenceBatches`, ``MLPRegressor``'s
arithmetic) are its oracle.  From the same starting weights and the same
shuffling:

* with ``exact=True`` (``scipy.special.expit`` as the sigmoid) the engine's
  trajectory is the reference's **bit for bit** over 50 epochs: weights,
  loss curve and solver state, for every update rule and schedule, sample
  weights, several outputs and layers, float32, sparse ``X``;
* by default (the SIMD sigmoid, a few ulp from ``expit``) it stays within
  relative ``1e-10`` in float64; in float32 within ``2e-5`` (see
  :data:`FLOAT32_RTOL`);
* at the estimator level (validation set, early stopping, ``partial_fit``,
  divergence) every fitted attribute is the reference's, bit for bit with
  the exact engine;
* and a wrong update (a step size off by one part in a million) is caught.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _engine_helpers import run_batches
from _mlp_reference import mlpregressor_from_weights
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from sigmoid_mlp import (
    SigmoidMLPRegressor,
    TrainingDivergedError,
    _compiled,
    _network,
    _plan,
)
from sigmoid_mlp._minibatch import MiniBatchEngine
from sigmoid_mlp._solvers import Adam, GradientDescent, StochasticGradientDescent

N_EPOCHS = 50
# float32: the SIMD sigmoid differs from expit by a few float32 ulp (6e-8
# each); 50 epochs of 5 steps carry that to at most ~1e-6 relative on these
# problems (measured), well below 2e-5, while any error in the arithmetic of
# the updates shows up in the exact-mode tests bit for bit.
FLOAT32_RTOL = 2e-5

RULES = {
    "gd": lambda: GradientDescent(0.2),
    "gd-invscaling": lambda: GradientDescent(0.5, "invscaling", 0.3),
    "sgd-plain": lambda: StochasticGradientDescent(0.05, momentum=0.0),
    "sgd-momentum": lambda: StochasticGradientDescent(0.05, momentum=0.9,
                                                      nesterov=False),
    "sgd-nesterov": lambda: StochasticGradientDescent(0.05, momentum=0.9),
    "sgd-invscaling": lambda: StochasticGradientDescent(0.5, "invscaling", 0.5,
                                                        momentum=0.5),
    "adam": lambda: Adam(0.01),
    "adam-other-betas": lambda: Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-6),
}


def _problem(n=70, d=3, k=1, hidden=(4,), dtype=np.float64, weighted=False,
             sparse=False, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    y = np.sin(X @ rng.randn(d, k)) + 0.1 * rng.randn(n, k)
    sw = rng.uniform(0.2, 3.0, n) if weighted else None
    if sparse:
        X = sp.csr_matrix(np.where(np.abs(X) > 0.6, X, 0.0))
    coefs, intercepts = _network.init_weights([d, *hidden, k],
                                              np.random.RandomState(1), dtype)
    return X.astype(dtype), y.astype(dtype), sw, coefs, intercepts


ENGINES = {
    "exact": lambda *args: MiniBatchEngine(*args, exact=True),
    "numpy": MiniBatchEngine,
    "compiled": _compiled.CompiledMiniBatch,
}


def _pair(rule, *, engine, alpha=1e-2, batch_size=16, shuffle=True,
          n_epochs=N_EPOCHS, **problem):
    """(reference state, engine state) after the same epochs."""
    X, y, sw, coefs, intercepts = _problem(**problem)
    if engine == "compiled" and not (_compiled.AVAILABLE and _plan.data_declined(X, y, sw) is None):
        pytest.skip("the compiled engine takes float64 dense data only")
    sizes = [X.shape[1], *(c.shape[1] for c in coefs)]
    solver = RULES[rule]()
    kw = dict(n_epochs=n_epochs, batch_size=batch_size, shuffle=shuffle,
              alpha=alpha)
    reference = run_batches(_plan.reference_batches(X, y, sw, alpha, sizes),
                            coefs, intercepts, solver, **kw)
    engine = run_batches(ENGINES[engine](X, y, sw, alpha, sizes),
                         coefs, intercepts, solver, **kw)
    # the trajectory moved: not a comparison of starting weights
    assert np.abs(reference.coefs[0] - coefs[0]).max() > 1e-3
    return reference, engine


def _solver_state(solver):
    arrays = [*(getattr(solver, "ms", None) or []),
              *(getattr(solver, "vs", None) or []),
              *(getattr(solver, "velocities", None) or [])]
    return arrays, (getattr(solver, "t", None), solver.learning_rate)


def _assert_identical(a, b):
    for p, q in zip(a.coefs + a.intercepts, b.coefs + b.intercepts):
        assert p.dtype == q.dtype
        assert_array_equal(p, q, strict=True)
    assert a.loss_curve == b.loss_curve
    sa, sb = _solver_state(a.solver), _solver_state(b.solver)
    assert sa[1] == sb[1]
    assert len(sa[0]) == len(sb[0])
    for p, q in zip(sa[0], sb[0]):
        assert_array_equal(p, q, strict=True)
    assert (a.n_iter, a.t) == (b.n_iter, b.t)


def _assert_close(a, b, rtol):
    for p, q in zip(a.coefs + a.intercepts, b.coefs + b.intercepts):
        assert p.dtype == q.dtype
        assert_allclose(q, p, rtol=0, atol=rtol * np.abs(p).max())
    assert_allclose(b.loss_curve, a.loss_curve, rtol=rtol)


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("shuffle", [False, True])
def test_exact_engine_is_the_reference_bit_for_bit(rule, shuffle):
    reference, engine = _pair(rule, engine="exact", shuffle=shuffle)
    _assert_identical(reference, engine)


@pytest.mark.parametrize(
    "problem",
    [
        dict(weighted=True),
        dict(k=3, hidden=(5, 3)),
        dict(dtype=np.float32),
        dict(sparse=True),
        dict(sparse=True, weighted=True, dtype=np.float32),
        dict(n=64),  # batches of 16 exactly, no short last batch
    ],
    ids=["weighted", "two-layers-three-outputs", "float32", "sparse",
         "sparse-weighted-float32", "no-short-batch"],
)
@pytest.mark.parametrize("rule", ["sgd-nesterov", "adam", "gd-invscaling"])
def test_exact_engine_is_the_reference_on_every_kind_of_data(problem, rule):
    reference, engine = _pair(rule, engine="exact", **problem)
    _assert_identical(reference, engine)


@pytest.mark.parametrize("engine", ["numpy", "compiled"])
@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("shuffle", [False, True])
def test_fast_engines_follow_the_reference(rule, engine, shuffle):
    reference, fast = _pair(rule, engine=engine, shuffle=shuffle)
    _assert_close(reference, fast, 1e-10)


@pytest.mark.parametrize(
    "problem, rtol",
    [
        (dict(weighted=True), 1e-10),
        (dict(k=3, hidden=(5, 3)), 1e-10),
        (dict(sparse=True), 1e-10),
        (dict(dtype=np.float32), FLOAT32_RTOL),
        (dict(dtype=np.float32, sparse=True, weighted=True), FLOAT32_RTOL),
    ],
)
@pytest.mark.parametrize("rule", ["sgd-nesterov", "adam"])
@pytest.mark.parametrize("engine", ["numpy", "compiled"])
def test_fast_engines_follow_the_reference_on_every_kind_of_data(
        problem, rtol, rule, engine):
    reference, fast = _pair(rule, engine=engine, **problem)
    _assert_close(reference, fast, rtol)


@pytest.mark.parametrize("rule", ["sgd-nesterov", "adam"])
def test_a_wrong_update_is_caught(rule, monkeypatch):
    # The comparisons above can fail: a step size off by one part in 10^6
    # moves the trajectory far beyond their tolerances.
    rule_class = type(RULES[rule]())
    original = rule_class.flat_step

    def off(self, p, g, out, state, work):
        original(self, p, g, out, state, work)
        np.subtract(out, p, out=work[1])
        out += 1e-6 * work[1]

    monkeypatch.setattr(rule_class, "flat_step", off)
    reference, engine = _pair(rule, engine="exact")
    with pytest.raises(AssertionError):
        _assert_close(reference, engine, 1e-10)


# ---------------------------------------------------------------- estimator
@pytest.fixture
def exact_engine(monkeypatch):
    """Make ``fit`` run the exact engine (the reference's arithmetic)."""
    def exact(X, y, sample_weight, alpha, layer_sizes):
        return MiniBatchEngine(X, y, sample_weight, alpha, layer_sizes, exact=True)

    monkeypatch.setattr(_plan, "mini_batch", exact)


def _reference_fit(monkeypatch, make, fit):
    with monkeypatch.context() as m:
        m.setattr(_plan, "mini_batch", _plan.reference_batches)
        est = make()
        fit(est)
    assert getattr(est, "_engine", "reference") == "reference"  # (unfitted)
    return est


FITTED = ("coefs_", "intercepts_", "loss_curve_", "validation_scores_",
          "validation_loss_curve_", "best_validation_loss_", "n_iter_", "t_",
          "best_loss_")


def _fitted(est):
    return {name: getattr(est, name, None) for name in FITTED}


def _assert_same_fit(a, b, rtol=0.0):
    fa, fb = _fitted(a), _fitted(b)
    for name in FITTED:
        x, y = fa[name], fb[name]
        if rtol == 0.0 or isinstance(x, int) or x is None:
            if isinstance(x, list) and x and isinstance(x[0], np.ndarray):
                for p, q in zip(x, y):
                    assert_array_equal(p, q)
            else:
                assert x == y, name
        elif isinstance(x, list) and x and isinstance(x[0], np.ndarray):
            for p, q in zip(x, y):
                assert_allclose(q, p, rtol=0, atol=rtol * np.abs(p).max())
        else:
            assert_allclose(y, x, rtol=rtol)
    assert b.loss_ == pytest.approx(a.loss_, rel=1e-12)


def _data(n=150, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 3)
    return X, np.sin(X @ rng.randn(3)) + 0.1 * rng.randn(n)


ESTIMATOR_CASES = {
    "early-stopping": dict(solver="adam", learning_rate=0.01, early_stopping=True,
                           validation_fraction=0.2, n_iter_no_change=3, tol=1e-3,
                           max_iter=200),
    "validation-adaptive": dict(solver="sgd", learning_rate=0.1,
                                learning_rate_schedule="adaptive",
                                early_stopping=True, n_iter_no_change=2, tol=1e-2,
                                max_iter=300),
    "stopping-rule": dict(solver="sgd", learning_rate=0.05, tol=1e-3,
                          n_iter_no_change=4, max_iter=300),
    "invscaling": dict(solver="sgd", learning_rate=0.5, momentum=0.5,
                       learning_rate_schedule="invscaling", max_iter=60),
    "gd-adaptive": dict(solver="gd", learning_rate=0.5,
                        learning_rate_schedule="adaptive", max_iter=100),
}


@pytest.mark.parametrize("case", sorted(ESTIMATOR_CASES))
@pytest.mark.parametrize("weighted", [False, True])
def test_the_estimator_on_the_engine_is_the_reference(case, weighted, monkeypatch):
    X, y = _data()
    sw = np.random.RandomState(5).uniform(0.5, 2.0, len(y)) if weighted else None

    def make():
        return SigmoidMLPRegressor(hidden_layer_sizes=(5,), batch_size=32,
                                   random_state=0, alpha=1e-3,
                                   **ESTIMATOR_CASES[case])

    def fit(est):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y, sample_weight=sw)

    reference = _reference_fit(monkeypatch, make, fit)
    assert 2 < reference.n_iter_
    for engine in ["numpy", "compiled"] if _compiled.AVAILABLE else ["numpy"]:
        with monkeypatch.context() as m:
            m.setattr(_plan, "ENGINE", engine)
            fast = make()
            fit(fast)
        assert fast._engine == engine
        _assert_same_fit(reference, fast, rtol=1e-10)
    with monkeypatch.context() as m:
        m.setattr(_plan, "mini_batch",
                  lambda *a, **k: MiniBatchEngine(*a, exact=True))
        exact = make()
        fit(exact)
    _assert_same_fit(reference, exact)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_streams_on_the_engine_as_on_the_reference(solver, monkeypatch,
                                                               exact_engine):
    # partial_fit: one epoch per call, over blocks of a memmap-like stream
    X, y = _data(n=400)
    blocks = [slice(s, s + 100) for s in range(0, 400, 100)]

    def make():
        return SigmoidMLPRegressor(hidden_layer_sizes=(6,), solver=solver,
                                   learning_rate=0.01, batch_size=30,
                                   random_state=0)

    def fit(est):
        for _ in range(3):
            for rows in blocks:
                est.partial_fit(X[rows], y[rows])

    reference = _reference_fit(monkeypatch, make, fit)
    est = make()
    fit(est)
    assert est._engine == "numpy"
    assert est.n_iter_ == 12
    _assert_same_fit(reference, est)


def test_divergence_is_reported_as_on_the_reference(monkeypatch, exact_engine):
    X, y = _data()
    y = 50 * y

    def make():
        return SigmoidMLPRegressor(hidden_layer_sizes=(5,), solver="sgd",
                                   learning_rate=5.0, batch_size=20,
                                   random_state=0, max_iter=50)

    errors = []

    def fit(est):
        with pytest.raises(TrainingDivergedError) as info:
            est.fit(X, y)
        errors.append(info.value)
        assert not hasattr(est, "coefs_")

    _reference_fit(monkeypatch, make, fit)
    fit(make())
    a, b = errors
    assert (a.epoch, a.learning_rate, a.loss_curve) == (b.epoch, b.learning_rate,
                                                         b.loss_curve)
    assert a.loss == b.loss or not (np.isfinite(a.loss) or np.isfinite(b.loss))
    for p, q in zip(a.coefs + a.intercepts, b.coefs + b.intercepts):
        assert np.isfinite(q).all()
        assert_array_equal(p, q)


@pytest.mark.parametrize("engine", ["numpy", "compiled"])
def test_fast_engines_report_divergence_as_the_reference(engine, monkeypatch):
    if engine == "compiled" and not _compiled.AVAILABLE:
        pytest.skip("numba is not installed")
    X, y = _data()
    y = 50 * y
    errors = []
    for name in ["reference", engine]:
        with monkeypatch.context() as m:
            if name == "reference":
                m.setattr(_plan, "mini_batch", _plan.reference_batches)
            else:
                m.setattr(_plan, "ENGINE", engine)
            est = SigmoidMLPRegressor(hidden_layer_sizes=(5,), solver="sgd",
                                      learning_rate=1.0, batch_size=20,
                                      random_state=0, max_iter=50)
            with pytest.raises(TrainingDivergedError) as info:
                est.fit(X, y)
        errors.append(info.value)
    a, b = errors
    assert (a.epoch, a.learning_rate) == (b.epoch, b.learning_rate)
    assert len(a.loss_curve) == len(b.loss_curve) > 0
    # A run blowing up (the loss grows ~300x an epoch here) amplifies the
    # rounding differences of the sums as much: a few 1e-10 after two epochs
    # for the compiled engine, so the curve is compared to 1e-7.
    assert_allclose(b.loss_curve, a.loss_curve, rtol=1e-7)
    for p, q in zip(a.coefs + a.intercepts, b.coefs + b.intercepts):
        assert np.isfinite(q).all()
        assert_allclose(q, p, rtol=0, atol=1e-7 * np.abs(p).max())


# ---------------------------------------------------------------- MLPRegressor
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("data", ["sparse", "float32"])
def test_engine_follows_mlpregressor_on_sparse_and_float32_data(solver, data):
    X, y, _, coefs, intercepts = _problem(n=70, hidden=(4,),
                                          dtype=np.float32 if data == "float32"
                                          else np.float64,
                                          sparse=data == "sparse")
    y = y.ravel()
    common = dict(solver=solver, batch_size=16, shuffle=False, tol=0.0,
                  n_iter_no_change=np.inf, alpha=1e-2)
    est = SigmoidMLPRegressor.from_weights(
        [c.copy() for c in coefs], [b.copy() for b in intercepts],
        warm_start=True, max_iter=N_EPOCHS, learning_rate=0.01, **common)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert est._engine == "numpy"
    mlp = mlpregressor_from_weights(coefs, intercepts, X, y, max_iter=N_EPOCHS,
                                    hidden_layer_sizes=(4,), learning_rate_init=0.01,
                                    **common)
    rtol = FLOAT32_RTOL if data == "float32" else 1e-10
    for a, b in zip(est.coefs_ + est.intercepts_, mlp.coefs_ + mlp.intercepts_):
        assert a.dtype == b.dtype
        assert_allclose(a, b, rtol=0, atol=rtol * np.abs(b).max())
    assert np.abs(est.coefs_[0] - coefs[0]).max() > 1e-2
