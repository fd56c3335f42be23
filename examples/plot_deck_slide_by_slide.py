r"""
The deck, slide by slide
========================

Every slide group of the lecture deck "Artificial Neural Network (ANN):
Einfaches Beispiel", in the deck's order, drawn from a
:class:`~sigmoid_mlp.SigmoidMLPRegressor` with the tools of
:mod:`sigmoid_mlp.inspection`.  Every number in the pictures is the
estimator's.

Part 1, "Wie rechnet ein ANN Vorhersagen?" (how does a network predict?):
the situation, the architecture, the given weights, the prediction for
:math:`x = 2` in five steps, the predictions in the scatter plot, the
activations.

Part 2, "Wie optimieren wir die Gewichte?" (how are the weights
optimised?): the cost, its derivatives, all derivatives at a glance, what
they need, forward pass, backward pass, and "repeat this many times".
"""

# %%
# Ausgangslage: the situation
# ---------------------------
# A simple regression problem: one quantitative target :math:`y_i`, one
# quantitative input :math:`x_i`, and a strongly non-linear relationship
# (a sine curve).
import matplotlib.pyplot as plt
import numpy as np

from sigmoid_mlp import SigmoidMLPRegressor
from sigmoid_mlp.inspection import (
    ActivationDisplay,
    GradientDisplay,
    LossCurveDisplay,
    NetworkDisplay,
    PredictionDisplay,
    TrainingAnimation,
    explain_gradient,
    explain_prediction,
)

rng = np.random.RandomState(0)
X = rng.uniform(-3, 3, size=(200, 1))
y = np.sin(X).ravel() + 0.1 * rng.randn(200)

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.scatter(X, y, s=12, alpha=0.5)
ax.set_xlabel("$x_i$")
ax.set_ylabel("$y_i$")
ax.set_title("Ausgangslage: a sine-shaped cloud")

# %%
# Architektur ANN: the architecture
# ---------------------------------
# One input, one hidden layer of three sigmoid units, one linear output,
# and a bias node "1" before each layer.  The deck assumes the weights are
# already optimised and given; ours are those of
# :ref:`sphx_glr_auto_examples_plot_deck_end_to_end.py` (fitted to this data
# once and rounded).  In ``compact`` mode the diagram shows the structure
# only (edge width and colour still follow the weights).
model = SigmoidMLPRegressor.from_weights(
    coefs=[[[-1.22, 1.02, -1.06]], [[3.99], [-4.76], [-5.13]]],
    intercepts=[[-3.56, -3.03, 0.07], [2.75]],
)
NetworkDisplay.from_estimator(model, compact=True)

# %%
# Optimale Gewichte sind gegeben: the given weights
# -------------------------------------------------
# Every edge carries its weight in the deck's notation,
# :math:`w_{jk}^{(l)}` -- unit :math:`j` of layer :math:`l`, fed by unit
# :math:`k` of layer :math:`l-1`, :math:`k = 0` the bias -- and its value;
# blue edges are positive weights, red ones negative, wider ones larger.
NetworkDisplay.from_estimator(model)

# %%
# Vorhersage für :math:`x_i = 2`, Schritt 1 - 5: the prediction in five steps
# ---------------------------------------------------------------------------
# Step 1: the weighted inputs :math:`z_j^{(1)} = w_{j0}^{(1)} + w_{j1}^{(1)} x`
# of the hidden units; step 2: their activations :math:`g(z_j^{(1)})`;
# step 3: the activations times the output weights; step 4: their sum plus
# the bias :math:`w_{10}^{(2)}`; step 5: the prediction :math:`\hat y`.
for step in range(1, 6):
    NetworkDisplay.from_estimator(model, 2.0, step=step)

# %%
# The same five steps as text:
print(explain_prediction(model, 2.0))

# %%
# Vorhersagen im Streudiagramm (1) - (3): predictions in the scatter plot
# -----------------------------------------------------------------------
# (1) the prediction for :math:`x = 2` as a red point, (2) predictions for
# many :math:`x_i`, (3) interpolated: a curve that represents the model.
fig, axes = plt.subplots(1, 3, figsize=(15, 4), sharey=True)
PredictionDisplay.from_estimator(model, X, y, highlight=2.0, show_points=False,
                                 show_curve=False, ax=axes[0])
PredictionDisplay.from_estimator(model, X, y, highlight=2.0, show_curve=False,
                                 ax=axes[1])
