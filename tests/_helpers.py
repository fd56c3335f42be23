"""What many test files share: the deck's network and data, and finite differences.

* ``W1``, ``B1``, ``W2``, ``B2`` and :func:`deck_model` -- the lecture deck's
  1-3-1 network with round weights, in the ``coefs_`` / ``intercepts_``
  layout: ``coefs[0][0, j-1] = w_j1^(1)``, ``intercepts[0][j-1] = w_j0^(1)``,
  ``coefs[1][j-1, 0] = w_1j^(2)``, ``intercepts[1][0] = w_10^(2)``.
* :func:`sine_data` -- the deck's data: ``x`` uniform on [-3, 3],
  ``y = sin(x) + 0.1`` noise.
* :func:`random_weights` -- standard-normal weights of any architecture.
* :func:`g` -- the sigmoid, written out (the reference the tests compare to).
* :func:`central_differences` -- the one finite-difference derivative of the
  suite (gradients of the loss, Jacobians of the outputs).

Functions rather than fixtures: the tests call them with their own sizes,
seeds and parameters.
"""

import numpy as np

from sigmoid_mlp import SigmoidMLPRegressor

W1 = [[1.5, -2.0, 0.5]]
B1 = [-1.0, 3.0, 0.25]
W2 = [[2.0], [-1.5], [0.75]]
B2 = [0.5]


def deck_model(**params):
    """The deck's 1-3-1 network with the weights above (fitted, no training)."""
    return SigmoidMLPRegressor.from_weights([W1, W2], [B1, B2], **params)


def sine_data(n=40, seed=0, n_features=1):
    """``X`` uniform on [-3, 3] of shape (n, n_features), ``y = Σ sin(x) + noise``.

    With one feature (the deck's problem) ``y = sin(x) + 0.1 * N(0, 1)``.
    """
    rng = np.random.RandomState(seed)
    X = rng.uniform(-3, 3, size=(n, n_features))
    y = np.sin(X).sum(axis=1) + 0.1 * rng.randn(n)
    return X, y


def random_weights(layer_sizes, seed=0):
    """Standard-normal ``(coefs, intercepts)`` for ``layer_sizes``."""
    rng = np.random.RandomState(seed)
    coefs = [rng.randn(a, b) for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
    intercepts = [rng.randn(b) for b in layer_sizes[1:]]
    return coefs, intercepts


def g(z):
    """The sigmoid ``1 / (1 + exp(-z))``, written out."""
    return 1.0 / (1.0 + np.exp(-z))


def central_differences(f, theta, eps):
    """``(f(θ + eps e_k) - f(θ - eps e_k)) / (2 eps)`` for every ``k``.

    ``theta`` is a 1-D array; the derivatives along ``θ_k`` are stacked on a
    last axis, so a scalar ``f`` gives the gradient (shape ``theta.shape``)
    and an array-valued ``f`` its Jacobian (shape ``f(θ).shape + theta.shape``).
    """
    columns = []
    for k in range(theta.size):
        step = np.zeros_like(theta)
        step[k] = eps
        columns.append(
            (np.asarray(f(theta + step)) - np.asarray(f(theta - step))) / (2 * eps)
        )
    return np.stack(columns, axis=-1)


def deck_split(seed=0, *, noisy_test=True):
    """The deck's problem as examples/plot_deck_end_to_end.py draws it.

    200 training points of ``sin(x) + 0.1 noise`` on [-3, 3] and 1000 test
    points from the same generator (noisy, or the clean curve).
    """
    rng = np.random.RandomState(seed)
    X = rng.uniform(-3, 3, size=(200, 1))
    y = np.sin(X).ravel() + 0.1 * rng.randn(200)
    X_test = rng.uniform(-3, 3, size=(1000, 1))
    y_test = np.sin(X_test).ravel()
    if noisy_test:
        y_test = y_test + 0.1 * rng.randn(1000)
    return X, y, X_test, y_test


def scaled_data(n=120, n_features=3, seed=0, n_outputs=1):
    """Standard-normal inputs and a smooth target of all of them, plus noise."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, n_features)
    y = np.tanh(X @ rng.randn(n_features, n_outputs)) + 0.1 * rng.randn(n, n_outputs)
    return X, (y.ravel() if n_outputs == 1 else y)
