"""What the user is told: warnings at their line, and what made a fit poor.

Three parts, one job (a newcomer's first fits are good, quiet, or loudly
explained):

* :func:`warn_user` and :func:`reemit_to_user` -- warnings that point at the
  user's line (see below);
* :func:`non_numeric_error` -- a non-numeric column named in the error, with
  the fix;
* :func:`diagnose` -- after a fit, the causes of a poor one.

Warnings that point at the user's line
--------------------------------------
Every warning the package emits goes through :func:`warn_user`, which
attributes it to the first frame on the call stack that belongs neither to
``sigmoid_mlp`` nor to scikit-learn: the user's ``est.fit(X, y)`` (or
``grid.fit(X, y)``, ``pipe.predict(X)``, ...).  A fixed ``stacklevel``
cannot do this: the number of frames between the user and the warning site
depends on the method (``fit`` goes through the ``n_init`` restarts), on the
meta-estimator (``Pipeline``, ``GridSearchCV``) and on the scikit-learn
release (from 1.9, ``fit`` and ``partial_fit`` run inside the callback
support's wrapper).  :func:`reemit_to_user` does the same for the warnings
scikit-learn's own checks raise inside the package (``validate_data``'s
feature-name warnings), which otherwise point into
``sklearn/utils/validation.py``.

After a fit
-----------

:func:`diagnose` runs once at the end of every ``fit`` (and of the first
``partial_fit`` call) on the committed weights and the training data, and
issues one :class:`PoorFitWarning` naming each cause
it finds and its fix:

* **Unscaled inputs, saturated units.**  Some input column is far from
  standardised (root mean square above :data:`INPUT_RMS_LIMIT`) *and* the
  first hidden layer's sigmoids are saturated (:math:`g'(z) < 0.01`, i.e.
  :math:`|z| > 4.6`) on more than :data:`SATURATED_SHARE` of the
  (row, unit) pairs.  A saturated unit's gradient is almost zero, so
  gradient descent barely moves and the no-improvement rule takes the stall
  for convergence (1000 x 5 inputs of mean 200: R^2 of about 0 after 20 to
  1,200 epochs, against 0.83-0.88 standardised).  Fix:
  ``make_pipeline(StandardScaler(), SigmoidMLPRegressor(...))``.
* **A zigzag stop** (``solver='gd'``, ``fit``): the no-improvement rule
  stopped training while the loss was still falling, by more than
  :data:`STILL_FALLING` of its value over the last :data:`WINDOW` epochs
  and by more than :data:`STILL_RISING_R2` of the loss of predicting the
  mean (the training R^2 still rising).
  A fit that converged has a loss that changes by about ``tol`` per epoch
  when it stops; one that stops with the loss still falling fast stopped
  because the loss went up and down (a step size too large for the data)
  and no single epoch beat the best by ``tol``.  Fix: a smaller
  ``learning_rate``, or the small-data recipe ``solver='lm',
  alpha='auto', normalize_y=True``.

Targets far from standardised are named in the same warning (with
``normalize_y=True`` as the fix) when one of the causes above fired.

Cheap: one product of at most :data:`MAX_ROWS` rows of ``X`` with the first
layer's weights and column statistics of the same rows; the loss curve is
already there.  The thresholds separate the cases of issue 26 from every
well-posed fit of the examples, benchmarks and tests by wide margins (the
measurements are in ``docs/user_guide.rst``, "When a fit goes wrong").

It imports only the array plumbing of :mod:`._network` and :mod:`._array_api`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.exceptions import ConvergenceWarning

from . import _network
from ._array_api import to_numpy

__all__ = [
    "MAX_ROWS",
    "PoorFitWarning",
    "diagnose",
    "non_numeric_error",
    "reemit_to_user",
    "warn_user",
]


def _package_dir(module_file):
    return os.path.dirname(os.path.abspath(module_file)) + os.sep


# the packages whose frames are skipped; contextlib's frames too, which run
# the re-emission of reemit_to_user (a context manager) and any
# @contextmanager of the package or of scikit-learn
_INTERNAL = (
    _package_dir(__file__),
    _package_dir(sklearn.__file__),
)
_INTERNAL_FILES = (os.path.abspath(contextlib.__file__),)


def _is_internal(filename):
    path = os.path.abspath(filename)
    return path.startswith(_INTERNAL) or path in _INTERNAL_FILES


def warn_user(message, category=UserWarning):
    """``warnings.warn(message, category)`` attributed to the user's line.

    The user's line is the first frame, walking out from here, whose file
    is in neither the ``sigmoid_mlp`` nor the ``sklearn`` package.
    """
    frame = sys._getframe(1)
    level = 2
    while frame is not None and _is_internal(frame.f_code.co_filename):
        frame = frame.f_back
        level += 1
    if frame is None:
        level -= 1
    warnings.warn(message, category, stacklevel=level)


@contextlib.contextmanager
def reemit_to_user():
    """Re-issue the warnings raised in the block from the user's line.

    For scikit-learn's checks that the package calls (``validate_data``):
    their warnings (``X has feature names, but ... was fitted without feature
    names``, ...) carry a ``stacklevel`` counted for scikit-learn's own
    estimators and point into scikit-learn.  The warnings are recorded, then
    issued again, once each, with the same message and category, through the
    user's warning filters.  When the block raises, the exception propagates
    and the recorded warnings are dropped (the error says what was wrong).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for item in caught:
        warn_user(item.message, item.category)


