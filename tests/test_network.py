"""The math module: the deck's formulas, finite differences, building blocks."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _helpers import central_differences, g, sine_data
from numpy.testing import assert_allclose, assert_array_equal

from sigmoid_mlp import _network


def _random_weights(layer_sizes, seed=0, dtype=np.float64):
    return _network.init_weights(layer_sizes, np.random.RandomState(seed), dtype)


# ---------------------------------------------------------------- proof 1
def test_deck_formulas_written_out_for_the_1_3_1_network():
    """The ten per-weight derivatives of "Alle Ableitungen auf einen Blick"."""
    X, y = sine_data()
    x = X.ravel()
    n = x.shape[0]
    rng = np.random.RandomState(1)
    # The deck's weights, named as on the slides.
    w10_1, w20_1, w30_1 = rng.uniform(-1, 1, 3)  # hidden biases  w_j0^(1)
    w11_1, w21_1, w31_1 = rng.uniform(-1, 1, 3)  # hidden weights w_j1^(1)
    w10_2 = rng.uniform(-1, 1)  # output bias    w_10^(2)
    w11_2, w12_2, w13_2 = rng.uniform(-1, 1, 3)  # output weights w_1j^(2)

    def g_prime(z):
        return g(z) * (1.0 - g(z))

    # Forward pass, unit by unit (deck: steps 1-5).
    z1 = w10_1 + w11_1 * x
    z2 = w20_1 + w21_1 * x
    z3 = w30_1 + w31_1 * x
    y_hat = w10_2 + w11_2 * g(z1) + w12_2 * g(z2) + w13_2 * g(z3)
    J = 1 / (2 * n) * np.sum((y - y_hat) ** 2)

    # Second layer (with g(z), as on "Alle Ableitungen auf einen Blick").
    dJ_dw10_2 = -1 / n * np.sum(y - y_hat)
    dJ_dw11_2 = -1 / n * np.sum((y - y_hat) * g(z1))
    dJ_dw12_2 = -1 / n * np.sum((y - y_hat) * g(z2))
    dJ_dw13_2 = -1 / n * np.sum((y - y_hat) * g(z3))
    # First layer.
    dJ_dw10_1 = -w11_2 / n * np.sum((y - y_hat) * g_prime(z1))
    dJ_dw11_1 = -w11_2 / n * np.sum((y - y_hat) * g_prime(z1) * x)
    dJ_dw20_1 = -w12_2 / n * np.sum((y - y_hat) * g_prime(z2))
    dJ_dw21_1 = -w12_2 / n * np.sum((y - y_hat) * g_prime(z2) * x)
    dJ_dw30_1 = -w13_2 / n * np.sum((y - y_hat) * g_prime(z3))
    dJ_dw31_1 = -w13_2 / n * np.sum((y - y_hat) * g_prime(z3) * x)

    # The same network in the coefs_/intercepts_ layout.
    coefs = [np.array([[w11_1, w21_1, w31_1]]), np.array([[w11_2], [w12_2], [w13_2]])]
    intercepts = [np.array([w10_1, w20_1, w30_1]), np.array([w10_2])]
    loss, coef_grads, intercept_grads = _network.loss_gradient(
        x.reshape(-1, 1), y.reshape(-1, 1), coefs, intercepts
    )

    assert_allclose(loss, J, rtol=1e-13)
    assert_allclose(intercept_grads[1], [dJ_dw10_2], rtol=1e-12)
    assert_allclose(coef_grads[1].ravel(), [dJ_dw11_2, dJ_dw12_2, dJ_dw13_2], rtol=1e-12)
    assert_allclose(intercept_grads[0], [dJ_dw10_1, dJ_dw20_1, dJ_dw30_1], rtol=1e-12)
    assert_allclose(coef_grads[0].ravel(), [dJ_dw11_1, dJ_dw21_1, dJ_dw31_1], rtol=1e-12)


def test_deck_erratum_g_prime_in_second_layer_is_wrong():
    """The "Was benötigen wir" slides print g'(z) in the 2nd layer: that is not the gradient."""
    X, y = sine_data()
    x = X.ravel()
    coefs, intercepts = _random_weights([1, 3, 1], seed=3)
    activations = _network.forward(x.reshape(-1, 1), coefs, intercepts)
    _, coef_grads, _ = _network.loss_gradient(
        x.reshape(-1, 1), y.reshape(-1, 1), coefs, intercepts
    )
    residual = y - activations[-1].ravel()
    a = activations[1]
    with_g = -(residual @ a) / x.size
    with_g_prime = -(residual @ (a * (1 - a))) / x.size
    assert_allclose(coef_grads[1].ravel(), with_g, rtol=1e-12)
    assert not np.allclose(coef_grads[1].ravel(), with_g_prime, rtol=1e-3)


