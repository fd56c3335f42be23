"""
Which inputs matter? Relevance per input with ``alpha='ard'``
=============================================================

``alpha='ard'`` (with ``solver='lm'``) gives each input's fan-out weights a
prior strength of its own and lets the evidence choose them all (MacKay's
automatic relevance determination, see :doc:`/evidence`).  An input the data
do not need gets a large strength, which holds its weights near zero; the
fitted ``relevance_`` is each input's share of the prior variance,
``(1 / input_alphas_) / sum(1 / input_alphas_)``.

The data: Friedman #1 (``make_friedman1``), 200 rows and ten uniform inputs,
of which only the first five enter the target,

.. math:: y = 10\\sin(\\pi x_1 x_2) + 20(x_3 - 0.5)^2 + 10 x_4 + 5 x_5
          + \\varepsilon;

inputs 6 to 10 are noise.
"""

# %%
# Fit with one prior strength per input
# -------------------------------------
# ``n_init=5`` keeps the start with the largest log evidence: the U-shaped
# :math:`x_3` term needs two hidden units working together, which not every
# start finds.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor

X, y = make_friedman1(n_samples=200, n_features=10, noise=1.0, random_state=0)
model = make_pipeline(
    StandardScaler(),
    SigmoidMLPRegressor(hidden_layer_sizes=(8,), solver="lm", alpha="ard",
                        normalize_y=True, n_init=5, random_state=0),
)
model.fit(X, y)
net = model[-1]
names = [f"x{i + 1}" for i in range(X.shape[1])]
for name, a, r in zip(names, net.input_alphas_, net.relevance_):
    print(f"{name:>4}: input_alpha = {a:9.3g}, relevance = {r:.3f}")
print(f"log evidence = {net.log_evidence_:.1f}")

# %%
# The five noise inputs get the five largest prior strengths
noise = set(np.argsort(net.input_alphas_)[5:])
print("largest input_alphas_:", sorted(names[i] for i in noise))

# %%
# Relevance per input
# -------------------
# The noise inputs' bars are invisible: their strengths reach the updates'
# bound of :math:`10^{10}`, or come close to it.  Among the inputs that
# matter, ``relevance_`` is the scale of their first-layer weights, not the
# size of their effect on ``y``: the linear terms :math:`10 x_4` and
# :math:`5 x_5` are made with small weights on the sigmoid's straight middle
# part (and large output weights), so they rank below the curved
# :math:`x_1, x_2, x_3`.  Read it as "used or not", then by rank.
fig, ax = plt.subplots(figsize=(7, 3.5))
colours = ["C0"] * 5 + ["C7"] * 5
ax.bar(names, net.relevance_, color=colours)
ax.set_ylabel("relevance_")
ax.set_title("Friedman #1: inputs 1-5 enter y, 6-10 are noise")
fig.tight_layout()
plt.show()
