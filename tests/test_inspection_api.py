"""The public API for looking inside the network.

``SigmoidMLPRegressor.from_weights``, ``forward_pass`` and ``loss_gradient``:
the deck's "given weights", its five-step prediction and its "all derivatives
at a glance", checked against hand computation, finite differences and the
deck's per-weight formulas written out literally.
"""

import copy
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _helpers import (
    B1,
    B2,
    W1,
    W2,
    central_differences,
    deck_model,
    g,
    random_weights,
    sine_data,
)
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from sigmoid_mlp import ForwardPass, LossGradient, SigmoidMLPRegressor, _network


# ---------------------------------------------------------------- from_weights
def test_from_weights_is_fitted_with_the_given_weights():
    est = deck_model(learning_rate=0.1, random_state=3)
    assert est.hidden_layer_sizes == (3,)
    assert est.learning_rate == 0.1
    assert est.random_state == 3
    assert est.n_features_in_ == 1
    assert est.n_outputs_ == 1
    assert est.n_layers_ == 3
    assert est.n_iter_ == 0
    assert est.loss_curve_ == []
    assert_array_equal(est.coefs_[0], W1)
    assert_array_equal(est.coefs_[1], W2)
    assert_array_equal(est.intercepts_[0], B1)
    assert_array_equal(est.intercepts_[1], B2)
    assert est.coefs_[0].dtype == np.float64


def test_from_weights_copies_the_weights():
    coefs = [np.array(W1), np.array(W2)]
    intercepts = [np.array(B1), np.array(B2)]
    est = SigmoidMLPRegressor.from_weights(coefs, intercepts)
    coefs[0][0, 0] = 100.0
    intercepts[1][0] = 100.0
    assert est.coefs_[0][0, 0] == 1.5
    assert est.intercepts_[1][0] == 0.5


def test_from_weights_infers_deep_architecture():
    coefs, intercepts = random_weights([2, 4, 3, 2])
    est = SigmoidMLPRegressor.from_weights(coefs, intercepts)
    assert est.hidden_layer_sizes == (4, 3)
    assert est.n_features_in_ == 2
    assert est.n_outputs_ == 2
    assert est.n_layers_ == 4
    # hidden_layer_sizes may be given when it agrees with the weights.
    SigmoidMLPRegressor.from_weights(coefs, intercepts, hidden_layer_sizes=(4, 3))


def test_from_weights_keeps_float32():
    coefs, intercepts = random_weights([1, 3, 1])
    est = SigmoidMLPRegressor.from_weights(
        [c.astype(np.float32) for c in coefs],
        [b.astype(np.float32) for b in intercepts],
    )
    assert all(c.dtype == np.float32 for c in est.coefs_)


@pytest.mark.parametrize(
    "coefs, intercepts, match",
    [
        ([], [], "at least two layers"),
        ([W1, W2], [B1], "one of each per layer"),
        ([[1.5, -2.0, 0.5], W2], [B1, B2], r"coefs\[0\] must be a non-empty 2-D"),
        ([np.zeros((1, 0)), W2], [[], B2], r"coefs\[0\] must be a non-empty 2-D"),
        ([W1, W2], [[1.0, 2.0], B2], r"intercepts\[0\] must have shape \(3,\)"),
        ([W1, W2], [B1, [0.5, 0.5]], r"intercepts\[1\] must have shape \(1,\)"),
        ([W1, [[1.0], [2.0]]], [B1, B2], "consecutive layers must chain"),
        ([[[np.nan, 1.0, 1.0]], W2], [B1, B2], "NaN or infinity"),
        ([W1, W2], [B1, [np.inf]], "NaN or infinity"),
    ],
)
def test_from_weights_rejects_inconsistent_shapes(coefs, intercepts, match):
    with pytest.raises(ValueError, match=match):
        SigmoidMLPRegressor.from_weights(coefs, intercepts)


def test_from_weights_rejects_a_network_without_hidden_layer():
    # The estimator is a network with at least one hidden layer.
    with pytest.raises(ValueError, match="hidden"):
        SigmoidMLPRegressor.from_weights([[[2.0]]], [[1.0]])


def test_from_weights_rejects_non_list_and_non_numeric_weights():
    with pytest.raises(TypeError, match="lists of arrays"):
        SigmoidMLPRegressor.from_weights(np.zeros((1, 3)), [B1])
    with pytest.raises(TypeError, match="real numbers"):
        SigmoidMLPRegressor.from_weights([[["a", "b", "c"]], W2], [B1, B2])


def test_from_weights_rejects_mismatched_hidden_layer_sizes():
    with pytest.raises(ValueError, match=r"does not match the weights.*\(3,\)"):
        deck_model(hidden_layer_sizes=(4,))


