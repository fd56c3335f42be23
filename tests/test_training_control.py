"""Training control: solvers, schedules, stopping, validation, partial_fit,
warm_start, divergence, interrupts, sample weights, verbose output."""

import re
import warnings

import numpy as np
import pytest
import scipy.optimize
from _helpers import deck_split, scaled_data
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sigmoid_mlp._drivers as drivers
from sigmoid_mlp import SigmoidMLPRegressor, TrainingDivergedError, _network
from sigmoid_mlp._compiled import CompiledMiniBatch, CompiledObjective
from sigmoid_mlp._engines import ReferenceObjective
from sigmoid_mlp._kernels import FullBatchLossGradient
from sigmoid_mlp._minibatch import MiniBatchEngine

# Settings under which each solver fits the deck's problem.
SOLVER_PARAMS = {
    "gd": dict(solver="gd", learning_rate=0.5),
    "sgd": dict(solver="sgd", learning_rate=0.05),
    "adam": dict(solver="adam", learning_rate=0.01),
    "lbfgs": dict(solver="lbfgs"),
    "lm": dict(solver="lm"),
}
STOCHASTIC = ["gd", "sgd", "adam"]  # the solvers with epochs of steps


def weights_of(est):
    return [w.copy() for w in est.coefs_ + est.intercepts_]


def assert_weights_equal(a, b):
    for x, z in zip(a, b):
        assert_array_equal(x, z)


