"""Every check of the estimator's hyperparameters and data, in one place.

* :func:`check_params` -- the hyperparameters (raises with what is wrong and
  how to fix it; returns ``hidden_layer_sizes`` as a tuple, or ``'auto'``).
* :func:`check_data`, :func:`check_validation_data`, :func:`check_X_predict`
  -- the data of ``fit`` / ``partial_fit`` / ``predict``, through
  scikit-learn's public ``validate_data(est, ...)`` (which records
  ``n_features_in_`` and ``feature_names_in_`` on the estimator).  Arrays of
  another Array API library stay in their library and on their device (see
  :mod:`sigmoid_mlp._array_api` for the convention: ``xp is None`` is numpy).
* :func:`split_validation` -- the ``early_stopping`` hold-out split;
  :func:`check_continuation` -- warm starts and ``partial_fit`` must continue
  the same network.
* :func:`check_sample_weight` and
  the scalar checks :func:`check_real`, :func:`check_int`,
  :func:`check_option`.

Functions that need the estimator take it as their first argument ``est``.
"""

from __future__ import annotations

import contextlib
import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted, validate_data

from ._array_api import describe, move, to_numpy
from ._diagnostics import non_numeric_error, reemit_to_user
from ._network import device_of, host_sum, namespace_of
from ._plan import SOLVERS
from ._solvers import SCHEDULES


def dispatch_enabled():
    """Whether scikit-learn's ``array_api_dispatch`` is on."""
    import sklearn

    return bool(sklearn.get_config().get("array_api_dispatch", False))


def input_namespace(X):
    """The Array API namespace ``X`` is computed in, or None for numpy.

    Another library's namespace only with ``array_api_dispatch`` enabled and
    an array of that library; numpy arrays, sparse matrices, lists and data
    frames take the numpy path (and its fast kernels), as without dispatch.
    """
    if not dispatch_enabled() or isinstance(X, np.ndarray) or sp.issparse(X):
        return None
    if not hasattr(X, "shape"):
        return None
    try:
        return namespace_of(X)
    except (TypeError, ImportError):
        return None



def check_same_namespace(X, xp, device, method, what="X"):
    """Raise when ``X`` is not an array of ``xp`` on ``device``."""
    x_xp = input_namespace(X)
    x_device = None if x_xp is None else device_of(X)
    if x_xp is xp and (xp is None or x_device == device):
        return
    off = "" if dispatch_enabled() else (
        " (array_api_dispatch is off, so input is converted to numpy)"
    )
    raise ValueError(
        f"SigmoidMLPRegressor.{method}(): {what} and the fitted weights must use "
        f"the same namespace (array library) and device: the weights are "
        f"{describe(xp, device)} arrays, {what} is {describe(x_xp, x_device)}"
        f"{off}. Pass {what} in the library the model was fitted on (with "
        "sklearn.config_context(array_api_dispatch=True) for non-numpy arrays), "
        "or refit the model on this library."
    )


def check_fitted_namespace(est, X, method):
    """The input of a fitted model must be in the fitted weights' library."""
    W = est.coefs_[0]
    xp = namespace_of(W)
    check_same_namespace(X, xp, None if xp is None else device_of(W), method)



