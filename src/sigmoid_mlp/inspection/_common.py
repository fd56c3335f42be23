"""What the displays and :func:`explain_prediction` share.

Unwrapping a network from a pipeline (:func:`_split_network`), importing
matplotlib only when drawing (:func:`_require_matplotlib`), the checks and
grids of the one-feature curve displays, and the two number formats of the
formulas and legends (:func:`_num`, :func:`_idx`).
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .._committee import check_single_network


def _split_network(estimator, caller):
    """Return ``(preprocess, network)`` for a network or a Pipeline ending in one.

    ``preprocess`` maps raw inputs to the network's inputs (identity for a
    bare network).  A committee (``ensemble=True``) raises ``ValueError``
    naming its members, ``estimators_[k]``.
    """
    network = estimator
    preprocess = None
    if isinstance(estimator, Pipeline):
        network = estimator.steps[-1][1]
        if len(estimator.steps) > 1:
            preprocess = estimator[:-1].transform
    if not hasattr(network, "forward_pass"):
        raise TypeError(
            f"{caller} needs a SigmoidMLPRegressor (or a Pipeline whose last step is "
            f"one); got {type(network).__name__}."
        )
    check_is_fitted(network)
    # a committee (ensemble=True) has no single network to show
    check_single_network(network, caller)
    return preprocess, network


def _require_matplotlib(caller):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised without matplotlib
        raise ImportError(
            f"{caller} draws with matplotlib, which is not installed; install it "
            "with `pip install sigmoid-mlp[plot]` (or `pip install matplotlib`)."
        ) from exc
    return plt


def _single_feature(X, caller):
    """X as a 1-D float array; the curve displays plot y against one input."""
    X = np.asarray(X)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2 or X.shape[1] != 1:
        raise ValueError(
            f"{caller} plots the target against a single input feature, but X has "
            f"shape {X.shape}. Pass X with one column (shape (n_samples, 1)); for "
            "several features use sklearn.metrics.PredictionErrorDisplay."
        )
    if X.shape[0] == 0:
        raise ValueError(f"{caller} needs at least one sample; X is empty.")
    return X.astype(np.float64).ravel()


def _as_input(values, X):
    """A column of values shaped as the model's input, with X's column name.

    Keeps a DataFrame a DataFrame, so that a model fitted on named columns
    does not warn about missing feature names.
    """
    values = np.asarray(values, dtype=np.float64).reshape(-1, 1)
    columns = getattr(X, "columns", None)
    if columns is not None and hasattr(X, "iloc"):
        return type(X)(values, columns=list(columns))
    return values


def _grid(x, grid_resolution, caller):
    if (
        isinstance(grid_resolution, bool)
        or not isinstance(grid_resolution, (int, np.integer))
        or grid_resolution < 2
    ):
        raise ValueError(
            f"{caller}: grid_resolution must be an integer >= 2; got "
            f"{grid_resolution!r}."
        )
    return np.linspace(x.min(), x.max(), int(grid_resolution))


def _check_y(y, n, caller):
    if y is None:
        return None
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(
            f"{caller}: y must be 1-D with one target per sample of X ({n}); got "
            f"shape {y.shape}."
        )
    return y


def _name(estimator):
    if isinstance(estimator, Pipeline):
        return type(estimator.steps[-1][1]).__name__
    return type(estimator).__name__


def _one_output(values, output, caller):
    values = np.asarray(values)
    if values.ndim == 1:
        if output != 0:
            raise ValueError(f"{caller}: output={output} but the model has 1 output.")
        return values
    if not 0 <= output < values.shape[1]:
        raise ValueError(
            f"{caller}: output={output} but the model has {values.shape[1]} outputs; "
            f"choose 0 .. {values.shape[1] - 1}."
        )
    return values[:, output]


def _num(value, precision):
    """A number for a formula: short, with a sign only where needed."""
    text = format(float(value), f".{precision}g")
    return "0" if text == "-0" else text


def _idx(*indices):
    """Subscript of a weight: ``10`` for (1, 0), ``12,3`` when an index has 2 digits."""
    parts = [str(i) for i in indices]
    return ("," if any(len(p) > 1 for p in parts) else "").join(parts)


def _step_size(learning_rate, network, caller):
    """The deck's step size α: ``learning_rate`` or the estimator's own, checked."""
    if learning_rate is None:
        learning_rate = network.learning_rate
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real) \
            or not np.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"{caller}: learning_rate must be a positive number (the "
                         f"deck's step size α); got {learning_rate!r}.")
    return learning_rate


def _l2_settings(network, caller):
    """``(alpha, penalize_intercepts)`` of the estimator's ``loss_gradient``:
    the deck's one L2 strength (``alpha='auto'``: the one the evidence chose)."""
    alpha = network.alpha
    if isinstance(alpha, str) and alpha == "ard":
        raise ValueError(
            f"{caller} writes the deck's cost with one L2 strength; this model "
            "was fitted with alpha='ard', one strength per input "
            "(input_alphas_) and one for the other weights (alpha_). Its "
            "gradient, per-input terms included, is estimator.loss_gradient(X, "
            "y); for the deck's picture refit with alpha='auto' or a number.")
    auto = isinstance(alpha, str) and alpha == "auto"
    if auto:
        alpha = getattr(network, "alpha_", None)
        if alpha is None:
            raise ValueError("alpha='auto' has no value before fit; fit first.")
    penalize = network.penalize_intercepts
    if isinstance(penalize, str):
        penalize = auto
    return float(alpha), bool(penalize)
