"""Every stochastic solver follows ``MLPRegressor``'s weight trajectory.

From identical starting weights and with shuffling off, 50 epochs of our
'sgd' (with and without momentum, with Nesterov's momentum, constant,
'invscaling' and 'adaptive' step sizes) and 'adam' give the same weights as
``MLPRegressor`` with the same hyperparameters, to 1e-10, with and without L2
(alpha > 0), on every mini-batch objective (the ``mini_batch_engine``
fixture: the numpy and compiled engines and the reference batches).  'lbfgs' reaches a loss no worse than ``MLPRegressor``'s.

``MLPRegressor`` has no public way to start from given weights; as in
MLPREGRESSOR_NOTES.md: fit once with ``max_iter=1``, overwrite ``coefs_`` and
``intercepts_`` (and ``t_ = 0``, which drives 'invscaling'), then continue
with ``warm_start=True``.  A warm-started ``MLPRegressor`` re-creates its
optimizer, so it starts from zero velocities / moments, as ours does from
``from_weights``.
"""

import warnings

import numpy as np
import pytest
import sklearn
from _mlp_reference import mlpregressor_from_weights
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from test_literal_oracles import literal_stochastic

from sigmoid_mlp import SigmoidMLPRegressor, _network

SKLEARN_VERSION = tuple(int(p) for p in sklearn.__version__.split(".")[:2])
N_EPOCHS = 50


def _data(n_samples=70, n_features=3, n_outputs=1, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features)
    y = np.sin(X @ rng.randn(n_features, n_outputs)) + 0.1 * rng.randn(
        n_samples, n_outputs
    )
    return X, (y.ravel() if n_outputs == 1 else y)


def _start_weights(X, y, hidden, seed=1):
    n_outputs = 1 if y.ndim == 1 else y.shape[1]
    sizes = [X.shape[1], *hidden, n_outputs]
    return _network.init_weights(sizes, np.random.RandomState(seed))


def _mlp_trajectory(coefs, intercepts, X, y, sample_weight=None, **params):
    """MLPRegressor trained for N_EPOCHS epochs from the given weights."""
    return mlpregressor_from_weights(coefs, intercepts, X, y, max_iter=N_EPOCHS,
                                     sample_weight=sample_weight, **params)


def _our_trajectory(coefs, intercepts, X, y, sample_weight=None, **params):
    est = SigmoidMLPRegressor.from_weights(
        [c.copy() for c in coefs], [b.copy() for b in intercepts],
        warm_start=True, max_iter=N_EPOCHS, **params,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y, sample_weight=sample_weight)
    return est


def _assert_same_weights(ours, mlp, atol=1e-10):
    for a, b in zip(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_):
        assert_allclose(a, b, rtol=0, atol=atol)


# (our parameters, MLPRegressor's parameters)
SGD_CASES = {
    "plain": dict(momentum=0.0),
    "momentum": dict(momentum=0.9, nesterovs_momentum=False),
    "nesterov": dict(momentum=0.9, nesterovs_momentum=True),
    "invscaling": dict(momentum=0.0, schedule="invscaling", power_t=0.25),
    "invscaling-nesterov": dict(momentum=0.5, schedule="invscaling", power_t=0.5),
}


def _sgd_params(case, lr, alpha, batch_size):
    case = dict(SGD_CASES[case])
    schedule = case.pop("schedule", "constant")
    ours = dict(solver="sgd", learning_rate=lr, learning_rate_schedule=schedule,
                alpha=alpha, batch_size=batch_size, shuffle=False, tol=0.0,
                n_iter_no_change=np.inf, **case)
    theirs = dict(solver="sgd", learning_rate_init=lr, learning_rate=schedule,
                  alpha=alpha, batch_size=batch_size, shuffle=False, tol=0.0,
                  n_iter_no_change=np.inf, **case)
    return ours, theirs


@pytest.mark.parametrize("case", sorted(SGD_CASES))
@pytest.mark.parametrize("alpha", [0.0, 1e-2])
def test_sgd_follows_mlpregressor(case, alpha, mini_batch_engine):
    X, y = _data()
    coefs, intercepts = _start_weights(X, y, (4,))
    # 70 samples in batches of 16: four full batches and a short one.
    lr = 0.5 if "invscaling" in case else 0.05
    ours, theirs = _sgd_params(case, lr, alpha, 16)
    est = _our_trajectory(coefs, intercepts, X, y, **ours)
    mlp = _mlp_trajectory(coefs, intercepts, X, y, hidden_layer_sizes=(4,), **theirs)
    assert est.n_iter_ == N_EPOCHS
    assert est.t_ == mlp.t_ == N_EPOCHS * X.shape[0]
    _assert_same_weights(est, mlp)
    assert_allclose(est.loss_curve_, mlp.loss_curve_, rtol=1e-10)
    # the trajectory moved: this is not a comparison of starting weights
    assert np.abs(est.coefs_[0] - coefs[0]).max() > 1e-2