def check_params(est):
    """Check every hyperparameter; raise with what is wrong and how to fix it."""
    sizes = est.hidden_layer_sizes
    auto = isinstance(sizes, str) and sizes == "auto"
    if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
        sizes = (sizes,)
    try:
        sizes = None if isinstance(sizes, str) else tuple(sizes)
    except TypeError:
        sizes = None
    if not auto and (
        not sizes
        or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0
            for s in sizes
        )
    ):
        raise ValueError(
            "hidden_layer_sizes must be a positive integer or a non-empty "
            "tuple of positive integers, e.g. (3,) or (5, 4), or 'auto' (the "
            "size chosen by the evidence, with solver='lm', alpha='auto'); got "
            f"{est.hidden_layer_sizes!r}."
        )
    check_option("solver", est.solver, tuple(SOLVERS))
    check_option("learning_rate_schedule", est.learning_rate_schedule, SCHEDULES)
    if isinstance(est.learning_rate, str) and est.learning_rate in SCHEDULES:
        # MLPRegressor's vocabulary: its learning_rate is the schedule
        raise TypeError(
            f"learning_rate={est.learning_rate!r} is MLPRegressor's name for "
            "a step-size schedule. Here learning_rate is the step size itself "
            "(MLPRegressor's learning_rate_init, a positive number such as "
            "0.3) and the schedule is learning_rate_schedule: use "
            f"SigmoidMLPRegressor(learning_rate_schedule={est.learning_rate!r}"
            ", learning_rate=0.3)."
        )
    check_real("learning_rate", est.learning_rate, low=0, low_open=True,
               hint="a positive step size such as 0.5")
    check_real("power_t", est.power_t, low=0,
               hint="a non-negative exponent such as 0.5")
    if not (isinstance(est.max_iter, str) and est.max_iter == "auto"):
        check_int("max_iter", est.max_iter, low=1)
    check_real("tol", est.tol, low=0, hint="a non-negative number")
    check_int("n_iter_no_change", est.n_iter_no_change, low=1,
              allow_inf=True)
    if isinstance(est.alpha, str):
        if est.alpha not in ("auto", "ard"):
            raise ValueError(
                "alpha must be a non-negative number, 'auto' or 'ard'; got "
                f"{est.alpha!r}."
            )
        # 'ard': one evidence-chosen strength per input's fan-out weights
        what = ("alpha='auto' (evidence-based regularisation)"
                if est.alpha == "auto" else
                "alpha='ard' (evidence-based relevance per input)")
        if est.solver != "lm":
            raise ValueError(
                f"{what} needs "
                "solver='lm', whose Gauss-Newton curvature it uses; got "
                f"solver={est.solver!r}. Set solver='lm', or give alpha a "
                "number."
            )
        if est.early_stopping:
            raise ValueError(
                f"alpha={est.alpha!r} chooses the regularisation from the training "
                "data's evidence, an alternative to early stopping; set "
                "early_stopping=False (X_val can still be monitored)."
            )
    else:
        check_real("alpha", est.alpha, low=0,
                   hint="a non-negative L2 strength such as 1e-4, or 'auto'")
    check_int("n_init", est.n_init, low=1)
    ensemble = getattr(est, "ensemble", False)
    if not isinstance(ensemble, (bool, np.bool_)):
        raise TypeError(f"ensemble must be True or False; got {ensemble!r}.")
    if ensemble and est.warm_start:
        raise ValueError(
            "ensemble=True keeps a committee of n_init fresh fits, and "
            "warm_start=True continues one network; they cannot be combined. "
            "Set warm_start=False, or continue one member: "
            "est.estimators_[k].set_params(warm_start=True).fit(X, y)."
        )
    if isinstance(est.penalize_intercepts, str):
        if est.penalize_intercepts != "auto":
            raise ValueError(
                "penalize_intercepts must be True, False or 'auto'; got "
                f"{est.penalize_intercepts!r}."
            )
    elif not isinstance(est.penalize_intercepts, (bool, np.bool_)):
        raise TypeError(
            "penalize_intercepts must be True, False or 'auto'; got "
            f"{est.penalize_intercepts!r}."
        )
    elif est.penalize_intercepts and est.solver != "lm":
        raise ValueError(
            "penalize_intercepts=True (an L2 penalty on the intercepts too) "
            f"is available with solver='lm' only; got solver={est.solver!r}. "
            "Use solver='lm', or penalize_intercepts='auto' (the coefs only, "
            "MLPRegressor's objective, for every solver but alpha='auto')."
        )
    if est.batch_size is not None:
        check_int("batch_size", est.batch_size, low=1)
    check_real("momentum", est.momentum, low=0, hint="a number in [0, 1]")
    if est.momentum > 1:
        raise ValueError(f"momentum must be in [0, 1]; got {est.momentum!r}.")
    for name in ("beta_1", "beta_2"):
        value = getattr(est, name)
        check_real(name, value, low=0, hint="a decay rate in [0, 1)")
        if value >= 1:
            raise ValueError(
                f"{name} must be in [0, 1) (a decay rate such as 0.9); got "
                f"{value!r}."
            )
    check_real("epsilon", est.epsilon, low=0, low_open=True,
               hint="a small positive number such as 1e-8")
    check_int("max_fun", est.max_fun, low=1)
    check_real("validation_fraction", est.validation_fraction, low=0,
               low_open=True, hint="a fraction in (0, 1) such as 0.1")
    if est.validation_fraction >= 1:
        raise ValueError(
            "validation_fraction must be in (0, 1), the share of the training "
            f"data held out; got {est.validation_fraction!r}."
        )
    for name in ("shuffle", "nesterovs_momentum", "early_stopping",
                 "warm_start", "verbose", "normalize_y"):
        value = getattr(est, name)
        if not isinstance(value, (bool, np.bool_, numbers.Integral)):
            raise TypeError(f"{name} must be a bool; got {value!r}.")
    if auto:
        _check_auto_size(est)
        return "auto"
    return tuple(int(s) for s in sizes)