PredictionDisplay.from_estimator(model, X, y, highlight=2.0, ax=axes[2])

# %%
# Aktivierungen: the activations
# ------------------------------
# The network combines the three activation curves, each times its output
# weight, plus the bias, into the red prediction curve.
ActivationDisplay.from_estimator(model, X, y)

# %%
# Gewichte optimieren mit Gradient Descent: the cost
# --------------------------------------------------
# Part 2 starts from weights that are not optimal: the deck's random
# starting weights.  Here they are drawn as the estimator draws its own
# (Glorot-uniform), and the network is built from them.  Its cost is the
# mean squared error :math:`J = \frac{1}{2n}\sum_i (y_i - \hat y_i)^2`.
start_rng = np.random.RandomState(3)
bound1, bound2 = np.sqrt(2 / (1 + 3)), np.sqrt(2 / (3 + 1))
start = SigmoidMLPRegressor.from_weights(
    coefs=[start_rng.uniform(-bound1, bound1, (1, 3)),
           start_rng.uniform(-bound2, bound2, (3, 1))],
    intercepts=[start_rng.uniform(-bound1, bound1, 3),
                start_rng.uniform(-bound2, bound2, 1)],
    warm_start=True, n_iter_no_change=np.inf,
)
explanation = explain_gradient(start, X, y)
print(explanation.lines[0])

# %%
# Ableitung nach den Gewichten, Alle Ableitungen auf einen Blick
# --------------------------------------------------------------
# The derivative of :math:`J` with respect to every weight, written as the
# deck writes it -- second layer first, then the first layer, whose
# derivatives carry the second layer's weight :math:`w_{1j}^{(2)}` and the
# slope :math:`g'(z) = g(z)(1 - g(z))` -- with the numbers.  They equal the
# estimator's ``loss_gradient``.
print(explanation)

# %%
# Was benötigen wir, um die Ableitungen zu rechnen? The ingredients
# ------------------------------------------------------------------
# Six slides, six ingredients: the targets :math:`y_i`, the current
# predictions :math:`\hat y_i`, the activations :math:`g(z_j^{(1)})`, their
# slopes :math:`g'(z_j^{(1)})`, the second layer's weights and the inputs
# :math:`x_i`.  The explanation keeps them as arrays:
ingredients = explanation.ingredients
for name in ("y", "y_pred", "residual", "x"):
    print(f"{name:9s} shape {ingredients[name].shape}, first values "
          f"{np.round(ingredients[name][:3, 0], 4)}")
print("g(z^(1))  first row", np.round(ingredients["activations"][0][0], 4))
print("g'(z^(1)) first row", np.round(ingredients["slopes"][0][0], 4))

# %%
# Forward Pass
# ------------
# The current activations and predictions come from a forward pass with the
# current (here: the random starting) weights -- exactly part 1 again.
NetworkDisplay.from_estimator(start, 2.0, step=5)

# %%
# Backward Pass
# -------------
# With the derivatives, one gradient-descent step for every weight,
# :math:`w := w - \alpha\,\partial J/\partial w` (:math:`\alpha` the
# learning rate, 0.3): left the derivatives, right the steps.
GradientDisplay.from_estimator(start, X, y, learning_rate=0.3)

# %%
# ... and repeat: training as a film
# ----------------------------------
# Forward pass and backward pass, repeated many times: a copy of the
# starting network trains (full-batch gradient descent, the deck's
# algorithm), recorded every 500 epochs -- the prediction curve over the
# data, the weighted activations and the loss with the current epoch.
animation = TrainingAnimation.from_estimator(start, X, y, every=500, n_frames=16,
                                             grid_resolution=100, interval=250)
animation

# %%
# The loss per epoch of the whole run:
LossCurveDisplay.from_estimator(animation.estimator_)
print(f"R^2 after {animation.epochs[-1]} epochs: "
      f"{animation.estimator_.score(X, y):.4f}")

# %%
# Try it yourself: the playground
# -------------------------------
# :func:`~sigmoid_mlp.inspection.export_playground` writes the network and
# the data into one HTML page where every weight is a slider and gradient
# descent runs in the browser, with these same formulas.  The documentation
# embeds the one of the given weights: :doc:`/playground`.  To write one::
#
#     from sigmoid_mlp.inspection import export_playground
#     export_playground(model, X, y, "deck_playground.html")