def test_from_weights_validates_other_params():
    with pytest.raises(ValueError, match="learning_rate"):
        deck_model(learning_rate=-1.0)
    with pytest.raises(TypeError, match="unexpected keyword"):
        deck_model(not_a_param=1)


def test_from_weights_predict_and_score():
    est = deck_model()
    X, y = sine_data()
    expected = np.array(
        [
            B2[0] + sum(W2[j][0] * g(B1[j] + W1[0][j] * x) for j in range(3))
            for x in X.ravel()
        ]
    )
    y_pred = est.predict(X)
    assert y_pred.shape == (X.shape[0],)
    assert_allclose(y_pred, expected, rtol=1e-12)
    ss_res = np.sum((y - expected) ** 2)
    ss_tot = np.sum((y - y.mean()) ** 2)
    assert_allclose(est.score(X, y), 1 - ss_res / ss_tot, rtol=1e-12)


def test_from_weights_checks_features_at_predict():
    est = deck_model()
    with pytest.raises(ValueError, match="expecting 1 features"):
        est.predict(np.ones((3, 2)))


def test_partial_fit_on_from_weights_takes_one_gradient_step():
    X, y = sine_data()
    est = deck_model(learning_rate=0.3)
    grad = est.loss_gradient(X, y)
    before_c = copy.deepcopy(est.coefs_)
    before_b = copy.deepcopy(est.intercepts_)
    est.partial_fit(X, y)
    assert est.n_iter_ == 1
    assert_allclose(est.loss_curve_, [grad.loss], rtol=1e-12)
    for W, W0, dW in zip(est.coefs_, before_c, grad.coef_grads):
        assert_allclose(W, W0 - 0.3 * dW, rtol=1e-12, atol=1e-15)
    for b, b0, db in zip(est.intercepts_, before_b, grad.intercept_grads):
        assert_allclose(b, b0 - 0.3 * db, rtol=1e-12, atol=1e-15)
    # Training improves the deck's loss from the given weights.
    assert est.loss_ < grad.loss


def test_partial_fit_on_from_weights_rejects_other_features():
    est = deck_model()
    with pytest.raises(ValueError, match="expecting 1 features"):
        est.partial_fit(np.ones((4, 2)), np.ones(4))