def _check_auto_size(est):
    """hidden_layer_sizes='auto' compares sizes by the log evidence, which
    only the evidence path computes: solver='lm' with a string alpha (the
    test the evidence path itself uses; check_params has accepted it)."""
    if est.solver != "lm" or not isinstance(est.alpha, str):
        raise ValueError(
            "hidden_layer_sizes='auto' chooses the size by the log evidence, "
            "which needs solver='lm' and an evidence-based alpha such as "
            f"alpha='auto'; got solver={est.solver!r}, alpha={est.alpha!r}. "
            "Set solver='lm', alpha='auto', or give hidden_layer_sizes a "
            "tuple such as (3,)."
        )


def check_data(est, X, y, sample_weight, reset):
    """Validate the training data ``X``, ``y`` and ``sample_weight`` of ``est``."""
    if sp.issparse(y):
        raise TypeError(
            "y must be a dense array; got a sparse matrix. Pass y.toarray()."
        )
    xp = input_namespace(X)
    if xp is not None:
        return _check_data_xp(est, X, y, sample_weight, reset, xp)
    if dispatch_enabled():
        # numpy X with y or sample_weight of another library: everything
        # follows X, i.e. numpy.
        y = to_numpy(y)
        if sample_weight is not None and not isinstance(
            sample_weight, numbers.Number
        ):
            sample_weight = to_numpy(sample_weight)
    X, y = _validate_data(
        est,
        X,
        y,
        accept_sparse=["csr", "csc"],
        dtype=[np.float64, np.float32],
        multi_output=True,
        y_numeric=True,
        reset=reset,
    )
    y = as_2d_target(y, X.dtype)
    sample_weight = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    return X, y, sample_weight


def _check_data_xp(est, X, y, sample_weight, reset, xp):
    """``check_data`` for arrays of another Array API library.

    ``X`` stays in its library and on its device; ``y`` and
    ``sample_weight`` follow it there (whatever library they come from).
    """
    X = _validate_data(
        est, X, dtype=(xp.float64, xp.float32), reset=reset
    )
    device = device_of(X)
    y = move(y, xp, device)
    if y.ndim not in (1, 2):
        raise ValueError(
            f"y must be 1-D (one output) or 2-D (several outputs); got an "
            f"array with {y.ndim} dimensions."
        )
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"X has {X.shape[0]} samples but y has {y.shape[0]}; pass one "
            "target (row) per sample."
        )
    y = xp.astype(y, X.dtype)
    if not bool(xp.all(xp.isfinite(y))):
        raise ValueError(
            "Input y contains NaN or infinity; remove or impute those targets."
        )
    if y.ndim == 1:
        y = xp.reshape(y, (-1, 1))
    if sample_weight is not None:
        # The checks (and their messages) are the numpy ones; the weights
        # come to the host once, before training.
        if not isinstance(sample_weight, numbers.Number):
            sample_weight = to_numpy(sample_weight)
        sample_weight = check_sample_weight(
            sample_weight, X.shape[0], np.float64
        )
        sample_weight = xp.asarray(sample_weight, dtype=X.dtype, device=device)
        if not bool(xp.sum(sample_weight) > 0) or not bool(
            xp.isfinite(xp.sum(sample_weight))
        ):
            raise ValueError(
                "sample_weight must have a positive, finite sum in "
                f"{X.dtype}; rescale the weights (only their ratios matter)."
            )
    return X, y, sample_weight