# ---------------------------------------------------------------- proof 2
def _numerical_gradient(X, y, coefs, intercepts, sample_weight, alpha, eps):
    """Central differences (J(θ + eps e_k) - J(θ - eps e_k)) / (2 eps) for every k."""
    layer_sizes = [coefs[0].shape[0]] + [c.shape[1] for c in coefs]
    theta = _network.pack(coefs, intercepts)

    def J(vector):
        c, b = _network.unpack(vector, layer_sizes)
        return _network.loss_gradient(X, y, c, b, sample_weight, alpha)[0]

    return central_differences(J, theta, eps)


@pytest.mark.parametrize(
    "hidden, n_outputs, weighted, alpha",
    [
        ((3,), 1, False, 0.0),
        ((4, 2), 1, False, 0.0),
        ((3,), 3, False, 0.0),
        ((4, 2), 2, True, 0.0),
        ((3,), 1, True, 0.3),
        ((5, 3, 2), 2, True, 1e-2),
    ],
)
def test_gradient_matches_central_finite_differences(hidden, n_outputs, weighted, alpha):
    rng = np.random.RandomState(0)
    n, d = 25, 3
    X = rng.randn(n, d)
    y = rng.randn(n, n_outputs)
    sample_weight = rng.uniform(0, 3, n) if weighted else None
    coefs, intercepts = _random_weights([d, *hidden, n_outputs], seed=1)
    _, coef_grads, intercept_grads = _network.loss_gradient(
        X, y, coefs, intercepts, sample_weight, alpha
    )
    analytic = _network.pack(coef_grads, intercept_grads)
    numeric = _numerical_gradient(X, y, coefs, intercepts, sample_weight, alpha, 1e-6)
    assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_gradient_matches_finite_differences_float32():
    rng = np.random.RandomState(0)
    X = rng.randn(30, 2).astype(np.float32)
    y = rng.randn(30, 1).astype(np.float32)
    coefs, intercepts = _random_weights([2, 4, 1], seed=2, dtype=np.float32)
    _, coef_grads, intercept_grads = _network.loss_gradient(X, y, coefs, intercepts)
    assert all(g.dtype == np.float32 for g in coef_grads + intercept_grads)
    analytic = _network.pack(coef_grads, intercept_grads)
    numeric = _numerical_gradient(X, y, coefs, intercepts, None, 0.0, 1e-2)
    # float32 loss has ~7 significant digits; a step of 1e-2 keeps the rounding
    # error of the difference quotient near 1e-4 while the O(eps^2) truncation
    # error stays below that for these smooth functions.
    assert_allclose(analytic, numeric, rtol=2e-2, atol=2e-4)


def test_sparse_input_gives_the_dense_gradient():
    rng = np.random.RandomState(0)
    X = rng.randn(20, 6)
    X[X < 0.5] = 0.0
    y = rng.randn(20, 1)
    coefs, intercepts = _random_weights([6, 3, 1])
    dense = _network.loss_gradient(X, y, coefs, intercepts)
    for fmt in (sp.csr_matrix, sp.csc_matrix, sp.csr_array):
        sparse = _network.loss_gradient(fmt(X), y, coefs, intercepts)
        assert_allclose(sparse[0], dense[0], rtol=1e-14)
        for a, b in zip(sparse[1] + sparse[2], dense[1] + dense[2]):
            assert isinstance(a, np.ndarray)
            assert_allclose(a, b, rtol=1e-13, atol=1e-15)


# ---------------------------------------------------------------- pieces
def test_sigmoid_is_stable_for_extreme_inputs():
    z = np.array([-1e4, -745.0, 0.0, 745.0, 1e4])
    with np.errstate(all="raise"):
        a = _network.sigmoid(z)
        da = _network.sigmoid_derivative(a)
    assert_array_equal(a[[0, 2, 4]], [0.0, 0.5, 1.0])
    assert np.isfinite(da).all()
    assert da[2] == 0.25


def test_sigmoid_derivative_matches_the_exact_derivative():
    z = np.linspace(-6, 6, 101)
    exact = np.exp(-z) / (1 + np.exp(-z)) ** 2
    assert_allclose(_network.sigmoid_derivative(_network.sigmoid(z)), exact, rtol=1e-12)


