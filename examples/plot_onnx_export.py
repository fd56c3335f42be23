"""
Deploying with ONNX
===================

A fitted pipeline -- a :class:`~sklearn.preprocessing.StandardScaler` and a
:class:`~sigmoid_mlp.SigmoidMLPRegressor` -- leaves Python as an ONNX graph:
``import sigmoid_mlp.onnx`` registers the estimator's converter with
`skl2onnx <https://onnx.ai/sklearn-onnx/>`_, ``skl2onnx.to_onnx`` converts the
whole pipeline, and `onnxruntime <https://onnxruntime.ai/>`_ runs it without
scikit-learn or this package.  The graph computes the network's forward pass,
:math:`\\hat y = W^{(2)\\top} g(W^{(1)\\top} x + b^{(1)}) + b^{(2)}` with
:math:`g(z) = 1/(1 + e^{-z})`, after the scaler's
:math:`(x - \\mu) / \\sigma`.

Needs the ``onnx`` extra: ``pip install "sigmoid-mlp[onnx]"``.
"""

# %%
# Fit a pipeline
# --------------
# Two inputs on very different scales (hence the scaler), one smooth target.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor

rng = np.random.RandomState(0)
X = np.column_stack([rng.uniform(-3, 3, 300), rng.uniform(0, 1000, 300)])
y = np.sin(X[:, 0]) + 0.001 * X[:, 1] + 0.05 * rng.randn(300)

model = make_pipeline(
    StandardScaler(),
    SigmoidMLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=500,
                        random_state=0),
).fit(X, y)
print(f"R^2 on the training data: {model.score(X, y):.4f}")

# %%
# Convert
# -------
# The importing of ``sigmoid_mlp.onnx`` is what teaches skl2onnx the
# estimator.  The sample ``X[:1]`` fixes the input's type: float32 here, the
# type ONNX models are usually served with (float64 converts too).
import onnxruntime as ort
from skl2onnx import to_onnx

import sigmoid_mlp.onnx  # noqa: F401  (registers the converter)

onx = to_onnx(model, X[:1].astype(np.float32))
print("ONNX operators:", [node.op_type for node in onx.graph.node])
print(f"serialised model: {len(onx.SerializeToString())} bytes")

# %%
# Run with onnxruntime and compare
# --------------------------------
# The ONNX output has one column per output; ``predict`` returns a single
# output as 1-D.
session = ort.InferenceSession(onx.SerializeToString(),
                               providers=["CPUExecutionProvider"])
input_name = session.get_inputs()[0].name
X_grid = np.column_stack([np.linspace(-3, 3, 200), np.full(200, 500.0)])
(y_onnx,) = session.run(None, {input_name: X_grid.astype(np.float32)})
y_sklearn = model.predict(X_grid)
max_diff = np.abs(y_onnx.ravel() - y_sklearn).max()
print(f"max |onnxruntime - predict| = {max_diff:.2e} (float32 arithmetic)")

# %%
# Plot both
# ---------
# The curves coincide: the difference is float32 rounding.
fig, (ax, ax_diff) = plt.subplots(2, 1, figsize=(6, 5), sharex=True,
                                  height_ratios=[3, 1])
ax.plot(X_grid[:, 0], y_sklearn, lw=4, alpha=0.4, label="predict (NumPy, float64)")
ax.plot(X_grid[:, 0], y_onnx.ravel(), "k--", lw=1, label="onnxruntime (float32)")
ax.set_ylabel("prediction at $x_2 = 500$")
ax.legend()
ax_diff.plot(X_grid[:, 0], y_onnx.ravel() - y_sklearn)
ax_diff.set_xlabel("$x_1$")
ax_diff.set_ylabel("difference")
fig.tight_layout()
plt.show()