def fit_quietly(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


# ----------------------------------------------------------------- solvers
@pytest.mark.parametrize("solver", sorted(SOLVER_PARAMS))
def test_every_solver_fits_the_deck_problem(solver):
    X, y, X_test, y_test = deck_split()
    model = make_pipeline(
        StandardScaler(), SigmoidMLPRegressor(random_state=0, **SOLVER_PARAMS[solver])
    )
    model.fit(X, y)
    assert model.score(X_test, y_test) >= 0.95
    est = model[-1]
    assert len(est.loss_curve_) == est.n_iter_
    assert est.best_loss_ == min(est.loss_curve_)


# The deck's data standardised needs 50,044 gradient-descent epochs at the
# defaults (seed 0), just past max_iter='auto' (50,000): the budget's
# ConvergenceWarning is expected; the R^2 is what is tested.
@pytest.mark.filterwarnings(
    "ignore:.*maximum iterations:sklearn.exceptions.ConvergenceWarning")
def test_default_pipeline_reaches_r2_097_on_the_deck_problem():
    X, y, X_test, y_test = deck_split()
    model = make_pipeline(StandardScaler(), SigmoidMLPRegressor(random_state=0))
    assert model.fit(X, y).score(X_test, y_test) >= 0.97


def test_partial_fit_is_not_offered_for_lbfgs():
    assert hasattr(SigmoidMLPRegressor(), "partial_fit")
    for solver in STOCHASTIC:
        assert hasattr(SigmoidMLPRegressor(solver=solver), "partial_fit")
    assert not hasattr(SigmoidMLPRegressor(solver="lbfgs"), "partial_fit")
    with pytest.raises(AttributeError):
        _ = SigmoidMLPRegressor(solver="lbfgs").partial_fit


def test_sgd_batch_size_none_is_min_200_n(monkeypatch, mini_batch_engine):
    # Count the batches each epoch runs (the rows of each batch's targets).
    if mini_batch_engine == "compiled":
        pytest.skip("its batches run inside one compiled call (their rows are "
                    "checked by its trajectory tests in test_minibatch.py)")
    sizes = []
    if mini_batch_engine == "reference":
        original = ReferenceObjective.__init__

        def recording_init(self, X, y, sample_weight, alpha):
            sizes.append(X.shape[0])
            original(self, X, y, sample_weight, alpha)

        monkeypatch.setattr(ReferenceObjective, "__init__", recording_init)
        whole = 1  # the whole set once (the loss at the start and end)
    else:
        original = MiniBatchEngine._loss_gradient

        def recording(self, theta, views, Xb, yb, swb, bufs):
            sizes.append(yb.shape[0])
            return original(self, theta, views, Xb, yb, swb, bufs)

        monkeypatch.setattr(MiniBatchEngine, "_loss_gradient", recording)
        whole = 0
    X, y = scaled_data(n=450)
    SigmoidMLPRegressor(solver="sgd", learning_rate=0.01, shuffle=False,
                        max_iter=1).partial_fit(X, y)
    assert sizes == [450] * whole + [200, 200, 50]
    sizes.clear()
    X, y = scaled_data(n=90)
    SigmoidMLPRegressor(solver="sgd", learning_rate=0.01, batch_size=40,
                        shuffle=False).partial_fit(X, y)
    assert sizes == [90] * whole + [40, 40, 10]
    sizes.clear()
    SigmoidMLPRegressor(solver="adam", batch_size=500).partial_fit(X, y)
    assert sizes == [90] * whole + [90]  # larger than the data: one full batch


def test_shuffle_changes_the_trajectory_and_is_seeded():
    X, y = scaled_data()
    params = dict(solver="sgd", learning_rate=0.05, batch_size=10, max_iter=5,
                  tol=0.0, n_iter_no_change=np.inf)
    a = fit_quietly(SigmoidMLPRegressor(random_state=0, **params), X, y)
    b = fit_quietly(SigmoidMLPRegressor(random_state=0, **params), X, y)
    c = fit_quietly(SigmoidMLPRegressor(random_state=0, shuffle=False, **params),
                    X, y)
    assert_weights_equal(weights_of(a), weights_of(b))
    assert not np.allclose(a.coefs_[0], c.coefs_[0])


def test_lbfgs_objective_is_exact_for_several_outputs(monkeypatch):
    # The function handed to L-BFGS has exactly the gradient handed to it
    # (sklearn #8349: MLPRegressor's reported loss is 1/k of it).
    captured = {}
    original = drivers.minimize_lbfgs

    def capture(fun, x0, **kwargs):
        captured["fun"], captured["x0"] = fun, x0.copy()
        return original(fun, x0, **kwargs)

    monkeypatch.setattr(drivers, "minimize_lbfgs", capture)
    X, y = scaled_data(n_outputs=3)
    est = fit_quietly(SigmoidMLPRegressor((4,), solver="lbfgs", alpha=1e-2,
                                          max_iter=5, random_state=0), X, y)
    fun = captured["fun"]
    x0 = captured["x0"]
    err = scipy.optimize.check_grad(lambda x: fun(x)[0], lambda x: fun(x)[1], x0)
    assert err < 1e-6 * np.linalg.norm(fun(x0)[1])
    # and the reported loss_ is J itself, the same function
    assert est.loss_ == pytest.approx(est.loss_gradient(X, y).loss, rel=1e-12)


def test_lbfgs_warns_on_its_limits():
    X, y = scaled_data()
    with pytest.warns(ConvergenceWarning, match=r"max_iter=3"):
        est = SigmoidMLPRegressor(solver="lbfgs", max_iter=3, random_state=0).fit(X, y)
    assert est.n_iter_ == 3
    with pytest.warns(ConvergenceWarning, match=r"max_fun=4"):
        SigmoidMLPRegressor(solver="lbfgs", max_fun=4, random_state=0).fit(X, y)


def test_lbfgs_converges_without_warning_and_records_its_curve():
    X, y = scaled_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = SigmoidMLPRegressor(solver="lbfgs", tol=1e-5, random_state=0).fit(X, y)
    assert 1 < est.n_iter_ < 20000
    assert len(est.loss_curve_) == est.n_iter_
    assert est.loss_ <= est.loss_curve_[-1] <= est.loss_curve_[0]


@pytest.mark.parametrize("solver", sorted(SOLVER_PARAMS))
def test_float32_stays_float32_with_every_solver(solver):
    X, y = scaled_data()
    est = fit_quietly(SigmoidMLPRegressor(max_iter=20, random_state=0,
                                          **SOLVER_PARAMS[solver]),
                      X.astype(np.float32), y.astype(np.float32))
    assert all(w.dtype == np.float32 for w in est.coefs_ + est.intercepts_)
    assert est.predict(X.astype(np.float32)).dtype == np.float32


# --------------------------------------------------------------- schedules
def test_invscaling_step_size_follows_samples_seen():
    X, y = scaled_data(n=50)
    est = SigmoidMLPRegressor(learning_rate=0.4, learning_rate_schedule="invscaling",
                              power_t=0.5, random_state=0)
    for k in range(3):
        assert est.partial_fit(X, y).t_ == 50 * (k + 1)
        assert est._solver.learning_rate == pytest.approx(0.4 / (est.t_ + 1) ** 0.5)


def test_adaptive_schedule_keeps_training_after_the_rule_fires():
    X, y = scaled_data()
    params = dict(learning_rate=0.5, tol=1e-4, n_iter_no_change=3, random_state=0,
                  max_iter=3000)
    constant = fit_quietly(SigmoidMLPRegressor(**params), X, y)
    adaptive = fit_quietly(
        SigmoidMLPRegressor(learning_rate_schedule="adaptive", **params), X, y
    )
    # the constant schedule stops when the rule first fires; the adaptive one
    # divides the step size by 5 instead and continues
    assert adaptive.n_iter_ > constant.n_iter_
    assert adaptive._solver.learning_rate < 0.5 / 5
    assert_allclose(adaptive.loss_curve_[: constant.n_iter_], constant.loss_curve_)


# ----------------------------------------------- validation, early stopping
def noisy_problem(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(150, 4)
    y = np.sin(X[:, 0]) + 0.8 * rng.randn(150)
    X_val = rng.randn(150, 4)
    y_val = np.sin(X_val[:, 0]) + 0.8 * rng.randn(150)
    return X, y, X_val, y_val


@pytest.mark.parametrize("solver", sorted(SOLVER_PARAMS))
def test_early_stopping_restores_the_best_validation_epoch(solver):
    X, y, X_val, y_val = noisy_problem()
    params = dict(SOLVER_PARAMS[solver], hidden_layer_sizes=(20,),
                  early_stopping=True, tol=0.0, n_iter_no_change=5,
                  random_state=0, max_iter=5000)
    est = fit_quietly(SigmoidMLPRegressor(**params), X, y, X_val=X_val, y_val=y_val)
    curve = est.validation_loss_curve_
    assert len(curve) == est.n_iter_ < 5000
    assert est.best_validation_loss_ == min(curve)
    # with tol=0 the last n_iter_no_change + 1 epochs did not improve
    assert int(np.argmin(curve)) == len(curve) - params["n_iter_no_change"] - 2
    # the final weights are those of the best epoch: their validation loss
    # is the best one, and their R^2 the recorded best score
    val_loss = _network.squared_error(
        y_val.reshape(-1, 1), est.predict(X_val).reshape(-1, 1)
    )
    assert val_loss == pytest.approx(est.best_validation_loss_, rel=1e-10)
    assert est.best_validation_score_ == pytest.approx(
        r2_score(y_val, est.predict(X_val)), rel=1e-10
    )
    assert len(est.validation_scores_) == est.n_iter_
    assert est.best_validation_score_ == est.validation_scores_[int(np.argmin(curve))]


def test_validation_scores_match_r2_score_every_epoch():
    X, y, X_val, y_val = noisy_problem()
    sw_val = np.random.RandomState(0).uniform(0.5, 2, len(y_val))
    scores = []
    for k in range(1, 6):
        # the R^2 after epoch k is that of a fit of k epochs
        est = SigmoidMLPRegressor(max_iter=k, random_state=0, n_iter_no_change=np.inf)
        fit_quietly(est, X, y, X_val=X_val, y_val=y_val, sample_weight_val=sw_val)
        scores.append(r2_score(y_val, est.predict(X_val), sample_weight=sw_val))
    assert_allclose(est.validation_scores_, scores, rtol=1e-10)
    assert len(set(scores)) == 5


def test_validation_loss_is_the_training_objective_on_the_validation_set():
    X, y, X_val, y_val = noisy_problem()
    est = fit_quietly(
        SigmoidMLPRegressor(alpha=0.1, max_iter=3, random_state=0), X, y,
        X_val=X_val, y_val=y_val,
    )
    J_val = est.loss_gradient(X_val, y_val).loss  # includes alpha/(2n) ||W||^2
    assert est.validation_loss_curve_[-1] == pytest.approx(J_val, rel=1e-12)


def test_x_val_without_early_stopping_only_monitors():
    X, y, X_val, y_val = noisy_problem()
    params = dict(max_iter=300, random_state=0, tol=0.0, n_iter_no_change=np.inf)
    plain = fit_quietly(SigmoidMLPRegressor(**params), X, y)
    monitored = fit_quietly(SigmoidMLPRegressor(**params), X, y, X_val=X_val,
                            y_val=y_val)
    assert plain.validation_loss_curve_ is None
    assert len(monitored.validation_loss_curve_) == 300
    # training is not affected, and the final weights are the last ones
    for a, b in zip(weights_of(plain), weights_of(monitored)):
        assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_internal_validation_split():
    X, y, _, _ = noisy_problem()
    params = dict(early_stopping=True, validation_fraction=0.2, random_state=0,
                  max_iter=500)
    a = fit_quietly(SigmoidMLPRegressor(**params), X, y)
    b = fit_quietly(SigmoidMLPRegressor(**params), X, y)
    assert_weights_equal(weights_of(a), weights_of(b))
    assert a.validation_loss_curve_ == b.validation_loss_curve_
    # 30 of the 150 samples held out: the training loss is over 120 samples,
    # so it differs from the loss on all data
    assert a.t_ == 120 * a.n_iter_


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(X_val=np.zeros((3, 4))), "both X_val and y_val"),
        (dict(y_val=np.zeros(3)), "both X_val and y_val"),
        (dict(sample_weight_val=np.ones(3)), "sample_weight_val was given"),
        (dict(X_val=np.zeros((3, 2)), y_val=np.zeros(3)), "features"),
        (dict(X_val=np.zeros((3, 4)), y_val=np.zeros((3, 2))), "outputs"),
        (dict(X_val=np.zeros((3, 4)), y_val=np.zeros(3),
              sample_weight_val=np.ones(2)), "sample_weight"),
    ],
)
def test_bad_validation_sets_are_rejected(kwargs, match):
    X, y, _, _ = noisy_problem()
    with pytest.raises(ValueError, match=match):
        SigmoidMLPRegressor(max_iter=2).fit(X, y, **kwargs)