class PoorFitWarning(ConvergenceWarning):
    """A fit that ended poorly for a reason the package can name.

    Issued once per ``fit`` (and on the first ``partial_fit`` call) when the
    diagnostic after training finds inputs far from standardised with the
    sigmoid units saturated on most rows, or a stop of the no-improvement
    rule while the loss was still falling (a step size too large for the
    data): the message names the cause and the fix.  A subclass of
    scikit-learn's ``ConvergenceWarning`` (and so of ``UserWarning``): the
    optimiser stopped somewhere that is not a good minimum, and filters
    that silence ``ConvergenceWarning`` silence it too.
    """

#: rows of X looked at (an evenly spaced subsample of larger X)
MAX_ROWS = 2000
#: an input column whose root mean square exceeds this is "far from
#: standardised" (a standardised column has 1)
INPUT_RMS_LIMIT = 10.0
#: |z| above this: the sigmoid's slope g'(z) = g(1 - g) is below 0.01
SATURATION_Z = 4.6
#: share of saturated (row, unit) pairs of the first hidden layer above
#: which the layer counts as saturated "on most rows"
SATURATED_SHARE = 0.9
#: the zigzag stop: the loss fell by more than this fraction of its final
#: value over the last WINDOW epochs before the no-improvement rule stopped
STILL_FALLING = 0.01
WINDOW = 100
#: ... and by more than this fraction of the loss of predicting the mean
#: (the training R^2 still rising by more than 0.002 over WINDOW epochs)
STILL_RISING_R2 = 0.002
#: a target column whose |mean| or standard deviation exceeds this is far
#: from standardised
TARGET_SCALE_LIMIT = 10.0


def non_numeric_error(exc, X):
    """``exc`` (scikit-learn's conversion error) with the non-numeric
    columns of ``X`` named and the fix, or None if every column is numeric."""
    columns = _non_numeric_columns(X)
    if not columns:
        return None
    cls = TypeError if isinstance(exc, TypeError) else ValueError
    return cls(_non_numeric_message(exc, columns))


def _non_numeric_columns(X):
    """The columns of ``X`` (a DataFrame or a 2-D array) that do not convert
    to float: names for a DataFrame, indices for an array."""
    if hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "__getitem__"):
        bad = []
        for name, dtype in zip(X.columns, X.dtypes):
            if getattr(dtype, "kind", "O") in "biuf":
                continue
            try:
                np.asarray(X[name], dtype=np.float64)
            except (ValueError, TypeError):
                bad.append(name)
        return bad
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "OUS":
        bad = []
        for j in range(X.shape[1]):
            try:
                X[:, j].astype(np.float64)
            except (ValueError, TypeError):
                bad.append(j)
        return bad
    return []