def test_warm_started_fit_continues_from_given_weights():
    X, y = sine_data()
    stepped = deck_model(learning_rate=0.3)
    for _ in range(5):
        stepped.partial_fit(X, y)

    warm = deck_model(learning_rate=0.3, warm_start=True, max_iter=5)
    with pytest.warns(ConvergenceWarning):
        warm.fit(X, y)
    assert warm.n_iter_ == 5
    for a, b in zip(warm.coefs_ + warm.intercepts_, stepped.coefs_ + stepped.intercepts_):
        assert_allclose(a, b, rtol=1e-12, atol=1e-15)

    # Without warm_start, fit draws fresh weights: the given ones are forgotten.
    cold = deck_model(learning_rate=0.3, max_iter=5, random_state=0)
    fresh = SigmoidMLPRegressor(learning_rate=0.3, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cold.fit(X, y)
        fresh.fit(X, y)
    for a, b in zip(cold.coefs_, fresh.coefs_):
        assert_allclose(a, b, rtol=1e-12)


def test_warm_started_fit_rejects_other_architecture():
    X, y = sine_data()
    est = deck_model(warm_start=True)
    est.set_params(hidden_layer_sizes=(4,))
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        est.fit(X, y)


# ---------------------------------------------------------------- forward_pass
def test_forward_pass_deck_steps_for_x_equal_2():
    """The deck's five steps for x = 2, by hand."""
    est = deck_model()
    fp = est.forward_pass([[2.0]])
    assert isinstance(fp, ForwardPass)
    # Step 1: z_j^(1) = w_j0^(1) + w_j1^(1) * x
    z1 = [B1[j] + W1[0][j] * 2.0 for j in range(3)]
    assert z1 == [2.0, -1.0, 1.25]
    # Step 2: g(z_j^(1))
    a1 = [g(z) for z in z1]
    # Steps 3-5: y_hat = w_10^(2) + sum_j w_1j^(2) g(z_j^(1))
    y_hat = B2[0] + sum(W2[j][0] * a1[j] for j in range(3))
    assert len(fp.pre_activations) == 2
    assert len(fp.activations) == 2
    assert_array_equal(fp.activations[0], [[2.0]])
    assert_allclose(fp.pre_activations[0], [z1], rtol=1e-15)
    assert_allclose(fp.activations[1], [a1], rtol=1e-15)
    assert_allclose(fp.pre_activations[1], [[y_hat]], rtol=1e-14)
    assert fp.output.shape == (1,)
    assert_allclose(fp.output, [y_hat], rtol=1e-14)


def test_forward_pass_deep_network_matches_layer_by_layer_loop():
    coefs, intercepts = random_weights([3, 5, 4, 2], seed=1)
    est = SigmoidMLPRegressor.from_weights(coefs, intercepts)
    X = np.random.RandomState(2).randn(7, 3)
    fp = est.forward_pass(X)
    assert [z.shape for z in fp.pre_activations] == [(7, 5), (7, 4), (7, 2)]
    assert [a.shape for a in fp.activations] == [(7, 3), (7, 5), (7, 4)]
    assert fp.output.shape == (7, 2)
    # Sample by sample, unit by unit, with Python floats.
    for i in range(7):
        a = list(X[i])
        for layer, (W, b) in enumerate(zip(coefs, intercepts)):
            z = [b[k] + sum(W[j, k] * a[j] for j in range(len(a))) for k in range(len(b))]
            assert_allclose(fp.pre_activations[layer][i], z, rtol=1e-12, atol=1e-14)
            a = [g(v) for v in z] if layer < 2 else z
            if layer < 2:
                assert_allclose(fp.activations[layer + 1][i], a, rtol=1e-12)
        assert_allclose(fp.output[i], a, rtol=1e-12, atol=1e-14)
    assert_allclose(fp.output, est.predict(X), rtol=1e-14)


def test_forward_pass_after_fit_and_on_sparse_input():
    X, y = sine_data()
    est = SigmoidMLPRegressor(max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    fp = est.forward_pass(X)
    assert_allclose(fp.output, est.predict(X), rtol=1e-14)
    fp_sparse = est.forward_pass(sp.csr_matrix(X))
    assert_allclose(fp_sparse.output, fp.output, rtol=1e-14)
    assert_allclose(fp_sparse.activations[1], fp.activations[1], rtol=1e-14)


def test_forward_pass_does_not_change_the_estimator():
    est = deck_model()
    before = copy.deepcopy(est.__dict__)
    fp = est.forward_pass([[0.5], [1.0]])
    assert before.keys() == est.__dict__.keys()
    for a, b in zip(before["coefs_"] + before["intercepts_"],
                    est.coefs_ + est.intercepts_):
        assert_array_equal(a, b)
    # The returned arrays are not views of the weights: changing them is safe.
    fp.pre_activations[1][:] = 0.0
    fp.output[:] = 0.0
    assert_array_equal(est.intercepts_[1], B2)


def test_forward_pass_errors():
    with pytest.raises(NotFittedError):
        SigmoidMLPRegressor().forward_pass([[1.0]])
    with pytest.raises(ValueError, match="expecting 1 features"):
        deck_model().forward_pass([[1.0, 2.0]])
    with pytest.raises(ValueError, match="2D array"):
        deck_model().forward_pass([1.0, 2.0])


# ---------------------------------------------------------------- loss_gradient
def deck_derivatives(X, y):
    """The ten formulas of "Alle Ableitungen auf einen Blick", literally."""
    n = len(y)
    x = X.ravel()
    z = [[B1[j] + W1[0][j] * xi for xi in x] for j in range(3)]
    a = [[g(v) for v in zj] for zj in z]
    y_hat = [B2[0] + sum(W2[j][0] * a[j][i] for j in range(3)) for i in range(n)]
    r = [y[i] - y_hat[i] for i in range(n)]
    J = sum(ri**2 for ri in r) / (2 * n)
    d = {"w10_2": -sum(r) / n}
    for j in range(3):
        d[f"w1{j + 1}_2"] = -sum(r[i] * a[j][i] for i in range(n)) / n
        gprime = [a[j][i] * (1 - a[j][i]) for i in range(n)]
        d[f"w{j + 1}0_1"] = -W2[j][0] / n * sum(r[i] * gprime[i] for i in range(n))
        d[f"w{j + 1}1_1"] = (
            -W2[j][0] / n * sum(r[i] * gprime[i] * x[i] for i in range(n))
        )
    return J, d


def test_loss_gradient_equals_the_deck_formulas():
    X, y = sine_data(n=25)
    res = deck_model().loss_gradient(X, y)
    assert isinstance(res, LossGradient)
    J, d = deck_derivatives(X, y)
    assert_allclose(res.loss, J, rtol=1e-12)
    assert_allclose(res.intercept_grads[1], [d["w10_2"]], rtol=1e-10)
    for j in range(3):
        assert_allclose(res.coef_grads[1][j, 0], d[f"w1{j + 1}_2"], rtol=1e-10)
        assert_allclose(res.intercept_grads[0][j], d[f"w{j + 1}0_1"], rtol=1e-10)
        assert_allclose(res.coef_grads[0][0, j], d[f"w{j + 1}1_1"], rtol=1e-10)


def numerical_gradient(est, X, y, sample_weight=None, eps=1e-6):
    """Central differences of J over every weight, in the coefs_ layout."""
    sizes = [est.coefs_[0].shape[0]] + [c.shape[1] for c in est.coefs_]

    def J(theta):
        probe = copy.copy(est)
        probe.coefs_, probe.intercepts_ = _network.unpack(theta, sizes)
        return probe.loss_gradient(X, y, sample_weight).loss

    theta = _network.pack(est.coefs_, est.intercepts_)
    return _network.unpack(central_differences(J, theta, eps), sizes)


@pytest.mark.parametrize(
    "layer_sizes, alpha, weighted",
    [
        ([1, 3, 1], 0.0, False),
        ([1, 3, 1], 0.5, True),
        ([3, 5, 4, 2], 0.0, True),
        ([3, 5, 4, 2], 0.1, False),
    ],
)
def test_loss_gradient_matches_finite_differences(layer_sizes, alpha, weighted):
    rng = np.random.RandomState(0)
    coefs, intercepts = random_weights(layer_sizes, seed=3)
    est = SigmoidMLPRegressor.from_weights(coefs, intercepts, alpha=alpha)
    X = rng.randn(15, layer_sizes[0])
    y = rng.randn(15, layer_sizes[-1])
    if layer_sizes[-1] == 1:
        y = y.ravel()
    sw = rng.uniform(0.2, 3.0, 15) if weighted else None
    res = est.loss_gradient(X, y, sample_weight=sw)
    num_c, num_b = numerical_gradient(est, X, y, sw)
    for a, b in zip(res.coef_grads, num_c):
        assert a.shape == b.shape
        assert_allclose(a, b, rtol=1e-6, atol=1e-8)
    for a, b in zip(res.intercept_grads, num_b):
        assert a.shape == b.shape
        assert_allclose(a, b, rtol=1e-6, atol=1e-8)


def test_loss_gradient_loss_is_the_weighted_cost_with_l2():
    rng = np.random.RandomState(1)
    coefs, intercepts = random_weights([2, 3, 2], seed=4)
    est = SigmoidMLPRegressor.from_weights(coefs, intercepts, alpha=0.3)
    X = rng.randn(10, 2)
    y = rng.randn(10, 2)
    sw = rng.uniform(0.5, 2.0, 10)
    res = est.loss_gradient(X, y, sample_weight=sw)
    r = y - est.predict(X)
    expected = (sw @ (r**2).sum(axis=1)) / (2 * sw.sum()) + 0.3 / (2 * sw.sum()) * sum(
        (W**2).sum() for W in coefs
    )
    assert_allclose(res.loss, expected, rtol=1e-12)


def test_loss_gradient_integer_weights_equal_repeated_rows():
    X, y = sine_data(n=12)
    sw = np.array([1, 2, 0, 3, 1, 1, 2, 1, 1, 4, 1, 1])
    est = deck_model()
    weighted = est.loss_gradient(X, y, sample_weight=sw)
    repeated = est.loss_gradient(np.repeat(X, sw, axis=0), np.repeat(y, sw))
    assert_allclose(weighted.loss, repeated.loss, rtol=1e-12)
    for a, b in zip(
        weighted.coef_grads + weighted.intercept_grads,
        repeated.coef_grads + repeated.intercept_grads,
    ):
        assert_allclose(a, b, rtol=1e-10, atol=1e-14)


def test_loss_gradient_takes_no_step():
    X, y = sine_data()
    est = deck_model()
    before = copy.deepcopy(est.coefs_ + est.intercepts_)
    first = est.loss_gradient(X, y)
    second = est.loss_gradient(X, y)
    for a, b in zip(est.coefs_ + est.intercepts_, before):
        assert_array_equal(a, b)
    assert est.n_iter_ == 0
    assert first.loss == second.loss


def test_loss_gradient_is_zero_at_a_perfect_fit():
    X = np.linspace(-2, 2, 9).reshape(-1, 1)
    est = deck_model()
    res = est.loss_gradient(X, est.predict(X))
    assert res.loss == pytest.approx(0.0, abs=1e-30)
    for grad in res.coef_grads + res.intercept_grads:
        assert_allclose(grad, 0.0, atol=1e-15)


def test_loss_gradient_errors():
    X, y = sine_data(n=10)
    with pytest.raises(NotFittedError):
        SigmoidMLPRegressor().loss_gradient(X, y)
    est = deck_model()
    with pytest.raises(ValueError, match="expecting 1 features"):
        est.loss_gradient(np.ones((10, 2)), y)
    with pytest.raises(ValueError, match="2 outputs but the network has 1"):
        est.loss_gradient(X, np.ones((10, 2)))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        est.loss_gradient(X, y[:5])
    with pytest.raises(ValueError, match="sample_weight has 3 entries"):
        est.loss_gradient(X, y, sample_weight=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="negative"):
        est.loss_gradient(X, y, sample_weight=-np.ones(10))