def test_validation_split_too_small():
    X, y = scaled_data(n=10)
    with pytest.raises(ValueError, match="at least 2"):
        SigmoidMLPRegressor(early_stopping=True, validation_fraction=0.1).fit(X, y)


def test_partial_fit_refuses_early_stopping():
    X, y = scaled_data()
    with pytest.raises(ValueError, match="early_stopping"):
        SigmoidMLPRegressor(early_stopping=True).partial_fit(X, y)


# ------------------------------------------------- partial_fit, warm_start
PARTIAL_CASES = {
    "gd": dict(learning_rate=0.5),
    "gd-invscaling": dict(learning_rate=0.5, learning_rate_schedule="invscaling"),
    "gd-adaptive": dict(learning_rate=0.5, learning_rate_schedule="adaptive",
                        tol=1e-2, n_iter_no_change=2),
    "sgd-shuffled": dict(solver="sgd", learning_rate=0.05, batch_size=16),
    "sgd-invscaling": dict(solver="sgd", learning_rate=0.2, batch_size=16,
                           learning_rate_schedule="invscaling", power_t=0.3),
    "adam": dict(solver="adam", learning_rate=0.01, batch_size=16),
}


@pytest.mark.parametrize("case", sorted(PARTIAL_CASES))
def test_k_partial_fits_equal_a_fit_of_k_epochs(case):
    X, y = scaled_data()
    sw = np.random.RandomState(1).uniform(0.5, 2.0, len(y))
    params = dict(random_state=0, max_iter=12, **PARTIAL_CASES[case])
    if "adaptive" not in case:
        params.update(tol=0.0, n_iter_no_change=np.inf)
    fitted = fit_quietly(SigmoidMLPRegressor(**params), X, y, sample_weight=sw)
    assert fitted.n_iter_ == 12
    streamed = SigmoidMLPRegressor(**params)
    for _ in range(12):
        streamed.partial_fit(X, y, sample_weight=sw)
    assert_weights_equal(weights_of(streamed), weights_of(fitted))
    assert streamed.loss_curve_ == fitted.loss_curve_
    assert streamed.n_iter_ == 12 and streamed.t_ == fitted.t_


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_warm_start_continues_the_optimisation(solver):
    # fit(k) then warm fit(m) == fit(k + m): weights, momentum / Adam
    # moments and the shuffling generator all carry over.
    X, y = scaled_data()
    params = dict(SOLVER_PARAMS[solver], batch_size=16, random_state=0, tol=0.0,
                  n_iter_no_change=np.inf)
    whole = fit_quietly(SigmoidMLPRegressor(max_iter=10, **params), X, y)
    warm = fit_quietly(SigmoidMLPRegressor(max_iter=4, warm_start=True, **params),
                       X, y)
    fit_quietly(warm.set_params(max_iter=6), X, y)
    assert warm.n_iter_ == 10
    assert_weights_equal(weights_of(warm), weights_of(whole))
    assert warm.loss_curve_ == whole.loss_curve_