def _non_numeric_message(exc, columns):
    shown = ", ".join(repr(c) for c in columns[:10])
    if len(columns) > 10:
        shown += f", ... ({len(columns)} in all)"
    which = "Column" if len(columns) == 1 else "Columns"
    names = [c for c in columns[:3]]
    return (
        f"{exc}. {which} {shown} of X {'is' if len(columns) == 1 else 'are'} "
        "not numeric: SigmoidMLPRegressor needs numbers. Encode categories "
        "before the regressor, e.g. make_pipeline(make_column_transformer("
        f"(OneHotEncoder(handle_unknown='ignore'), {names!r}), "
        "remainder=StandardScaler()), SigmoidMLPRegressor()) with "
        "sklearn.compose.make_column_transformer and "
        "sklearn.preprocessing.OneHotEncoder (a ColumnTransformer), or drop "
        f"{'it' if len(columns) == 1 else 'them'}."
    )



def _subsample(X):
    n = X.shape[0]
    if n <= MAX_ROWS:
        return X
    step = -(-n // MAX_ROWS)  # ceil: at most MAX_ROWS rows
    return X[::step]


def _as_host(a):
    if sp.issparse(a) or isinstance(a, np.ndarray):
        return a
    return np.asarray(to_numpy(a))


def _column_rms(X):
    if sp.issparse(X):
        return np.sqrt(np.asarray(X.multiply(X).mean(axis=0)).ravel())
    return np.sqrt(np.mean(np.square(X, dtype=np.float64), axis=0))


def _saturated_share(X, coef, intercept):
    z = X @ coef
    z = np.asarray(z, dtype=np.float64) + intercept
    return float(np.mean(np.abs(z) > SATURATION_Z))


def _input_cause(est, X):
    """Unscaled inputs and a saturated first layer: the message, or None."""
    X = _as_host(_subsample(X))
    rms = _column_rms(X)
    far = np.flatnonzero(rms > INPUT_RMS_LIMIT)
    if far.size == 0:
        return None
    coef = _as_host(est.coefs_[0])
    intercept = np.asarray(_as_host(est.intercepts_[0]), dtype=np.float64)
    share = _saturated_share(X, coef, intercept)
    if share <= SATURATED_SHARE:
        return None
    names = getattr(est, "feature_names_in_", None)
    shown = [repr(str(names[j])) if names is not None else str(j)
             for j in far[:5]]
    more = f" and {far.size - 5} more" if far.size > 5 else ""
    return (
        f"the inputs are far from standardised (input column"
        f"{'s' if far.size > 1 else ''} {', '.join(shown)}{more} "
        f"{'have' if far.size > 1 else 'has'} a root mean square of "
        f"{rms[far].max():.3g}{' at most' if far.size > 1 else ''}; a "
        "standardised column has 1), so the sigmoid hidden units are "
        f"saturated (|z| > {SATURATION_Z:g}, slope g'(z) < 0.01) on "
        f"{share:.0%} of the training rows and units, where the gradient "
        "vanishes and training stalls. Standardise the inputs: "
        "make_pipeline(StandardScaler(), SigmoidMLPRegressor(...)) with "
        "sklearn.pipeline.make_pipeline and sklearn.preprocessing."
        "StandardScaler"
    )


def _zigzag_cause(est, y):
    """A no-improvement stop with the loss still falling: the message, or None.

    "Still falling" on the scale of the problem: over the last
    :data:`WINDOW` epochs the loss fell by more than :data:`STILL_FALLING`
    of its final value *and* by more than :data:`STILL_RISING_R2` of the
    loss of predicting the mean (i.e. the training R^2 was still rising by
    that much), so that a loss near zero (a perfect fit) does not count;
    and the loss rose at some epoch of the window (a loss that falls at
    every epoch, however slowly, is the rule's own business: ``tol``).
    """
    if est.solver != "gd" or est.early_stopping:
        return None
    if not est._no_improvement_count > est.n_iter_no_change:
        return None  # not stopped by the no-improvement rule
    curve = np.asarray(est.loss_curve_, dtype=np.float64)
    if curve.size < 2 or not np.all(np.isfinite(curve)):
        return None
    k = min(WINDOW, curve.size - 1)
    window = curve[-1 - k:]
    if not np.any(np.diff(window) > 0):
        return None  # fell at every epoch: slow, not a zigzag
    final = curve[-1]
    drop = window[0] - final
    if getattr(est, "_y_scaling", None) is not None:
        mean_loss = 0.5 * y.shape[1]  # normalize_y: J on standardised targets
    else:
        y = np.asarray(_as_host(_subsample(y)), dtype=np.float64)
        mean_loss = 0.5 * float(np.sum(np.var(y, axis=0)))
    if not (drop > STILL_FALLING * final and drop > STILL_RISING_R2 * mean_loss):
        return None
    lr = est.learning_rate
    return (
        f"the no-improvement rule stopped gradient descent after "
        f"{est.n_iter_} epochs although the loss was still falling "
        f"({drop / final:.0%} of its final value over the last {k} "
        "epochs): it went up and down from epoch to epoch (a step size too "
        "large for this data) and no epoch beat the best by tol "
        f"(tol={est.tol:g}, n_iter_no_change={est.n_iter_no_change}). Lower "
        f"learning_rate (e.g. {lr:g} -> {lr / 3:.2g})"
    )


def _target_note(y):
    y = np.asarray(_as_host(_subsample(y)), dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    scale = np.maximum(np.abs(y.mean(axis=0)), y.std(axis=0))
    if np.all(scale <= TARGET_SCALE_LIMIT):
        return None
    return (
        f"The targets are far from standardised too (|mean| or standard "
        f"deviation up to {scale.max():.3g}): normalize_y=True standardises "
        "them inside fit."
    )


def _training_r2(est, X, y):
    """R^2 of the fitted network on (a subsample of) the training data:
    one forward pass, only when the warning is issued."""
    X = _as_host(_subsample(X))
    y = np.asarray(_as_host(_subsample(y)), dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    a = X
    coefs = [np.asarray(_as_host(c), dtype=np.float64) for c in est.coefs_]
    intercepts = [np.asarray(_as_host(b), dtype=np.float64)
                  for b in est.intercepts_]
    for layer, (coef, intercept) in enumerate(zip(coefs, intercepts)):
        a = np.asarray(a @ coef) + intercept
        if layer < len(coefs) - 1:
            a = _network.sigmoid(a)
    residual = np.sum((y - a) ** 2)
    total = np.sum((y - y.mean(axis=0)) ** 2)
    return 1.0 - residual / total if total > 0 else float("nan")


def diagnose(est, X, y, *, fit_call):
    """One :class:`PoorFitWarning` naming what made this fit poor, if anything.

    ``X`` and ``y`` are the training data as validated (``y`` on its own
    scale); ``fit_call`` is False for ``partial_fit`` (no stopping rule).
    """
    # inputs of 1e300 overflow the squares (inf: far from standardised) and
    # may make z inf or nan: no numpy warnings from a diagnostic
    with np.errstate(over="ignore", invalid="ignore"):
        # saturated units also make the loss stall and wobble: then the
        # inputs are the cause to fix, not the step size
        cause = _input_cause(est, X)
        if cause is None and fit_call:
            cause = _zigzag_cause(est, y)
        if cause is None:
            return
        r2 = _training_r2(est, X, y)
        note = _target_note(y)
    causes = [cause]
    message = (
        f"SigmoidMLPRegressor: this fit is likely poor (training R^2 {r2:.3f}"
        f"{' on a subsample' if X.shape[0] > MAX_ROWS else ''}): "
        + "; and ".join(causes) + ". "
    )
    if note:
        message += note + " "
    message += (
        "For small data (up to a few thousand rows) the recipe that needs "
        "no tuning is make_pipeline(StandardScaler(), SigmoidMLPRegressor("
        "solver='lm', alpha='auto', normalize_y=True))."
    )
    warn_user(message, PoorFitWarning)
