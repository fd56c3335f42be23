"""Time one small fit end to end: the per-fit overhead, old against new.

Run with a checkout's package first on the path, alternating checkouts::

    PYTHONPATH=/path/to/old/src python benchmarks/fit_overhead.py lm 15
    PYTHONPATH=src python benchmarks/fit_overhead.py lm 15

Fits the deck's problem (200 rows, StandardScaler, 3 hidden units) with
``solver`` for a fixed number of iterations (``tol=0``, no stopping rule),
20 warm-up fits then 200 timed, and prints the median and the minimum.
"""

import statistics
import sys
import time
import warnings

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor

solver = sys.argv[1] if len(sys.argv) > 1 else "lm"
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 15
rng = np.random.RandomState(0)
X = rng.uniform(-3, 3, size=(200, 1))
y = np.sin(X).ravel() + 0.1 * rng.randn(200)
warnings.simplefilter("ignore")  # max_iter is reached on purpose


def fit():
    model = make_pipeline(StandardScaler(), SigmoidMLPRegressor(
        hidden_layer_sizes=(3,), tol=0.0, n_iter_no_change=np.inf,
        random_state=0, max_iter=epochs, solver=solver))
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start


for _ in range(20):
    fit()
times = [fit() for _ in range(200)]
print(f"{solver} {epochs}: median {1e3 * statistics.median(times):.3f} ms  "
      f"min {1e3 * min(times):.3f} ms")
