"""
Small data, no tuning: evidence-based regularisation and error bars
===================================================================

On a small real data set, ``solver='lm', alpha='auto', normalize_y=True``
chooses the weight decay itself (MacKay's evidence framework, see
:doc:`/evidence`) and ``predict(X, return_std=True)`` gives a predictive
standard deviation: noise plus the uncertainty of the weights.

The data: scikit-learn's diabetes set, disease progression one year after
baseline against body-mass index alone (442 patients; the feature is already
centred and scaled by scikit-learn).  One input, so the prediction band can
be drawn.
"""

# %%
# Fit on three quarters, keep a quarter for checking the intervals
# ------------------------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor

data = load_diabetes()
X = data.data[:, [data.feature_names.index("bmi")]]
y = data.target
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25,
                                                    random_state=0)

model = make_pipeline(
    StandardScaler(),
    SigmoidMLPRegressor(hidden_layer_sizes=(5,), solver="lm", alpha="auto",
                        normalize_y=True, n_init=5, random_state=0),
)
model.fit(X_train, y_train)
net = model[-1]
print(f"alpha_ = {net.alpha_:.3g} (for the standardised target)")
# under alpha='auto' the prior covers every weight, intercepts included
n_weights = sum(c.size for c in net.coefs_) + sum(b.size for b in net.intercepts_)
print(f"effective number of weights = {net.effective_n_params_:.2f} of {n_weights}")
print(f"noise standard deviation = {np.sqrt(net.noise_variance_):.1f}")
print(f"test R^2 = {model.score(X_test, y_test):.3f}")

# %%
# How often do the nominal 90% intervals cover the held-out targets?
z = 1.6448536269514722  # central 90% of a normal distribution
mean, std = model.predict(X_test, return_std=True)
covered = np.mean(np.abs(y_test - mean) <= z * std)
print(f"90% intervals cover {covered:.1%} of the {len(y_test)} test targets")

# %%
# The prediction band
# -------------------
# Inside the data the band is mostly noise; beyond it the uncertainty of the
# weights widens it.
grid = np.linspace(X.min() - 0.05, X.max() + 0.05, 300).reshape(-1, 1)
mean, std = model.predict(grid, return_std=True)

fig, ax = plt.subplots(figsize=(7, 4))
ax.fill_between(grid.ravel(), mean - z * std, mean + z * std, alpha=0.25,
                label="90% prediction interval")
ax.plot(grid.ravel(), mean, color="C0", label="mean prediction")
ax.scatter(X_train.ravel(), y_train, s=8, color="k", alpha=0.5, label="training")
ax.scatter(X_test.ravel(), y_test, s=12, color="C3", marker="x", label="test")
ax.set_xlabel("body-mass index (scaled by scikit-learn)")
ax.set_ylabel("disease progression after one year")
ax.legend(loc="upper left")
fig.tight_layout()
plt.show()
