"""The step rules of ``sigmoid_mlp._solvers``, checked against their formulas."""

import copy

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sigmoid_mlp._lm import LevenbergMarquardt
from sigmoid_mlp._solvers import (
    Adam,
    GradientDescent,
    LBFGSStop,
    StochasticGradientDescent,
    minimize_lbfgs,
)


def _params_grads(seed=0):
    rng = np.random.RandomState(seed)
    params = [rng.randn(3, 2), rng.randn(2)]
    grads = [[rng.randn(3, 2), rng.randn(2)] for _ in range(4)]
    return params, grads


def test_gradient_descent_is_the_decks_step():
    params, grads = _params_grads()
    new = GradientDescent(0.3).step(params, grads[0])
    for p, g, q in zip(params, grads[0], new):
        assert_array_equal(q, p - 0.3 * g)


def test_invscaling_schedule():
    gd = GradientDescent(0.2, schedule="invscaling", power_t=0.25)
    assert gd.learning_rate == 0.2  # t = 0: eta / 1
    gd.epoch_ends(99)
    assert gd.learning_rate == pytest.approx(0.2 / 100**0.25)
    gd.restart_schedule(0)
    assert gd.learning_rate == 0.2


def test_adaptive_schedule_divides_by_five_then_gives_up():
    gd = GradientDescent(1e-4, schedule="adaptive")
    seen = []
    while not gd.no_improvement():
        seen.append(gd.learning_rate)
    # 1e-4 / 5 = 2e-5, 4e-6, 8e-7 <= 1e-6: the next no-improvement stops.
    assert_allclose(seen, [2e-5, 4e-6, 8e-7])
    assert GradientDescent(0.1, schedule="constant").no_improvement()
    assert GradientDescent(0.1, schedule="invscaling").no_improvement()
    gd.restart_schedule(10)
    assert gd.learning_rate == 1e-4


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_formulas(nesterov):
    params, grads = _params_grads()
    mu, lr = 0.8, 0.1
    sgd = StochasticGradientDescent(lr, momentum=mu, nesterov=nesterov)
    w = [p.copy() for p in params]
    v = [np.zeros_like(p) for p in params]
    current = params
    for g in grads:
        current = sgd.step(current, g)
        v = [mu * vi - lr * gi for vi, gi in zip(v, g)]
        if nesterov:
            w = [wi + mu * vi - lr * gi for wi, vi, gi in zip(w, v, g)]
        else:
            w = [wi + vi for wi, vi in zip(w, v)]
        for a, b in zip(current, w):
            assert_allclose(a, b, rtol=1e-14, atol=1e-14)


def test_zero_momentum_is_plain_gradient_descent():
    params, grads = _params_grads()
    sgd = StochasticGradientDescent(0.1, momentum=0.0, nesterov=True)
    gd = GradientDescent(0.1)
    a, b = params, params
    for g in grads:
        a, b = sgd.step(a, g), gd.step(b, g)
    for x, z in zip(a, b):
        assert_array_equal(x, z)


def test_adam_formulas():
    params, grads = _params_grads()
    lr, b1, b2, eps = 0.01, 0.8, 0.99, 1e-7
    adam = Adam(lr, b1, b2, eps)
    w = [p.copy() for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    current = params
    for k, g in enumerate(grads, start=1):
        current = adam.step(current, g)
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi**2 for vi, gi in zip(v, g)]
        # Kingma & Ba's efficient form (MLPRegressor's): the bias corrections
        # are folded into the step size
        eta = lr * np.sqrt(1 - b2**k) / (1 - b1**k)
        w = [wi - eta * mi / (np.sqrt(vi) + eps) for wi, mi, vi in zip(w, m, v)]
        for a, b in zip(current, w):
            assert_allclose(a, b, rtol=1e-13, atol=1e-15)
        assert adam.t == k


@pytest.mark.parametrize(
    "solver",
    [
        GradientDescent(0.1),
        StochasticGradientDescent(0.1, momentum=0.9),
        Adam(0.1),
    ],
)
def test_steps_never_modify_arrays_in_place(solver):
    params, grads = _params_grads()
    before = [p.copy() for p in params]
    grads_before = [[g.copy() for g in gs] for gs in grads]
    current = params
    for g in grads:
        snapshot = solver.copy()
        state_before = copy.deepcopy(vars(snapshot))
        current = solver.step(current, g)
        # the snapshot taken before the step still holds the old state
        for key, value in state_before.items():
            held = vars(snapshot)[key]
            if isinstance(value, list):
                for x, z in zip(value, held):
                    assert_array_equal(x, z)
            else:
                assert held == value
    for p, b in zip(params, before):
        assert_array_equal(p, b)
    for gs, gb in zip(grads, grads_before):
        for g, b in zip(gs, gb):
            assert_array_equal(g, b)


