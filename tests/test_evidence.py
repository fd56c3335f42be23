"""The evidence framework: alpha='auto', return_std, n_init, normalize_y, lm's size guard."""

import copy
import io
import math
import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state

from sigmoid_mlp import SigmoidMLPRegressor, _evidence, _network, _plan
from sigmoid_mlp import _fitting as fitting
from sigmoid_mlp import _regressor as regressor_module


def _problem(n=80, n_outputs=1, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-2, 2, size=(n, 2))
    y = np.sin(X[:, :1] * 1.5) + 0.3 * X[:, 1:] + 0.1 * rng.randn(n, 1)
    if n_outputs > 1:
        y = np.hstack([y, np.cos(X[:, :1]) + 0.1 * rng.randn(n, 1)])
    else:
        y = y.ravel()
    return X, 10.0 * y + 50.0  # a target far from unit scale


def _auto(**params):
    return SigmoidMLPRegressor((4,), solver="lm", alpha="auto", random_state=0,
                               **params)


# ------------------------------------------------------------ pure functions
def _linear_case(seed=0, n=30, d=3):
    """A linear-in-weights model: design [X, 1], coefficients then intercept."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    y = X @ rng.randn(d) + 0.5 + 0.3 * rng.randn(n)
    design = np.hstack([X, np.ones((n, 1))])
    penalised = np.r_[np.ones(d), 0.0]
    return X, y, design, penalised


def _mode(design, y, penalised, alpha):
    C = design.T @ design + np.diag(alpha * penalised)
    w = np.linalg.solve(C, design.T @ y)
    return w, 0.5 * float(np.sum((y - design @ w) ** 2))


def _exact_log_marginal(X, y, alpha_m, beta):
    """ln of the integral of N(y; Xw + b, 1/beta) N(w; 0, 1/alpha_m) db dw.

    The intercept b has a flat prior of unit density; computed by marginalising
    w (y ~ N(b 1, K)) and then b in closed form, independently of _evidence.
    """
    n = y.size
    K = np.eye(n) / beta + X @ X.T / alpha_m
    Kinv = np.linalg.inv(K)
    one = np.ones(n)
    a = one @ Kinv @ one
    quad = y @ Kinv @ y - (one @ Kinv @ y) ** 2 / a
    return (-0.5 * (n - 1) * math.log(2 * math.pi) - 0.5 * np.linalg.slogdet(K)[1]
            - 0.5 * math.log(a) - 0.5 * quad)


@pytest.mark.parametrize("alpha", [1e-3, 0.3, 5.0])
def test_log_evidence_is_the_exact_marginal_likelihood_of_a_linear_model(alpha):
    # The Laplace approximation is exact when the model is linear in the weights.
    X, y, design, penalised = _linear_case()
    w, e_data = _mode(design, y, penalised, alpha)
    beta = 2.7
    post = _evidence.posterior(design.T @ design, w, penalised, e_data, y.size,
                               alpha, beta=beta, intercept_floor=0.0)
    assert post.log_evidence == pytest.approx(
        _exact_log_marginal(X, y, alpha * beta, beta), rel=1e-10)


def test_reestimation_reaches_the_maximum_of_the_exact_evidence():
    X, y, design, penalised = _linear_case(seed=1)
    G = design.T @ design
    alpha = 1.0
    for _ in range(500):
        w, e_data = _mode(design, y, penalised, alpha)
        C = G + np.diag(alpha * penalised)
        L, _ = _evidence.regularised_cholesky(C, penalised, alpha, 0.0)
        gamma = _evidence.effective_parameters(L, penalised, alpha)
        e_weights = 0.5 * float((penalised * w) @ w)
        alpha, alpha_m, beta = _evidence.reestimate(gamma, e_data, e_weights,
                                                    y.size, 1)
    # stationary in log alpha_M and log beta (central differences)
    h = 1e-5
    for da, db in ((h, 0), (0, h)):
        up = _exact_log_marginal(X, y, alpha_m * math.exp(da), beta * math.exp(db))
        down = _exact_log_marginal(X, y, alpha_m * math.exp(-da),
                                   beta * math.exp(-db))
        assert abs(up - down) / (2 * h) < 1e-5
    # and no nearby pair is better
    best = _exact_log_marginal(X, y, alpha_m, beta)
    for fa in (0.8, 1.25):
        for fb in (0.9, 1.1):
            assert _exact_log_marginal(X, y, alpha_m * fa, beta * fb) < best


def test_gamma_matches_a_dense_computation_and_lies_in_its_range():
    rng = np.random.RandomState(0)
    B = rng.randn(40, 9)
    G = B.T @ B
    penalised = np.r_[np.ones(6), np.zeros(3)]
    for alpha in (1e-6, 0.1, 10.0, 1e6):
        C = G + np.diag(alpha * penalised)
        L, log_det = _evidence.regularised_cholesky(C, penalised, alpha, 0.0)
        gamma = _evidence.effective_parameters(L, penalised, alpha)
        dense = 6 - alpha * np.trace(np.diag(penalised) @ np.linalg.inv(C))
        assert gamma == pytest.approx(dense, rel=1e-8, abs=1e-8)
        assert log_det == pytest.approx(np.linalg.slogdet(C)[1], rel=1e-10)
        assert 0 <= gamma <= 6
    # gamma falls as the prior gets stronger
    gammas = []
    for alpha in (1e-3, 1e-1, 1e1, 1e3):
        L, _ = _evidence.regularised_cholesky(G + np.diag(alpha * penalised),
                                              penalised, alpha)
        gammas.append(_evidence.effective_parameters(L, penalised, alpha))
    assert np.all(np.diff(gammas) < 0)


def test_an_undetermined_intercept_is_floored_not_infinite():
    # a hidden unit's bias the data do not see: a zero row and column in G
    rng = np.random.RandomState(0)
    B = rng.randn(30, 4)
    G = np.zeros((5, 5))
    G[:4, :4] = B.T @ B
    penalised = np.r_[np.ones(4), 0.0]
    post = _evidence.posterior(G, np.ones(5), penalised, 3.0, 30, 0.5)
    assert np.isfinite(post.log_evidence)
    # its posterior variance is 1/INTERCEPT_FLOOR times a coefficient's prior's
    cov = post.covariance_factor @ post.covariance_factor.T
    assert cov[4, 4] == pytest.approx(1 / (_evidence.INTERCEPT_FLOOR * post.alpha_m))


def test_predictive_variance_is_noise_plus_jacobian_covariance():
    rng = np.random.RandomState(0)
    B = rng.randn(50, 6)
    A = B.T @ B + np.eye(6)
    factor = np.linalg.cholesky(np.linalg.inv(A))
    jac = rng.randn(7, 2, 6)
    scale2 = 0.25 + np.einsum("ikp,pq,ikq->ik", jac, np.linalg.inv(A), jac)
    # a Student t with nu degrees of freedom and scale s: variance s^2 nu/(nu-2)
    got = _evidence.predictive_variance(jac, factor, 4.0, 12.0)
    np.testing.assert_allclose(got, scale2 * 12.0 / 10.0, rtol=1e-12)
    # the t's variance is infinite at nu <= 2
    for dof in (2.0, 1.5):
        assert np.all(np.isinf(_evidence.predictive_variance(jac, factor, 4.0, dof)))


def test_residual_dof_is_what_beta_divides():
    gamma, e_data = 5.5, 3.0
    dof = _evidence.residual_dof(40.0, 2.0, gamma)
    assert dof == 40.0 - 2.0 - gamma
    _, _, beta = _evidence.reestimate(gamma, e_data, 1.0, 40.0, 2.0)
    assert beta == pytest.approx(dof / (2 * e_data))
    # the guard: at least min(1, N/2)
    assert _evidence.residual_dof(10.0, 2.0, 9.5) == 1.0
    assert _evidence.residual_dof(1.0, 0.0, 3.0) == 0.5


# --------------------------------------------------------------- alpha='auto'
def test_auto_sets_the_evidence_attributes():
    X, y = _problem()
    est = _auto(normalize_y=True).fit(X, y)
    # under alpha='auto' the prior covers every weight, intercepts included
    n_weights = 2 * 4 + 4 * 1 + 4 + 1
    assert 0 < est.effective_n_params_ < n_weights
    assert est.alpha_ > 0
    assert np.isfinite(est.log_evidence_)
    # the noise is about the one the data were made with (0.1 * 10 = 1)
    assert 0.5 < est.noise_variance_ < 2.0
    assert est.n_iter_ <= 1000


def test_auto_alpha_is_a_fixed_point_and_states_the_objective():
    X, y = _problem()
    est = _auto().fit(X, y)
    # the objective of alpha='auto': the L2 term over every weight
    loss, coef_grads, intercept_grads = est.loss_gradient(X, y)
    plain = _network.loss_gradient(X, y.reshape(-1, 1), est.coefs_,
                                   est.intercepts_, alpha=est.alpha_)
    S = X.shape[0]
    bias_term = 0.5 * est.alpha_ * sum((b**2).sum() for b in est.intercepts_) / S
    assert loss == pytest.approx(plain[0] + bias_term, rel=1e-12)
    assert bias_term > 1e-6 * loss
    for g, p, b in zip(intercept_grads, plain[2], est.intercepts_):
        np.testing.assert_allclose(g, p + est.alpha_ * b / S, rtol=1e-12, atol=1e-15)
    # ... whose gradient at the fit is (nearly) zero: a minimum of that J
    # (the run stops on the evidence, so alpha_ moved once more since)
    assert max(np.abs(g).max() for gs in (coef_grads, intercept_grads)
               for g in gs) < 1e-3
    # alpha=est.alpha_, penalize_intercepts=True states the same objective:
    # continuing from the fit with it barely moves the weights (and with the
    # coefs penalised only, a different objective, they move further)
    scale = max(np.abs(w).max() for w in est.coefs_)

    def moved(**params):
        other = copy.deepcopy(est).set_params(warm_start=True, **params).fit(X, y)
        return max(np.abs(a - b).max() for a, b in zip(other.coefs_, est.coefs_))

    same = moved(alpha=est.alpha_, penalize_intercepts=True)
    assert same < 0.005 * scale
    assert moved(alpha=est.alpha_, penalize_intercepts=False) > 5 * same
    # and re-estimating alpha from the fit gives alpha_ back: a fixed point.
    # MacKay's formulas written out at the fitted weights (every weight
    # penalised): gamma = W - alpha tr((G + alpha I)^-1), beta = (N - gamma) /
    # (2 E_D), alpha_M = gamma / (2 E_W), alpha = alpha_M / beta.  alpha_ was
    # re-estimated at the weights one step before the last, which the run
    # took only because the evidence had stopped rising; the last step moves
    # the re-estimate by 2e-7 (measured): 1e-5 allows fifty times that, a 1%
    # error in any of the formulas is a thousand times more.
    x = _network.pack(est.coefs_, est.intercepts_)
    activations = _network.forward(X, est.coefs_, est.intercepts_)
    jac = _network.output_jacobian(activations, est.coefs_)[:, 0, :]
    r = y - activations[-1][:, 0]
    gamma = x.size - est.alpha_ * np.trace(
        np.linalg.inv(jac.T @ jac + est.alpha_ * np.eye(x.size)))
    beta = (X.shape[0] - gamma) / (r @ r)
    alpha_m = gamma / (x @ x)
    assert alpha_m / beta == pytest.approx(est.alpha_, rel=1e-5)
    assert est.effective_n_params_ == pytest.approx(gamma, rel=1e-9)
    # continuing the fit keeps alpha where it is, up to the drift the
    # evidence's stopping rule permits: the continuation runs at least
    # n_iter_no_change + 1 more re-estimations, each moving alpha by ~1e-4
    # in the flat valley of J the stopping rule describes (measured 1.2e-3
    # in all); 5e-3 allows four times that.
    again = copy.deepcopy(est).set_params(warm_start=True).fit(X, y)
    assert again.alpha_ == pytest.approx(est.alpha_, rel=5e-3)


def test_auto_stops_once_the_evidence_stops_rising(monkeypatch):
    X, y = _problem()
    seen = []
    update = _evidence.EvidenceRegulariser.update

    def spy(self, *args):
        out = update(self, *args)
        seen.append((self.log_evidence, self.changed))
        return out

    monkeypatch.setattr(_evidence.EvidenceRegulariser, "update", spy)
    monkeypatch.setattr(_plan, "FUSE_LM", False)  # the loop calls update
    est = _auto(normalize_y=True, n_iter_no_change=5).fit(X, y)
    assert len(seen) == est.n_iter_ < 1000
    # the last restart of the count, then n_iter_no_change + 1 updates that
    # stayed within EVIDENCE_TOL nats of it: the run stopped right there
    tail = seen[-6:]
    assert not any(changed for _, changed in tail)
    assert seen[-7][1]
    assert max(e for e, _ in tail) <= seen[-7][0] + _evidence.EVIDENCE_TOL
    # the rule, not the data, decides: with no evidence gain counting, the
    # run ends after the first update and n_iter_no_change + 1 more
    seen.clear()
    monkeypatch.setattr(_evidence, "EVIDENCE_TOL", 1e9)
    assert _auto(normalize_y=True, n_iter_no_change=5).fit(X, y).n_iter_ == 7
    monkeypatch.setattr(_plan, "FUSE_LM", True)  # and the fused iterations
    assert _auto(normalize_y=True, n_iter_no_change=5).fit(X, y).n_iter_ == 7


def test_penalize_intercepts_options():
    X, y = _problem()
    with pytest.raises(ValueError, match="solver='lm' only"):
        SigmoidMLPRegressor(solver="adam", penalize_intercepts=True).fit(X, y)
    with pytest.raises(ValueError, match="True, False or 'auto'"):
        _auto(penalize_intercepts="yes").fit(X, y)
    with pytest.raises(TypeError, match="True, False or 'auto'"):
        _auto(penalize_intercepts=1).fit(X, y)
    # 'auto' resolves by alpha: a fixed alpha keeps MLPRegressor's objective
    a = SigmoidMLPRegressor((4,), solver="lm", alpha=1.0, random_state=0).fit(X, y)
    b = SigmoidMLPRegressor((4,), solver="lm", alpha=1.0, random_state=0,
                            penalize_intercepts=False).fit(X, y)
    c = SigmoidMLPRegressor((4,), solver="lm", alpha=1.0, random_state=0,
                            penalize_intercepts=True).fit(X, y)
    for u, v in zip(a.intercepts_, b.intercepts_):
        np.testing.assert_array_equal(u, v)
    # each fit is a minimum of its own objective (loss_gradient states it)
    def largest(grads):
        return max(np.abs(g).max() for gs in grads for g in gs)

    assert largest(c.loss_gradient(X, y)[1:]) < 1e-4
    assert largest(a.loss_gradient(X, y)[1:]) < 1e-4
    assert largest(a.set_params(penalize_intercepts=True).loss_gradient(X, y)[1:]) > 1e-2


@pytest.mark.filterwarnings(  # max_iter=20 is short on purpose
    "ignore:.*maximum number of iterations:sklearn.exceptions.ConvergenceWarning")
def test_penalize_intercepts_in_the_validation_loss():
    X, y = _problem()
    est = SigmoidMLPRegressor((4,), solver="lm", alpha=1.0, random_state=0,
                              penalize_intercepts=True, max_iter=20)
    with pytest.warns(ConvergenceWarning):  # 20 iterations: stopped early
        est.fit(X, y, X_val=X, y_val=y)
    # the validation loss is the training objective on the validation data
    assert est.validation_loss_curve_[-1] == pytest.approx(
        est.loss_gradient(X, y).loss, rel=1e-10)


def test_auto_needs_lm_and_no_early_stopping():
    X, y = _problem()
    for solver in ("gd", "sgd", "adam", "lbfgs"):
        with pytest.raises(ValueError, match="solver='lm'"):
            SigmoidMLPRegressor(solver=solver, alpha="auto").fit(X, y)
    with pytest.raises(ValueError, match="early_stopping"):
        _auto(early_stopping=True).fit(X, y)
    with pytest.raises(ValueError, match="'auto'"):
        SigmoidMLPRegressor(solver="lm", alpha="evidence").fit(X, y)


def test_integer_sample_weights_are_repeated_rows_for_the_evidence():
    X, y = _problem(n=40)
    w = np.random.RandomState(1).randint(1, 4, size=40)
    weighted = _auto(normalize_y=True).fit(X, y, sample_weight=w.astype(float))
    repeated = _auto(normalize_y=True).fit(np.repeat(X, w, axis=0),
                                           np.repeat(y, w))
    for name in ("alpha_", "noise_variance_", "effective_n_params_",
                 "log_evidence_"):
        assert getattr(weighted, name) == pytest.approx(getattr(repeated, name),
                                                        rel=1e-6), name
    m1, s1 = weighted.predict(X, return_std=True)
    m2, s2 = repeated.predict(X, return_std=True)
    np.testing.assert_allclose(m1, m2, rtol=1e-6)
    np.testing.assert_allclose(s1, s2, rtol=1e-6)


def test_failed_fit_leaves_the_model_unchanged(monkeypatch):
    X, y = _problem()
    est = _auto(n_init=3).fit(X, y)
    before = {k: (v.copy() if isinstance(v, np.ndarray) else v)
              for k, v in est.__dict__.items()}
    calls = []
    original = regressor_module.fit_once

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return original(*args, **kwargs)

    monkeypatch.setattr(regressor_module, "fit_once", failing)
    with pytest.raises(RuntimeError, match="boom"):
        est.set_params(random_state=5).fit(X, y)
    assert est.__dict__.keys() == before.keys()
    assert est.log_evidence_ == before["log_evidence_"]
    np.testing.assert_array_equal(est.coefs_[0], before["coefs_"][0])


# ---------------------------------------------------------------- return_std
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_return_std_shapes_and_values(n_outputs):
    X, y = _problem(n_outputs=n_outputs)
    est = _auto(normalize_y=True).fit(X, y)
    mean, std = est.predict(X[:7], return_std=True)
    np.testing.assert_array_equal(mean, est.predict(X[:7]))
    assert std.shape == mean.shape == ((7,) if n_outputs == 1 else (7, 2))
    # at least the noise; more far from the data
    assert np.all(std >= np.sqrt(est.noise_variance_) * (1 - 1e-12))
    far = est.predict(np.array([[8.0, -8.0]]), return_std=True)[1]
    assert np.all(far > std.max(axis=0))


@pytest.mark.parametrize("intercepts", [False, True])
def test_return_std_matches_a_dense_laplace_computation(intercepts):
    X, y = _problem(n=50)
    est = _auto(penalize_intercepts=intercepts).fit(X, y)
    x = _network.pack(est.coefs_, est.intercepts_)
    penalised = np.r_[np.ones(12), np.full(5, 1.0 if intercepts else 0.0)]
    n_penalised = int(penalised.sum())
    activations = _network.forward(X, est.coefs_, est.intercepts_)
    jac = _network.output_jacobian(activations, est.coefs_)[:, 0, :]
    r = y - activations[-1][:, 0]
    e_data, e_weights = 0.5 * r @ r, 0.5 * (penalised * x) @ x
    # C~ = G + alpha P + c alpha (I - P): the documented intercept floor
    C = jac.T @ jac + np.diag(est.alpha_ * penalised + _evidence.INTERCEPT_FLOOR
                              * est.alpha_ * (1 - penalised))
    inverse = np.linalg.inv(C)
    gamma = n_penalised - est.alpha_ * np.sum(penalised * np.diag(inverse))
    beta = (50 - (17 - n_penalised) - gamma) / (2 * e_data)
    assert est.effective_n_params_ == pytest.approx(gamma, rel=1e-6)
    assert est.noise_variance_ == pytest.approx(1 / beta, rel=1e-6)
    Xt = np.array([[0.3, -1.0], [2.5, 2.5]])
    g = _network.output_jacobian(_network.forward(Xt, est.coefs_, est.intercepts_),
                                 est.coefs_)[:, 0, :]
    scale2 = 1 / beta + np.einsum("ip,pq,iq->i", g, np.linalg.inv(beta * C), g)
    # beta integrated out: a Student t with nu = N - p_b - gamma degrees of
    # freedom, whose variance is the scale's times nu / (nu - 2)
    nu = 50 - (17 - n_penalised) - gamma
    # and alpha's error bars: ln alpha_M +- 2/gamma and ln beta +- 2/nu move
    # the trained weights along -C^-1 alpha P w (first order)
    moved = g @ (inverse @ (est.alpha_ * penalised * x))
    want = np.sqrt(scale2 * nu / (nu - 2) + (2 / gamma + 2 / nu) * moved**2)
    np.testing.assert_allclose(est.predict(Xt, return_std=True)[1], want, rtol=1e-6)
    assert np.all(moved**2 > 1e-3 * scale2)  # the term is not negligible here
    assert e_weights > 0


def test_return_std_is_inf_with_a_warning_when_the_t_has_no_variance():
    # 6 rows, 10 weights: nu = N - p_b - gamma is at most 2, and the
    # Student t's variance is infinite
    rng = np.random.RandomState(0)
    X = rng.randn(6, 1)
    y = np.sin(X[:, 0])
    for alpha in (1e-6, "auto"):
        est = SigmoidMLPRegressor((3,), solver="lm", alpha=alpha,
                                  random_state=0).fit(X, y)
        assert est._posterior_dof <= 2.0
        with pytest.warns(UserWarning, match="no finite variance") as caught:
            mean, std = est.predict(X[:2], return_std=True)
        assert np.all(np.isinf(std)) and np.all(np.isfinite(mean))
        assert caught[0].filename == __file__
        assert f"effective_n_params_={est.effective_n_params_:.3g}" in str(
            caught[0].message)
    # with enough rows: finite, and no warning
    X, y = _problem()
    est = _auto().fit(X, y)
    assert est._posterior_dof > 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.all(np.isfinite(est.predict(X[:3], return_std=True)[1]))


def test_return_std_through_a_pipeline_and_after_fixed_alpha():
    X, y = _problem()
    pipe = make_pipeline(StandardScaler(), _auto(normalize_y=True)).fit(X, y)
    mean, std = pipe.predict(X, return_std=True)
    np.testing.assert_array_equal(mean, pipe.predict(X))
    assert std.shape == (X.shape[0],) and np.all(std > 0)
    fixed = SigmoidMLPRegressor((4,), solver="lm", alpha=1e-2, random_state=0)
    fixed.fit(X, y)
    assert np.all(fixed.predict(X, return_std=True)[1] > 0)
    assert fixed.alpha_ == 1e-2
    # a fixed alpha has no error bar of its own: only beta's t
    assert fixed._posterior_hyper is None
    assert pipe[-1]._posterior_hyper is not None


def test_return_std_needs_an_lm_fit():
    X, y = _problem()
    est = SigmoidMLPRegressor(solver="lbfgs", random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="solver='lm'"):
        est.predict(X, return_std=True)
    assert not hasattr(est, "alpha_")
    # refitting with another solver removes the evidence of an lm fit
    est = _auto().fit(X, y)
    est.set_params(solver="lbfgs", alpha=0.0, max_iter=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert not hasattr(est, "log_evidence_")
    with pytest.raises(ValueError, match="return_std"):
        est.predict(X, return_std=True)


def test_persistence_round_trip():
    skops_io = pytest.importorskip("skops.io")
    from sigmoid_mlp.persistence import TRUSTED_TYPES, dump, load

    X, y = _problem()
    est = _auto(normalize_y=True, n_init=2).fit(X, y)
    expected = est.predict(X, return_std=True)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(X, return_std=True)[1],
                                  expected[1])
    buffer = io.BytesIO()
    dump(est, buffer)
    buffer.seek(0)
    # nothing beyond the types the package already trusts
    assert set(skops_io.get_untrusted_types(data=buffer.getvalue())) <= set(
        TRUSTED_TYPES)
    buffer.seek(0)
    restored = load(buffer)
    for a, b in zip(restored.predict(X, return_std=True), expected):
        np.testing.assert_array_equal(a, b)


# -------------------------------------------------------------------- n_init
def test_n_init_keeps_the_best_restart_deterministically():
    X, y = _problem()
    est = _auto(n_init=3, normalize_y=True).fit(X, y)
    again = _auto(n_init=3, normalize_y=True).fit(X, y)
    np.testing.assert_array_equal(est.coefs_[0], again.coefs_[0])
    # the starts: random_state itself, then seeds drawn from it (KMeans's draw)
    seeds = [0, *check_random_state(0).randint(np.iinfo(np.int32).max, size=2)]
    single = [SigmoidMLPRegressor((4,), solver="lm", alpha="auto",
                                  normalize_y=True, random_state=int(s)).fit(X, y)
              for s in seeds]
    evidences = [s.log_evidence_ for s in single]
    best = single[int(np.argmax(evidences))]
    assert est.log_evidence_ == max(evidences)
    np.testing.assert_array_equal(est.coefs_[0], best.coefs_[0])
    assert len(set(evidences)) == 3  # the seeds gave different fits


def test_n_init_without_auto_keeps_the_smallest_loss():
    X, y = _problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = SigmoidMLPRegressor((4,), solver="lbfgs", n_init=3, max_iter=30,
                                  random_state=0).fit(X, y)
        seeds = [0, *check_random_state(0).randint(np.iinfo(np.int32).max,
                                                   size=2)]
        losses = [SigmoidMLPRegressor((4,), solver="lbfgs", max_iter=30,
                                      random_state=int(s)).fit(X, y).loss_
                  for s in seeds]
    assert est.loss_ == min(losses)


def test_n_init_one_is_todays_fit_and_warm_start_continues_once(monkeypatch):
    X, y = _problem()
    one = _auto().fit(X, y)
    plain = _auto(n_init=1).fit(X, y)
    np.testing.assert_array_equal(one.coefs_[0], plain.coefs_[0])
    est = _auto(n_init=4).fit(X, y)
    n_iter, curve = est.n_iter_, list(est.loss_curve_)
    # the oracle: the same model continued once, by a warm start with n_init=1
    once = copy.deepcopy(est).set_params(n_init=1, warm_start=True).fit(X, y)
    est.set_params(warm_start=True)
    # count the fits: a warm start continues the model once (n_init warm
    # continuations from the same weights would end the same, at n_init
    # times the cost)
    calls = []
    real_fit_once = regressor_module.fit_once

    def counting_fit_once(*args, **kwargs):
        calls.append(1)
        return real_fit_once(*args, **kwargs)

    monkeypatch.setattr(regressor_module, "fit_once", counting_fit_once)
    est.fit(X, y)
    assert len(calls) == 1
    # one continued fit, not 4 new ones: the curve extends the first fit's
    # (restarts from the seeds would redraw it from scratch, the same 66
    # iterations again) and everything equals the single continuation bit
    # for bit (n_init continuations in a row would run further)
    assert est.n_iter_ > n_iter
    assert est.loss_curve_[:n_iter] == curve
    assert est.n_iter_ == once.n_iter_
    assert est.loss_curve_ == once.loss_curve_
    for a, b in zip(est.coefs_ + est.intercepts_, once.coefs_ + once.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert est.log_evidence_ == once.log_evidence_


# --------------------------------------------------------------- normalize_y
@pytest.mark.parametrize("solver, params", [
    ("lm", {}),
    ("lbfgs", {"max_iter": 200}),
    ("gd", {"max_iter": 300, "learning_rate": 0.1}),
])
def test_normalize_y_is_standardising_by_hand(solver, params):
    X, y = _problem(n_outputs=2)
    w = np.random.RandomState(3).uniform(0.5, 2, size=X.shape[0])
    mean = np.average(y, axis=0, weights=w)
    scale = np.sqrt(np.average((y - mean) ** 2, axis=0, weights=w))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        auto = SigmoidMLPRegressor((4,), solver=solver, normalize_y=True,
                                   random_state=0, **params).fit(X, y, w)
        hand = SigmoidMLPRegressor((4,), solver=solver, random_state=0,
                                   **params).fit(X, (y - mean) / scale, w)
    np.testing.assert_allclose(auto.predict(X), hand.predict(X) * scale + mean,
                               rtol=1e-9)
    np.testing.assert_allclose(auto.loss_curve_, hand.loss_curve_, rtol=1e-9)
    # the fitted weights describe the network on y's scale
    rebuilt = SigmoidMLPRegressor.from_weights(auto.coefs_, auto.intercepts_)
    np.testing.assert_allclose(rebuilt.predict(X), auto.predict(X), rtol=1e-12)
    np.testing.assert_allclose(auto.forward_pass(X).output, auto.predict(X),
                               rtol=1e-12)


def _four_level_target(n=64, seed=0):
    """Inputs and a target whose mean is exactly 0 and deviation exactly 5.

    A quarter of the samples at each of -7, -1, 1 and 7, placed by a smooth
    function of the inputs: every sum normalize_y forms is exact in floating
    point (mean 0, variance 1600 / 64 = 25, sqrt(25) = 5), so its scaling
    is exactly (0, 5) and the targets it trains on are exactly y / 5.
    """
    rng = np.random.RandomState(seed)
    X = rng.uniform(-2, 2, size=(n, 2))
    f = np.sin(1.5 * X[:, 0]) + 0.3 * X[:, 1] + 0.1 * rng.randn(n)
    y = np.empty(n)
    y[np.argsort(f)] = np.repeat([-7.0, -1.0, 1.0, 7.0], n // 4)
    return X, y


def test_log_evidence_under_normalize_y_is_the_density_of_y_itself():
    # A change of variables: training on y_s = y / 5 and reporting the
    # evidence of y, p(y) = p(y_s) |dy_s/dy| = p(y_s) 5^(-n), i.e.
    # ln p(y) = ln p(y_s) - n ln 5.  The fit on y / 5 by hand runs the very
    # same arithmetic (see _four_level_target), so the two evidences differ
    # by that term alone, up to the rounding of one subtraction
    # (|ln p| ~ 200, eps 2.2e-16: 1e-13 is ~2 ulp of margin over it).
    X, y = _four_level_target()
    auto = _auto(normalize_y=True).fit(X, y)
    hand = _auto().fit(X, y / 5.0)
    assert auto.loss_curve_ == hand.loss_curve_  # the same training
    np.testing.assert_allclose(auto.log_evidence_,
                               hand.log_evidence_ - X.shape[0] * math.log(5.0),
                               rtol=0, atol=1e-12)
    # the fitted attributes that are not densities do not move
    assert auto.effective_n_params_ == hand.effective_n_params_
    assert auto.alpha_ == hand.alpha_
    np.testing.assert_allclose(auto.noise_variance_, 25.0 * hand.noise_variance_,
                               rtol=1e-15)


@pytest.mark.parametrize("weighted", [False, True])
def test_log_evidence_under_normalize_y_shifts_by_the_jacobian_of_a_rescaling(
        weighted):
    # Fitting c_k y_k instead of y_k (normalize_y on): the standardised
    # targets are the same, so is the training, and the density of the data
    # changes by the Jacobian of y -> c y, prod_i prod_k c_k^(-s_i):
    # ln p(c y) = ln p(y) - S sum_k ln c_k, S = sum_i s_i.  With powers of two
    # for c the scaling is exact in floating point (the standardised targets
    # agree bit for bit), so only the rounding of ln(c_k scale_k) (a few ulp
    # of ~5, times S ~ 80) and of the final sums (~1e-14 of ~300) remain:
    # 1e-10 absolute is far above both and far below S ln 2 ~ 55.
    X, y = _problem(n_outputs=2)
    sw = (np.random.RandomState(3).uniform(0.5, 2, size=X.shape[0]) if weighted
          else None)
    S = X.shape[0] if sw is None else float(np.sum(sw))
    c = np.array([4.0, 0.125])
    base = _auto(normalize_y=True).fit(X, y, sample_weight=sw)
    scaled = _auto(normalize_y=True).fit(X, y * c, sample_weight=sw)
    assert scaled.loss_curve_ == base.loss_curve_  # the same training
    np.testing.assert_allclose(scaled.log_evidence_ - base.log_evidence_,
                               -S * float(np.sum(np.log(c))), rtol=0, atol=1e-10)
    # the error bars scale with y, per output
    np.testing.assert_allclose(scaled.predict(X[:5], return_std=True)[1],
                               base.predict(X[:5], return_std=True)[1] * c,
                               rtol=1e-13)


def test_normalize_y_constant_target_and_partial_fit():
    X, _ = _problem()
    est = SigmoidMLPRegressor(solver="lm", normalize_y=True, random_state=0)
    est.fit(X, np.full(X.shape[0], 7.0))
    np.testing.assert_allclose(est.predict(X), 7.0, atol=1e-5)
    assert not hasattr(SigmoidMLPRegressor(normalize_y=True), "partial_fit")
    assert hasattr(SigmoidMLPRegressor(), "partial_fit")


def test_normalize_y_warm_start_keeps_its_scaling():
    X, y = _problem()
    est = _auto(normalize_y=True, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
        scaling = est._y_scaling
        est.set_params(warm_start=True, max_iter="auto").fit(X, y + 1000.0)
    assert est._y_scaling is scaling
    assert est.n_iter_ > 5


# -------------------------------------------------------- lm's size and budget
def test_lm_warns_about_large_systems(monkeypatch):
    X, y = _problem(n=30)
    monkeypatch.setattr(fitting, "LM_WARN_WEIGHTS", 20)
    est = SigmoidMLPRegressor((5,), solver="lm", max_iter=2, random_state=0)
    with pytest.warns(UserWarning, match=r"solver='lm' with 21 weights.*'lbfgs'"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        SigmoidMLPRegressor((4,), solver="lm", max_iter=2).fit(X, y)  # 17 weights
        SigmoidMLPRegressor((5,), solver="lbfgs", max_iter=2).fit(X, y)


def test_lm_auto_budget(monkeypatch):
    X, y = _problem(n=30)
    monkeypatch.setattr(fitting, "LM_AUTO_MAX_ITER", 3)
    est = SigmoidMLPRegressor((4,), solver="lm", tol=0, n_iter_no_change=np.inf,
                              random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_iter='auto', i.e. 3"):
        est.fit(X, y)
    assert est.n_iter_ == 3
    assert fitting.iteration_budget(SigmoidMLPRegressor()) == 50000
    assert fitting.iteration_budget(SigmoidMLPRegressor(solver="lm", max_iter=7)) == 7