def test_squared_error_is_the_deck_cost_and_sums_over_outputs():
    y = np.array([[1.0, 2.0], [3.0, 4.0], [0.0, 1.0]])
    y_pred = np.array([[0.0, 2.0], [1.0, 4.0], [0.0, 0.0]])
    # 1/(2n) sum_i ||y_i - yhat_i||^2 = (1 + 4 + 1) / 6
    assert _network.squared_error(y, y_pred) == pytest.approx(1.0)
    w = np.array([2.0, 0.0, 1.0])
    assert _network.squared_error(y, y_pred, w) == pytest.approx((2 * 1 + 1) / 6)


def test_l2_penalty_skips_intercepts_and_scales_by_weight_sum():
    coefs = [np.ones((2, 3)), 2 * np.ones((3, 1))]
    assert _network.l2_penalty(coefs, 0.5, 4.0) == pytest.approx(0.5 * 0.5 * (6 + 12) / 4)
    assert _network.l2_penalty(coefs, 0.0, 4.0) == 0.0


def test_init_weights_match_mlpregressor_draws():
    from sklearn.neural_network import MLPRegressor

    rng = np.random.RandomState(0)
    X, y = rng.randn(10, 4), rng.randn(10)
    mlp = MLPRegressor(
        hidden_layer_sizes=(5, 3), activation="logistic", max_iter=1, random_state=7
    )
    # A step of 1e-300 leaves every weight at its initial value exactly.
    mlp.set_params(solver="sgd", learning_rate_init=1e-300, momentum=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp.fit(X, y)
    coefs, intercepts = _network.init_weights([4, 5, 3, 1], np.random.RandomState(7))
    for ours, theirs in zip(coefs + intercepts, mlp.coefs_ + mlp.intercepts_):
        assert_array_equal(ours, theirs)


def test_init_weights_bounds_and_dtype():
    coefs, intercepts = _random_weights([4, 6, 2], dtype=np.float32)
    for W, b in zip(coefs, intercepts):
        bound = np.sqrt(2.0 / (W.shape[0] + W.shape[1]))
        assert W.dtype == b.dtype == np.float32
        assert np.abs(W).max() <= bound and np.abs(b).max() <= bound


def test_forward_and_predict_agree_and_keep_every_layer():
    rng = np.random.RandomState(0)
    X = rng.randn(7, 3)
    coefs, intercepts = _random_weights([3, 4, 2, 5])
    activations = _network.forward(X, coefs, intercepts)
    assert [a.shape for a in activations] == [(7, 3), (7, 4), (7, 2), (7, 5)]
    assert activations[0] is X
    assert ((activations[1] > 0) & (activations[1] < 1)).all()
    assert_allclose(activations[-1], _network.predict(X, coefs, intercepts), rtol=1e-15)
    # identity output: the last layer is a plain affine map of the previous one
    assert_allclose(activations[-1], activations[2] @ coefs[2] + intercepts[2])


def test_pack_unpack_round_trip():
    sizes = [3, 4, 2, 5]
    coefs, intercepts = _random_weights(sizes)
    packed = _network.pack(coefs, intercepts)
    assert packed.size == sum(a.size for a in coefs + intercepts)
    c2, b2 = _network.unpack(packed, sizes)
    for a, b in zip(coefs + intercepts, c2 + b2):
        assert_array_equal(a, b)


# ------------------------------------------------- Gauss-Newton (solver 'lm')
def test_output_jacobian_is_the_decks_per_sample_terms_for_1_3_1():
    """Rows of the Jacobian are the terms inside the deck's sums, per sample."""
    x = sine_data(n=25)[0].ravel()
    X = x[:, None]
    coefs, intercepts = _random_weights([1, 3, 1], seed=2)
    w1, b1 = coefs[0][0], intercepts[0]  # w_j1^(1), w_j0^(1)
    w2 = coefs[1][:, 0]  # w_1j^(2)
    g = 1.0 / (1.0 + np.exp(-(x[:, None] * w1 + b1)))  # g(z_j), shape (n, 3)
    g_prime = g * (1.0 - g)
    expected = np.concatenate(
        [
            w2 * g_prime * x[:, None],  # dŷ/dw_j1^(1) = w_1j^(2) g'(z_j) x
            g,  # dŷ/dw_1j^(2) = g(z_j)
            w2 * g_prime,  # dŷ/dw_j0^(1) = w_1j^(2) g'(z_j)
            np.ones((x.size, 1)),  # dŷ/dw_10^(2) = 1
        ],
        axis=1,
    )
    activations = _network.forward(X, coefs, intercepts)
    jacobian = _network.output_jacobian(activations, coefs)
    assert jacobian.shape == (x.size, 1, 10)
    assert_allclose(jacobian[:, 0, :], expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("hidden", [(3,), (4, 2)])
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_output_jacobian_matches_central_finite_differences(hidden, n_outputs):
    rng = np.random.RandomState(3)
    X = rng.randn(9, 2)
    sizes = [2, *hidden, n_outputs]
    coefs, intercepts = _random_weights(sizes, seed=4)
    jacobian = _network.output_jacobian(_network.forward(X, coefs, intercepts), coefs)
    w = _network.pack(coefs, intercepts)
    numeric = central_differences(
        lambda theta: _network.predict(X, *_network.unpack(theta, sizes)), w, 1e-6
    )
    assert_allclose(jacobian, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_outputs", [1, 2])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_gauss_newton_sums_give_the_backward_gradient(weighted, n_outputs, alpha):
    """(u + αPw)/S is the backward pass's gradient; s/(2S) the squared error."""
    rng = np.random.RandomState(5)
    X = rng.randn(30, 3)
    y = rng.randn(30, n_outputs)
    sw = rng.uniform(0, 2, 30) if weighted else None
    sizes = [3, 4, 2, n_outputs]
    coefs, intercepts = _random_weights(sizes, seed=6)
    s, u, M = _network.gauss_newton_sums(
        _network.forward(X, coefs, intercepts), y, coefs, sw
    )
    S = 30.0 if sw is None else sw.sum()
    w = _network.pack(coefs, intercepts)
    penalised = np.concatenate([np.ones(c.size) for c in coefs]
                               + [np.zeros(b.size) for b in intercepts])
    loss, coef_grads, intercept_grads = _network.loss_gradient(
        X, y, coefs, intercepts, sw, alpha
    )
    assert_allclose(s / (2 * S) + _network.l2_penalty(coefs, alpha, S), loss,
                    rtol=1e-12)
    assert_allclose((u + alpha * penalised * w) / S,
                    _network.pack(coef_grads, intercept_grads), rtol=1e-12,
                    atol=1e-15)
    # M is Σ_i w_i Σ_k J_ikᵀ J_ik, written out with the Jacobian.
    jac = _network.output_jacobian(_network.forward(X, coefs, intercepts), coefs)
    weights = np.ones(30) if sw is None else sw
    expected = sum(weights[i] * jac[i].T @ jac[i] for i in range(30))
    assert_allclose(M, expected, rtol=1e-12, atol=1e-14)
    assert_allclose(M, M.T, rtol=0, atol=0)


def test_gauss_newton_sums_add_up_over_row_chunks_and_accept_sparse():
    rng = np.random.RandomState(7)
    X = rng.randn(40, 3)
    X[X < 0.3] = 0.0
    y = rng.randn(40, 2)
    coefs, intercepts = _random_weights([3, 3, 2], seed=8)

    def sums(rows, data):
        return _network.gauss_newton_sums(
            _network.forward(data[rows], coefs, intercepts), y[rows], coefs
        )

    whole = sums(slice(None), X)
    parts = [sums(slice(a, a + 13), X) for a in range(0, 40, 13)]
    for i in range(3):
        assert_allclose(sum(p[i] for p in parts), whole[i], rtol=1e-12, atol=1e-14)
    sparse = sums(slice(None), sp.csr_matrix(X))
    for i in range(3):
        assert_allclose(sparse[i], whole[i], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("layer_sizes", [[1, 3, 1], [4, 5, 3, 2], [2, 1]])
def test_flat_layout_is_the_order_of_pack_and_unpack(layer_sizes):
    from sigmoid_mlp._network import FlatLayout, pack, unpack

    layout = FlatLayout(layer_sizes)
    rng = np.random.RandomState(0)
    coefs = [rng.randn(a, b) for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
    intercepts = [rng.randn(b) for b in layer_sizes[1:]]
    flat = pack(coefs, intercepts)
    assert flat.size == layout.size
    for (start, end, shape), array in zip(layout.slices, coefs + intercepts):
        np.testing.assert_array_equal(flat[start:end].reshape(shape), array)
    for layer, (W, b) in enumerate(zip(coefs, intercepts)):
        start = layout.coef_off[layer]
        np.testing.assert_array_equal(flat[start:start + W.size], W.ravel())
        np.testing.assert_array_equal(
            flat[layout.int_off[layer]:layout.int_off[layer] + b.size], b)
    got_coefs, got_intercepts = unpack(flat, layer_sizes)
    assert all(np.array_equal(a, b) for a, b in zip(got_coefs, coefs))
    assert all(np.array_equal(a, b) for a, b in zip(got_intercepts, intercepts))
    n_coef = sum(W.size for W in coefs)
    np.testing.assert_array_equal(layout.penalty_mask(),
                                  np.r_[np.ones(n_coef), np.zeros(flat.size - n_coef)])
    np.testing.assert_array_equal(layout.penalty_mask(intercepts=True),
                                  np.ones(flat.size))
