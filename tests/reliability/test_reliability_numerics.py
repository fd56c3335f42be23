"""Numerics at the edges: pre-activations up to |z| = 1e4, float32 and float64.

``exp(-z)`` overflows float64 for z < -709 and float32 for z < -88; a naive
sigmoid would warn there (or return NaN for the derivative).  These tests run
with overflow, invalid operations and division by zero turned into exceptions
and every warning into an error.  Underflow stays ignored (numpy's default): a
saturated unit's g(z) of 1e-40 times a weight rounding to 0 is the right answer,
not an error.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigmoid_mlp import SigmoidMLPRegressor, _network

from ._helpers import DERANDOMIZE, N_EXAMPLES, PARTIAL_FIT_SOLVERS, make_estimator

DTYPES = [np.float32, np.float64]


class _strict:
    """No overflow / invalid / divide-by-zero and no warning, inside the block."""

    def __enter__(self):
        self._err = np.errstate(over="raise", invalid="raise", divide="raise",
                                under="ignore")
        self._warn = warnings.catch_warnings()
        self._err.__enter__()
        self._warn.__enter__()
        warnings.simplefilter("error")
        return self

    def __exit__(self, *exc):
        self._warn.__exit__(*exc)
        return self._err.__exit__(*exc)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_and_derivative_at_extreme_pre_activations(dtype):
    edge = [-1e4, -1e3, -710.0, -709.0, -89.0, -88.0, -30.0, 0.0,
            30.0, 88.0, 89.0, 709.0, 710.0, 1e3, 1e4]
    z = np.array(edge, dtype=dtype)
    with _strict():
        a = _network.sigmoid(z.copy())
        d = _network.sigmoid_derivative(a)
    assert a.dtype == dtype and d.dtype == dtype
    assert np.isfinite(a).all() and np.isfinite(d).all()
    assert ((a >= 0) & (a <= 1)).all() and (d >= 0).all() and (d <= 0.25).all()
    assert a[0] == 0 and a[-1] == 1 and a[7] == 0.5
    assert np.all(np.diff(a) >= 0)  # monotone through the saturated tails
    # symmetry g(-z) = 1 - g(z) holds where both sides are representable
    np.testing.assert_allclose(a[::-1], 1 - a, atol=np.finfo(dtype).eps)


def _random_network(rng, n_features, hidden, n_outputs):
    """Random N(0, 1) weights (the test scales the hidden layers afterwards)."""
    sizes = [n_features, *hidden, n_outputs]
    coefs = [rng.randn(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
    intercepts = [rng.randn(b) for b in sizes[1:]]
    return coefs, intercepts


@settings(max_examples=N_EXAMPLES, deadline=None, derandomize=DERANDOMIZE)
@given(
    seed=st.integers(0, 2**31 - 1),
    n_samples=st.integers(1, 10),
    n_features=st.integers(1, 4),
    hidden=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
    n_outputs=st.integers(1, 2),
    z_max=st.sampled_from([30.0, 100.0, 710.0, 1e3, 1e4]),
    dtype=st.sampled_from(DTYPES),
    alpha=st.sampled_from([0.0, 1e-2]),
    weighted=st.booleans(),
)
def test_forward_backward_finite_without_warnings_for_huge_pre_activations(
    seed, n_samples, n_features, hidden, n_outputs, z_max, dtype, alpha, weighted
):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, (n_samples, n_features))
    Y = rng.uniform(-1, 1, (n_samples, n_outputs))
    sample_weight = rng.uniform(0.5, 2, n_samples) if weighted else None
    coefs, intercepts = _random_network(rng, n_features, hidden, n_outputs)
    # scale the hidden layers so the largest |z| of each is z_max (output: O(1))
    a = X
    for layer in range(len(hidden)):
        z = a @ coefs[layer] + intercepts[layer]
        factor = z_max / np.max(np.abs(z))
        coefs[layer] *= factor
        intercepts[layer] *= factor
        a = _network.sigmoid(a @ coefs[layer] + intercepts[layer])
    est = SigmoidMLPRegressor.from_weights(
        [c.astype(dtype) for c in coefs], [b.astype(dtype) for b in intercepts],
        alpha=alpha, learning_rate=1e-3,
    )
    Xd = X.astype(dtype)
    with _strict():
        fp = est.forward_pass(Xd)
        pred = est.predict(Xd)
        lg = est.loss_gradient(Xd, Y, sample_weight)
    hidden_z = np.concatenate([z.ravel() for z in fp.pre_activations[:-1]])
    # the pre-activations really are that extreme (up to float32 rounding)
    np.testing.assert_allclose(np.max(np.abs(hidden_z)), z_max, rtol=1e-3)
    for arr in [*fp.pre_activations, *fp.activations, pred]:
        assert arr.dtype == dtype and np.isfinite(arr).all()
    assert np.isfinite(lg.loss)
    for g in [*lg.coef_grads, *lg.intercept_grads]:
        assert g.dtype == dtype and np.isfinite(g).all()


@pytest.mark.skipif(not PARTIAL_FIT_SOLVERS, reason="no solver offers partial_fit")
@pytest.mark.parametrize("solver", PARTIAL_FIT_SOLVERS or ["gd"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("z_max", [1e3, 1e4])
def test_training_step_from_saturated_network_is_clean(solver, dtype, z_max):
    """A training epoch from weights with |z| up to 1e4: no warning, finite weights."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (30, 2)).astype(dtype)
    y = np.sin(3 * X[:, 0]).astype(dtype)
    W0 = rng.randn(2, 4)
    W0 *= z_max / np.max(np.abs(X @ W0))
    coefs = [W0.astype(dtype), rng.randn(4, 1).astype(dtype)]
    intercepts = [np.zeros(4, dtype), np.zeros(1, dtype)]
    params = {"learning_rate": 0.1}
    if solver != "gd":
        params = {"solver": solver, "learning_rate": make_estimator(solver).learning_rate}
    est = SigmoidMLPRegressor.from_weights(coefs, intercepts, **params)
    with _strict():
        for _ in range(5):
            est.partial_fit(X, y)
        pred = est.predict(X)
    assert all(np.isfinite(w).all() and w.dtype == dtype
               for w in [*est.coefs_, *est.intercepts_])
    assert np.isfinite(pred).all() and np.isfinite(est.loss_)