def test_minimize_lbfgs_on_a_quadratic():
    A = np.diag([1.0, 10.0, 100.0])
    b = np.array([1.0, -2.0, 3.0])

    def fun(x):
        return 0.5 * x @ A @ x - b @ x, A @ x - b

    result = minimize_lbfgs(fun, np.zeros(3), max_iter=100, max_fun=1000, tol=1e-10)
    assert result.status == 0
    # scipy's default ftol (relative reduction of f) ends it near 1e-7
    assert_allclose(result.x, np.linalg.solve(A, b), rtol=1e-5)

    limited = minimize_lbfgs(fun, np.zeros(3), max_iter=1, max_fun=1000, tol=1e-10)
    assert limited.status == 1 and limited.nit == 1


def test_minimize_lbfgs_callback_can_stop():
    seen = []

    def fun(x):
        return float(x @ x), 2 * x

    def callback(xk):
        seen.append(xk.copy())
        raise LBFGSStop

    assert minimize_lbfgs(fun, np.ones(4), max_iter=50, max_fun=100, tol=0,
                          callback=callback) is None
    assert len(seen) == 1


# ------------------------------------------------------- Levenberg-Marquardt
def _spd(seed=0, p=5):
    rng = np.random.RandomState(seed)
    A = rng.randn(3 * p, p)
    return A.T @ A, rng.randn(p)


def test_levenberg_marquardt_starts_from_the_largest_curvature():
    H, _ = _spd()
    lm = LevenbergMarquardt(H)
    assert lm.mu == pytest.approx(1e-3 * np.max(np.diag(H)))
    assert lm.nu == 2.0


def test_levenberg_marquardt_step_solves_the_damped_system():
    H, g = _spd(1)
    lm = LevenbergMarquardt(H)
    lm.mu = 0.7
    h = lm.step(g, H)
    assert_allclose((H + 0.7 * np.eye(5)) @ h, -g, rtol=1e-12, atol=1e-13)
    # A huge mu gives a short gradient step h ~ -g/mu.
    lm.mu = 1e8
    assert_allclose(lm.step(g, H), -g / 1e8, rtol=1e-6)


def test_levenberg_marquardt_gain_ratio_is_actual_over_predicted():
    H, g = _spd(2)
    lm = LevenbergMarquardt(H)
    h = lm.step(g, H)
    predicted = -(g @ h) - 0.5 * h @ H @ h  # q(0) - q(h)
    assert_allclose(lm.gain_ratio(h, g, 0.25 * predicted), 0.25, rtol=1e-10)
    # For a quadratic J the model is exact: rho = 1.
    assert_allclose(lm.gain_ratio(h, g, predicted), 1.0, rtol=1e-10)


def test_levenberg_marquardt_damping_updates():
    H, _ = _spd(3)
    lm = LevenbergMarquardt(H)
    lm.mu = 1.0
    lm.reject()
    assert (lm.mu, lm.nu) == (2.0, 4.0)
    lm.reject()
    assert (lm.mu, lm.nu) == (8.0, 8.0)
    lm.accept(0.5)  # max(1/3, 1 - 0) = 1
    assert (lm.mu, lm.nu) == (8.0, 2.0)
    lm.accept(1.0)  # max(1/3, 1 - 1) = 1/3
    assert lm.mu == pytest.approx(8.0 / 3.0)
    lm.accept(0.25)  # 1 - (-0.5)^3 = 1.125
    assert lm.mu == pytest.approx(8.0 / 3.0 * 1.125)


def test_levenberg_marquardt_step_refuses_an_unsolvable_system():
    H, g = _spd(4)
    lm = LevenbergMarquardt(H)
    lm.mu = 0.0
    assert lm.step(g, -np.eye(5)) is None  # not positive definite
    bad = H.copy()
    bad[0, 0] = np.nan
    lm.mu = 1.0
    assert lm.step(g, bad) is None
