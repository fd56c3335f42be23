"""
The deck end to end
===================

The lecture deck's story, runnable: a small neural network -- one input,
three sigmoid hidden units, one linear output -- and a strongly non-linear
regression problem (a sine-shaped cloud of points).

1. With **given weights**: the prediction for :math:`x = 2` step by step,
   the predictions as points and as a curve, and the curve as a weighted sum
   of three activation curves.
2. With **random starting weights**: forward pass, backward pass and
   gradient-descent step, repeated until the curve fits the cloud; the loss
   curve and the fitted curve.

The figures need matplotlib (``pip install sigmoid-mlp[plot]``); without it
the script still runs and prints every number.
"""

# %%
# The data: a sine-shaped cloud
# -----------------------------
# One quantitative input :math:`x_i` and one quantitative target
# :math:`y_i = \sin(x_i) + \varepsilon_i`: the true relationship is strongly
# non-linear.
import numpy as np

from sigmoid_mlp import SigmoidMLPRegressor
from sigmoid_mlp.inspection import (
    ActivationDisplay,
    LossCurveDisplay,
    PredictionDisplay,
    explain_prediction,
)

try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the numbers are printed anyway
    plt = None

rng = np.random.RandomState(0)
X = rng.uniform(-3, 3, size=(200, 1))
y = np.sin(X).ravel() + 0.1 * rng.randn(200)
# Fresh data from the same source, to measure the fit honestly.
X_test = rng.uniform(-3, 3, size=(1000, 1))
y_test = np.sin(X_test).ravel() + 0.1 * rng.randn(1000)

# %%
# The network with given weights
# ------------------------------
# The deck assumes the weights are already optimised and given. Its figures
# with the weights are not part of this text, so the weights below are ours:
# we fitted this very data once with
# ``SigmoidMLPRegressor(random_state=1, max_iter=60000, tol=0,
# n_iter_no_change=np.inf)`` and rounded the result to two decimals.
#
# The layout is scikit-learn's ``MLPRegressor`` layout: ``coefs[0][0, j-1]``
# is :math:`w_{j1}^{(1)}` (input to hidden unit :math:`j`),
# ``intercepts[0][j-1]`` is :math:`w_{j0}^{(1)}`, ``coefs[1][j-1, 0]`` is
# :math:`w_{1j}^{(2)}` (hidden unit :math:`j` to the output) and
# ``intercepts[1][0]`` is :math:`w_{10}^{(2)}`.
coefs = [
    [[-1.22, 1.02, -1.06]],  # w_11^(1), w_21^(1), w_31^(1)
    [[3.99], [-4.76], [-5.13]],  # w_11^(2), w_12^(2), w_13^(2)
]
intercepts = [
    [-3.56, -3.03, 0.07],  # w_10^(1), w_20^(1), w_30^(1)
    [2.75],  # w_10^(2)
]
model = SigmoidMLPRegressor.from_weights(coefs, intercepts)
print(f"R^2 of the given weights: training data {model.score(X, y):.4f}, "
      f"fresh data {model.score(X_test, y_test):.4f}")

# %%
# The prediction for :math:`x = 2`, step by step
# ----------------------------------------------
# First every hidden unit's weighted input :math:`z_j^{(1)}`, then its
# activation :math:`g(z_j^{(1)}) = 1/(1 + e^{-z_j^{(1)}})`, then the output:
# the bias plus the weighted activations.
print(explain_prediction(model, 2.0))

# %%
# The same numbers are available as arrays, for any number of inputs, from
# :meth:`~sigmoid_mlp.SigmoidMLPRegressor.forward_pass`:
steps = model.forward_pass([[2.0]])
print("z^(1)    =", steps.pre_activations[0])
print("g(z^(1)) =", steps.activations[1])
print("y_hat    =", steps.output)

# %%
# Predictions in the scatter plot
# -------------------------------
# The prediction for :math:`x = 2` is one point (red); predictions for every
# :math:`x_i` are many points; interpolating them gives the curve that
# represents the model.
if plt is not None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    PredictionDisplay.from_estimator(model, X, y, highlight=2.0, show_curve=False,
                                     ax=axes[0])
    axes[0].set_title("Predictions at the data points")
    PredictionDisplay.from_estimator(model, X, y, highlight=2.0, show_points=False,
                                     ax=axes[1])
    axes[1].set_title("Interpolated: the model's curve")