def test_warm_start_with_changed_solver_settings_starts_a_fresh_solver():
    X, y = scaled_data()
    params = dict(solver="sgd", batch_size=16, shuffle=False, tol=0.0,
                  n_iter_no_change=np.inf, random_state=0)
    est = fit_quietly(SigmoidMLPRegressor(learning_rate=0.05, max_iter=4,
                                          warm_start=True, **params), X, y)
    start = weights_of(est)
    n = len(est.coefs_)
    fit_quietly(est.set_params(learning_rate=0.02), X, y)
    fresh = SigmoidMLPRegressor.from_weights(
        start[:n], start[n:], learning_rate=0.02, max_iter=4, warm_start=True,
        **params,
    )
    fit_quietly(fresh, X, y)
    assert_weights_equal(weights_of(est), weights_of(fresh))


def test_warm_start_false_forgets_everything():
    X, y = scaled_data()
    est = SigmoidMLPRegressor(solver="sgd", learning_rate=0.05, random_state=0,
                              max_iter=5)
    first = weights_of(fit_quietly(est, X, y))
    fit_quietly(est, X[:50], y[:50])
    fit_quietly(est, X, y)
    assert_weights_equal(weights_of(est), first)
    assert est.n_iter_ == 5


# -------------------------------------------------------------- divergence
DIVERGING = {
    "gd": dict(solver="gd", learning_rate=1e6),
    "gd-invscaling": dict(solver="gd", learning_rate=1e6,
                          learning_rate_schedule="invscaling"),
    "sgd": dict(solver="sgd", learning_rate=1e6, batch_size=10),
    "adam": dict(solver="adam", learning_rate=1e6, batch_size=10),
}


