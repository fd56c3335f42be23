"""
The deck end to end
===================

The lecture deck's network -- one input, three sigmoid hidden units, one
linear output -- fitted to a sine-shaped cloud of points by full-batch
gradient descent.
"""

# %%
# The data: a sine-shaped cloud of 200 points.
import numpy as np
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor

rng = np.random.RandomState(0)
X = rng.uniform(-3, 3, size=(200, 1))
y = np.sin(X).ravel() + 0.1 * rng.randn(200)
X_test = rng.uniform(-3, 3, size=(1000, 1))
y_test = np.sin(X_test).ravel() + 0.1 * rng.randn(1000)

# %%
# Train from random weights with gradient descent.
model = make_pipeline(StandardScaler(), SigmoidMLPRegressor(random_state=0))
model.fit(X, y)
net = model[-1]
print(f"epochs: {net.n_iter_}, final loss J = {net.loss_:.5f}")
print(f"test R^2 = {r2_score(y_test, model.predict(X_test)):.4f}")

# %%
# The fitted curve (saved as a figure when matplotlib is installed).
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib not installed: no figure")
else:
    grid = np.linspace(-3, 3, 300).reshape(-1, 1)
    fig, ax = plt.subplots()
    ax.scatter(X, y, s=8, alpha=0.5, label="data")
    ax.plot(grid, model.predict(grid), color="red", label="network")
    ax.legend()
    fig.savefig("deck_fit.png", dpi=100)
    print("figure saved to deck_fit.png")
