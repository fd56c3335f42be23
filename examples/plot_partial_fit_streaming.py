"""
Streaming training with partial_fit
===================================

When the data arrive in chunks (from a sensor, a database cursor, files too
large for memory), :meth:`~sigmoid_mlp.SigmoidMLPRegressor.partial_fit`
trains on one chunk at a time: each call is one gradient-descent step on
that chunk's cost :math:`J = \\frac{1}{2m}\\sum_{i \\in \\text{chunk}}
(y_i - \\hat y_i)^2`, starting from the current weights. Nothing but the
current chunk and the weights is kept in memory.

Here a stream of sine-shaped data arrives in chunks of 100 points and is
replayed a number of times (epochs over the stream), and the model is scored
on held-out data along the way.
"""

# %%
# A stream of chunks
# ------------------
import numpy as np

from sigmoid_mlp import SigmoidMLPRegressor


def stream(n_chunks, chunk_size, seed):
    """Yield (X, y) chunks of the deck's sine data; inputs lie in [-3, 3]."""
    rng = np.random.RandomState(seed)
    for _ in range(n_chunks):
        X = rng.uniform(-3, 3, size=(chunk_size, 1))
        yield X, np.sin(X).ravel() + 0.1 * rng.randn(chunk_size)


rng = np.random.RandomState(1)
X_test = rng.uniform(-3, 3, size=(1000, 1))
y_test = np.sin(X_test).ravel() + 0.1 * rng.randn(1000)

# %%
# Training chunk by chunk
# -----------------------
# The inputs of this stream are known to lie in :math:`[-3, 3]`, so no
# scaler is needed (a scaler fitted on the whole stream would need the whole
# stream first). The same 10 chunks are replayed 100 times: 1000
# ``partial_fit`` calls, each one gradient-descent step on 100 points.
model = SigmoidMLPRegressor(learning_rate=0.5, random_state=0)
n_passes, n_chunks = 100, 10
scores = []
for n_pass in range(n_passes):
    for X_chunk, y_chunk in stream(n_chunks, 100, seed=0):
        model.partial_fit(X_chunk, y_chunk)
    scores.append(model.score(X_test, y_test))
    if n_pass % 20 == 0 or n_pass == n_passes - 1:
        print(f"pass {n_pass + 1:3d}: {model.n_iter_:5d} partial_fit calls, "
              f"{model.t_:7d} samples seen, held-out R^2 = {scores[-1]:.4f}")

# %%
# Learning curve of the stream
# ----------------------------
# Left: the cost of each chunk before its step (``loss_curve_`` has one
# entry per ``partial_fit`` call). Right: the held-out :math:`R^2` after each
# pass over the stream.
from sigmoid_mlp.inspection import LossCurveDisplay

try:
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no figure")
else:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    LossCurveDisplay.from_estimator(model, ax=axes[0])
    axes[0].set_xlabel("partial_fit call")
    axes[1].plot(np.arange(1, n_passes + 1), scores)
    axes[1].set_xlabel("pass over the stream")
    axes[1].set_ylabel("held-out $R^2$")
    axes[1].set_ylim(0, 1)
    fig.tight_layout()