def check_validation_data(est, X_val, y_val, sample_weight_val, dtype,
                          n_outputs, xp=None, device=None):
    """Validate ``X_val``, ``y_val``, ``sample_weight_val`` (None: no set given)."""
    if X_val is None and y_val is None:
        if sample_weight_val is not None:
            raise ValueError(
                "sample_weight_val was given without X_val and y_val; pass the "
                "validation set too (or drop sample_weight_val)."
            )
        return None
    if X_val is None or y_val is None:
        raise ValueError(
            "Pass both X_val and y_val (the validation inputs and targets), or "
            "neither."
        )
    if xp is not None:
        check_same_namespace(X_val, xp, device, "fit", "X_val")
        X_val, y_val, sample_weight_val = _check_data_xp(est,
            X_val, y_val, sample_weight_val, False, xp
        )
        if y_val.shape[1] != n_outputs:
            raise ValueError(
                f"y_val has {y_val.shape[1]} outputs but y has {n_outputs}; "
                "the validation targets must have the same columns."
            )
        return X_val, y_val, sample_weight_val
    X_val, y_val = _validate_data(
        est,
        X_val,
        y_val,
        accept_sparse=["csr", "csc"],
        dtype=dtype,
        multi_output=True,
        y_numeric=True,
        reset=False,
    )
    y_val = as_2d_target(y_val, dtype)
    if y_val.shape[1] != n_outputs:
        raise ValueError(
            f"y_val has {y_val.shape[1]} outputs but y has {n_outputs}; "
            "the validation targets must have the same columns."
        )
    sample_weight_val = check_sample_weight(
        sample_weight_val, X_val.shape[0], dtype
    )
    return X_val, y_val, sample_weight_val


def split_validation(est, X, y, sample_weight, rng):
    """Hold out ``validation_fraction`` of the data for ``early_stopping``."""
    arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
    n_val = int(np.ceil(est.validation_fraction * X.shape[0]))
    if n_val < 2 or X.shape[0] - n_val < 1:
        raise ValueError(
            f"early_stopping holds out validation_fraction="
            f"{est.validation_fraction} of {X.shape[0]} samples, which leaves "
            f"{n_val} validation samples; at least 2 are needed, and at least "
            "1 for training. Increase validation_fraction, pass X_val and "
            "y_val, or set early_stopping=False."
        )
    parts = train_test_split(*arrays, test_size=n_val, random_state=rng)
    X_train, X_val, y_train, y_val = parts[:4]
    sw_train, sw_val = (None, None) if sample_weight is None else parts[4:]
    if sw_train is not None and host_sum(sw_train) <= 0:
        raise ValueError(
            "The samples left for training after the validation split all have "
            "zero weight; pass X_val and y_val explicitly."
        )
    if sw_val is not None and host_sum(sw_val) <= 0:
        raise ValueError(
            "The validation samples drawn by early_stopping all have zero weight; "
            "pass X_val and y_val explicitly."
        )
    return X_train, y_train, sw_train, (X_val, y_val, sw_val)


def check_continuation(est, hidden, y, X, method):
    """Continuing training needs the same architecture, outputs and library."""
    check_fitted_namespace(est, X, method)
    current = tuple(c.shape[1] for c in est.coefs_[:-1])
    if current != hidden:
        raise ValueError(
            f"hidden_layer_sizes is {hidden} but the fitted network has hidden "
            f"layers {current}; set warm_start=False (or call fit) to train a "
            "new network."
        )
    if y.shape[1] != est.n_outputs_:
        raise ValueError(
            f"y has {y.shape[1]} outputs but the network was fitted with "
            f"{est.n_outputs_}; continue training with targets of the same "
            "shape."
        )


def check_X_predict(est, X, method):
    """Validate the input of a fitted model, in the weights' library and dtype."""
    check_is_fitted(est)
    check_fitted_namespace(est, X, method)
    xp = input_namespace(X)
    if xp is not None:
        X = _validate_data(est, X, dtype=(xp.float64, xp.float32), reset=False)
        # torch and others do not mix dtypes in ``@``: compute in the
        # weights' dtype
        return xp.astype(X, est.coefs_[0].dtype)
    return _validate_data(
        est,
        X,
        accept_sparse=["csr", "csc"],
        dtype=[np.float64, np.float32],
        reset=False,
    )


