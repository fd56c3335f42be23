r"""Independent oracles: every step rule, Levenberg-Marquardt and the evidence
written out literally in the test, compared with the estimator's public fit.

The estimator's engines (numpy, compiled, reference batches) are checked
against each other elsewhere; that cannot catch a mistake they share (e.g. a
helper all of them call).  Here each rule is written from its published
formula, in plain numpy, with no code of the package but the reference
mathematics of :mod:`sigmoid_mlp._network` (the loss, its gradient and the
output Jacobian, which ``test_network.py`` checks against finite differences
and the deck's formulas) and the Glorot draw of the starting weights:

* 'gd', 'sgd' (plain, momentum, Nesterov's momentum), 'adam' and the
  'constant', 'invscaling' and 'adaptive' schedules, as Kingma & Ba (2015)
  and scikit-learn's ``MLPRegressor`` state them (its ``_stochastic_optimizers``
  and ``_fit_stochastic``);
* Levenberg-Marquardt with Nielsen's damping update (Madsen, Nielsen &
  Tingleff 2004, Algorithm 3.16), the rule ``solver='lm'`` documents;
* MacKay's evidence framework (MacKay 1992; Foresee & Hagan 1997): the
  re-estimation of :math:`\alpha` after every accepted step
  (:math:`\gamma`, :math:`\beta`, :math:`\alpha_M`) and the log evidence.

Everything is compared after a fixed number of iterations through the public
API (``from_weights`` / ``random_state``, ``fit(max_iter=k)``, ``coefs_``,
``alpha_``, ``log_evidence_``, ...), so the tests do not depend on how the
package is organised inside.
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

from sigmoid_mlp import SigmoidMLPRegressor, _network


def _data(n=70, d=3, k=1, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    Y = np.sin(X @ rng.randn(d, k)) + 0.1 * rng.randn(n, k)
    return X, Y


def _start(X, Y, hidden, seed=1):
    sizes = [X.shape[1], *hidden, Y.shape[1]]
    return _network.init_weights(sizes, np.random.RandomState(seed))


def _fit(coefs, intercepts, X, Y, sample_weight=None, **params):
    est = SigmoidMLPRegressor.from_weights(
        [c.copy() for c in coefs], [b.copy() for b in intercepts],
        warm_start=True, **params)
    with pytest.warns(ConvergenceWarning):  # every run here stops at max_iter
        est.fit(X, Y, sample_weight=sample_weight)
    return est


# --------------------------------------------------------- the step rules
def literal_stochastic(coefs, intercepts, X, Y, sw, *, solver, lr, n_epochs,
                       batch_size, alpha=0.0, momentum=0.0, nesterov=False,
                       beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                       schedule="constant", power_t=0.5, adaptive_every=None,
                       on_batch=None, curve=None):
    """The weights after ``n_epochs`` epochs of ``solver``, written out.

    Batches in order (no shuffling); on each, the gradient of the batch's
    objective (L2 term divided by the batch's weight sum, MLPRegressor's
    convention) and one step:

    * sgd: ``v <- mu v - eta g``; ``w <- w + v``, or with Nesterov's
      momentum ``w <- w + mu v - eta g`` (with the new ``v``);
    * adam, step t: ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g^2``,
      ``w <- w - eta sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps)``.

    Schedules: 'invscaling' sets ``eta = eta0 / (t + 1)^power_t`` after each
    epoch, ``t`` the samples seen so far; 'adaptive' divides ``eta`` by 5
    after epochs 1 + adaptive_every, 1 + 2 adaptive_every, ... (the epochs at
    which MLPRegressor's no-improvement rule fires when every epoch after the
    first counts as no improvement) and stops at the first firing with
    ``eta <= 1e-6``.  ``on_batch(epoch, params)``, if given, sees the weights
    before every batch; ``curve``, if given, receives each epoch's loss, the
    batches' objectives before their steps weighted by their weight sums,
    over the total weight.  Returns ``(params, n_epochs_run)``.
    """
    L = len(coefs)
    params = [c.copy() for c in coefs] + [b.copy() for b in intercepts]
    velocities = [np.zeros_like(p) for p in params]
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    n = X.shape[0]
    eta, step, seen = lr, 0, 0
    w = np.ones(n) if sw is None else sw
    for epoch in range(1, n_epochs + 1):
        total = 0.0
        for start in range(0, n, batch_size):
            rows = slice(start, start + batch_size)
            if on_batch is not None:
                on_batch(epoch, params)
            loss, gc, gi = _network.loss_gradient(
                X[rows], Y[rows], params[:L], params[L:],
                None if sw is None else sw[rows], alpha)
            total += loss * float(np.sum(w[rows]))
            grads = gc + gi
            if solver == "adam":
                step += 1
                first = [beta_1 * m + (1 - beta_1) * g for m, g in zip(first, grads)]
                second = [beta_2 * v + (1 - beta_2) * g * g
                          for v, g in zip(second, grads)]
                eta_t = lr * math.sqrt(1 - beta_2**step) / (1 - beta_1**step)
                params = [p - eta_t * m / (np.sqrt(v) + epsilon)
                          for p, m, v in zip(params, first, second)]
            else:
                velocities = [momentum * v - eta * g
                              for v, g in zip(velocities, grads)]
                if nesterov:
                    moves = [momentum * v - eta * g
                             for v, g in zip(velocities, grads)]
                else:
                    moves = velocities
                params = [p + u for p, u in zip(params, moves)]
        if curve is not None:
            curve.append(total / float(np.sum(w)))
        seen += n
        if schedule == "invscaling":
            eta = lr / (seen + 1) ** power_t
        elif schedule == "adaptive" and epoch > 1 and (epoch - 1) % adaptive_every == 0:
            if eta <= 1e-6:
                return params, epoch
            eta /= 5.0
    return params, n_epochs


# 50 epochs of 5 batches: the literal and the estimator evaluate the same
# formulas, partly in a different order (BLAS blocking, fused loops, the
# compiled engine's sums): a relative rounding of ~1e-16 per operation, which
# the contracting trajectory keeps of that order (measured: below 1e-15 on
# every engine, weights of order 1).  1e-12 leaves a thousandfold margin for
# other BLAS kernels, while any wrong rule moves the weights by more than
# 1e-4 over these epochs.
ATOL = 1e-12
N_EPOCHS = 50

CASES = {
    "sgd-plain": dict(solver="sgd", lr=0.05, momentum=0.0),
    "sgd-momentum": dict(solver="sgd", lr=0.05, momentum=0.9, nesterov=False),
    "sgd-nesterov": dict(solver="sgd", lr=0.05, momentum=0.9, nesterov=True),
    "sgd-invscaling": dict(solver="sgd", lr=0.5, momentum=0.5, nesterov=True,
                           schedule="invscaling", power_t=0.25),
    "adam": dict(solver="adam", lr=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-8),
    "adam-other": dict(solver="adam", lr=0.01, beta_1=0.8, beta_2=0.99,
                       epsilon=1e-6),
}


def _our_params(case, alpha, batch_size):
    case = dict(case)
    solver = case.pop("solver")
    params = dict(solver=solver, learning_rate=case.pop("lr"), alpha=alpha,
                  batch_size=batch_size, shuffle=False, tol=0.0,
                  n_iter_no_change=np.inf, max_iter=N_EPOCHS)
    if solver == "sgd":
        params.update(momentum=case.pop("momentum"),
                      nesterovs_momentum=case.pop("nesterov", True),
                      learning_rate_schedule=case.pop("schedule", "constant"),
                      power_t=case.pop("power_t", 0.5))
    else:
        params.update(beta_1=case.pop("beta_1"), beta_2=case.pop("beta_2"),
                      epsilon=case.pop("epsilon"))
    assert not case
    return params


def _assert_weights(est, params, coefs):
    L = len(coefs)
    for got, want in zip(est.coefs_ + est.intercepts_, params):
        assert_allclose(got, want, rtol=0, atol=ATOL)
    # the trajectory moved: not a comparison of starting weights
    assert np.abs(params[0] - coefs[0]).max() > 1e-2
    assert len(params) == 2 * L


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("alpha, weighted, hidden, k", [
    (0.0, False, (4,), 1),  # the engines' one-output shortcuts
    (1e-2, True, (5, 3), 2),  # their general chain rule
])
def test_step_rules_follow_their_literal_formulas(name, alpha, weighted, hidden, k,
                                                  mini_batch_engine):
    X, Y = _data(k=k)
    sw = np.random.RandomState(3).uniform(0.2, 3.0, X.shape[0]) if weighted else None
    coefs, intercepts = _start(X, Y, hidden)
    case = CASES[name]
    curve = []
    want, _ = literal_stochastic(coefs, intercepts, X, Y, sw, n_epochs=N_EPOCHS,
                                 batch_size=16, alpha=alpha, curve=curve, **case)
    est = _fit(coefs, intercepts, X, Y, sw, **_our_params(case, alpha, 16))
    assert est.n_iter_ == N_EPOCHS
    _assert_weights(est, want, coefs)
    # the loss curve: each epoch's batch losses before their steps, weighted
    # by the batches' weight sums, over the total (MLPRegressor's curve with
    # weights); the same sums in another order, relative 1e-12 as above
    assert_allclose(est.loss_curve_, curve, rtol=1e-12)


@pytest.mark.parametrize("schedule", ["constant", "invscaling"])
def test_full_batch_gd_follows_its_literal_formula(schedule, mini_batch_engine):
    # 'gd': w <- w - eta_t dJ/dw on all the data, eta_t by the schedule
    # (constant: the fast full-batch loop; with a schedule: the epoch loop
    # on the mini_batch_engine's objective, batches of all rows)
    X, Y = _data()
    coefs, intercepts = _start(X, Y, (3,))
    want, _ = literal_stochastic(coefs, intercepts, X, Y, None, solver="sgd",
                                 lr=0.5, n_epochs=N_EPOCHS, batch_size=X.shape[0],
                                 alpha=1e-2, schedule=schedule, power_t=0.2)
    est = _fit(coefs, intercepts, X, Y, solver="gd", learning_rate=0.5, alpha=1e-2,
               learning_rate_schedule=schedule, power_t=0.2, tol=0.0,
               n_iter_no_change=np.inf, max_iter=N_EPOCHS)
    _assert_weights(est, want, coefs)


@pytest.mark.parametrize("solver", ["gd", "sgd"])
def test_adaptive_schedule_follows_its_literal_rule(solver, mini_batch_engine):
    # tol=10: every epoch after the first is a non-improving one (the losses
    # are far below 10), so with n_iter_no_change=2 the rule fires after
    # epochs 4, 7, 10, ...: eta / 5 each time, until eta <= 1e-6 stops
    # training at the firing after that (0.05 / 5^7 < 1e-6: epoch 25).
    X, Y = _data()
    coefs, intercepts = _start(X, Y, (3,))
    batch = X.shape[0] if solver == "gd" else 16
    want, n_run = literal_stochastic(
        coefs, intercepts, X, Y, None, solver="sgd", lr=0.05, n_epochs=200,
        batch_size=batch, schedule="adaptive", adaptive_every=3)
    assert n_run == 1 + 8 * 3
    est = SigmoidMLPRegressor.from_weights(
        [c.copy() for c in coefs], [b.copy() for b in intercepts], warm_start=True,
        solver=solver, learning_rate=0.05, learning_rate_schedule="adaptive",
        momentum=0.0, batch_size=batch, shuffle=False, tol=10.0,
        n_iter_no_change=2, max_iter=200)
    est.fit(X, Y)  # it stops by the rule: no ConvergenceWarning
    assert est.n_iter_ == n_run
    _assert_weights(est, want, coefs)


# ------------------------------------------------------- Levenberg-Marquardt
def _objective(X, Y, sw, alpha, penalised, x, sizes):
    """J, its gradient and Gauss-Newton curvature at packed x, and E_D, S, G."""
    coefs, intercepts = _network.unpack(x, sizes)
    activations = _network.forward(X, coefs, intercepts)
    w = np.ones(X.shape[0]) if sw is None else sw
    S = float(w.sum())
    R = activations[-1] - Y  # (n, k)
    jac = _network.output_jacobian(activations, coefs)  # (n, k, p)
    e_data = 0.5 * float(np.sum(w[:, None] * R * R))
    e_weights = 0.5 * float(np.sum(penalised * x * x))
    G = np.einsum("i,ikp,ikq->pq", w, jac, jac)
    u = np.einsum("i,ik,ikp->p", w, R, jac)
    loss = (e_data + alpha * e_weights) / S
    grad = (u + alpha * penalised * x) / S
    curvature = (G + alpha * np.diag(penalised)) / S
    return loss, grad, curvature, e_data, e_weights, S, G


def literal_lm(X, Y, sw, coefs, intercepts, *, alpha, n_iter, penalise_intercepts):
    r"""``n_iter`` Levenberg-Marquardt iterations, Algorithm 3.16 of Madsen,
    Nielsen & Tingleff (2004): solve ``(H + mu I) h = -g``; gain ratio
    ``rho = (J(w) - J(w + h)) / (h^T (mu h - g) / 2)``; accept for
    ``rho > 0`` with ``mu <- mu max(1/3, 1 - (2 rho - 1)^3)``, ``nu <- 2``,
    else ``mu <- nu mu``, ``nu <- 2 nu`` and solve again; ``mu_0 = 1e-3
    max_j H_jj``.

    ``alpha='auto'`` (pass ``alpha=None``): the run starts at alpha = 1e-2
    and after every accepted step MacKay's re-estimation at the new weights
    (with the alpha they were fitted with),
    ``gamma = W - alpha tr((G + alpha I)^-1)``,
    ``beta = (N - gamma) / (2 E_D)``, ``alpha_M = gamma / (2 E_W)``, and the
    run continues with ``alpha = alpha_M / beta`` (every weight penalised,
    N = k S residuals).  Returns the packed weights and the last alpha.
    """
    sizes = [X.shape[1], *(c.shape[1] for c in coefs)]
    x = _network.pack(coefs, intercepts)
    n_coefs = sum(c.size for c in coefs)
    penalised = np.r_[np.ones(n_coefs),
                      np.full(x.size - n_coefs, 1.0 if penalise_intercepts else 0.0)]
    auto = alpha is None
    alpha = 1e-2 if auto else alpha
    loss, grad, H, *_ = _objective(X, Y, sw, alpha, penalised, x, sizes)
    mu, nu = 1e-3 * H.diagonal().max(), 2.0
    for _ in range(n_iter):
        while True:
            h = np.linalg.solve(H + mu * np.eye(x.size), -grad)
            new_loss = _objective(X, Y, sw, alpha, penalised, x + h, sizes)[0]
            rho = (loss - new_loss) / (0.5 * h @ (mu * h - grad))
            if rho > 0:
                mu *= max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3)
                nu = 2.0
                break
            mu *= nu
            nu *= 2.0
        x = x + h
        loss, grad, H, e_data, e_weights, S, G = _objective(
            X, Y, sw, alpha, penalised, x, sizes)
        if auto:
            gamma = x.size - alpha * np.trace(np.linalg.inv(G + alpha * np.eye(x.size)))
            beta = (Y.shape[1] * S - gamma) / (2 * e_data)
            alpha_m = gamma / (2 * e_weights)
            alpha = alpha_m / beta
            loss, grad, H, *_ = _objective(X, Y, sw, alpha, penalised, x, sizes)
    return x, alpha


def literal_evidence(X, Y, sw, x, sizes, alpha):
    r"""MacKay's quantities at packed weights x, every weight penalised:
    ``gamma``, ``beta = (N - gamma) / (2 E_D)`` and the Laplace log evidence
    ``-beta E_D - alpha_M E_W - 1/2 ln det(beta (G + alpha I))
    + W/2 ln alpha_M + N/2 ln(beta / (2 pi))``, ``alpha_M = alpha beta``."""
    penalised = np.ones(x.size)
    _, _, _, e_data, e_weights, S, G = _objective(X, Y, sw, alpha, penalised, x,
                                                   sizes)
    C = G + alpha * np.eye(x.size)
    gamma = x.size - alpha * np.trace(np.linalg.inv(C))
    N = Y.shape[1] * S
    beta = (N - gamma) / (2 * e_data)
    alpha_m = alpha * beta
    log_det = np.linalg.slogdet(beta * C)[1]
    log_ev = (-beta * e_data - alpha_m * e_weights - 0.5 * log_det
              + 0.5 * x.size * math.log(alpha_m)
              + 0.5 * N * math.log(beta / (2 * math.pi)))
    return gamma, beta, log_ev


def _lm_problem(k=1, weighted=False):
    X, Y = _data(n=60, d=2, k=k, seed=4)
    sw = np.random.RandomState(5).uniform(0.5, 2.0, 60) if weighted else None
    return X, Y, sw


# 10 LM iterations from the same start: the literal solves with LAPACK's LU
# and sums the Jacobian products with einsum, the estimator with Cholesky and
# its own (compiled) kernels: a relative difference of ~1e-15 per
# iteration, amplified by at most the condition of H + mu I (~1e3 here)
# (measured: 7e-12 at most, relative to the largest weight).  1e-9 leaves a
# hundredfold margin, while a wrong damping, gain ratio, acceptance or
# re-estimation changes the weights after 10 iterations by more than 1e-4.
LM_ITER = 10
LM_RTOL = 1e-9


@pytest.mark.parametrize("k, weighted, intercepts", [
    (1, False, False), (2, True, False), (1, True, True)])
def test_lm_iterations_follow_the_literal_algorithm(k, weighted, intercepts):
    X, Y, sw = _lm_problem(k, weighted)
    coefs, intercepts_ = _start(X, Y, (3,), seed=2)
    want, _ = literal_lm(X, Y, sw, coefs, intercepts_, alpha=0.1, n_iter=LM_ITER,
                         penalise_intercepts=intercepts)
    est = _fit(coefs, intercepts_, X, Y, sw, solver="lm", alpha=0.1,
               penalize_intercepts=intercepts, tol=0.0, n_iter_no_change=np.inf,
               max_iter=LM_ITER)
    assert est.n_iter_ == LM_ITER
    got = _network.pack(est.coefs_, est.intercepts_)
    assert_allclose(got, want, rtol=LM_RTOL, atol=LM_RTOL * np.abs(want).max())
    start = _network.pack(coefs, intercepts_)
    assert np.abs(want - start).max() > 1e-2  # it moved


@pytest.mark.parametrize("k, weighted", [(1, False), (2, True)])
def test_auto_alpha_and_the_evidence_follow_mackays_formulas(k, weighted):
    # alpha='auto' for a fixed number of iterations (no stopping rule), then
    # every evidence attribute at the final weights, all from the literal
    # formulas (no intercept floor needed: under 'auto' every weight is
    # penalised, so G + alpha I is positive definite).
    X, Y, sw = _lm_problem(k, weighted)
    coefs, intercepts = _start(X, Y, (3,), seed=2)
    x, alpha = literal_lm(X, Y, sw, coefs, intercepts, alpha=None, n_iter=LM_ITER,
                          penalise_intercepts=True)
    est = _fit(coefs, intercepts, X, Y, sw, solver="lm", alpha="auto", tol=0.0,
               n_iter_no_change=np.inf, max_iter=LM_ITER)
    got = _network.pack(est.coefs_, est.intercepts_)
    assert_allclose(got, x, rtol=LM_RTOL, atol=LM_RTOL * np.abs(x).max())
    # alpha_ is the last re-estimate; gamma, beta and the evidence are those
    # at the final weights for it.  The same 1e-9 as the weights: the
    # quantities are smooth functions of them (gamma and ln det through a
    # matrix inverse of condition < 1e4 here).
    assert est.alpha_ == pytest.approx(alpha, rel=LM_RTOL)
    sizes = [X.shape[1], 3, Y.shape[1]]
    gamma, beta, log_ev = literal_evidence(X, Y, sw, x, sizes, alpha)
    assert est.effective_n_params_ == pytest.approx(gamma, rel=LM_RTOL)
    assert np.all(np.asarray(est.noise_variance_) == pytest.approx(1 / beta,
                                                                   rel=LM_RTOL))
    assert est.log_evidence_ == pytest.approx(log_ev, rel=LM_RTOL)
    assert 0 < gamma < x.size


def test_normalize_y_evidence_follows_the_literal_change_of_variables():
    # normalize_y: the literal run on (y - mean) / scale (weighted mean and
    # deviation, per output), the evidence of y itself: minus S sum_k ln scale_k
    # (the Jacobian of y -> y_s), the noise variance times scale_k^2.
    X, Y, sw = _lm_problem(2, True)
    Y = Y * np.array([30.0, 0.2]) + np.array([100.0, -3.0])
    mean = np.average(Y, axis=0, weights=sw)
    scale = np.sqrt(np.average((Y - mean) ** 2, axis=0, weights=sw))
    Ys = (Y - mean) / scale
    coefs, intercepts = _start(X, Y, (3,), seed=2)
    x, alpha = literal_lm(X, Ys, sw, coefs, intercepts, alpha=None,
                          n_iter=LM_ITER, penalise_intercepts=True)
    gamma, beta, log_ev = literal_evidence(X, Ys, sw, x, [2, 3, 2], alpha)
    est = SigmoidMLPRegressor.from_weights(
        [c.copy() for c in coefs[:-1]] + [coefs[-1] * scale],
        [b.copy() for b in intercepts[:-1]] + [intercepts[-1] * scale + mean],
        warm_start=True, solver="lm", alpha="auto", normalize_y=True, tol=0.0,
        n_iter_no_change=np.inf, max_iter=LM_ITER)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, Y, sample_weight=sw)
    # the network on y's scale: the output layer folds the scaling in
    want_coefs, want_intercepts = _network.unpack(x, [2, 3, 2])
    assert_allclose(est.coefs_[-1], want_coefs[-1] * scale, rtol=LM_RTOL, atol=1e-12)
    assert_allclose(est.intercepts_[-1], want_intercepts[-1] * scale + mean,
                    rtol=LM_RTOL)
    S = float(sw.sum())
    assert est.log_evidence_ == pytest.approx(
        log_ev - S * float(np.sum(np.log(scale))), rel=LM_RTOL)
    assert_allclose(est.noise_variance_, scale**2 / beta, rtol=LM_RTOL)
    assert est.effective_n_params_ == pytest.approx(gamma, rel=LM_RTOL)
