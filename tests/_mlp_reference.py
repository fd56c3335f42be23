"""scikit-learn's MLPRegressor started from given weights: the reference runs.

MLPRegressor has no public way to take starting weights; fitting one throw-away
epoch, overwriting ``coefs_`` / ``intercepts_`` and the state the first epoch
left (``t_``, the loss curve, the stopping rule's best loss), then fitting with
``warm_start=True`` reproduces a trajectory from those weights exactly.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor


def mlpregressor_from_weights(coefs, intercepts, X, y, *, max_iter,
                              sample_weight=None, **params):
    """MLPRegressor(activation='logistic', **params) after ``max_iter`` epochs."""
    mlp = MLPRegressor(activation="logistic", max_iter=1, **params)
    fit_kw = {} if sample_weight is None else {"sample_weight": sample_weight}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y, **fit_kw)
        mlp.coefs_ = [c.copy() for c in coefs]
        mlp.intercepts_ = [b.copy() for b in intercepts]
        mlp.t_ = 0
        mlp.loss_curve_ = []
        # forget the throw-away epoch's best loss (the stopping rule's memory;
        # its first comparison then resets the no-improvement count)
        mlp.best_loss_ = np.inf
        mlp.set_params(warm_start=True, max_iter=max_iter)
        mlp.fit(X, y, **fit_kw)
    return mlp


def mlpregressor_gd(coefs, intercepts, X, y, learning_rate, max_iter):
    """MLPRegressor configured as plain full-batch gradient descent."""
    return mlpregressor_from_weights(
        coefs, intercepts, X, y, max_iter=max_iter,
        hidden_layer_sizes=tuple(c.shape[1] for c in coefs[:-1]),
        solver="sgd", batch_size=X.shape[0], momentum=0.0, alpha=0.0,
        shuffle=False, learning_rate="constant", learning_rate_init=learning_rate,
        tol=0.0, n_iter_no_change=np.inf, random_state=0,
    )