def _validate_data(est, X, *args, **kwargs):
    """scikit-learn's ``validate_data``, its warnings pointed at the user's
    line, and a non-numeric column of ``X`` named in the error."""
    try:
        with reemit_to_user():
            return validate_data(est, X, *args, **kwargs)
    except (ValueError, TypeError) as exc:
        named = non_numeric_error(exc, X)
        if named is None:
            raise
        raise named from exc


_INPUT_ATTRIBUTES = ("n_features_in_", "feature_names_in_")


@contextlib.contextmanager
def restore_input_attributes_on_failure(est):
    """Undo ``validate_data(reset=True)``'s bookkeeping when the call fails.

    ``validate_data`` records ``n_features_in_`` and ``feature_names_in_`` as
    soon as it has checked the data; if training then fails, those must go
    back to the previous model's values (or away), so that nothing is lost.
    """
    saved = {k: est.__dict__[k] for k in _INPUT_ATTRIBUTES if k in est.__dict__}
    try:
        yield
    except BaseException:
        for key in _INPUT_ATTRIBUTES:
            est.__dict__.pop(key, None)
        est.__dict__.update(saved)
        raise


def check_sample_weight(sample_weight, n_samples, dtype):
    """Validate ``sample_weight``: None, a number, or a 1-D array of length n."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number):
        sample_weight = np.full(n_samples, sample_weight)
    if sp.issparse(sample_weight):
        raise TypeError("sample_weight must be a dense 1-D array, not a sparse matrix.")
    try:
        sample_weight = np.asarray(sample_weight)
        if sample_weight.dtype.kind == "c":
            raise TypeError("got complex values")
        sample_weight = sample_weight.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"sample_weight must be an array of non-negative real numbers; {exc}"
        ) from None
    if sample_weight.ndim != 1:
        raise ValueError(
            "sample_weight must be 1-D with one weight per sample; got shape "
            f"{sample_weight.shape}."
        )
    if sample_weight.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight has {sample_weight.shape[0]} entries but X has "
            f"{n_samples} samples; pass one weight per sample."
        )
    if not np.isfinite(sample_weight).all():
        raise ValueError(
            "sample_weight contains NaN or infinity; weights must be finite."
        )
    if (sample_weight < 0).any():
        raise ValueError(
            "sample_weight contains negative values; weights must be non-negative."
        )
    with np.errstate(over="ignore"):
        total = sample_weight.sum()
        if total > 0:
            sample_weight = sample_weight.astype(dtype, copy=False)
            total = sample_weight.sum()
    if total <= 0:
        raise ValueError(
            "sample_weight sums to zero; at least one sample needs a positive weight."
        )
    if not np.isfinite(total):
        raise ValueError(
            f"sample_weight is too large: its sum overflows {np.dtype(dtype).name}; "
            "rescale the weights (only their ratios matter)."
        )
    return sample_weight


def check_real(name, value, *, low, low_open=False, hint):
    """Raise unless ``value`` is a finite real number >= ``low`` (> if open)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number ({hint}); got {value!r}.")
    if not np.isfinite(value) or value < low or (low_open and value == low):
        bound = f"> {low}" if low_open else f">= {low}"
        raise ValueError(f"{name} must be finite and {bound} ({hint}); got {value!r}.")


def check_int(name, value, *, low, allow_inf=False):
    """Raise unless ``value`` is an integer >= ``low`` (or inf, if allowed)."""
    if allow_inf and isinstance(value, numbers.Real) and value == np.inf:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {low}; got {value!r}.")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}.")


def check_option(name, value, options):
    """Raise unless ``value`` is one of the strings ``options``."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(
            f"{name} must be one of {', '.join(repr(o) for o in options)}; got "
            f"{value!r}."
        )


def as_2d_target(y, dtype):
    """``y`` as a finite 2-D array of ``dtype``, one column per output."""
    y = np.asarray(y, dtype=dtype)
    if not np.isfinite(y).all():
        # object arrays skip validate_data's finiteness check: None became NaN
        raise ValueError(
            "Input y contains NaN or infinity (None in an object array becomes "
            "NaN); remove or impute those targets."
        )
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2:
        raise ValueError(
            f"y must be 1-D (one output) or 2-D (several outputs); got an "
            f"array with {y.ndim} dimensions."
        )
    return y