@pytest.mark.parametrize(
    "params",
    [
        dict(beta_1=0.9, beta_2=0.999, epsilon=1e-8, alpha=0.0),
        dict(beta_1=0.8, beta_2=0.99, epsilon=1e-6, alpha=1e-2),
    ],
)
def test_adam_follows_mlpregressor(params, mini_batch_engine):
    X, y = _data()
    coefs, intercepts = _start_weights(X, y, (4,))
    common = dict(batch_size=16, shuffle=False, tol=0.0, n_iter_no_change=np.inf,
                  solver="adam", **params)
    est = _our_trajectory(coefs, intercepts, X, y, learning_rate=0.01, **common)
    mlp = _mlp_trajectory(coefs, intercepts, X, y, hidden_layer_sizes=(4,),
                          learning_rate_init=0.01, **common)
    _assert_same_weights(est, mlp)
    assert_allclose(est.loss_curve_, mlp.loss_curve_, rtol=1e-10)
    assert est._solver.t == 5 * N_EPOCHS  # one Adam step per mini-batch
    assert np.abs(est.coefs_[0] - coefs[0]).max() > 1e-2


def test_two_hidden_layers_and_several_outputs_follow_mlpregressor():
    # For several outputs MLPRegressor's *reported* loss is the mean over
    # outputs, 1/k of J, but the gradient it steps with is that of J: the
    # weights agree, and the loss curves differ by exactly that factor.
    X, y = _data(n_outputs=3)
    coefs, intercepts = _start_weights(X, y, (5, 3))
    ours, theirs = _sgd_params("nesterov", 0.05, 1e-3, 20)
    est = _our_trajectory(coefs, intercepts, X, y, **ours)
    mlp = _mlp_trajectory(coefs, intercepts, X, y, hidden_layer_sizes=(5, 3), **theirs)
    _assert_same_weights(est, mlp)
    if SKLEARN_VERSION >= (1, 7):
        # (1.6 also divided the L2 term by the number of outputs.)  Each
        # epoch's loss is the batches' losses before their steps, weighted by
        # their sizes; MLPRegressor divides the data part of each by k = 3
        # but not its L2 term alpha ||W_b||^2 / (2 n_b), so its curve is ours
        # / 3 + (2/3) sum_b alpha ||W_b||^2 / (2 n), with W_b the weights
        # before batch b (from the literal trajectory of
        # test_literal_oracles).  Both sides then sum the same numbers in
        # another order: 1e-12 is a thousandfold margin over the measured
        # 5e-16, where leaving out the L2 term is 6e-3 off.
        n = X.shape[0]
        penalty = np.zeros(N_EPOCHS)

        def on_batch(epoch, params):
            penalty[epoch - 1] += 1e-3 * sum(float((W**2).sum())
                                             for W in params[:3]) / (2 * n)

        literal_stochastic(coefs, intercepts, X, y, None, solver="sgd", lr=0.05,
                           momentum=0.9, nesterov=True, n_epochs=N_EPOCHS,
                           batch_size=20, alpha=1e-3, on_batch=on_batch)
        # the L2 part is a million times the tolerance: the check sees it
        assert np.min(penalty / np.asarray(est.loss_curve_)) > 1e-6
        assert_allclose(mlp.loss_curve_,
                        np.asarray(est.loss_curve_) / 3 + 2 / 3 * penalty,
                        rtol=1e-12)