# %%
# The activations
# ---------------
# The network combines the three activation curves cleverly: each is scaled
# by its output weight :math:`w_{1j}^{(2)}`, and the sum of the scaled curves
# plus the bias :math:`w_{10}^{(2)}` is the red prediction curve.
grid = np.linspace(-3, 3, 7).reshape(-1, 1)
hidden = model.forward_pass(grid).activations[1]
contributions = hidden * model.coefs_[1][:, 0]
print("x, then w_1j^(2)·g(z_j^(1)) for j = 1, 2, 3, then their sum + w_10^(2):")
for x, c, pred in zip(grid.ravel(), contributions, model.predict(grid)):
    print(f"  {x:5.1f}  {c.round(3)}  {c.sum() + model.intercepts_[1][0]:7.3f}"
          f"  (predict: {pred:.3f})")
if plt is not None:
    ActivationDisplay.from_estimator(model, X, y)

# %%
# All derivatives at a glance
# ---------------------------
# :meth:`~sigmoid_mlp.SigmoidMLPRegressor.loss_gradient` returns the cost
# :math:`J(\mathbf w) = \frac{1}{2n}\sum_i (y_i - \hat y_i)^2` and its
# derivative with respect to every weight, in the same layout as the weights.
# At the given (nearly optimal) weights all ten derivatives are close to zero:
grad = model.loss_gradient(X, y)
print(f"J = {grad.loss:.5f}")
for j in range(3):
    print(f"dJ/dw_{j + 1}0^(1) = {grad.intercept_grads[0][j]: .5f}   "
          f"dJ/dw_{j + 1}1^(1) = {grad.coef_grads[0][0, j]: .5f}   "
          f"dJ/dw_1{j + 1}^(2) = {grad.coef_grads[1][j, 0]: .5f}")
print(f"dJ/dw_10^(2) = {grad.intercept_grads[1][0]: .5f}")

# %%
# Training from random weights
# ----------------------------
# Training starts from random weights. One epoch is a forward pass (the
# activations and predictions for every training point), a backward pass (the
# derivatives above) and one gradient-descent step
# :math:`w := w - \alpha\,\partial J/\partial w` for every weight.
# Written out with the public API, from random starting weights drawn
# uniformly from :math:`[-1, 1]`, three epochs look like this:
rng_w = np.random.RandomState(42)
w_coefs = [rng_w.uniform(-1, 1, (1, 3)), rng_w.uniform(-1, 1, (3, 1))]
w_intercepts = [rng_w.uniform(-1, 1, 3), rng_w.uniform(-1, 1, 1)]
learning_rate = 0.5  # the deck's alpha
for epoch in range(3):
    # forward pass and backward pass at the current weights
    step = SigmoidMLPRegressor.from_weights(w_coefs, w_intercepts).loss_gradient(X, y)
    print(f"epoch {epoch}: J = {step.loss:.5f}")
    # one gradient-descent step for every weight
    w_coefs = [w - learning_rate * d for w, d in zip(w_coefs, step.coef_grads)]
    w_intercepts = [w - learning_rate * d
                    for w, d in zip(w_intercepts, step.intercept_grads)]

# %%
# ``partial_fit`` does exactly one such epoch, and ``fit`` repeats them until
# the loss stops improving. Both continue from the same random weights
# (``warm_start=True`` makes ``fit`` keep them instead of drawing new ones):
rng_w = np.random.RandomState(42)
trained = SigmoidMLPRegressor.from_weights(
    [rng_w.uniform(-1, 1, (1, 3)), rng_w.uniform(-1, 1, (3, 1))],
    [rng_w.uniform(-1, 1, 3), rng_w.uniform(-1, 1, 1)],
    learning_rate=learning_rate, warm_start=True,
)
for _ in range(3):
    trained.partial_fit(X, y)
same = all(np.allclose(a, b) for a, b in
           zip(trained.coefs_ + trained.intercepts_, w_coefs + w_intercepts))
print(f"3 x partial_fit gives the same weights as the loop above: {same}")
trained.fit(X, y)
print(f"gradient descent: {trained.n_iter_} epochs in all, final J = "
      f"{trained.loss_:.5f}")
print(f"R^2 after training: training data {trained.score(X, y):.4f}, "
      f"fresh data {trained.score(X_test, y_test):.4f}")

# %%
# The loss curve and the fitted curve
# -----------------------------------
if plt is not None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    LossCurveDisplay.from_estimator(trained, ax=axes[0])
    PredictionDisplay.from_estimator(trained, X, y, highlight=2.0, show_points=False,
                                     ax=axes[1])
    axes[1].set_title("Fitted from random weights")
    fig.tight_layout()
    fig.savefig("deck_end_to_end.png", dpi=100)
    print("figure saved to deck_end_to_end.png")
else:
    print("matplotlib is not installed: no figures (pip install sigmoid-mlp[plot])")