@pytest.mark.parametrize("case", sorted(DIVERGING))
def test_divergence_is_caught_within_the_epoch(case):
    X, y = scaled_data()
    est = SigmoidMLPRegressor(random_state=0, **DIVERGING[case])
    with pytest.raises(TrainingDivergedError) as info:
        est.fit(X, y)
    err = info.value
    message = str(err)
    solver = DIVERGING[case]["solver"]
    assert f"solver={solver!r}" in message
    assert "learning_rate=1000000.0" in message and "epoch 1 " in message
    assert "lower learning_rate" in message
    # the first step blew the loss up; the error names that step's epoch and
    # step size
    assert err.solver == solver and err.epoch == 1 and err.learning_rate == 1e6
    if solver == "gd":
        # one step per epoch: the blown-up loss is the next epoch's first
        # evaluation, which stops training before its step
        assert len(err.loss_curve) == 1
    else:
        # caught on the next mini-batch, within the first epoch
        assert err.loss_curve == []
    assert all(np.isfinite(w).all() for w in err.coefs + err.intercepts)
    assert not hasattr(est, "coefs_")


def test_lbfgs_divergence_on_huge_inputs():
    X, y = scaled_data()
    est = SigmoidMLPRegressor(solver="lbfgs", random_state=0)
    with pytest.raises(TrainingDivergedError, match="solver='lbfgs'") as info:
        est.fit(X * 1e300, y * 1e300)
    assert "standardise" in str(info.value)
    assert all(np.isfinite(w).all() for w in info.value.coefs)
    assert not hasattr(est, "coefs_")


@pytest.mark.parametrize("case", sorted(DIVERGING))
def test_diverging_fit_and_partial_fit_change_nothing(case):
    X, y = scaled_data()
    params = dict(DIVERGING[case], learning_rate=0.01, random_state=0, max_iter=3)
    est = fit_quietly(SigmoidMLPRegressor(**params), X, y)
    before = weights_of(est)
    attributes = {k: v for k, v in vars(est).items() if k.endswith("_")}
    est.set_params(learning_rate=1e6)
    with pytest.raises(TrainingDivergedError):
        est.partial_fit(X, y)
    with pytest.raises(TrainingDivergedError):
        est.set_params(warm_start=True).fit(X, y)
    assert_weights_equal(weights_of(est), before)
    for key, value in attributes.items():
        if key not in ("coefs_", "intercepts_"):
            assert getattr(est, key) == value or (
                value is None and getattr(est, key) is None
            )
    # and the model still continues normally
    est.set_params(learning_rate=0.01).partial_fit(X, y)
    assert est.n_iter_ == 4