def test_gd_schedules_follow_mlpregressor_full_batch():
    # 'gd' with a schedule runs the general epoch loop: full-batch steps,
    # i.e. MLPRegressor's sgd with batch_size=n_samples and no momentum.
    X, y = _data()
    coefs, intercepts = _start_weights(X, y, (3,))
    n = X.shape[0]
    est = _our_trajectory(coefs, intercepts, X, y, solver="gd", learning_rate=0.5,
                          learning_rate_schedule="invscaling", power_t=0.2,
                          alpha=1e-2, tol=0.0, n_iter_no_change=np.inf)
    mlp = _mlp_trajectory(coefs, intercepts, X, y, hidden_layer_sizes=(3,),
                          solver="sgd", learning_rate_init=0.5,
                          learning_rate="invscaling", power_t=0.2, momentum=0.0,
                          alpha=1e-2, batch_size=n, shuffle=False, tol=0.0,
                          n_iter_no_change=np.inf)
    _assert_same_weights(est, mlp)
    assert_allclose(est.loss_curve_, mlp.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("solver", ["gd", "sgd"])
def test_adaptive_schedule_and_stopping_follow_mlpregressor(solver,
                                                           mini_batch_engine):
    # tol=10 makes every epoch a non-improving one: every third epoch the
    # step size is divided by 5, until it is <= 1e-6 and training stops.
    # Both estimators must take the same decisions at the same epochs.
    X, y = _data()
    coefs, intercepts = _start_weights(X, y, (3,))
    batch = X.shape[0] if solver == "gd" else 16
    est = _our_trajectory(coefs, intercepts, X, y, solver=solver, learning_rate=0.05,
                          learning_rate_schedule="adaptive", momentum=0.0,
                          batch_size=batch, shuffle=False, tol=10.0,
                          n_iter_no_change=2)
    mlp = _mlp_trajectory(coefs, intercepts, X, y, hidden_layer_sizes=(3,),
                          solver="sgd", learning_rate_init=0.05,
                          learning_rate="adaptive", momentum=0.0, batch_size=batch,
                          shuffle=False, tol=10.0, n_iter_no_change=2, alpha=0.0)
    # Epoch 1 improves on nothing-so-far; from then on every third epoch
    # fires the rule: seven divisions (0.05 / 5**7 <= 1e-6), then the stop.
    assert est.n_iter_ == mlp.n_iter_ == 1 + 8 * 3
    assert est._solver.learning_rate == pytest.approx(0.05 / 5**7)
    _assert_same_weights(est, mlp)


@pytest.mark.skipif(SKLEARN_VERSION < (1, 7),
                    reason="MLPRegressor accepts sample_weight from 1.7 on")
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_sample_weighted_trajectory_follows_mlpregressor(solver, mini_batch_engine):
    X, y = _data()
    sw = np.random.RandomState(3).uniform(0.2, 3.0, X.shape[0])
    coefs, intercepts = _start_weights(X, y, (4,))
    common = dict(solver=solver, batch_size=16, shuffle=False, tol=0.0,
                  n_iter_no_change=np.inf, alpha=1e-2)
    if solver == "sgd":
        common["momentum"] = 0.9
    est = _our_trajectory(coefs, intercepts, X, y, sample_weight=sw,
                          learning_rate=0.02, **common)
    mlp = _mlp_trajectory(coefs, intercepts, X, y, sample_weight=sw,
                          hidden_layer_sizes=(4,), learning_rate_init=0.02, **common)
    _assert_same_weights(est, mlp)


def _fit_lbfgs_pair(est, mlp, X, y):
    """Fit ours and MLPRegressor with 'lbfgs', quietly: both may stop at max_iter."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
        # scikit-learn 1.6's MLPRegressor passes L-BFGS-B's `iprint`, which
        # newer scipy deprecates: not ours to fix
        warnings.simplefilter("ignore", DeprecationWarning)
        mlp.fit(X, y)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lbfgs_matches_mlpregressor_for_one_output(seed):
    # One output: both minimise the same function with the same gradient
    # from the same starting weights (same random_state), so L-BFGS takes the
    # same path.  Compared over 150 iterations: later, where the path crosses
    # flat regions, L-BFGS amplifies a last-bit difference of one summation
    # exponentially, and where that first appears depends on the CPU's BLAS
    # kernels (seed 1 on an AMD EPYC: 2e-12 apart at iteration 220, 4e-8 at
    # 260, 4e-3 at 300; bit for bit equal up to 200).
    X, y = _data(n_samples=150, seed=seed)
    params = dict(hidden_layer_sizes=(6,), alpha=1e-3, max_iter=150,
                  random_state=seed, tol=1e-7)
    est = SigmoidMLPRegressor(solver="lbfgs", **params)
    mlp = MLPRegressor(solver="lbfgs", activation="logistic", **params)
    _fit_lbfgs_pair(est, mlp, X, y)
    assert est.n_iter_ == mlp.n_iter_
    assert_allclose(est.loss_, mlp.loss_, rtol=1e-12)
    _assert_same_weights(est, mlp)


@pytest.mark.slow  # two L-BFGS runs to their own end (up to 2000 iterations)
@pytest.mark.parametrize("seed", [1, 4])
def test_lbfgs_no_worse_than_mlpregressor_for_several_outputs(seed):
    # Three outputs: MLPRegressor hands L-BFGS a loss that is not the
    # function of its gradient (sklearn #8349), and its line search gives up
    # early; ours minimises J itself.  The problem is not convex, so no
    # optimiser can promise a lower minimum on every data set; on these fixed
    # problems, run to each optimiser's own end, ours is lower on J.
    X, y = _data(n_samples=150, n_outputs=3, seed=seed)
    params = dict(hidden_layer_sizes=(6,), alpha=1e-3, max_iter=2000,
                  random_state=seed, tol=1e-7)
    est = SigmoidMLPRegressor(solver="lbfgs", **params)
    mlp = MLPRegressor(solver="lbfgs", activation="logistic", **params)
    _fit_lbfgs_pair(est, mlp, X, y)
    J = _network.loss_gradient
    ours = J(X, y, est.coefs_, est.intercepts_, None, 1e-3)[0]
    theirs = J(X, y, mlp.coefs_, mlp.intercepts_, None, 1e-3)[0]
    assert ours <= theirs
    assert est.loss_ == pytest.approx(ours, rel=1e-12)
    assert mlp.n_iter_ < est.n_iter_  # MLPRegressor's line search stopped early
