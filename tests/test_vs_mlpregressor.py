"""Proof 3: full-batch gradient descent is exactly MLPRegressor's plain GD.

From identical starting weights, k steps of ours equal k epochs of
``MLPRegressor(activation='logistic', solver='sgd', batch_size=n, momentum=0,
alpha=0, shuffle=False, learning_rate='constant', tol=0,
n_iter_no_change=inf)``.
"""

import warnings

import numpy as np
import pytest
from _helpers import sine_data
from _mlp_reference import mlpregressor_gd
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from sigmoid_mlp import SigmoidMLPRegressor, _network


def _deck_problem(n=200, d=1, seed=0):
    X, y = sine_data(n, seed, n_features=d)
    return (X - X.mean(0)) / X.std(0), y


@pytest.mark.parametrize("hidden", [(3,), (4, 2)])
@pytest.mark.parametrize("k", [1, 100])
def test_k_gd_steps_equal_k_mlpregressor_epochs(hidden, k):
    X, y = _deck_problem(d=2)
    lr = 0.3
    coefs, intercepts = _network.init_weights(
        [X.shape[1], *hidden, 1], np.random.RandomState(42)
    )
    ours = SigmoidMLPRegressor.from_weights(
        coefs, intercepts, learning_rate=lr, max_iter=k, tol=0.0,
        n_iter_no_change=np.inf, warm_start=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
    theirs = mlpregressor_gd(coefs, intercepts, X, y, lr, k)

    assert ours.n_iter_ == theirs.n_iter_ == k
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert_allclose(a, b, rtol=0, atol=1e-10)
    # the recorded losses are the same quantity (loss before each step)
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
    assert_allclose(ours.predict(X), theirs.predict(X), rtol=0, atol=1e-10)


def test_same_random_state_gives_mlpregressor_starting_weights():
    X, y = _deck_problem()
    ours = SigmoidMLPRegressor(learning_rate=0.5, random_state=3, max_iter=1, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        theirs = MLPRegressor(
            hidden_layer_sizes=(3,), activation="logistic", solver="sgd",
            batch_size=X.shape[0], momentum=0.0, alpha=0.0, shuffle=False,
            learning_rate_init=0.5, max_iter=1, random_state=3,
        ).fit(X, y)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert_allclose(a, b, rtol=0, atol=1e-12)