# --------------------------------------------------------- KeyboardInterrupt
def interrupt_on_call(monkeypatch, n):
    """Make the n-th loss/gradient evaluation raise KeyboardInterrupt.

    The reference objective and the numpy mini-batch engine evaluate once
    per batch, the compiled one once per epoch (``run_epoch``); the
    full-batch engines, when they run one epoch at a time (a validation set,
    verbose output, callbacks), once per ``gd_epochs`` call.
    """
    calls = {"n": 0}

    def interrupting(original):
        def wrapper(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == n:
                raise KeyboardInterrupt
            return original(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(ReferenceObjective, "loss_gradient",
                        interrupting(ReferenceObjective.loss_gradient))
    monkeypatch.setattr(MiniBatchEngine, "_loss_gradient",
                        interrupting(MiniBatchEngine._loss_gradient))
    # the compiled mini-batch engine runs a whole epoch per call
    monkeypatch.setattr(CompiledMiniBatch, "run_epoch",
                        interrupting(CompiledMiniBatch.run_epoch))
    for engine in (FullBatchLossGradient, CompiledObjective):
        monkeypatch.setattr(engine, "gd_epochs", interrupting(engine.gd_epochs))


@pytest.mark.parametrize(
    "params, calls_per_epoch",
    [
        (dict(solver="gd", learning_rate=0.5, learning_rate_schedule="adaptive"), 1),
        (dict(solver="sgd", learning_rate=0.05, batch_size=16), 8),
        (dict(solver="adam", learning_rate=0.01, batch_size=16), 8),
    ],
)
def test_keyboard_interrupt_keeps_the_last_complete_epoch(monkeypatch, params,
                                                          calls_per_epoch,
                                                          mini_batch_engine):
    X, y = scaled_data()  # 120 samples: 8 batches of 16 (the last one 8)
    if mini_batch_engine == "compiled":
        calls_per_epoch = 1
    common = dict(random_state=0, tol=0.0, n_iter_no_change=np.inf, **params)
    reference = fit_quietly(SigmoidMLPRegressor(max_iter=3, **common), X, y)
    # interrupt in the middle of the fourth epoch
    interrupt_on_call(monkeypatch, 3 * calls_per_epoch + max(1, calls_per_epoch // 2))
    est = SigmoidMLPRegressor(max_iter=100, **common)
    with pytest.warns(UserWarning, match="interrupted"):
        est.fit(X, y)
    assert est.n_iter_ == 3
    assert_weights_equal(weights_of(est), weights_of(reference))
    monkeypatch.undo()
    # a usable, fitted model that can continue
    assert np.isfinite(est.predict(X)).all()
    # the optimizer state is that of the end of epoch 3 as well
    reference.partial_fit(X, y)
    est.partial_fit(X, y)
    assert_weights_equal(weights_of(est), weights_of(reference))


def test_keyboard_interrupt_in_the_fast_gd_loop(monkeypatch):
    # Plain gd runs in the kernel loop; deliver the interrupt from its
    # per-epoch hook (the verbose line), after the third epoch is complete.
    X, y = scaled_data()
    common = dict(random_state=0, tol=0.0, n_iter_no_change=np.inf)
    reference = fit_quietly(SigmoidMLPRegressor(max_iter=3, **common), X, y)
    lines = []

    def interrupting_print(*args, **kwargs):
        lines.append(args)
        if len(lines) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr("sigmoid_mlp._protocol.print", interrupting_print,
                        raising=False)
    est = SigmoidMLPRegressor(max_iter=100, verbose=True, **common)
    with pytest.warns(UserWarning, match="interrupted"):
        est.fit(X, y)
    assert est.n_iter_ == 3
    assert_weights_equal(weights_of(est), weights_of(reference))
    assert np.isfinite(est.predict(X)).all()


def test_keyboard_interrupt_in_lbfgs_keeps_the_last_iteration(monkeypatch):
    X, y = scaled_data()
    est = SigmoidMLPRegressor(solver="lbfgs", random_state=0, max_iter=1000)
    interrupt_on_call(monkeypatch, 15)
    with pytest.warns(UserWarning, match="interrupted"):
        est.fit(X, y)
    monkeypatch.undo()
    assert 0 < est.n_iter_ < 15
    reference = fit_quietly(
        SigmoidMLPRegressor(solver="lbfgs", random_state=0, max_iter=est.n_iter_), X, y
    )
    for a, b in zip(weights_of(est), weights_of(reference)):
        assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert np.isfinite(est.predict(X)).all()


def test_keyboard_interrupt_in_partial_fit_changes_nothing(monkeypatch,
                                                           mini_batch_engine):
    X, y = scaled_data()
    est = SigmoidMLPRegressor(solver="sgd", learning_rate=0.05, batch_size=16,
                              random_state=0).partial_fit(X, y)
    before = weights_of(est)
    interrupt_on_call(monkeypatch, 1 if mini_batch_engine == "compiled" else 3)
    with pytest.raises(KeyboardInterrupt):
        est.partial_fit(X, y)
    monkeypatch.undo()
    assert_weights_equal(weights_of(est), before)
    assert est.n_iter_ == 1


# ----------------------------------------------------------- sample weights
@pytest.mark.parametrize("solver", sorted(SOLVER_PARAMS))
def test_sample_weights_equal_repeated_rows(solver):
    X, y = scaled_data(n=40)
    sw = np.random.RandomState(0).randint(0, 3, len(y))
    sw[:2] = [0, 2]
    X_rep, y_rep = np.repeat(X, sw, axis=0), np.repeat(y, sw)
    params = dict(SOLVER_PARAMS[solver], random_state=0, max_iter=30,
                  shuffle=False, batch_size=1000)
    a = fit_quietly(SigmoidMLPRegressor(**params), X, y, sample_weight=sw)
    b = fit_quietly(SigmoidMLPRegressor(**params), X_rep, y_rep)
    for p, q in zip(weights_of(a), weights_of(b)):
        assert_allclose(p, q, rtol=1e-7, atol=1e-9)
    c = fit_quietly(SigmoidMLPRegressor(**params), X, y)
    assert not np.allclose(a.coefs_[0], c.coefs_[0])


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_mini_batch_losses_are_weighted(solver):
    X, y = scaled_data(n=64)
    sw = np.random.RandomState(0).uniform(0.1, 3.0, len(y))
    est = SigmoidMLPRegressor(random_state=0, batch_size=16, shuffle=False,
                              **SOLVER_PARAMS[solver])
    start = weights_of(est.partial_fit(X[:1], y[:1]))
    n = len(est.coefs_)
    est = SigmoidMLPRegressor.from_weights(start[:n], start[n:], batch_size=16,
                                           shuffle=False, **SOLVER_PARAMS[solver])
    est.partial_fit(X, y, sample_weight=sw)
    # recompute the epoch by hand: batch losses J_B before each step,
    # averaged with the batch weights S_B / S
    replay = SigmoidMLPRegressor.from_weights(start[:n], start[n:], batch_size=16,
                                              shuffle=False, **SOLVER_PARAMS[solver])
    total = 0.0
    for s in range(0, 64, 16):
        rows = slice(s, s + 16)
        total += replay.loss_gradient(X[rows], y[rows], sw[rows]).loss * sw[rows].sum()
        replay.partial_fit(X[rows], y[rows], sample_weight=sw[rows])
    assert est.loss_curve_[0] == pytest.approx(total / sw.sum(), rel=1e-12)


# ---------------------------------------------------------------- verbose
@pytest.mark.parametrize("solver", sorted(SOLVER_PARAMS))
def test_verbose_prints_one_line_per_epoch(solver, capsys):
    X, y, X_val, y_val = noisy_problem()
    est = fit_quietly(
        SigmoidMLPRegressor(verbose=True, max_iter=6, random_state=0,
                            **SOLVER_PARAMS[solver]),
        X, y, X_val=X_val, y_val=y_val,
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == est.n_iter_
    pattern = re.compile(
        r"Epoch (\d+): loss = ([\d.e+-]+), validation loss = ([\d.e+-]+), "
        r"elapsed = [\d.]+s"
    )
    for k, line in enumerate(lines, start=1):
        match = pattern.fullmatch(line)
        assert match, line
        assert int(match.group(1)) == k
        assert float(match.group(2)) == pytest.approx(est.loss_curve_[k - 1], rel=1e-7)
        assert float(match.group(3)) == pytest.approx(
            est.validation_loss_curve_[k - 1], rel=1e-7
        )


def test_verbose_fast_path_without_validation(capsys):
    X, y = scaled_data()
    est = fit_quietly(SigmoidMLPRegressor(verbose=True, max_iter=4), X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == est.n_iter_ == 4
    assert all(re.fullmatch(r"Epoch \d+: loss = \S+, elapsed = [\d.]+s", ln)
               for ln in lines)


# ------------------------------------------------------ parameter checking
@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(solver="newton"), ValueError, "solver must be one of"),
        (dict(learning_rate_schedule="cosine"), ValueError, "learning_rate_schedule"),
        (dict(power_t=-1.0), ValueError, "power_t"),
        (dict(batch_size=0), ValueError, "batch_size"),
        (dict(batch_size=2.5), TypeError, "batch_size"),
        (dict(momentum=1.5), ValueError, "momentum"),
        (dict(momentum=-0.1), ValueError, "momentum"),
        (dict(beta_1=1.0), ValueError, "beta_1"),
        (dict(beta_2=-0.1), ValueError, "beta_2"),
        (dict(epsilon=0.0), ValueError, "epsilon"),
        (dict(max_fun=0), ValueError, "max_fun"),
        (dict(validation_fraction=1.0), ValueError, "validation_fraction"),
        (dict(validation_fraction=0.0), ValueError, "validation_fraction"),
        (dict(shuffle="yes"), TypeError, "shuffle"),
        (dict(early_stopping=None), TypeError, "early_stopping"),
        (dict(nesterovs_momentum="no"), TypeError, "nesterovs_momentum"),
    ],
)
def test_invalid_training_parameters(params, error, match):
    X, y = scaled_data(n=20)
    with pytest.raises(error, match=match):
        SigmoidMLPRegressor(**params).fit(X, y)


def test_warm_start_restarts_the_adaptive_step_size_and_the_stopping_count():
    X, y = scaled_data()
    est = fit_quietly(
        SigmoidMLPRegressor(learning_rate=0.5, learning_rate_schedule="adaptive",
                            tol=10.0, n_iter_no_change=1, max_iter=40,
                            warm_start=True, random_state=0),
        X, y,
    )
    assert est._solver.learning_rate < 0.5 / 5  # divided down
    n_before = est.n_iter_
    fit_quietly(est.set_params(max_iter=1), X, y)
    assert est._solver.learning_rate == 0.5  # the new fit starts again
    assert est.n_iter_ == n_before + 1


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_pickled_mid_stream_model_continues_identically(solver):
    import pickle

    X, y = scaled_data()
    est = SigmoidMLPRegressor(random_state=0, batch_size=16, **SOLVER_PARAMS[solver])
    for _ in range(3):
        est.partial_fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    for _ in range(2):
        est.partial_fit(X, y)
        restored.partial_fit(X, y)
    assert_weights_equal(weights_of(est), weights_of(restored))


def test_keyboard_interrupt_with_early_stopping_keeps_the_best_epoch(monkeypatch):
    X, y, X_val, y_val = noisy_problem()
    params = dict(hidden_layer_sizes=(20,), early_stopping=True, tol=0.0,
                  n_iter_no_change=np.inf, random_state=0)
    # full-batch gd: one loss/gradient evaluation per epoch; interrupt the
    # 41st epoch
    interrupt_on_call(monkeypatch, 41)
    est = SigmoidMLPRegressor(max_iter=1000, **params)
    with pytest.warns(UserWarning, match="best validation loss"):
        est.fit(X, y, X_val=X_val, y_val=y_val)
    monkeypatch.undo()
    assert est.n_iter_ == 40 == len(est.validation_loss_curve_)
    reference = fit_quietly(SigmoidMLPRegressor(max_iter=40, **params), X, y,
                            X_val=X_val, y_val=y_val)
    assert_weights_equal(weights_of(est), weights_of(reference))


def test_validation_set_through_a_pipeline_is_transformed_like_x():
    # Pipeline(transform_input=["X_val"]) (metadata routing) scales X_val
    # with the fitted scaler before it reaches the network.
    import sklearn

    X, y, X_val, y_val = noisy_problem()
    X, X_val = 10 * X + 5, 10 * X_val + 5
    with sklearn.config_context(enable_metadata_routing=True):
        net = SigmoidMLPRegressor(max_iter=5, random_state=0)
        net.set_fit_request(X_val=True, y_val=True)
        try:
            pipe = make_pipeline(StandardScaler(), net, transform_input=["X_val"])
        except TypeError:
            pytest.skip("Pipeline(transform_input=...) needs a newer scikit-learn")
        fit_quietly(pipe, X, y, X_val=X_val, y_val=y_val)
    J_val = net.loss_gradient(pipe[0].transform(X_val), y_val).loss
    assert net.validation_loss_curve_[-1] == pytest.approx(J_val, rel=1e-12)
