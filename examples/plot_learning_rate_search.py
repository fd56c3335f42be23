"""
Tuning the learning rate with GridSearchCV
==========================================

The step size :math:`\\alpha` of gradient descent (``learning_rate``) is the
parameter that matters most: too small and training crawls, too large and it
diverges. Here a :class:`~sklearn.model_selection.GridSearchCV` searches it
inside a :class:`~sklearn.pipeline.Pipeline` (standardising the input
first), and the cross-validated score is plotted against the learning rate.

A fit that diverges raises :class:`~sigmoid_mlp.TrainingDivergedError` (a
``ValueError``); with ``error_score=np.nan`` the search records it as a failed
fit with a NaN score instead of stopping, which shows where training breaks
down.
"""

# %%
# Data and pipeline
# -----------------
import warnings

import numpy as np
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor, TrainingDivergedError

rng = np.random.RandomState(0)
X = rng.uniform(-3, 3, size=(200, 1))
y = np.sin(X).ravel() + 0.1 * rng.randn(200)

# A fixed budget of epochs makes the comparison fair: a small step size gets
# as many steps as a large one.
pipe = make_pipeline(StandardScaler(), SigmoidMLPRegressor(max_iter=2000,
                                                           random_state=0))
learning_rates = np.logspace(-2, 1, 10)

# %%
# The search
# ----------
# Failed (diverged) fits get the score NaN. scikit-learn warns about them
# with a ``FitFailedWarning``; we look at the failures ourselves below.
search = GridSearchCV(
    pipe,
    {"sigmoidmlpregressor__learning_rate": learning_rates},
    cv=KFold(3, shuffle=True, random_state=0),
    scoring="r2",
    error_score=np.nan,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", FitFailedWarning)
    warnings.simplefilter("ignore", UserWarning)  # "one or more test scores are NaN"
    search.fit(X, y)

mean = search.cv_results_["mean_test_score"]
std = search.cv_results_["std_test_score"]
for lr, m, s in zip(learning_rates, mean, std):
    status = "diverged (fit failed)" if np.isnan(m) else f"R^2 = {m:.4f} +- {s:.4f}"
    print(f"learning_rate = {lr:7.4f}: {status}")
best_lr = search.best_params_["sigmoidmlpregressor__learning_rate"]
print(f"best learning_rate: {best_lr:.4f} (CV R^2 = {search.best_score_:.4f})")

# %%
# Near the stability limit a step size can make the loss grow without
# blowing up: the no-improvement rule then stops training after a few epochs
# and the model is useless (a hugely negative :math:`R^2`). Any learning rate
# whose fits returned such a model is listed here, with its loss curve's
# first and last value:
failed = np.isnan(mean)
unstable = ~failed & (mean < 0)
for lr in learning_rates[unstable]:
    model = pipe.set_params(sigmoidmlpregressor__learning_rate=lr).fit(X, y)
    curve = model[-1].loss_curve_
    print(f"learning_rate = {lr:.4f}: J went from {curve[0]:.3g} to {curve[-1]:.3g} "
          f"in {len(curve)} epochs")

# %%
# What a diverging fit reports
# ----------------------------
# The smallest learning rate that failed, fitted directly: the error says at
# which epoch and what to do, and the estimator is left unchanged.
diverged = learning_rates[failed]
if diverged.size:
    try:
        pipe.set_params(sigmoidmlpregressor__learning_rate=diverged[0]).fit(X, y)
    except TrainingDivergedError as exc:
        print(exc)
        print(f"loss before the divergent step: {exc.loss_curve[-1]:.4g}")

# %%
# Score against learning rate
# ---------------------------
# The CV score rises with the step size (more progress in the same number of
# epochs) up to about 0.5, then falls: beyond the stability limit of gradient
# descent the steps overshoot, training becomes unstable (orange) and then
# diverges (red).
try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
if plt is not None:
    good = ~failed & ~unstable
    fig, ax = plt.subplots()
    ax.errorbar(learning_rates[good], mean[good], yerr=std[good], marker="o",
                capsize=3, label="mean CV $R^2$ (± std)")
    bottom = np.nanmin(mean[good]) - 0.1
    if unstable.any():
        ax.scatter(learning_rates[unstable], np.full(unstable.sum(), bottom),
                   marker="v", color="tab:orange", s=60,
                   label="unstable: loss grew ($R^2 < 0$)")
    if failed.any():
        ax.scatter(learning_rates[failed], np.full(failed.sum(), bottom), marker="x",
                   color="red", s=60, label="diverged: fit failed")
        ax.axvspan(learning_rates[failed].min(), learning_rates.max() * 1.2,
                   color="red", alpha=0.08)
    ax.set_ylim(bottom - 0.05, 1.0)
    ax.set_xscale("log")
    ax.set_xlabel("learning_rate")
    ax.set_ylabel("$R^2$ (3-fold CV)")
    ax.set_title("Gradient descent: step size against fit quality")
    ax.legend(loc="lower left")
