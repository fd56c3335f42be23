"""
Comparison with scikit-learn's MLPRegressor
===========================================

Three questions, answered on the deck's sine problem:

1. **Weights.** Configured as plain full-batch gradient descent and started
   from the same random weights, does ``MLPRegressor`` take the same steps as
   :class:`~sigmoid_mlp.SigmoidMLPRegressor`? (It should: both compute the
   gradient of the same cost.)
2. **Time.** How long do both need for the same epochs?
3. **Accuracy.** How well does each fit with settings a user would pick?

Timings are measured when this example runs, on whatever machine runs it.
"""

# %%
# Data
# ----
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from sigmoid_mlp import SigmoidMLPRegressor

rng = np.random.RandomState(0)
X = rng.uniform(-3, 3, size=(200, 1))
y = np.sin(X).ravel() + 0.1 * rng.randn(200)
X_test = rng.uniform(-3, 3, size=(1000, 1))
y_test = np.sin(X_test).ravel() + 0.1 * rng.randn(1000)

# %%
# Same steps from the same weights
# --------------------------------
# ``MLPRegressor`` becomes the deck's gradient descent with a constant step,
# no momentum, one batch holding all samples, no shuffling, no L2 penalty and
# no early stop. Both estimators draw their starting weights the same way
# (Glorot-uniform for logistic units), so the same ``random_state`` gives the
# same start.
n_epochs = 2000
ours = SigmoidMLPRegressor(learning_rate=0.5, max_iter=n_epochs, tol=0.0,
                           n_iter_no_change=np.inf, random_state=0)
theirs = MLPRegressor(
    hidden_layer_sizes=(3,), activation="logistic", solver="sgd",
    learning_rate="constant", learning_rate_init=0.5, momentum=0.0, alpha=0.0,
    batch_size=X.shape[0], shuffle=False, early_stopping=False, tol=0.0,
    n_iter_no_change=np.inf, max_iter=n_epochs, random_state=0,
)
with warnings.catch_warnings():
    # Both run all epochs on purpose, so both warn that they did not converge.
    warnings.simplefilter("ignore", ConvergenceWarning)
    # The first fit in a process loads the optional compiled loops (numba,
    # the 'fast' extra) from their cache; warm up so that the timing below
    # is of the training only.
    SigmoidMLPRegressor(max_iter=2).fit(X, y)
    SigmoidMLPRegressor(solver="lm", max_iter=2).fit(X, y)
    start = time.perf_counter()
    ours.fit(X, y)
    time_ours = time.perf_counter() - start
    start = time.perf_counter()
    theirs.fit(X, y)
    time_theirs = time.perf_counter() - start

max_diff = max(np.abs(a - b).max() for a, b in
               zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_))
print(f"after {n_epochs} epochs, largest weight difference: {max_diff:.2e}")
print(f"losses: ours {ours.loss_curve_[-1]:.8f}, MLPRegressor "
      f"{theirs.loss_curve_[-1]:.8f} (loss before the last step)")
for name, est in (("SigmoidMLPRegressor", ours), ("MLPRegressor", theirs)):
    print(f"{name:>20}: w^(1) = {est.coefs_[0].ravel().round(4)}, "
          f"w^(2) = {est.coefs_[1].ravel().round(4)}")

# %%
# Time for the same epochs
# ------------------------
print(f"{n_epochs} full-batch epochs: SigmoidMLPRegressor {time_ours:.3f} s, "
      f"MLPRegressor {time_theirs:.3f} s (ratio {time_theirs / time_ours:.1f}x)")

# %%
# Accuracy with the settings a user would pick
# --------------------------------------------
# ``SigmoidMLPRegressor`` with its defaults (gradient descent until the loss
# stops improving) and with ``solver='lm'`` (Levenberg-Marquardt, built on
# the per-sample derivatives of the deck's chain rule), against
# ``MLPRegressor`` with the same three logistic units and its L-BFGS solver
# (recommended for small data sets) and its default Adam solver. Scores are
# :math:`R^2` on 1000 fresh points.
candidates = {
    "SigmoidMLPRegressor (defaults)": SigmoidMLPRegressor(random_state=0),
    "SigmoidMLPRegressor (lm)": SigmoidMLPRegressor(solver="lm", random_state=0),
    "MLPRegressor (lbfgs)": MLPRegressor(hidden_layer_sizes=(3,),
                                         activation="logistic", solver="lbfgs",
                                         max_iter=2000, random_state=0),
    "MLPRegressor (adam)": MLPRegressor(hidden_layer_sizes=(3,),
                                        activation="logistic", max_iter=2000,
                                        random_state=0),
}
results = {}
for name, est in candidates.items():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        est.fit(X, y)
        elapsed = time.perf_counter() - start
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    results[name] = est
    print(f"{name:>31}: test R^2 = {est.score(X_test, y_test):.4f}, "
          f"fit {elapsed:.3f} s, {est.n_iter_} iterations"
          + ("" if converged else " (ConvergenceWarning)"))

# %%
# Side by side
# ------------
# (The display classes import matplotlib only when they draw.)
from sigmoid_mlp.inspection import ComparisonDisplay

try:
    ComparisonDisplay.from_estimators(results, X_test, y_test)
except ImportError as exc:
    print(exc)
